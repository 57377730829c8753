"""A reissue (补证) replaces the old certificate (issue 15 item 12, SPEC §2.6): the job marks the old one
`replaced` in the transaction that stores the new one, `/verify` of the old number says 已换发, and the
holder sees both, the old one without download links.

The holder's first e-certificate is stored directly under their 2021 registration's number (as
`swreg seed-demo` stores one); the reissue is approved in a 2022 window and issued by the job at a
clock in that window's issuing time. 2022 is a year no other test's window is in or two years after
(the job looks at its year's window and the two before; see tests/integration/test_issue_certificates.py).
HTTP requests run on a clock in December 2022, when both certificates are within their validity, so
"replaced" is what tells them apart, not "expired"; each test's clock is a minute of its own, which
keeps /verify's per-address minute counter to this test.
"""
from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta

import pytest

from chalicelib.domain.certificates import Certificate, CertificateStatus
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.domain.object_keys import certificate_keys
from chalicelib.domain.windows import SHANGHAI, Window
from chalicelib.services import certificates
from tests import approvals
from tests.api.conftest import auth, sign_up
from tests.certificate_run import issue_due
from tests.fakes import FakeClock

YEAR = 2022
NOTHING = {"issued": 0, "skipped": 0, "failed": 0, "more": False}
_MINUTES = iter(range(60 * 24 * 25))  # a minute of December 2022 for each test


@pytest.fixture(scope="module")
def window(stack) -> Window:
    from chalicelib import bootstrap
    return approvals.spring_window(bootstrap.deps(), YEAR)


def _december(swap) -> None:
    """Set the app's clock to a minute in December 2022 no other test of this module uses (after
    signing up: tokens are checked against the wall clock)."""
    swap(clock=FakeClock(datetime(YEAR, 12, 1, tzinfo=SHANGHAI) + timedelta(minutes=next(_MINUTES))))


def _holder_with_a_certificate(deps, window: Window) -> tuple:
    """(practitioner, certificate): registered in 2021, with that registration's e-certificate stored."""
    person = approvals.practitioner(deps, window, registered_in=YEAR - 1)
    registration, = deps.register.registrations_of(person.id_number)
    pdf_key, png_key = certificate_keys(registration.registration_no)
    old = Certificate(registration.registration_no, person.id_number, uuid.uuid4().hex, person.name,
                      person.certificate_no, person.level, registration.registration_year, registration.valid_until,
                      datetime(YEAR - 1, 4, 15, tzinfo=SHANGHAI), pdf_key, png_key)
    certificates.render_and_store(deps, old, approvals.id_photo_jpeg())
    assert deps.certificates.add(old)
    return person, old


def _reissued(deps, window: Window) -> tuple:
    """(practitioner, old certificate, new certificate) after the job issued the reissue."""
    person, old = _holder_with_a_certificate(deps, window)
    application = approvals.approve(deps, person, window, kind=RegistrationType.REISSUE)
    assert issue_due(deps, window.certificates_due_at) == {**NOTHING, "issued": 1}
    new = deps.certificates.get(deps.applications.get(application.application_id).registration_no)
    return person, old, new


def test_the_old_number_verifies_as_replaced_and_never_as_valid(client, deps, window, swap):
    _, old, new = _reissued(deps, window)
    _december(swap)
    assert (new.registration_year, new.valid_until) == (old.registration_year, old.valid_until)

    response = client.http.get(f"/verify/{old.registration_no}")
    assert response.status_code == 200, response.body
    assert (response.json_body["status"], response.json_body["status_text"]) == ("replaced", "已换发")
    assert new.registration_no not in response.body.decode("utf-8")  # the lost copy does not lead to the new one

    response = client.http.get(f"/verify/{new.registration_no}")
    assert (response.json_body["status"], response.json_body["status_text"]) == ("valid", "有效")


def test_the_holder_sees_both_the_old_one_replaced_and_downloads_only_the_new_one(client, deps, window, swap):
    person, old, new = _reissued(deps, window)
    token, _ = sign_up(client, deps, person)
    _december(swap)

    listed = client.http.get("/certificates", headers=auth(token))
    assert listed.status_code == 200, listed.body
    assert [(c["registration_no"], c["status"], c["status_text"], c["replaced_by"]) for c in
            listed.json_body["items"]] == [(new.registration_no, "valid", "有效", None),
                                           (old.registration_no, "replaced", "已换发", new.registration_no)]

    replaced = client.http.get(f"/certificates/{old.registration_no}", headers=auth(token))
    assert replaced.status_code == 200, replaced.body
    assert replaced.json_body["replaced_by"] == new.registration_no and "downloads" not in replaced.json_body
    current = client.http.get(f"/certificates/{new.registration_no}", headers=auth(token))
    assert current.status_code == 200 and set(current.json_body["downloads"]) == {"pdf", "png", "expires_in"}


def test_a_second_run_replaces_nothing_more(deps, window):
    person, old, new = _reissued(deps, window)
    assert issue_due(deps, window.certificates_due_at + timedelta(days=1)) == NOTHING
    held = deps.certificates.of_holder(person.id_number)
    assert [(c.registration_no, c.replaced_by) for c in held] == [(new.registration_no, None),
                                                                   (old.registration_no, new.registration_no)]


def test_two_runs_at_once_issue_the_reissue_once_and_leave_one_valid_certificate(deps, window):
    person, old = _holder_with_a_certificate(deps, window)
    application = approvals.approve(deps, person, window, kind=RegistrationType.REISSUE)
    start, summaries = threading.Barrier(2), []

    def run():
        start.wait()
        summaries.append(issue_due(deps, window.certificates_due_at))

    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join()
    # The run that lost a write while the reissue was still approved failed it (its message would
    # come back): the redelivery finds it certified, or finishes it.
    retried = issue_due(deps, window.certificates_due_at)
    assert sum(s["issued"] for s in summaries) + retried["issued"] == 1 and retried["failed"] == 0
    number = deps.applications.get(application.application_id).registration_no
    during = datetime(YEAR, 12, 1, tzinfo=SHANGHAI)
    held = deps.certificates.of_holder(person.id_number)
    assert [c.registration_no for c in held if c.status(during) is CertificateStatus.VALID] == [number]
    assert deps.certificates.get(old.registration_no).replaced_by == number
