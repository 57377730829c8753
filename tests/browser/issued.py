"""Certificates and register rows the verification and certificate pages show, made the way the
service makes them: an e-certificate stored directly (as `swreg seed-demo` does), one issued by
the `issue-certificates` job for an application that chose mail (so its mailing starts), and a
paper-era registration imported from the old register; and the 核验码 printed under a QR code.

The mailed certificate is issued in a 2025 window, run at a clock in June 2025: no other test's
window is in 2023–2025 (the job looks at its year's window and the two before), and the
certificate (valid until 2028) reads `valid` on the real clock.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from chalicelib import bootstrap
from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.certificates import Certificate
from chalicelib.domain.levels import Level
from chalicelib.domain.object_keys import certificate_keys
from chalicelib.domain.register import Practitioner, Registration
from chalicelib.domain.verification import printed_code, verification_code
from chalicelib.domain.windows import SHANGHAI, Window
from chalicelib.services import certificates
from tests import approvals
from tests.certificate_run import issue_due
from tests.ids import unique_id

MAIL_WINDOW_YEAR = 2025
MAIL_ISSUED_AT = datetime(MAIL_WINDOW_YEAR, 6, 1, 12, tzinfo=SHANGHAI)
ADDRESS = {"recipient": "周晓梅", "phone": "13912345678", "address": "北京市西城区西长安街7号",
           "postal_code": "100032"}


def stored_certificate(person: Practitioner, registration_year: int) -> str:
    """An e-certificate for `person` (rendered and stored like the job's, no mailing); its number."""
    deps = bootstrap.deps()
    number = f"BJT{uuid.uuid4().hex[:12].upper()}"
    pdf_key, png_key = certificate_keys(number)
    certificate = Certificate(number, person.id_number, "browser-test", person.name, person.certificate_no,
                              person.level, registration_year, registration_year + 3,
                              datetime.now(timezone.utc), pdf_key, png_key)
    certificates.render_and_store(deps, certificate, deps.renderer.placeholder_photo())
    deps.certificates.add(certificate)
    return number


def code_of(registration_no: str) -> str:
    """The 核验码 as printed under the certificate's QR code (`ABCD-EFGH`)."""
    return printed_code(verification_code(bootstrap.deps().keys.verification, registration_no))


def wrong_code_for(registration_no: str) -> str:
    """A well-formed code that is not `registration_no`'s."""
    right = verification_code(bootstrap.deps().keys.verification, registration_no)
    return printed_code("ABCDEFGH" if right != "ABCDEFGH" else "HGFEDCBA")


def paper_registration(registration_year: int) -> str:
    """A registration imported from the old register, with no e-certificate; its number."""
    number = f"OLD{uuid.uuid4().hex[:10].upper()}"
    person = Practitioner(unique_id("12"), "王建国", f"Z{uuid.uuid4().int % 10**9:09d}", Level.ASSISTANT,
                          registration_year - 1)
    register = bootstrap.deps().register
    register.upsert_practitioners([person])
    register.upsert_registrations([Registration(person.id_number, registration_year, number)])
    return number


def mail_window() -> Window:
    return approvals.spring_window(bootstrap.deps(), MAIL_WINDOW_YEAR)


def mail_applicant(window: Window) -> Practitioner:
    """A practitioner due for first registration in `window` (not yet applied)."""
    return approvals.practitioner(bootstrap.deps(), window)


def approved_by_mail(person: Practitioner, window: Window) -> str:
    """`person` applies in `window` choosing to receive the certificate by post and is approved;
    returns the application's id."""
    return approvals.approve(bootstrap.deps(), person, window,
                             fields={"pickup_method": "mail", "mailing_address": ADDRESS}).application_id


def issue(application_id: str) -> str:
    """The `issue-certificates` job runs for the mail window: the approved application is certified
    (and, when it chose mail, its mailing starts `to_print`). Returns the registration number."""
    deps = bootstrap.deps()
    issue_due(deps, MAIL_ISSUED_AT)
    certified = deps.applications.get(application_id)
    assert certified.status is ApplicationStatus.CERTIFIED, certified.status
    return certified.registration_no
