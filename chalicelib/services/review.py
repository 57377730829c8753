"""The reviewer's use cases (SPEC §3 Reviewer): queue, claim, look, decide, count."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from chalicelib.domain.accounts import Account
from chalicelib.domain.application import Application, ApplicationStatus
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.domain.errors import NotFoundError, ValidationError
from chalicelib.domain.ports import AuditEntry, Page
from chalicelib.domain.register import CeRecord, Practitioner, Registration
from chalicelib.domain.windows import SHANGHAI
from chalicelib.services.applicant import save_with_notices

PAGE_SIZE = 25
AUDIT_PAGE_SIZE = 20
PHOTO_LINK_SECONDS = 300
# What a reviewer works on (SPEC §3): a draft is the applicant's own business, an expired
# application nobody's; neither is ever listed to staff.
REVIEWABLE = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.APPROVED,
              ApplicationStatus.REJECTED, ApplicationStatus.CERTIFIED)


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


def _choice(raw, allowed: Sequence, field: str, problems: dict, default=None):
    """One of `allowed` (enum members) by value; absent or empty is `default`. A bad
    value is noted in `problems` (field → Chinese reason) and answers `default`."""
    if raw in (None, ""):
        return default
    chosen = next((member for member in allowed if member.value == raw), None)
    if chosen is None:
        problems[field] = f"{field} 只能是 {'、'.join(m.value for m in allowed)} 之一"
    return chosen or default


def _year(query: dict, now: datetime, problems: dict) -> int:
    """`?window=` (a four-digit year) or, when absent, this year in Beijing."""
    raw = query.get("window")
    if raw in (None, ""):
        return now.astimezone(SHANGHAI).year
    if not (isinstance(raw, str) and len(raw) == 4 and raw.isascii() and raw.isdigit() and raw[0] != "0"):
        problems["window"] = "window 应为四位年份，如 2026"
        return now.astimezone(SHANGHAI).year
    return int(raw)


def _window_year(query: dict, now: datetime) -> int:
    problems: dict[str, str] = {}
    year = _year(query, now, problems)
    if problems:
        raise ValidationError(code="REVIEW_QUERY_INVALID", details=problems)
    return year


def queue(deps, query: dict, now: datetime, position: str | None = None) -> Page:
    """Oldest submission first; one GSI query per page whatever the table's size. Only
    states a reviewer works on (`REVIEWABLE`) can be listed: drafts never are.
    Raises ValidationError (REVIEW_QUERY_INVALID) naming every bad filter at once."""
    problems: dict[str, str] = {}
    year = _year(query, now, problems)
    status = _choice(query.get("status"), REVIEWABLE, "status", problems, ApplicationStatus.SUBMITTED)
    kind = _choice(query.get("type"), tuple(RegistrationType), "type", problems)
    if problems:
        raise ValidationError(code="REVIEW_QUERY_INVALID", details=problems)
    return deps.applications.queue_page(year, status, kind, position, PAGE_SIZE)


def claim(deps, account: Account, application_id: str, now: datetime) -> Application:
    application = deps.applications.get(application_id)
    application.claim(_reviewer(account), now)
    deps.applications.save(application)
    return application


def review_file(deps, account: Account, application_id: str, now: datetime,
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


def decide(deps, account: Account, application_id: str, body: dict, now: datetime) -> Application:
    """Approve or reject; the decision, its history entry, the message and the SMS are one write."""
    outcome = body.get("outcome")
    if outcome not in ("approve", "reject"):
        raise ValidationError(code="DECISION_INVALID", details={"outcome": "outcome 只能是 approve 或 reject"})
    application = deps.applications.get(application_id)
    if outcome == "approve":
        application.approve(_reviewer(account), now, body.get("opinion"))
    else:
        issues = body.get("issues") or []
        if not isinstance(issues, list):
            raise ValidationError(code="DECISION_INVALID", details={"issues": "issues 应为列表"})
        application.reject(_reviewer(account), now, body.get("opinion"), issues)
    save_with_notices(deps, application, phone=application.fields.phone)
    return application


def stats(deps, query: dict, now: datetime) -> dict:
    year = _window_year(query, now)
    counts = deps.applications.counts(year)
    by_status = {s.value: sum(c for (st, _), c in counts.items() if st is s) for s in ApplicationStatus}
    by_type = {t.value: sum(c for (_, ty), c in counts.items() if ty is t) for t in RegistrationType}
    return {"window": year, "by_status": by_status, "by_type": by_type,
            "by_status_and_type": {f"{s.value}/{t.value}": c for (s, t), c in sorted(counts.items())}}

