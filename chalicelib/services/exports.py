"""Operators' exports (SPEC §4, `swreg export …`): a window's applications as rows, and its counts.

The rows are plain data (one list of strings per application, in `COLUMNS` order, with
`header()` naming them in Chinese); writing them to a file is the command line's business
(`chalicelib/cli/exports.py`).

What a default export holds. A civil-affairs operator exports a window to work the
applications the office has received: who applied for what, where each one stands, who
decided it and when, and the registration number once certified. So the default is every
application that was **submitted**: submitted, in review, approved, rejected, under
reconsideration, certified, and expired *after a submission* (a rejection not fixed in
time). Drafts, discarded drafts and drafts that expired unsubmitted are left out: nobody
filed them, staff never see them in the queue or in a review file, and they are the
applicant's own business. An operator who does need them asks by name (`--status draft`,
`--status discarded`, `--status expired`): an explicit status exports every application in
it.

The file carries full ID numbers and phones (it is the operator's working file on their own
machine), so each export is audited under `export#applications`: who, when, which window and
statuses, and how many rows; never a person's data.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from chalicelib.domain import texts
from chalicelib.domain.application import Application, ApplicationStatus
from chalicelib.domain.commands import StatsQuery
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.windows import SHANGHAI
from chalicelib.services import review
from chalicelib.services.deps import Deps

AUDIT_SUBJECT = "export#applications"
# One index page, and one BatchGetItem of the applications on it (100 keys is its limit).
PAGE_SIZE = 100

_S = ApplicationStatus
# In the order of the lifecycle, so a file reads from the newest arrivals to the finished.
SUBMITTED_STATES: tuple[ApplicationStatus, ...] = (
    _S.SUBMITTED, _S.IN_REVIEW, _S.APPROVED, _S.REJECTED, _S.RECONSIDERATION_REQUESTED, _S.EXPIRED, _S.CERTIFIED)
# Every state, in that order, then the never-submitted ones: what `--status` accepts.
ALL_STATES: tuple[ApplicationStatus, ...] = (*SUBMITTED_STATES, _S.DRAFT, _S.DISCARDED)

COLUMNS: tuple[str, ...] = (
    "application_id", "type", "status", "submitted_at", "decided_at", "reviewer", "name", "id_number",
    "phone", "employer", "district", "education", "pickup_method", "registration_no")


def header() -> list[str]:
    """The Chinese names of `COLUMNS`: the form's fields as the form calls them (`ITEM_LABELS`)."""
    return [texts.ITEM_LABELS.get(column) or texts.EXPORT_LABELS[column] for column in COLUMNS]


@dataclass(frozen=True)
class ApplicationExport:
    """`swreg export applications --window Y [--status S]`: one status, or None for the default
    (every submitted application, see the module's docstring)."""

    window: int
    status: ApplicationStatus | None = None

    @classmethod
    def from_args(cls, window: int, status: str | None) -> ApplicationExport:
        """Raises ValidationError (EXPORT_QUERY_INVALID) naming the statuses allowed, for an unknown status."""
        if status is None:
            return cls(window)
        chosen = next((s for s in ALL_STATES if status in (s.value, s.chinese)), None)
        if chosen is None:
            choices = texts.EXPORT_NOTES["STATUS_SEPARATOR"].join(f"{s.value}（{s.chinese}）" for s in ALL_STATES)
            raise ValidationError(code="EXPORT_QUERY_INVALID",
                                  details={"status": texts.reason("QUERY_CHOICE", name="--status", choices=choices)})
        return cls(window, chosen)

    @property
    def statuses(self) -> tuple[ApplicationStatus, ...]:
        return (self.status,) if self.status else SUBMITTED_STATES

    def wants(self, application: Application) -> bool:
        """An expired application that was never submitted is a draft that ran out of time: only
        an explicit `--status expired` exports it."""
        if application.window_year != self.window:  # the reconsideration queue spans windows
            return False
        return self.status is not None or application.submitted_at is not None

    def describe(self) -> str:
        """The statuses, in Chinese, for the operator's closing line."""
        if self.status is None:
            return texts.EXPORT_NOTES["ALL_STATUSES"]
        return self.status.chinese

    def summary(self) -> str:
        """What was asked, for the audit log: a window and statuses, never anyone's data."""
        return f"export applications: window {self.window}, status {self.status.value if self.status else 'submitted+'}"


def expected(deps: Deps, export: ApplicationExport) -> int:
    """About how many rows the export will hold: the window's counts of its statuses (COUNT
    queries on the queue index). `About`: applications move while the export runs, and expired
    drafts are counted with the expired though a default export leaves them out."""
    counts = deps.applications.counts(export.window)
    return sum(count for (status, _), count in counts.items() if status in export.statuses)


def applications(deps: Deps, export: ApplicationExport, *, page_size: int = PAGE_SIZE) -> Iterator[Application]:
    """The applications of the export, status by status, each oldest submission first: one query
    on the queue index (`by_queue`) and one batch read per page, never a scan. A status's
    pages are read as the caller consumes them, so a window of any size streams in constant
    memory but for the ids already written: an application that moves to a later status while
    the export runs is written once, under the status it was first met in."""
    seen: set[str] = set()
    for status in export.statuses:
        for application in _pages(deps, export.window, status, page_size):
            if application.application_id not in seen and export.wants(application):
                seen.add(application.application_id)
                yield application


def _pages(deps: Deps, year: int, status: ApplicationStatus, page_size: int) -> Iterator[Application]:
    position: str | None = None
    while True:
        if status is ApplicationStatus.RECONSIDERATION_REQUESTED:  # one queue across windows: `wants` filters it
            page = deps.applications.reconsideration_page(position, page_size)
        else:
            page = deps.applications.queue_page(year, status, None, position, page_size)
        yield from page.items
        if page.position is None:
            return
        position = page.position


def start(deps: Deps, export: ApplicationExport, actor: str, now: datetime) -> Iterator[list[str]]:
    """The rows of the export (`row`), the export audited first: the record is written before any
    person's data leaves, so an export that fails half-way is on the log as well."""
    deps.audit.record(AUDIT_SUBJECT, actor, export.summary(), now)
    return (row(application) for application in applications(deps, export))


def finish(deps: Deps, export: ApplicationExport, actor: str, rows: int, now: datetime) -> None:
    """Audit the end of an export: how many rows were written."""
    deps.audit.record(AUDIT_SUBJECT, actor, f"{export.summary()}: {rows} rows written", now)


def _when(at: datetime | None) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if at else ""


def _decision(application: Application) -> tuple[datetime | None, str]:
    """When the current submission was decided and by whom (a reconsideration's decision when it
    came later); while undecided, no time and the reviewer holding it, if anyone does. A
    resubmitted application shows nothing of the rejection before it: that round is over."""
    current = application.current_round
    if current is None:
        return None, ""
    if current.decided_at is None:
        return None, current.reviewer or ""
    decision = (current.decided_at, current.reviewer or "")
    reconsideration = application.reconsideration
    if reconsideration and reconsideration.decided_at and reconsideration.decided_at > current.decided_at:
        decision = (reconsideration.decided_at, reconsideration.reviewer or "")
    return decision


def row(application: Application) -> list[str]:
    """One application as the file's row, in `COLUMNS` order: names and choices in Chinese,
    times in Beijing time, blanks for what is not there (yet)."""
    fields = application.fields
    decided_at, reviewer = _decision(application)
    values = {
        "application_id": application.application_id,
        "type": application.type.chinese,
        "status": application.status.chinese,
        "submitted_at": _when(application.submitted_at),
        "decided_at": _when(decided_at),
        "reviewer": reviewer,
        "name": application.name,
        "id_number": application.id_number,
        "phone": fields.phone or "",
        "employer": fields.employer or "",
        "district": fields.district or "",
        # a value from before the list was closed is free text: shown as it was typed
        "education": texts.EDUCATION_LABELS.get(fields.education or "", fields.education or ""),
        "pickup_method": fields.pickup_method.chinese if fields.pickup_method else "",
        "registration_no": application.registration_no or "",
    }
    return [values[column] for column in COLUMNS]


def stats(deps: Deps, window: int, now: datetime) -> dict:
    """The window's counts by status and type: the reviewers' stats (`review.stats`), as they are."""
    return review.stats(deps, StatsQuery(window=window), now)
