"""The reviewer's use cases (SPEC §3 Reviewer): queue, claim, look, decide, count."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.accounts import Account
from chalicelib.domain.application import Application, ApplicationStatus
from chalicelib.domain.commands import Decision, QueueQuery, StatsQuery
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.ports import AuditEntry, Page
from chalicelib.domain.register import CeRecord, Practitioner, Registration
from chalicelib.domain.windows import SHANGHAI
from chalicelib.services.applicant import save_with_notices
from chalicelib.services.deps import Deps

PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 20
PHOTO_LINK_SECONDS = 300


@dataclass(frozen=True)
class ReviewFile:
    application: Application
    practitioner: Practitioner | None
    registrations: list[Registration]
    ce_records: list[CeRecord]
    photo_urls: dict[str, str]
    audit: list[AuditEntry]
    audit_position: str | None  # where the next page of `audit` starts; None when this is all


def _reviewer(account: Account) -> str:
    return account.username


def _year(window: int | None, now: datetime) -> int:
    """The window asked for or, when none was, this year in Beijing."""
    return window if window is not None else now.astimezone(SHANGHAI).year


def queue(deps: Deps, query: QueueQuery, now: datetime, position: str | None = None) -> Page:
    """Oldest submission first; one GSI query per page whatever the table's size. Only
    states a reviewer works on (`commands.REVIEWABLE`) can be asked for: drafts never are."""
    return deps.applications.queue_page(_year(query.window, now), query.status, query.type, position, PAGE_SIZE)


def claim(deps: Deps, account: Account, application_id: str, now: datetime) -> Application:
    application = deps.applications.get(application_id)
    application.claim(_reviewer(account), now)
    deps.applications.save(application)
    return application


def review_file(deps: Deps, account: Account, application_id: str, now: datetime,
                audit_position: str | None = None) -> ReviewFile:
    """Everything the applicant filed and the register holds; the access is audited.
    The audit log grows with every look, so it comes a page at a time, newest first
    (`audit_position` from the previous answer). Registrations and CE records are
    bounded by the register and come whole. A draft is not found (as an unknown id)."""
    application = deps.applications.get(application_id)
    if application.status is ApplicationStatus.DRAFT:
        raise NotFoundError()  # a never-submitted draft is the applicant's own business
    deps.audit.record(application_id, _reviewer(account), "viewed", now)
    urls = {kind.value: deps.files.download_url(m.object_key, PHOTO_LINK_SECONDS)
            for kind, m in application.materials.items() if m.object_key}
    audit = deps.audit.page(application_id, audit_position, AUDIT_PAGE_SIZE)
    return ReviewFile(application, deps.register.get_practitioner(application.id_number),
                      deps.register.registrations_of(application.id_number),
                      deps.register.ce_records_of(application.id_number), urls, audit.items, audit.position)


def decide(deps: Deps, account: Account, application_id: str, decision: Decision, now: datetime) -> Application:
    """Approve or reject; the decision, its history entry, the message and the SMS are one write.
    A rejection late in the window (or after it) gets a fix period of `Settings.fix_days`."""
    application = deps.applications.get(application_id)
    if decision.outcome == "approve":
        application.approve(_reviewer(account), now, decision.opinion)
    else:
        application.reject(_reviewer(account), now, decision.opinion, decision.issues,
                           window=deps.windows.get(application.window_year), fix_days=deps.settings.fix_days)
    save_with_notices(deps, application, phone=application.fields.phone)
    return application


def stats(deps: Deps, query: StatsQuery, now: datetime) -> dict:
    """The window's counts by status, by type and by both: its counters, read in one request
    whatever the window's size (`domain/tally.py`)."""
    year = _year(query.window, now)
    counts = deps.applications.counts(year)
    by_status = {s.value: sum(c for (st, _), c in counts.items() if st is s) for s in ApplicationStatus}
    by_type = {t.value: sum(c for (_, ty), c in counts.items() if ty is t) for t in RegistrationType}
    return {"window": year, "by_status": by_status, "by_type": by_type,
            "by_status_and_type": {f"{s.value}/{t.value}": c for (s, t), c in sorted(counts.items())}}

