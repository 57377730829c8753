"""What happened to an application, for the service layer to turn into messages and outbox rows."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.review import ReviewIssue


@dataclass(frozen=True)
class ApplicationEvent:
    application_id: str
    id_number: str
    at: datetime


@dataclass(frozen=True)
class ApplicationSubmitted(ApplicationEvent):
    round_number: int


@dataclass(frozen=True)
class ApplicationApproved(ApplicationEvent):
    opinion: str | None
    mailed: bool = False  # the applicant chose to have the paper certificate mailed: the notice says so


@dataclass(frozen=True)
class ApplicationRejected(ApplicationEvent):
    opinion: str
    issues: tuple[ReviewIssue, ...]


@dataclass(frozen=True)
class ApplicationExpired(ApplicationEvent):
    """The window closed on an application nobody submitted: a draft, or (`after_rejection`)
    a rejected one that was not resubmitted in time — the applicant is told which."""

    after_rejection: bool = False


@dataclass(frozen=True)
class CertificateIssued(ApplicationEvent):
    registration_no: str
    registration_year: int
    valid_until: int


@dataclass(frozen=True)
class ReminderDue(ApplicationEvent):
    """A draft (or, `after_rejection`, a rejection not yet resubmitted) whose window closes within
    `days_left` days; `missing` names, in Chinese, every field and material still in the way of
    submitting."""

    days_left: int
    missing: tuple[str, ...]
    closes_at: datetime | None = None
    after_rejection: bool = False


@dataclass(frozen=True)
class ApplicationReopened(ApplicationEvent):
    """An admin returned an expired or rejected application to `rejected` with a fix period
    (`fix_until`); `note` says why, and the applicant is told both (`Application.reopen`)."""

    note: str
    fix_until: datetime
