"""The reviewer's use cases (SPEC §3 Reviewer): queue, claim, look, decide, count."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.domain.accounts import Account
from chalicelib.domain.application import Application, ApplicationStatus
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.domain.errors import NotFoundError, ValidationError
from chalicelib.domain.ports import Page
from chalicelib.domain.register import CeRecord, Practitioner, Registration
from chalicelib.domain.windows import SHANGHAI
from chalicelib.services.applicant import save_with_notices

PAGE_SIZE = 25
PHOTO_LINK_SECONDS = 300


@dataclass(frozen=True)
class ReviewFile:
    application: Application
    practitioner: Practitioner | None
    registrations: list[Registration]
    ce_records: list[CeRecord]
    photo_urls: dict[str, str]
    audit: list


def _reviewer(account: Account) -> str:
    return account.username


def _enum(raw, enum, field: str, default=None):
    if raw in (None, ""):
        return default
    try:
        return enum(raw)
    except ValueError:
        raise ValidationError(f"bad {field}", details={field: f"{field} 取值无效"}) from None


def _window_year(query: dict, now: datetime) -> int:
    """`?window=` or, when absent, this year in Beijing."""
    try:
        return int(query.get("window") or now.astimezone(SHANGHAI).year)
    except ValueError:
        raise ValidationError("bad window", details={"window": "window 应为年份"}) from None


def queue(deps, query: dict, now: datetime) -> Page:
    """Oldest submission first; one GSI query per page whatever the table's size."""
    year = _window_year(query, now)
    status = _enum(query.get("status"), ApplicationStatus, "status", ApplicationStatus.SUBMITTED)
    kind = _enum(query.get("type"), RegistrationType, "type")
    return deps.applications.queue_page(year, status, kind, query.get("cursor"), PAGE_SIZE)


def claim(deps, account: Account, application_id: str, now: datetime) -> Application:
    application = deps.applications.get(application_id)
    application.claim(_reviewer(account), now)
    deps.applications.save(application)
    return application


def review_file(deps, account: Account, application_id: str, now: datetime) -> ReviewFile:
    """Everything the applicant filed and the register holds; the access is audited."""
    application = deps.applications.get(application_id)
    if application.status is ApplicationStatus.DRAFT:
        raise NotFoundError("申请尚未提交")  # a never-submitted draft is the applicant's own business
    deps.audit.record(application_id, _reviewer(account), "viewed", now)
    urls = {kind.value: deps.files.download_url(m.object_key, PHOTO_LINK_SECONDS)
            for kind, m in application.materials.items() if m.object_key}
    return ReviewFile(application, deps.register.get_practitioner(application.id_number),
                      deps.register.registrations_of(application.id_number),
                      deps.register.ce_records_of(application.id_number), urls, deps.audit.of(application_id))


def decide(deps, account: Account, application_id: str, body: dict, now: datetime) -> Application:
    """Approve or reject; the decision, its history entry, the message and the SMS are one write."""
    outcome = body.get("outcome")
    if outcome not in ("approve", "reject"):
        raise ValidationError("bad outcome", details={"outcome": "outcome 只能是 approve 或 reject"})
    application = deps.applications.get(application_id)
    if outcome == "approve":
        application.approve(_reviewer(account), now, body.get("opinion"))
    else:
        issues = body.get("issues") or []
        if not isinstance(issues, list):
            raise ValidationError("bad issues", details={"issues": "issues 应为列表"})
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

