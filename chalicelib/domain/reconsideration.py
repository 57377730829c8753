"""The way back after a rejection (SPEC §2.6): reconsideration (复核) and the rejection that comes
with a fix period — the values `Application` records, the rules a request and a decision must meet,
and the events they raise beside those of `chalicelib.domain.events`.

`Application.reject` (with its window), `.request_reconsideration` and `.decide_reconsideration`
make the moves; the fix period's date rule is `review.fix_until`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.domain import texts
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.events import ApplicationEvent, ApplicationRejected
from chalicelib.domain.identity import clean_text

# An applicant may ask within this many days of the application expiring after a rejection.
RECONSIDERATION_DAYS = 15
# The applicant's reason: long enough to argue a case, small beside the 400 KB item.
REASON_MAX_LENGTH = 1000


class ReconsiderationOutcome(StrEnum):
    UPHOLD = "uphold"      # the rejection stands: expired, for good
    OVERTURN = "overturn"  # approved after all: the certificate run issues it
    REOPEN = "reopen"      # back to rejected, with a new fix period to resubmit in


@dataclass(frozen=True)
class Reconsideration:
    """One application's request (at most one ever) and, once decided, its decision.
    `rejected_by` is the reviewer whose rejection is asked about: they may not decide it."""

    requested_at: datetime
    reason: str
    rejected_by: str | None
    decided_at: datetime | None = None
    reviewer: str | None = None
    outcome: ReconsiderationOutcome | None = None
    opinion: str | None = None


def request_deadline(expired_at: datetime) -> datetime:
    """The last moment a reconsideration may be asked for, for an application that expired
    (after a rejection) at `expired_at`."""
    return expired_at + timedelta(days=RECONSIDERATION_DAYS)


def clean_reason(raw: object) -> str:
    """The applicant's reason: filled in, cleaned, at most REASON_MAX_LENGTH characters."""
    return clean_text(raw, field="reason", label=texts.DECISION_LABELS["reason"], max_length=REASON_MAX_LENGTH)


def parse_outcome(raw: object) -> ReconsiderationOutcome:
    """`uphold`, `overturn` or `reopen`; anything else is a ValidationError on `outcome`."""
    try:
        return ReconsiderationOutcome(raw)
    except ValueError:
        raise ValidationError(code="RECONSIDERATION_DECISION_INVALID",
                              details={"outcome": texts.reason("RECONSIDERATION_OUTCOME_UNKNOWN")}) from None


# --- events -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class RejectedWithFixPeriod(ApplicationRejected):
    """A rejection decided after the window closed or shortly before: the applicant may edit and
    resubmit until `fix_until`, and is told that date."""

    fix_until: datetime


@dataclass(frozen=True)
class ReconsiderationRequested(ApplicationEvent):
    """The applicant asked for reconsideration; they are told it was received."""


@dataclass(frozen=True)
class ReconsiderationDecided(ApplicationEvent):
    """A reviewer decided a reconsideration; a reopened application carries its new `fix_until`."""

    outcome: ReconsiderationOutcome
    opinion: str
    fix_until: datetime | None = None
    mailed: bool = False  # an overturn for an applicant who chose mail: the notice speaks of the paper certificate
