"""E-certificates: the `issue-certificates` job, the holder's downloads, revocation (verification:
services/verification.py).

Issuing (SPEC §2.6, §2.8), per approved application of a window whose
`certificates_due_at` has passed, oldest approval first:

1. reserve a registration number on the application (atomic counter, then a
   version-conditional save) — unless one is already reserved;
2. render the PDF and PNG and store them under keys derived from that number
   (rewriting the same objects if a previous run died after this step);
3. in one transaction: application approved → certified (conditional on its
   version), the certificate (conditional on its number being new), the
   registration record, the in-app message and the SMS outbox row — and, for a
   reissue, the certificate of the same registration it replaces, marked
   `replaced` (conditional on it still being current), so a registration never
   has two current certificates.

So each application is certified exactly once whatever retries or double
runs happen: a run that dies anywhere is resumed by the next under the same
number; two runs racing on one application both render, one commits, the
other's transaction fails its condition and is counted as `skipped`.

Work is bounded by time, not count: the job stops starting certificates when
less than `SECONDS_PER_CERTIFICATE` of its budget remains and reports
`more`; the Lambda handler then re-invokes itself (see `handlers/jobs.py`).
Certified applications leave the `approved` query, so the next run starts
where this one stopped without a saved cursor; an application that keeps
failing is passed over by the cursor within a run and retried by the next.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from chalicelib.domain.accounts import Account
from chalicelib.domain.application import Application, ApplicationStatus
from chalicelib.domain.certificates import (
    Certificate,
    certificate_for,
    registration_for,
    replaced_by_successor,
    registration_number,
    sequence_name,
)
from chalicelib.domain.errors import ConcurrentUpdateError, NotFoundError
from chalicelib.domain.mailing import Mailing, mailing_for
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.verification import is_plausible_number, verification_code
from chalicelib.domain.windows import SHANGHAI
from chalicelib.observability import count, logger
from chalicelib.services.applicant import notices_of
from chalicelib.services.deps import Deps

PAGE_SIZE = 50
SECONDS_PER_CERTIFICATE = 5.0  # a render and four writes take well under a second; the rest is slack
DOWNLOAD_EXPIRES_IN = 300


def issue_due(deps: Deps, now: datetime, time_left: Callable[[], float] | None = None) -> dict:
    """Certify every approved application of the windows (this year's and the two before)
    whose certificates are due. `time_left()` gives the seconds left in this invocation's
    budget (None: no limit). Returns {"issued", "skipped", "failed", "more"}."""
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    # Read (and cached) before any certificate: an unreadable or placeholder verification URL
    # fails the run as a whole (a Lambda error: alarmed, retried) instead of each certificate in turn.
    deps.settings.verify_base()
    summary = {"issued": 0, "skipped": 0, "failed": 0, "more": False}
    year = now.astimezone(SHANGHAI).year
    for window in (deps.windows.get(y) for y in (year - 2, year - 1, year)):
        if window is None or now < window.certificates_due_at:
            continue
        position = None  # the repository's own, never sealed: it does not leave the process
        while True:
            page = deps.applications.queue_page(window.year, ApplicationStatus.APPROVED, None, position, PAGE_SIZE)
            for application in page.items:
                if time_left is not None and time_left() < SECONDS_PER_CERTIFICATE:
                    summary["more"] = True
                    logger.info("issue-certificates budget spent; a continuation goes on",
                                extra={"window": window.year, **summary})
                    return _finished(summary)
                summary[_issue(deps, application, now)] += 1
            logger.info("issue-certificates page done", extra={"window": window.year, **summary})
            position = page.position
            if position is None:
                break
    return _finished(summary)


def _finished(summary: dict) -> dict:
    """The run's summary, after counting its failures for the certificate-run alarm (infra/)."""
    if summary["failed"]:
        count("CertificateRunFailures", summary["failed"])
    return summary


def _issue(deps: Deps, application: Application, now: datetime) -> str:
    if application.status is not ApplicationStatus.APPROVED:  # a stale index entry
        return "skipped"
    try:
        _issue_certificate(deps, application, now)
    except ConcurrentUpdateError:
        logger.info("certificate skipped: application changed concurrently",
                    extra={"application_id": application.application_id})
        return "skipped"
    except Exception:  # one application's failure (say, its photo is gone) must not stop 40,000 others
        logger.exception("certificate failed; the next run retries it",
                         extra={"application_id": application.application_id})
        return "failed"
    return "issued"


def _issue_certificate(deps: Deps, application: Application, now: datetime) -> None:
    if application.reserved_registration_no is None:
        year = application.certificate_registration_year
        application.reserve_registration_no(
            registration_number(year, deps.certificates.next_sequence(sequence_name(year))))
        deps.applications.save(application)
    certificate = certificate_for(application, now)
    render_and_store(deps, certificate, deps.files.read(application.materials[MaterialKind.ID_PHOTO].object_key))
    application.certify(certificate.registration_no, now)
    messages, texts = notices_of(application, application.fields.phone)
    # The holder index is eventually consistent, which is safe here: a certificate replaced a
    # moment ago may still look current, and then its condition fails the transaction (skipped,
    # retried by the next run). One cannot be missed for being too new: the certificate a reissue
    # replaces entered the index with its registration, before the reissue could be applied for.
    replacing = replaced_by_successor(deps.certificates.of_holder(application.id_number), certificate)
    deps.certificates.issue(application, certificate, registration_for(application), messages, texts, now,
                            replacing=replacing, mailing=mailing_for(application, certificate, now))
    logger.info("certificate issued", extra={"application_id": application.application_id,
                                             "registration_no": certificate.registration_no})


def render_and_store(deps: Deps, certificate: Certificate, photo_jpeg: bytes) -> None:
    """Render the PDF and PNG and store them under the certificate's keys; a retry rewrites
    the same objects."""
    rendered = deps.renderer.render(certificate, photo_jpeg, verify_url(deps, certificate.registration_no),
                                    verification_code(deps.keys.verification, certificate.registration_no))
    deps.files.write(certificate.pdf_key, rendered.pdf, "application/pdf")
    deps.files.write(certificate.png_key, rendered.png, "image/png")


def verify_url(deps: Deps, registration_no: str) -> str:
    """What the certificate's QR code holds: the verification address with the number and its
    code (`<base><number>?code=<code>`), so a scan shows the masked name and level."""
    code = verification_code(deps.keys.verification, registration_no)
    return f"{deps.settings.verify_base()}{registration_no}?code={code}"


# --- the holder ----------------------------------------------------------------------

def certificates_with_mailings(deps: Deps, account: Account) -> list[tuple[Certificate, Mailing | None]]:
    """The holder's certificates, newest first, each with its paper copy's mailing (None when picked
    up electronically): one query and one batch read."""
    held = deps.certificates.of_holder(account.id_number)
    mailed = deps.mailings.get_many([c.registration_no for c in held]) if held else {}
    return [(c, mailed.get(c.registration_no)) for c in held]


def certificate_with_mailing(deps: Deps, account: Account, registration_no: str
                             ) -> tuple[Certificate, dict[str, str] | None, Mailing | None]:
    """`certificate_of`, and its paper copy's mailing (None when picked up electronically)."""
    certificate, links = certificate_of(deps, account, registration_no)
    return certificate, links, deps.mailings.get(certificate.registration_no)


def certificate_of(deps: Deps, account: Account,
                   registration_no: str) -> tuple[Certificate, dict[str, str] | None]:
    """The holder's certificate and presigned download links (≤ 5 minutes). Another
    person's number is "not found": whether it exists is not disclosed here.

    A replaced certificate has no links (None): its files stay stored, but the only use of a
    fresh copy would be to show a certificate that verification calls replaced; the one that
    replaced it (named in `replaced_by`) prints the same facts."""
    certificate = deps.certificates.get(registration_no) if is_plausible_number(registration_no) else None
    if certificate is None or certificate.id_number != account.id_number:
        raise NotFoundError()
    if certificate.replaced_by is not None:
        return certificate, None
    links = {"pdf": deps.files.download_url(certificate.pdf_key, DOWNLOAD_EXPIRES_IN),
             "png": deps.files.download_url(certificate.png_key, DOWNLOAD_EXPIRES_IN)}
    return certificate, links


# Public verification (GET /verify, POST /verify/batch) is services/verification.py.


# --- operators ---------------------------------------------------------------------------

def revoke(deps: Deps, registration_no: str, reason: str, actor: str, now: datetime) -> Certificate:
    """Revoke a certificate (verification then answers `revoked`); recorded in the audit log.
    Raises NotFoundError, ValidationError (no reason) and ConflictError ALREADY_REVOKED."""
    certificate = deps.certificates.get(registration_no)
    if certificate is None:
        raise NotFoundError()
    revoked = certificate.revoke(reason, now)
    deps.certificates.revoke(revoked)
    deps.audit.record(f"certificate#{registration_no}", actor, f"revoke: {revoked.revocation_reason}", now)
    return revoked

