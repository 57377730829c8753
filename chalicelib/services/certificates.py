"""E-certificates: the `issue-certificates` run, the holder's downloads, revocation (verification:
services/verification.py).

Issuing (SPEC §2.6, §2.8) fans out, because 40,000 certificates of a window
must be out within half an hour and one render takes a good part of a second:
the schedule's job (`enqueue_due`) only finds the approved applications of the
windows whose `certificates_due_at` has passed, oldest approval first, and
sends one work item `{"application_id"}` each to the certificates queue (SQS);
Lambda hands the items to `handlers/queues.py` in batches, many consumers at
once (the function's reserved concurrency bounds them), and each runs
`issue_one`:

1. reserve a registration number on the application (atomic counter, then a
   version-conditional save) — unless one is already reserved;
2. render the PDF and PNG and store them under keys derived from that number
   (rewriting the same objects if a previous try died after this step);
3. in one transaction: application approved → certified (conditional on its
   version), the certificate (conditional on its number being new), the
   registration record, the in-app message and the SMS outbox row — and, for a
   reissue, the certificate of the same registration it replaces, marked
   `replaced` (conditional on it still being current), so a registration never
   has two current certificates.

SQS delivers at least once, so an item may come twice, even to two consumers
at once; each application is still certified exactly once, with one SMS: a
try that dies anywhere is resumed by the message's redelivery under the same
number, and of two tries racing on one application both render, one commits,
the other's transaction fails its condition and it is `skipped`. A try that
fails otherwise raises, its message comes back, and after 3 receives it waits
in the dead-letter queue for an operator (`swreg jobs dlq`). Numbers follow
approval order only roughly: consumers finish in any order.

The enqueueing is bounded by time: it stops sending when less than
`SECONDS_PER_PAGE` of its budget remains and reports `more`, and a
continuation goes on (see `services/jobs.py`). It has no cursor to hand on:
certified applications leave the `approved` query, and an item sent twice
costs its second consumer one read. The next day's run sends again what is
still approved (an item in the dead-letter queue, say).
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
SECONDS_PER_PAGE = 5.0  # a query and five batch sends take well under a second; the rest is slack
DOWNLOAD_EXPIRES_IN = 300


def enqueue_due(deps: Deps, now: datetime, time_left: Callable[[], float] | None = None) -> dict:
    """Send a work item for every approved application of the windows (this year's and the two
    before) whose certificates are due. `time_left()` gives the seconds left in this invocation's
    budget (None: no limit). Returns {"enqueued", "more"}."""
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    # Read (and cached) before any item is sent: an unreadable or placeholder verification URL
    # fails the run as a whole (a Lambda error: alarmed, retried) instead of every certificate in turn.
    deps.settings.verify_base()
    summary = {"enqueued": 0, "more": False}
    year = now.astimezone(SHANGHAI).year
    for window in (deps.windows.get(y) for y in (year - 2, year - 1, year)):
        if window is None or now < window.certificates_due_at:
            continue
        position = None  # the repository's own, never sealed: it does not leave the process
        while True:
            if time_left is not None and time_left() < SECONDS_PER_PAGE:
                summary["more"] = True
                logger.info("issue-certificates budget spent; a continuation goes on",
                            extra={"window": window.year, **summary})
                return summary
            page = deps.applications.queue_page(window.year, ApplicationStatus.APPROVED, None, position, PAGE_SIZE)
            deps.certificate_queue.send([{"application_id": a.application_id} for a in page.items])
            summary["enqueued"] += len(page.items)
            logger.info("issue-certificates page enqueued", extra={"window": window.year, **summary})
            position = page.position
            if position is None:
                break
    return summary


def issue_one(deps: Deps, application_id: str, now: datetime) -> str:
    """Certify one application, a work item: "issued", or "skipped" when there is nothing to do
    (no longer approved: certified by an earlier delivery, say) or another try won the race.
    A write that lost to anything else (a transaction conflict, a replaced certificate that
    changed meanwhile) raises, and so does any other failure, counted for the certificate
    alarm (infra/): the message comes back."""
    try:
        application = deps.applications.get(application_id)
    except NotFoundError:
        application = None
    if application is None or application.status is not ApplicationStatus.APPROVED:
        logger.info("certificate skipped: the application is not approved", extra={"application_id": application_id})
        return "skipped"
    try:
        _issue_certificate(deps, application, now)
    except ConcurrentUpdateError:
        if deps.applications.get(application_id).status is ApplicationStatus.APPROVED:
            logger.warning("certificate write conflicted; its message comes back for a retry",
                           extra={"application_id": application_id})
            raise
        logger.info("certificate skipped: another try certified it", extra={"application_id": application_id})
        return "skipped"
    except Exception:
        count("CertificateRunFailures", 1)
        logger.exception("certificate failed; its message comes back for a retry",
                         extra={"application_id": application_id})
        raise
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
    # moment ago may still look current, and then its condition fails the transaction (the
    # message comes back). One cannot be missed for being too new: the certificate a reissue
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

