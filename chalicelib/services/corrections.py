"""Correction requests (反馈, SPEC §2.9): the applicant asks, attaches evidence and follows; an admin decides.

Acceptance writes the register row the import would write for the same values
(`Correction.row` parses it with the import's parsers; the repository stores it
with the import's item builders) in the decision's one transaction, with the
audit entry and the notices, so a decision is never half-applied and two racing
decisions cannot both win. Eligibility reads the register on every request, so it
follows at once. The evidence photo's upload is processed by the upload pipeline
(`services.uploads.process_evidence`).
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from chalicelib.domain.accounts import Account
from chalicelib.domain.commands import CorrectionDecision, CorrectionQuery, RequestCorrection
from chalicelib.domain.corrections import Correction, CorrectionOutcome, decision_notices, parse_proposal
from chalicelib.domain.errors import ConcurrentUpdateError, RuleViolationError
from chalicelib.domain.object_keys import EvidenceKey
from chalicelib.domain.ports import AuditEntry, Page
from chalicelib.domain.windows import SHANGHAI
from chalicelib.services.deps import Deps
from chalicelib.services.ownership import owned
from chalicelib.services.rate_limits import enforce_rate_limit

PAGE_SIZE = 20
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_URL_EXPIRES_IN = 300
DECIDE_ATTEMPTS = 3


def request_correction(deps: Deps, account: Account, command: RequestCorrection, now: datetime) -> Correction:
    """A new open request. 422 NOT_IN_REGISTER without a register row, CORRECTION_INVALID for a
    value the import would refuse, CORRECTION_UNCHANGED for the value already held; 409
    CORRECTION_ALREADY_OPEN while one for the same field is open (a conditional write)."""
    practitioner = deps.register.get_practitioner(account.id_number)
    if practitioner is None:
        raise RuleViolationError(code="NOT_IN_REGISTER")
    proposed = parse_proposal(command.field, command.proposed_value, practitioner)
    correction = Correction.request(deps.ids.new_id(), account.account_id, practitioner,
                                    deps.register.registrations_of(account.id_number), command.field, proposed,
                                    command.note, now)
    deps.corrections.add(correction)
    return correction


def my_corrections(deps: Deps, account: Account, position: str | None) -> Page:
    return deps.corrections.list_for_applicant(account.id_number, position, PAGE_SIZE)


def my_correction(deps: Deps, account: Account, correction_id: str) -> Correction:
    """Someone else's request is "not found", exactly as an unknown id (`ownership.owned`)."""
    return owned(deps.corrections.get, correction_id, account.id_number)


def evidence_upload_url(deps: Deps, account: Account, correction_id: str, now: datetime) -> dict:
    """A presigned POST for the request's evidence photo, under a signed key of ours. 404 for
    another's request, 409 once it is decided, 429 after the day's quota of URLs."""
    correction = my_correction(deps, account, correction_id)
    correction.check_open()
    day = now.astimezone(SHANGHAI).date()
    midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=SHANGHAI)
    enforce_rate_limit(deps, f"evidence-url#{correction_id}#{day.isoformat()}",
                       deps.settings.upload_urls_per_material_per_day, midnight, now, "UPLOAD_DAILY_CAP")
    upload = EvidenceKey.issue(deps.keys.uploads, correction_id, now)
    post = deps.uploads.presigned_post(upload.key, EVIDENCE_MAX_BYTES, EVIDENCE_URL_EXPIRES_IN)
    return {"url": post["url"], "fields": post["fields"], "max_bytes": EVIDENCE_MAX_BYTES,
            "expires_in": EVIDENCE_URL_EXPIRES_IN, "upload_id": upload.upload_id}


def queue(deps: Deps, query: CorrectionQuery, position: str | None) -> Page:
    return deps.corrections.queue_page(query.status, position, PAGE_SIZE)


def evidence_url(deps: Deps, correction: Correction) -> str | None:
    """A short-lived link to the request's evidence photo, once it is ready."""
    evidence = correction.evidence
    if evidence is None or evidence.object_key is None:
        return None
    return deps.files.download_url(evidence.object_key)


def decide(deps: Deps, admin: Account, correction_id: str, decision: CorrectionDecision, now: datetime) -> Correction:
    """Accept (the register row is written) or decline, once, with an audit entry, a message and an
    SMS. 409 CORRECTION_ALREADY_DECIDED when it was decided first, also by a racing admin; 422
    NOT_IN_REGISTER when the row to correct has gone since."""
    for _ in range(DECIDE_ATTEMPTS):
        correction = deps.corrections.get(correction_id)
        correction.decide(decision.outcome, decision.note, admin.username, now)
        row = (correction.row(deps.register.get_practitioner(correction.id_number))
               if decision.outcome is CorrectionOutcome.ACCEPT else None)
        # No personal data in the audit: the field, never its old or new value.
        audit = AuditEntry(now, admin.username, f"correction {correction.status.value}: {correction.field.value}")
        applicant = deps.accounts.get(correction.account_id)
        messages, sms = decision_notices(correction, applicant.phone if applicant else None)
        try:
            deps.corrections.decide(correction, row, audit, messages, sms)
            return correction
        except ConcurrentUpdateError:
            continue  # decided meanwhile (the reload says so) or only its evidence moved: look again
    raise ConcurrentUpdateError()

