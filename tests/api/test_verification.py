"""Verification for employers and the public through the API (issue 17 items 11–13, SPEC §2.10):
the code under the QR (right, wrong, absent), paper-era registrations from the old register, and
batches of up to 100 numbers as JSON or as a CSV download, each route rate limited per address.

Certificates and register rows are stored directly under numbers of their own (`VT…`, `PV…`: no
other test draws them). Every test-client request comes from one address, so each test runs the
app on a clock standing at a minute of its own in 2027 (the per-address counters are per minute);
validity is read against that year.
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from chalicelib.domain.certificates import Certificate
from chalicelib.domain.levels import Level
from chalicelib.domain.register import Registration
from chalicelib.domain.verification import printed_code, verification_code
from chalicelib.domain.windows import SHANGHAI
from chalicelib.services import verification
from tests.fakes import FakeClock
from tests.ids import unique_id

YEAR = 2027
_MINUTES = itertools.count(int(uuid.uuid4().int % 1000) * 20)
JSON = {"Content-Type": "application/json"}
CSV_HEADER = ["登记证书编号", "核验结果", "姓名", "职业水平", "有效期至", "证书类型"]


@pytest.fixture
def at(stack, swap) -> datetime:
    """The app's clock for this test: a minute of its own in 2027 (Beijing time)."""
    moment = datetime(YEAR, 7, 1, 9, tzinfo=SHANGHAI) + timedelta(minutes=next(_MINUTES))
    swap(clock=FakeClock(moment))
    return moment


def _number(prefix: str = "VT") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12].upper()}"


def _certificate(deps, *, valid_until: int = YEAR + 1, name: str = "周晓梅", **changes) -> Certificate:
    """An e-certificate stored as the job stores one: with its registration's register row."""
    number = _number()
    certificate = replace(Certificate(number, unique_id(), uuid.uuid4().hex, name, "Z20270001", Level.SENIOR,
                                      valid_until - 3, valid_until, datetime(valid_until - 3, 4, 15, tzinfo=SHANGHAI),
                                      f"certificates/{number}.pdf", f"certificates/{number}.png"), **changes)
    assert deps.certificates.add(certificate)
    deps.register.upsert_registrations([Registration(certificate.id_number, certificate.registration_year, number)])
    return certificate


def _paper(deps, year: int) -> Registration:
    """A registration imported from the old register, with no e-certificate."""
    row = Registration(unique_id(), year, _number("PV"))
    deps.register.upsert_registrations([row])
    return row


def _code(deps, number: str) -> str:
    return verification_code(deps.keys.verification, number)


def _batch(client, numbers, **headers):
    return client.http.post("/verify/batch", headers={**JSON, **headers},
                            body=json.dumps({"registration_nos": numbers}))


# --- one number and its code -------------------------------------------------------------------

def test_without_a_code_verification_shows_only_whether_the_number_is_valid(client, deps, at):
    certificate = _certificate(deps)
    response = client.http.get(f"/verify/{certificate.registration_no}")
    assert response.status_code == 200, response.body
    assert response.json_body == {"registration_no": certificate.registration_no, "status": "valid",
                                  "status_text": "有效", "valid": True, "paper": False, "verified_code": False}


def test_with_the_right_code_verification_shows_the_masked_name_level_and_validity(client, deps, at):
    certificate = _certificate(deps, name="欧阳娜娜")
    code = printed_code(_code(deps, certificate.registration_no)).lower()  # as a person types it
    response = client.http.get(f"/verify/{certificate.registration_no}?code={code}")
    assert response.status_code == 200, response.body
    assert response.json_body == {
        "registration_no": certificate.registration_no, "status": "valid", "status_text": "有效", "valid": True,
        "paper": False, "verified_code": True, "name": "欧*", "level": "senior", "level_name": "高级社会工作师",
        "registration_year": YEAR - 2, "valid_until": YEAR + 1, "issuing_authority": "北京市民政局"}
    for secret in (certificate.id_number, "欧阳娜娜", certificate.certificate_no, certificate.pdf_key):
        assert secret not in response.body.decode("utf-8")


def test_a_wrong_code_is_422_verification_code_wrong_and_shows_nothing(client, deps, at):
    certificate = _certificate(deps)
    other = _code(deps, _number())
    response = client.http.get(f"/verify/{certificate.registration_no}?code={other}")
    assert response.status_code == 422, response.body
    error = response.json_body["error"]
    assert error["code"] == "VERIFICATION_CODE_WRONG" and "核验码" in error["message"] and "code" in error["details"]
    assert "周" not in json.dumps(response.json_body["error"]["details"], ensure_ascii=False)


def test_an_empty_code_counts_as_none_and_an_unknown_number_stays_404_whatever_the_code(client, deps, at):
    certificate = _certificate(deps)
    assert client.http.get(f"/verify/{certificate.registration_no}?code=").json_body["verified_code"] is False
    unknown = _number()
    response = client.http.get(f"/verify/{unknown}?code={_code(deps, unknown)}")
    assert response.status_code == 404 and response.json_body["error"]["code"] == "NOT_FOUND"


def test_a_revoked_certificate_verifies_as_revoked_not_as_its_register_row(client, deps, at):
    certificate = _certificate(deps, revoked_at=at - timedelta(days=1), revocation_reason="遗失声明作废")
    response = client.http.get(f"/verify/{certificate.registration_no}")
    assert (response.json_body["status"], response.json_body["valid"], response.json_body["paper"]) == (
        "revoked", False, False)


# --- paper-era registrations ---------------------------------------------------------------------

def test_a_paper_era_registration_verifies_as_valid_through_its_registration_year_plus_three(client, deps, at):
    row = _paper(deps, YEAR - 3)
    response = client.http.get(f"/verify/{row.registration_no}")
    assert response.status_code == 200, response.body
    assert response.json_body == {"registration_no": row.registration_no, "status": "valid", "status_text": "有效",
                                  "valid": True, "paper": True, "registration_year": YEAR - 3, "valid_until": YEAR}
    assert row.id_number not in response.body.decode("utf-8")


def test_a_paper_era_registration_past_its_validity_verifies_as_expired(client, deps, at):
    row = _paper(deps, YEAR - 4)
    response = client.http.get(f"/verify/{row.registration_no.lower()}")
    assert response.status_code == 200, response.body
    shown = response.json_body
    assert (shown["status"], shown["status_text"], shown["valid"], shown["paper"], shown["valid_until"]) == (
        "expired", "已过期", False, True, YEAR - 1)


# --- batches -------------------------------------------------------------------------------------

def _every_kind(deps, at) -> dict[str, str]:
    """A number per kind of answer: {number: (status, paper)}."""
    valid = _certificate(deps)
    expired = _certificate(deps, valid_until=YEAR - 1)
    revoked = _certificate(deps, revoked_at=at - timedelta(days=2), revocation_reason="错发")
    replaced = _certificate(deps, replaced_by=valid.registration_no, replaced_at=at - timedelta(days=3))
    return {valid.registration_no: ("valid", False), expired.registration_no: ("expired", False),
            revoked.registration_no: ("revoked", False), replaced.registration_no: ("replaced", False),
            _paper(deps, YEAR - 1).registration_no: ("valid", True),
            _paper(deps, YEAR - 6).registration_no: ("expired", True),
            _number(): ("unknown", False)}


def test_a_batch_of_100_answers_every_kind_of_number_in_the_order_asked(client, deps, at):
    kinds = _every_kind(deps, at)
    fillers = [_certificate(deps).registration_no for _ in range(3)]
    numbers = list(itertools.islice(itertools.cycle([*kinds, *fillers]), 100))
    response = _batch(client, numbers)
    assert response.status_code == 200, response.body
    items = response.json_body["items"]
    assert [item["registration_no"] for item in items] == numbers
    assert [(item["status"], item["paper"]) for item in items] == [kinds.get(n, ("valid", False)) for n in numbers]
    by_status = {(item["status"], item["paper"]): item for item in items}
    assert set(by_status) >= {("valid", False), ("expired", False), ("revoked", False), ("replaced", False),
                              ("unknown", False), ("valid", True), ("expired", True)}
    assert {k: by_status[("valid", False)][k] for k in ("status_text", "name", "level", "level_name", "valid_until")} \
        == {"status_text": "有效", "name": "周*", "level": "senior", "level_name": "高级社会工作师",
            "valid_until": YEAR + 1}
    assert {k: by_status[("valid", True)][k] for k in ("name", "level", "level_name", "valid_until")} == {
        "name": None, "level": None, "level_name": None, "valid_until": YEAR + 2}
    assert {k: by_status[("unknown", False)][k] for k in ("status_text", "name", "valid_until")} == {
        "status_text": "未查到", "name": None, "valid_until": None}


def test_a_batch_of_101_numbers_is_422_naming_the_list_and_its_limit(client, at):
    response = _batch(client, [_number() for _ in range(101)])
    assert response.status_code == 422, response.body
    error = response.json_body["error"]
    assert error["code"] == "FIELD_TOO_LARGE" and "100" in error["details"]["registration_nos"]


@pytest.mark.parametrize("body, field", [({"registration_nos": []}, "registration_nos"),
                                         ({"registration_nos": ["V" * 41]}, "registration_nos[0]"),
                                         ({"registration_nos": [7]}, "registration_nos[0]")])
def test_an_empty_batch_an_overlong_number_or_one_not_text_is_422_naming_it(client, at, body, field):
    response = client.http.post("/verify/batch", headers=JSON, body=json.dumps(body))
    assert response.status_code == 422, response.body
    assert field in response.json_body["error"]["details"]


def test_a_batch_is_a_csv_download_with_a_bom_and_a_chinese_header_when_csv_is_accepted(client, deps, at):
    kinds = _every_kind(deps, at)
    numbers = [*kinds, "=HYPERLINK(1)"]
    response = _batch(client, numbers, Accept="text/csv")
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    text = response.body.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == CSV_HEADER
    assert [row[0] for row in rows[1:]] == [*kinds, "'=HYPERLINK(1)"]  # a formula is never run by Excel
    valid = rows[1]
    assert valid[1:] == ["有效", "周*", "高级社会工作师", str(YEAR + 1), "电子证书"]
    assert [row[1] for row in rows[1:]] == ["有效", "已过期", "已注销", "已换发", "有效", "已过期", "未查到",
                                            "未查到"]
    assert [row[5] for row in rows[5:7]] == ["纸质证书", "纸质证书"] and rows[7][2:] == ["", "", "", ""]


def test_json_stays_the_default_whatever_else_is_accepted(client, deps, at):
    certificate = _certificate(deps)
    for accept in ("*/*", "application/json", "text/html, application/json;q=0.9"):
        response = _batch(client, [certificate.registration_no], Accept=accept)
        assert response.status_code == 200 and response.json_body["items"][0]["status"] == "valid"


def test_a_batch_body_must_still_be_json(client, at):
    response = client.http.post("/verify/batch", headers={"Content-Type": "text/csv", "Accept": "text/csv"},
                                body="registration_nos\nBJ2027000001\n")
    assert response.status_code == 415 and response.json_body["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_an_address_sending_more_than_ten_batches_a_minute_gets_429_with_retry_after(client, at):
    numbers = [_number()]
    for _ in range(verification.BATCH_LIMIT_PER_MINUTE):
        assert _batch(client, numbers).status_code == 200
    refused = _batch(client, numbers)
    assert refused.status_code == 429, refused.body
    assert refused.json_body["error"]["code"] == "VERIFY_BATCH_TOO_FREQUENT"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert _batch(client, numbers, Accept="text/csv").status_code == 429  # a CSV is no way around it


def test_the_openapi_document_describes_the_code_and_the_batch(client):
    document = client.http.get("/openapi.json").json_body
    parameters = document["paths"]["/verify/{registration_no}"]["get"]["parameters"]
    code, = [p for p in parameters if p["name"] == "code"]
    assert code["in"] == "query" and code["schema"]["maxLength"] == 32
    batch = document["paths"]["/verify/batch"]["post"]
    schema = batch["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["registration_nos"]["maxItems"] == 100
    assert {"422", "429"} <= set(batch["responses"])
    assert set(batch["responses"]["200"]["content"]) == {"application/json", "text/csv"}
