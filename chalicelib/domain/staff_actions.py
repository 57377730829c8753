"""Staff actions on applications and accounts (SPEC §2.10, §3 Admin): what a reviewer or an admin
asks for when releasing, reassigning or reopening an application and when disabling, enabling or
unbinding an account, as commands parsed at the edge, and the rules of their inputs (note, fix period).

The moves themselves are on the entities: `Application.release`, `.reassign`, `.reopen`
(`chalicelib.domain.application`) and `Account.disable`, `.enable`, `.unbind`
(`chalicelib.domain.accounts`); the event a reopen raises is `events.ApplicationReopened`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Mapping

from chalicelib.domain import texts
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.identity import clean_text
from chalicelib.domain.windows import SHANGHAI, parse_window_time

# An admin's note on an action (the reason it was taken, as told at the counter).
NOTE_MAX_LENGTH = 500
USERNAME_MAX_LENGTH = 32
# How far ahead an admin may set a reopened application's fix period.
MAX_FIX_PERIOD = timedelta(days=180)
_BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def clean_note(raw: object, field: str = "note") -> str:
    """An admin's note: filled in, cleaned, at most NOTE_MAX_LENGTH characters (else ValidationError)."""
    return clean_text(raw, field=field, label=texts.HELPDESK_LABELS["note"], max_length=NOTE_MAX_LENGTH)


def parse_fix_until(raw: object, field: str = "fix_until") -> datetime:
    """An ISO 8601 date-time (without an offset: Beijing time), or a date, which means the end of
    that day in Beijing (resubmitting is allowed throughout it). Whether it lies ahead is the
    entity's rule (`Application.reopen`), which knows the time."""
    try:
        moment = parse_window_time(raw, field=field)
        if isinstance(raw, str) and _BARE_DATE.fullmatch(raw.strip()):
            moment = (moment + timedelta(days=1)).astimezone(SHANGHAI)
    except OverflowError:  # a date at the calendar's very end (9999-12-31), or its start in another zone
        raise ValidationError(details={field: texts.reason("TIME_FORMAT")}) from None
    return moment


def check_fix_until(fix_until: datetime, now: datetime, field: str = "fix_until") -> datetime:
    """`fix_until` if it lies after `now` and at most MAX_FIX_PERIOD ahead; ValidationError otherwise."""
    if fix_until <= now:
        raise ValidationError(code="REOPEN_INVALID", details={field: texts.reason("FIX_UNTIL_NOT_AHEAD")})
    if fix_until - now > MAX_FIX_PERIOD:
        raise ValidationError(code="REOPEN_INVALID",
                              details={field: texts.reason("FIX_UNTIL_TOO_FAR", days=MAX_FIX_PERIOD.days)})
    return fix_until


def _body(raw: Any) -> Mapping[str, Any]:
    return raw if isinstance(raw, Mapping) else {}


def _errors(*parsers) -> tuple[list, dict[str, str]]:
    values, details = [], {}
    for parse, raw in parsers:
        try:
            values.append(parse(raw))
        except ValidationError as exc:
            values.append(None)
            details.update(exc.details)
    return values, details


@dataclass(frozen=True)
class Reassign:
    """Move an application's claim to the staff member `reviewer` (a username)."""

    reviewer: str

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Reassign:
        raw = _body(body).get("reviewer")
        if not isinstance(raw, str) or not raw.strip():
            raise ValidationError(code="REASSIGN_INVALID", details={"reviewer": texts.reason("USERNAME_REQUIRED")})
        if len(raw.strip()) > USERNAME_MAX_LENGTH:
            raise ValidationError(code="REASSIGN_INVALID", details={"reviewer": texts.reason("REVIEWER_UNKNOWN")})
        return cls(raw.strip().lower())


@dataclass(frozen=True)
class Reopen:
    """Return an expired or rejected application to `rejected`, resubmittable until `fix_until`."""

    note: str
    fix_until: datetime

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Reopen:
        body = _body(body)
        (note, fix_until), details = _errors((clean_note, body.get("note")), (parse_fix_until, body.get("fix_until")))
        if details:
            raise ValidationError(code="REOPEN_INVALID", details=details)
        return cls(note, fix_until)


@dataclass(frozen=True)
class AccountAction:
    """Disable, enable or unbind an account: the note (why) is required."""

    note: str

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> AccountAction:
        (note,), details = _errors((clean_note, _body(body).get("note")))
        if details:
            raise ValidationError(code="ACCOUNT_ACTION_INVALID", details=details)
        return cls(note)
