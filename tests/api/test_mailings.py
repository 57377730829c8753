"""Mailing paper certificates through the API: the admins' list and actions, the roles, a returned-then-reshipped
mailing, the applicant's SMS and message on shipping, and GET /certificates showing the state and waybill.

The end-to-end mailing comes from the certificate job: an application that chose mail in a 1990 window (the
first year a window may have), issued at a clock at the end of 1990 (the job looks at its year's window and
the two before; no other test's window is in 1990). Other mailings are stored directly, each test in a year of
its own before any window (a mailing's year is its application's, never checked against a window).
"""
from __future__ import annotations

import io
import json
import uuid
from datetime import datetime, timezone

import pytest

from chalicelib import bootstrap
from chalicelib.domain.application import Application
from chalicelib.domain.levels import Level
from chalicelib.domain.mailing import Mailing
from chalicelib.domain.outbox import OutboxStatus
from chalicelib.domain.windows import SHANGHAI
from chalicelib.services import mailings
from tests import approvals
from tests.api.conftest import JSON, auth, sign_up
from tests.certificate_run import issue_due

YEAR = 1990
ISSUED_AT = datetime(YEAR, 12, 31, 12, tzinfo=SHANGHAI)
ADDRESS = {"recipient": "周晓梅", "phone": "13912345678", "address": "北京市西城区西长安街7号", "postal_code": "100032"}
EMS = {"carrier": "中国邮政EMS", "tracking_no": "EA123456789CN"}


@pytest.fixture(scope="module")
def window(stack):
    return approvals.spring_window(bootstrap.deps(), YEAR)


def _approved_by_mail(deps, window, person) -> Application:
    """`person` applies with pickup by mail, submits and is approved."""
    return approvals.approve(deps, person, window, fields={"pickup_method": "mail", "mailing_address": ADDRESS})


def _own_year() -> int:
    return 1000 + uuid.uuid4().int % 900


def _stored_mailing(deps, year: int, number: str | None = None) -> Mailing:
    mailing = Mailing.start(registration_no=number or f"BJ{year}{uuid.uuid4().int % 10**6:06d}",
                            application_id=uuid.uuid4().hex, id_number="110101199003071234", window_year=year,
                            level=Level.ASSISTANT, recipient="李雷", phone="13800138000", address="北京市东城区某街2号",
                            postal_code="100010", notify_phone="13800138000", now=datetime.now(timezone.utc))
    assert deps.mailings.add(mailing)
    return mailing


def _post(client, token, number, action, body) -> object:
    return client.http.post(f"/admin/mailings/{number}/{action}", headers=auth(token), body=json.dumps(body))


def _printed(deps, mailing: Mailing) -> None:
    mailing.mark_printed("ops", datetime.now(timezone.utc))
    deps.mailings.save(mailing)


def test_a_mailed_certificate_is_listed_shipped_and_shown_to_its_holder_with_sms_and_message(
        client, deps, window, admin):
    person = approvals.practitioner(deps, window, "周晓梅")
    token, _ = sign_up(client, deps, person)
    application = _approved_by_mail(deps, window, person)
    assert issue_due(deps, ISSUED_AT)["issued"] >= 1
    number = deps.applications.get(application.application_id).registration_no

    [listed] = [m for m in client.http.get(f"/admin/mailings?window={YEAR}&state=to_print",
                                           headers=auth(admin)).json_body["items"] if m["registration_no"] == number]
    assert (listed["state"], listed["state_name"], listed["recipient"], listed["address"]) == (
        "to_print", "待打印", ADDRESS["recipient"], ADDRESS["address"])
    mine = client.http.get("/certificates", headers=auth(token)).json_body["items"]
    assert mine[0]["mailing"] == {"state": "to_print", "state_name": "待打印", "carrier": None, "tracking_no": None,
                                  "shipped_at": None}

    assert _post(client, admin, number, "shipped", EMS).status_code == 409  # not printed yet
    mailings.export(deps, YEAR, None, io.StringIO(), "ops", datetime.now(timezone.utc))
    shipped = _post(client, admin, number, "shipped", EMS)
    assert shipped.status_code == 200, shipped.body
    assert (shipped.json_body["state"], shipped.json_body["tracking_no"]) == ("shipped", "EA123456789CN")

    one = client.http.get(f"/certificates/{number}", headers=auth(token)).json_body
    assert (one["mailing"]["state"], one["mailing"]["state_name"], one["mailing"]["carrier"],
            one["mailing"]["tracking_no"]) == ("shipped", "已寄出", "中国邮政EMS", "EA123456789CN")
    titles = [m["title"] for m in client.http.get("/messages", headers=auth(token)).json_body["items"]]
    assert "您的证书已寄出" in titles
    texts = [sms.text for sms in deps.outbox.list(OutboxStatus.PENDING, 10_000) if sms.phone == application.fields.phone]
    assert sum("您的证书已寄出，快递单号EA123456789CN（中国邮政EMS）" in text for text in texts) == 1

    assert _post(client, admin, number, "shipped", EMS).status_code == 200  # the same waybill: no change
    texts = [sms.text for sms in deps.outbox.list(OutboxStatus.PENDING, 10_000) if sms.phone == application.fields.phone]
    assert sum("快递单号EA123456789CN" in text for text in texts) == 1
    actions = [e.action for e in deps.audit.page(f"mailing#{number}", None, 10).items]
    assert actions == ["ship: 中国邮政EMS EA123456789CN"]


def test_an_application_picked_up_electronically_shows_no_mailing(client, deps, window):
    person = approvals.practitioner(deps, window, "李雷")
    token, _ = sign_up(client, deps, person)
    approvals.approve(deps, person, window)
    issue_due(deps, ISSUED_AT)
    [mine] = client.http.get("/certificates", headers=auth(token)).json_body["items"]
    assert mine["mailing"] is None


def test_a_returned_mailing_is_shipped_again_and_then_delivered(client, deps, admin):
    mailing = _stored_mailing(deps, _own_year())
    _printed(deps, mailing)
    number = mailing.registration_no
    assert _post(client, admin, number, "shipped", EMS).status_code == 200
    returned = _post(client, admin, number, "returned", {"note": "查无此人"})
    assert returned.status_code == 200 and returned.json_body["state"] == "returned"
    again = _post(client, admin, number, "shipped", {"carrier": "顺丰速运", "tracking_no": "SF1234567890123"})
    assert (again.json_body["state"], again.json_body["tracking_no"]) == ("shipped", "SF1234567890123")
    delivered = _post(client, admin, number, "delivered", {})
    assert delivered.json_body["state"] == "delivered"
    assert [(h["from"], h["to"]) for h in delivered.json_body["history"]] == [
        (None, "to_print"), ("to_print", "printed"), ("printed", "shipped"), ("shipped", "returned"),
        ("returned", "shipped"), ("shipped", "delivered")]
    assert _post(client, admin, number, "returned", {"note": "再退"}).status_code == 409
    actions = [e.action for e in deps.audit.page(f"mailing#{number}", None, 10).items]
    assert actions == ["delivered", "ship: 顺丰速运 SF1234567890123", "returned", "ship: 中国邮政EMS EA123456789CN"]
    assert all("1380013" not in action and "110101" not in action for action in actions)


def test_a_shipment_without_carrier_or_a_return_without_a_note_is_refused_field_by_field(client, deps, admin):
    mailing = _stored_mailing(deps, _own_year())
    _printed(deps, mailing)
    refused = _post(client, admin, mailing.registration_no, "shipped", {"tracking_no": "EA1"})
    assert refused.status_code == 422
    assert refused.json_body["error"]["code"] == "MAILING_SHIPMENT_INVALID"
    assert set(refused.json_body["error"]["details"]) == {"carrier", "tracking_no"}
    assert _post(client, admin, mailing.registration_no, "returned", {}).status_code == 422
    assert _post(client, admin, mailing.registration_no, "shipped", {**EMS, "extra": 1}).status_code == 422


def test_an_unknown_or_malformed_number_is_not_found(client, admin):
    assert _post(client, admin, "BJ1000999999", "shipped", EMS).status_code == 404
    assert _post(client, admin, "no%20such", "delivered", {}).status_code == 404


@pytest.mark.parametrize("number", ["B" * 200, "A" * 41, "BJ%00", "%00", "BJ2026%2F1", "BJ%E4%B8%AD"])
def test_an_implausible_number_is_not_found_in_the_api_shape_before_any_lookup(client, admin, number):
    for action, body in (("shipped", EMS), ("returned", {"note": "退回"}), ("delivered", {})):
        answer = _post(client, admin, number, action, body)
        assert answer.status_code == 404
        assert answer.json_body["error"]["code"] == "NOT_FOUND"
        assert set(answer.json_body["error"]["details"]) == {"registration_no"}


def test_applicants_and_reviewers_are_refused_every_mailing_route_and_nobody_without_a_token(
        client, deps, window, reviewer):
    person = approvals.practitioner(deps, window, "韩梅梅")
    applicant_token, _ = sign_up(client, deps, person)
    number = _stored_mailing(deps, _own_year()).registration_no
    for token in (applicant_token, reviewer):
        assert client.http.get("/admin/mailings", headers=auth(token)).status_code == 403
        for action, body in (("shipped", EMS), ("returned", {"note": "退回"}), ("delivered", {})):
            assert _post(client, token, number, action, body).status_code == 403
    assert client.http.get("/admin/mailings").status_code == 401
    assert client.http.post(f"/admin/mailings/{number}/shipped", headers=JSON, body=json.dumps(EMS)).status_code == 401


def test_the_list_pages_a_window_by_number_with_a_cursor_bound_to_its_query(client, deps, admin):
    year = _own_year()
    numbers = sorted(_stored_mailing(deps, year, f"BJ{year}{n:06d}").registration_no for n in range(1, 53))
    first = client.http.get(f"/admin/mailings?window={year}", headers=auth(admin)).json_body
    assert [m["registration_no"] for m in first["items"]] == numbers[:50] and first["cursor"]
    rest = client.http.get(f"/admin/mailings?window={year}&cursor={first['cursor']}", headers=auth(admin)).json_body
    assert [m["registration_no"] for m in rest["items"]] == numbers[50:] and rest["cursor"] is None
    other = client.http.get(f"/admin/mailings?window={year}&state=printed&cursor={first['cursor']}",
                            headers=auth(admin))
    assert other.status_code == 400 and other.json_body["error"]["code"] == "BAD_CURSOR"
    assert "1380013" not in first["cursor"]
    bad = client.http.get("/admin/mailings?window=80&state=lost", headers=auth(admin))
    assert bad.status_code == 422 and set(bad.json_body["error"]["details"]) == {"window", "state"}
    audited = deps.audit.page(f"mailings#{year}", None, 10).items
    assert [e.action for e in audited][:2] == ["list all: 2 rows", "list all: 50 rows"]
