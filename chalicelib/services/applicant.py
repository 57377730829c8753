"""The applicant's use cases (SPEC §3 Applicant): one function each — load, call the domain, save."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from chalicelib.domain.accounts import Account
from chalicelib.domain.application import Application
from chalicelib.domain.commands import CreateApplication, SaveDraft, Submit
from chalicelib.domain.eligibility import Eligibility, evaluate
from chalicelib.domain.errors import NotFoundError, RuleViolationError
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.notifications import notices_for
from chalicelib.domain.ports import Page
from chalicelib.domain.object_keys import slot_folders
from chalicelib.domain.register import CeProgress, CeRecord, Practitioner, Registration, ce_progress
from chalicelib.domain.windows import SHANGHAI, Window
from chalicelib.observability import logger
from chalicelib.services import uploads
from chalicelib.services.deps import Deps
from chalicelib.services.ownership import owned
from chalicelib.services.rate_limits import enforce_rate_limit

UPLOAD_MAX_BYTES = 10 * 1024 * 1024
UPLOAD_EXPIRES_IN = 300
PAGE_SIZE = 20


@dataclass(frozen=True)
class Profile:
    account: Account
    practitioner: Practitioner | None
    registrations: list[Registration]
    ce_records: list[CeRecord]
    ce: CeProgress | None = None  # None when not in the register


@dataclass(frozen=True)
class EligibilityAnswer:
    """The engine's answer for the open window, or why there is none (and the next one)."""

    window: Window | None
    eligibility: Eligibility | None
    next_window: Window | None
    in_register: bool


def profile(deps: Deps, account: Account, now: datetime) -> Profile:
    """The register's row for the account, with the CE hours of the current cycle as of `now`
    (Beijing's date)."""
    practitioner = deps.register.get_practitioner(account.id_number)
    if practitioner is None:
        return Profile(account, None, [], [])
    registrations = deps.register.registrations_of(account.id_number)
    records = deps.register.ce_records_of(account.id_number)
    return Profile(account, practitioner, registrations, records,
                   ce_progress(practitioner, registrations, records, now.astimezone(SHANGHAI).date()))


def _windows(deps: Deps, now: datetime) -> tuple[Window | None, Window | None]:
    """(the open window, the next one to open), by key lookups of this year and next."""
    year = now.astimezone(SHANGHAI).year
    windows = sorted(deps.windows.around(year), key=lambda w: w.year)
    open_window = next((w for w in windows if w.is_open(now)), None)
    upcoming = next((w for w in windows if w.opens_at > now), None)
    return open_window, upcoming


def eligibility(deps: Deps, account: Account, now: datetime) -> EligibilityAnswer:
    window, upcoming = _windows(deps, now)
    facts = profile(deps, account, now)
    if window is None or facts.practitioner is None:
        return EligibilityAnswer(window, None, upcoming, facts.practitioner is not None)
    verdicts = evaluate(facts.practitioner, facts.registrations, facts.ce_records, window)
    return EligibilityAnswer(window, verdicts, upcoming, True)


def create_application(deps: Deps, account: Account, command: CreateApplication, now: datetime) -> Application:
    """A draft of the requested type for the open window (422 with the reason when the
    type does not apply, 422 WARNING_NOT_ACKNOWLEDGED when it carries warnings the command
    does not acknowledge; 409 when one already exists for this window)."""
    answer = eligibility(deps, account, now)
    if not answer.in_register:
        raise RuleViolationError(code="NOT_IN_REGISTER")
    if answer.window is None:
        raise RuleViolationError(code="NO_OPEN_WINDOW")
    practitioner = deps.register.get_practitioner(account.id_number)
    verdict = answer.eligibility.verdict(command.type)
    verdict.require_acknowledged(command.acknowledge_warnings)
    application = Application.start(deps.ids.new_id(), practitioner, verdict, answer.window, now,
                                    actor=account.account_id)
    deps.applications.add(application)
    return application


def get_application(deps: Deps, account: Account, application_id: str) -> Application:
    """Someone else's application is "not found", exactly as an unknown id (`ownership.owned`)."""
    return owned(deps.applications.get, application_id, account.id_number)


def list_applications(deps: Deps, account: Account, position: str | None) -> Page:
    return deps.applications.list_for_applicant(account.id_number, position, PAGE_SIZE)


def update_application(deps: Deps, account: Account, application_id: str, draft: SaveDraft,
                       now: datetime) -> Application:
    application = get_application(deps, account, application_id)
    application.update_fields(draft.changes, now, deps.windows.get(application.window_year))
    deps.applications.save(application)
    return application


def discard(deps: Deps, account: Account, application_id: str, now: datetime) -> Application:
    """A draft the applicant no longer wants becomes `discarded` and frees the window for another
    type: the status change and the release of the one-live-application guard are one write
    (`save_discarded`), so a submit racing it either wins (and the discard is a 409) or loses.

    Then its objects go from S3, best effort. That order is deliberate: deleting first could
    strip the photos of an application a racing submit had just sent to review; deleting after,
    a failure leaves only orphans of an application that can never use them again (an upload
    still in flight for it is refused and deleted on arrival, `uploads.process_upload`).

    Raises NotFoundError (not the applicant's), InvalidTransitionError (not a draft: 409) and
    ConcurrentUpdateError (changed meanwhile)."""
    application = get_application(deps, account, application_id)
    application.discard(now, actor=account.account_id)
    deps.applications.save_discarded(application)
    _delete_objects(deps, application.application_id)
    return application


def _delete_objects(deps: Deps, application_id: str) -> None:
    """Every raw upload and normalised photo under the application's own prefixes, never an
    object a material merely pointed to (an attached e-certificate stays)."""
    try:
        keys = [key for kind in MaterialKind for folder in slot_folders(application_id, kind)
                for key in deps.files.keys(folder)]
        if keys:
            deps.files.delete_many(keys)
    except Exception:  # the discard stands; orphans cost storage, not correctness (see `discard`)
        logger.exception("objects of a discarded application not deleted",
                         extra={"application_id": application_id})


def _kind(raw: str) -> MaterialKind:
    try:
        return MaterialKind(raw)
    except ValueError:
        raise NotFoundError() from None


def _next_midnight(now: datetime) -> datetime:
    """The next midnight in Beijing, when the daily quotas start again."""
    local = now.astimezone(SHANGHAI)
    return datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=SHANGHAI)


def upload_url(deps: Deps, account: Account, application_id: str, kind: str, now: datetime) -> dict:
    """A presigned POST for one photo; the object key is ours, never the client's, and signed
    (see `services.uploads`). Changes nothing on the application: a `ready` photo stays ready
    until an object actually arrives for the new URL.

    Raises NotFoundError, ConflictError NOT_EDITABLE, RuleViolationError MATERIAL_NOT_ALLOWED,
    and RateLimitedError UPLOAD_DAILY_CAP after `Settings.upload_urls_per_material_per_day`
    URLs for this material in one Beijing day (the counter is keyed by application id,
    kind and day: nothing personal).
    """
    application = get_application(deps, account, application_id)
    material_kind = application.allow_upload(_kind(kind))
    day = now.astimezone(SHANGHAI).date().isoformat()
    enforce_rate_limit(deps, f"upload-url#{application.application_id}#{material_kind.value}#{day}",
                       deps.settings.upload_urls_per_material_per_day, _next_midnight(now), now, "UPLOAD_DAILY_CAP")
    upload = uploads.issue_upload_key(deps, application.application_id, material_kind, now)
    post = deps.uploads.presigned_post(upload.key, UPLOAD_MAX_BYTES, UPLOAD_EXPIRES_IN)
    return {"url": post["url"], "fields": post["fields"], "max_bytes": UPLOAD_MAX_BYTES,
            "expires_in": UPLOAD_EXPIRES_IN, "upload_id": upload.upload_id}


def delete_material(deps: Deps, account: Account, application_id: str, kind: str, now: datetime) -> Application:
    """The "×": the material goes, and so do its raw upload and normalised photo in S3
    (and any upload issued before now that is still to arrive: it will be refused)."""
    application = get_application(deps, account, application_id)
    material_kind = _kind(kind)
    application.remove_material(material_kind, now)
    deps.applications.save(application)
    uploads.sweep(deps, application, material_kind)
    return application


def attach_certificate(deps: Deps, account: Account, application_id: str, now: datetime) -> Application:
    """Attach the applicant's newest e-certificate that is neither revoked nor replaced (its PNG preview) as
    `registration_cert`. 422 NO_E_CERTIFICATE when they have none: upload the paper one.
    A photo it replaces is deleted from S3; the certificate's own PNG is only pointed to."""
    application = get_application(deps, account, application_id)
    certificate = next((c for c in deps.certificates.of_holder(account.id_number)
                        if c.revoked_at is None and c.replaced_by is None), None)
    if certificate is None:
        raise RuleViolationError(code="NO_E_CERTIFICATE")
    preview = deps.files.read(certificate.png_key)
    width, height = png_size(preview)
    application.attach_e_certificate(certificate.registration_no, width=width, height=height,
                                     size_bytes=len(preview), sha256=hashlib.sha256(preview).hexdigest(),
                                     object_key=certificate.png_key, now=now)
    deps.applications.save(application)
    uploads.sweep(deps, application, MaterialKind.REGISTRATION_CERT)
    return application


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk, which the format puts first."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def submit(deps: Deps, account: Account, application_id: str, command: Submit, now: datetime) -> Application:
    """Submit ("是"): the status change, its history entry, the in-app message and the SMS
    outbox row are written in one transaction."""
    application = get_application(deps, account, application_id)
    application.submit(now, deps.windows.get(application.window_year), command.declaration,
                       actor=account.account_id)
    save_with_notices(deps, application, phone=application.fields.phone or account.phone)
    return application


def notices_of(application: Application, phone: str | None) -> tuple[list, list]:
    """(in-app messages, outbox SMS) for the events the application raised since the last pull."""
    messages, texts = [], []
    for event in application.pull_events():
        event_messages, event_texts = notices_for(event, phone)
        messages += event_messages
        texts += event_texts
    return messages, texts


def save_with_notices(deps: Deps, application: Application, phone: str | None) -> None:
    messages, texts = notices_of(application, phone)
    deps.applications.save(application, messages=messages, sms=texts)


def messages(deps: Deps, account: Account, position: str | None) -> tuple[Page, int]:
    return deps.messages.list(account.id_number, position, PAGE_SIZE), deps.messages.unread_count(account.id_number)


def read_message(deps: Deps, account: Account, message_id: str):
    return deps.messages.mark_read(account.id_number, message_id)
