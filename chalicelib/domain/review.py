"""Review: who claimed a submitted application and until when, what each round decided, how a
reviewer's decision (the opinion and the issues at fault) is parsed into those values, within the caps
that keep every round on the application, and the fix period a late rejection leaves for resubmitting.

`Application.claim`, `.approve` and `.reject` (`chalicelib.domain.application`) make the moves;
this module holds the values they record and the rules a decision must meet.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Iterable, Mapping

from chalicelib.domain import texts
from chalicelib.domain.application_form import is_blank, refuse
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.identity import clean_text
from chalicelib.domain.windows import SHANGHAI

DEFAULT_LEASE = timedelta(minutes=30)
# Every review round stays on the application, which DynamoDB stores as one item of at
# most 400 KB. These bound what the rounds can add up to, whatever reviewers type:
# at most 10 rounds of an opinion and notes of 2,000 characters together (≤ 16 KB each).
MAX_REVIEW_ROUNDS = 10
MAX_ISSUES = 50
MAX_DECISION_TEXT = 2000
OPINION_MAX_LENGTH = 1000
NOTE_MAX_LENGTH = 500
# SPEC §2.6: a rejection decided fewer than this many days before the window closes (or after it)
# leaves the applicant this long to resubmit. `Settings.fix_days` sets it; this is its default.
DEFAULT_FIX_DAYS = 7


class ReviewOutcome(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ReviewIssue:
    """A field or material the reviewer found at fault; `item` is a field name or a material kind."""

    item: str
    note: str = ""


@dataclass(frozen=True)
class Lease:
    """A reviewer's hold on an application in review; others may take it over once `until` passes."""

    reviewer: str
    until: datetime

    def is_live(self, now: datetime) -> bool:
        return now < self.until


@dataclass(frozen=True)
class ReviewRound:
    """One submission and its review; a rejected application resubmitted starts the next round."""

    number: int
    submitted_at: datetime
    reviewer: str | None = None
    claimed_at: datetime | None = None
    decided_at: datetime | None = None
    outcome: ReviewOutcome | None = None
    opinion: str | None = None
    issues: tuple[ReviewIssue, ...] = ()


def fix_until(decided_at: datetime, closes_at: datetime, fix_days: int = DEFAULT_FIX_DAYS) -> datetime | None:
    """Until when a rejection decided at `decided_at` may be resubmitted although its window
    (closing at `closes_at`) has closed: max(closes_at, decided_at + fix_days) when the rejection
    came after the close or fewer than `fix_days` days before it; None when at least that much of
    the window was left (the window itself is the time to fix it)."""
    period = fix_period(fix_days)
    if closes_at - decided_at >= period:
        return None
    return max(closes_at, decided_at + period)


def fix_period(fix_days: int) -> timedelta:
    """`fix_days` (`Settings.fix_days`) as a duration; ValueError unless a positive whole number."""
    if isinstance(fix_days, bool) or not isinstance(fix_days, int) or fix_days <= 0:
        raise ValueError("fix_days must be a positive number of days")
    return timedelta(days=fix_days)


def beijing_time(at: datetime) -> str:
    """A moment as the applicant reads it in a notice or refusal: Beijing time, a Chinese date
    (2026年4月8日14:30)."""
    local = at.astimezone(SHANGHAI)
    return texts.NOTICE_PARTS["date_time"].format(year=local.year, month=local.month, day=local.day,
                                                  time=f"{local:%H:%M}")


# --- the decision ---------------------------------------------------------------------------

def clean_opinion(raw: object) -> str:
    """A reviewer's opinion: filled in, cleaned, at most OPINION_MAX_LENGTH characters (else ValidationError)."""
    return clean_text(raw, field="opinion", label=texts.DECISION_LABELS["opinion"], max_length=OPINION_MAX_LENGTH)


def approval_opinion(raw: object) -> str | None:
    """An approval's opinion is optional: None when blank, else `clean_opinion`."""
    return None if is_blank(raw) else clean_opinion(raw)


def parse_rejection(opinion: object, issues: Iterable[ReviewIssue | Mapping[str, Any]] | None,
                    items: frozenset[str]) -> tuple[str, tuple[ReviewIssue, ...]]:
    """A rejection's opinion and its issues, each naming one of `items` (the application's
    fields and materials).

    Raises one ValidationError naming a missing or bad opinion and every bad issue
    (`issues[0].item`, `issues[2].note`, …); more than MAX_ISSUES issues are refused
    before any is read, and an opinion and notes that are each fine but together exceed
    MAX_DECISION_TEXT are refused under `issues`.
    """
    problems: dict[str, str] = {}
    text = ""
    try:
        text = clean_opinion(opinion)
    except ValidationError as exc:
        problems.update(exc.details)
    issues = list(issues or ())
    if len(issues) > MAX_ISSUES:
        raise refuse("issues", texts.reason("ISSUES_TOO_MANY", limit=MAX_ISSUES))
    parsed = []
    for index, raw in enumerate(issues):
        try:
            parsed.append(_parse_issue(index, raw, items))
        except ValidationError as exc:
            problems.update(exc.details)
    if not problems and len(text) + sum(len(issue.note) for issue in parsed) > MAX_DECISION_TEXT:
        problems["issues"] = texts.reason("DECISION_TEXT_TOO_LONG", limit=MAX_DECISION_TEXT)
    if problems:
        raise ValidationError(details=problems)
    return text, tuple(parsed)


def _parse_issue(index: int, raw: ReviewIssue | Mapping[str, Any], items: frozenset[str]) -> ReviewIssue:
    path = f"issues[{index}]"
    if isinstance(raw, ReviewIssue):
        item, note = raw.item, raw.note
    elif isinstance(raw, Mapping):
        item, note = raw.get("item"), raw.get("note")
    else:
        raise refuse(path, texts.reason("ISSUE_SHAPE"))
    if item not in items:
        raise refuse(f"{path}.item", texts.reason("ISSUE_ITEM_UNKNOWN"))
    if is_blank(note):
        return ReviewIssue(item, "")
    return ReviewIssue(item, clean_text(note, field=f"{path}.note", label=texts.DECISION_LABELS["note"],
                                        max_length=NOTE_MAX_LENGTH))
