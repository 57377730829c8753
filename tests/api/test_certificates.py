"""E-certificates through the API: public verification, the holder's list and downloads,
`swreg certificate revoke`, attaching one's own e-certificate, and the issuing schedule.

Certificates come from two places. The job issues them for approved applications of
a 1998 window (a year no other test's window is in or two years after), run at a
clock in 2000: the SMS rows it leaves are due then, after every era the outbox tests
dispatch in, and the certificates (valid until 2001) read `expired` on the real clock.
A renewer's certificate is stored directly, like `swreg seed-demo` does, under the
number of their last registration: valid until this year, so it reads `valid`.

Every test-client request comes from one address and `/verify` allows 30 a minute
per address, so this file makes few of them and tests the limit in the service.
"""
from __future__ import annotations

import json
import urllib.request
import uuid
from datetime import datetime, timezone
from urllib.parse import quote, urlparse

import pytest

from chalicelib import bootstrap
from chalicelib.cli import main
from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.certificates import Certificate
from chalicelib.domain.errors import NotFoundError, RateLimitedError
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.object_keys import certificate_keys
from chalicelib.domain.windows import SHANGHAI, Window
from chalicelib.domain.verification import verification_code
from chalicelib.handlers import verification_views
from chalicelib.services import certificates, verification
from tests import approvals
from tests.api.conftest import auth, sign_up
from tests.certificate_run import issue_due
from tests.fakes import FakeWorkQueue

YEAR = 1998
ISSUED_AT = datetime(2000, 12, 31, 12, tzinfo=SHANGHAI)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PUBLIC_FIELDS = {"registration_no", "status", "status_text", "valid", "paper", "verified_code", "name", "level",
                 "level_name", "registration_year", "valid_until", "issuing_authority"}


@pytest.fixture(scope="module")
def window(stack) -> Window:
    opened = Window.create(YEAR, datetime(YEAR, 3, 1, 9, tzinfo=SHANGHAI), datetime(YEAR, 4, 1, tzinfo=SHANGHAI))
    bootstrap.deps().windows.put(opened)
    return opened


def _issued(deps, window: Window, name: str = "周晓梅") -> Certificate:
    """A certificate the job issued for a new approved application in `window`."""
    application = approvals.approved(deps, window, name)
    assert issue_due(deps, ISSUED_AT)["issued"] == 1
    certified = deps.applications.get(application.application_id)
    assert certified.status is ApplicationStatus.CERTIFIED
    return deps.certificates.get(certified.registration_no)


def _stored(deps, practitioner) -> Certificate:
    """An e-certificate for the practitioner's last registration, rendered and stored."""
    last = max(deps.register.registrations_of(practitioner.id_number), key=lambda r: r.registration_year)
    pdf_key, png_key = certificate_keys(last.registration_no)
    certificate = Certificate(last.registration_no, practitioner.id_number, uuid.uuid4().hex, practitioner.name,
                              practitioner.certificate_no, practitioner.level, last.registration_year,
                              last.valid_until, datetime.now(timezone.utc), pdf_key, png_key)
    certificates.render_and_store(deps, certificate, approvals.id_photo_jpeg())
    assert deps.certificates.add(certificate)
    return certificate


def _ip() -> str:
    """A fresh address (IPv6 documentation range): its own rate-limit counters."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def _with_code(deps, number: str) -> str:
    """The verification path of `number` with the code its e-certificate prints under the QR."""
    return f"/verify/{number}?code={verification_code(deps.keys.verification, number)}"


def _revoke(*args: str) -> int:
    return main(["--stage", "test", "certificate", "revoke", *args])


def _fetch(url: str) -> bytes:
    """GET a presigned link directly (no proxy): it points at the S3 emulator on loopback."""
    assert urlparse(url).hostname in {"127.0.0.1", "localhost"}
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=10) as response:
        return response.read()


def _assert_discloses_only_public_facts(response, certificate: Certificate) -> None:
    assert set(response.json_body) == PUBLIC_FIELDS
    assert response.json_body["name"] == certificate.name[0] + "*"
    raw = response.body.decode("utf-8") if isinstance(response.body, bytes) else response.body
    for secret in (certificate.id_number, certificate.name, certificate.certificate_no, certificate.application_id,
                   certificate.pdf_key, certificate.png_key, "http"):
        assert secret not in raw


# --- public verification -----------------------------------------------------------------

def test_verify_says_valid_during_the_validity_with_the_masked_name_level_and_years(deps, window):
    certificate = _issued(deps, window)
    code = verification_code(deps.keys.verification, certificate.registration_no)
    answer = verification.verify(deps, certificate.registration_no, code, _ip(),
                                 datetime(2001, 12, 31, 23, tzinfo=SHANGHAI))
    assert verification_views.verification(answer) == {
        "registration_no": certificate.registration_no, "status": "valid", "status_text": "有效", "valid": True,
        "paper": False, "verified_code": True, "name": "周*", "level": "intermediate",
        "level_name": certificate.level.chinese, "registration_year": YEAR, "valid_until": YEAR + 3,
        "issuing_authority": "北京市民政局"}
    after = verification.verify(deps, certificate.registration_no, code, _ip(), datetime(2002, 1, 1, tzinfo=SHANGHAI))
    assert after.verification.status_value == "expired"


def test_verify_over_http_says_valid_for_a_current_certificate_and_shows_only_public_facts(client, deps, renewer):
    certificate = _stored(deps, renewer)
    response = client.http.get(_with_code(deps, certificate.registration_no))
    assert response.status_code == 200, response.body
    assert (response.json_body["status"], response.json_body["name"]) == ("valid", "阿*")
    _assert_discloses_only_public_facts(response, certificate)


def test_verify_over_http_says_expired_after_the_validity_year(client, deps, window):
    certificate = _issued(deps, window, "欧阳娜娜")
    response = client.http.get(_with_code(deps, certificate.registration_no))
    assert response.status_code == 200, response.body
    assert response.json_body["status"] == "expired" and response.json_body["status_text"] == "已过期"
    assert (response.json_body["registration_year"], response.json_body["valid_until"]) == (YEAR, YEAR + 3)
    assert response.json_body["name"] == "欧*"
    _assert_discloses_only_public_facts(response, certificate)


def test_a_certificate_revoked_with_the_cli_verifies_as_revoked_and_cannot_be_revoked_twice(
        client, deps, window, capsys):
    certificate = _issued(deps, window)
    number = certificate.registration_no
    assert _revoke(number, "--reason", "遗失声明作废") == 0
    assert f"{number} revoked at " in capsys.readouterr().out
    assert deps.certificates.get(number).revocation_reason == "遗失声明作废"

    response = client.http.get(f"/verify/{number}")
    assert response.status_code == 200, response.body
    assert response.json_body["status"] == "revoked" and response.json_body["status_text"] == "已注销"

    assert _revoke(number, "--reason", "重复注销") == 2
    assert capsys.readouterr().err.startswith("swreg: ")
    assert deps.certificates.get(number).revocation_reason == "遗失声明作废"


def test_the_cli_refuses_to_revoke_an_unknown_number_or_without_a_reason(deps, window, capsys):
    assert _revoke("BJ1998999999", "--reason", "遗失声明作废") == 2
    certificate = _issued(deps, window)
    assert _revoke(certificate.registration_no, "--reason", "   ") == 2
    assert capsys.readouterr().err.count("swreg: ") == 2
    assert deps.certificates.get(certificate.registration_no).revoked_at is None


@pytest.mark.parametrize("number", ["BJ1998999998", quote("../../x", safe=""), "A" * 300])
def test_verify_of_an_unknown_or_junk_number_is_404_in_the_error_shape(client, number):
    response = client.http.get(f"/verify/{number}")
    assert response.status_code == 404, response.body
    error = response.json_body["error"]
    assert set(error) == {"code", "message", "details"} and error["code"] == "NOT_FOUND"


def test_verify_allows_30_checks_a_minute_per_address_then_answers_rate_limited(deps):
    address, now = _ip(), datetime(1999, 6, 1, 10, 0, 30, tzinfo=timezone.utc)
    for _ in range(30):
        with pytest.raises(NotFoundError):
            verification.verify(deps, "BJ1998999997", None, address, now)
    with pytest.raises(RateLimitedError) as refused:
        verification.verify(deps, "BJ1998999997", None, address, now)
    assert 1 <= refused.value.retry_after <= 30
    with pytest.raises(NotFoundError):
        verification.verify(deps, "BJ1998999997", None, _ip(), now)


# --- the holder ----------------------------------------------------------------------------

def test_the_holder_lists_their_certificate_and_downloads_its_pdf_and_png(client, deps, window):
    certificate = _issued(deps, window)
    token, _ = sign_up(client, deps, deps.register.get_practitioner(certificate.id_number))

    listed = client.http.get("/certificates", headers=auth(token))
    assert listed.status_code == 200, listed.body
    item, = listed.json_body["items"]
    assert (item["registration_no"], item["status"]) == (certificate.registration_no, "expired")
    assert item["name"] == "周晓梅"
    assert certificate.id_number not in listed.body.decode("utf-8")

    one = client.http.get(f"/certificates/{certificate.registration_no}", headers=auth(token))
    assert one.status_code == 200, one.body
    downloads = one.json_body["downloads"]
    assert 0 < downloads["expires_in"] <= 300
    assert _fetch(downloads["pdf"]).startswith(b"%PDF")
    assert _fetch(downloads["png"]).startswith(PNG_SIGNATURE)


def test_another_applicant_gets_404_for_a_certificate_that_is_not_theirs(client, deps, window, person):
    certificate = _issued(deps, window)
    token, _ = sign_up(client, deps, person)
    response = client.http.get(f"/certificates/{certificate.registration_no}", headers=auth(token))
    assert response.status_code == 404 and response.json_body["error"]["code"] == "NOT_FOUND"
    assert client.http.get("/certificates", headers=auth(token)).json_body == {"items": []}


@pytest.mark.parametrize("path", ["/certificates", "/certificates/BJ1998000001"])
def test_certificates_need_a_signed_in_applicant(client, path):
    assert client.http.get(path).status_code == 401


# --- attach-certificate ------------------------------------------------------------------------

def _renewal_draft(client, deps, practitioner) -> tuple[str, str]:
    """(token, application id) of a renewal draft started through the API."""
    token, _ = sign_up(client, deps, practitioner)
    created = client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "renewal"}))
    assert created.status_code == 201, created.body
    assert "registration_cert" in created.json_body["required_materials"]
    return token, created.json_body["application_id"]


def _attach(client, token: str, application_id: str):
    return client.http.post(f"/applications/{application_id}/materials/registration_cert/attach-certificate",
                            headers=auth(token))


def test_a_renewer_attaches_their_e_certificate_as_the_registration_certificate(client, deps, renewer):
    certificate = _stored(deps, renewer)
    token, application_id = _renewal_draft(client, deps, renewer)

    response = _attach(client, token, application_id)
    assert response.status_code == 200, response.body
    material = response.json_body["materials"]["registration_cert"]
    assert material["status"] == "ready" and material["width"] > 0 and material["height"] > 0
    stored = deps.applications.get(application_id).materials[MaterialKind.REGISTRATION_CERT]
    assert stored.object_key == certificate.png_key and stored.object_key.startswith("certificates/")
    assert stored.size_bytes == len(deps.files.read(certificate.png_key))


def test_attach_without_an_e_certificate_is_422_no_e_certificate(client, deps, renewer):
    token, application_id = _renewal_draft(client, deps, renewer)
    response = _attach(client, token, application_id)
    assert response.status_code == 422 and response.json_body["error"]["code"] == "NO_E_CERTIFICATE"
    assert "registration_cert" not in deps.applications.get(application_id).materials


def test_a_revoked_e_certificate_is_not_attached(client, deps, renewer):
    certificate = _stored(deps, renewer)
    certificates.revoke(deps, certificate.registration_no, "遗失声明作废", "test", datetime.now(timezone.utc))
    token, application_id = _renewal_draft(client, deps, renewer)
    response = _attach(client, token, application_id)
    assert response.status_code == 422 and response.json_body["error"]["code"] == "NO_E_CERTIFICATE"


# --- the schedule ------------------------------------------------------------------------------

def test_the_issue_certificates_schedule_enqueues_and_returns_its_summary(client, swap):
    queue = swap(certificate_queue=FakeWorkQueue()).certificate_queue
    event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event",
                                            resources=[], detail={})
    payload = client.lambda_.invoke("issue-certificates", event).payload
    assert set(payload) == {"enqueued", "more"}
    assert payload["enqueued"] == len(queue.sent) and isinstance(payload["more"], bool)
