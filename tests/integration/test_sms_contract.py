"""The SMS port: one set of assertions on `tests.fakes.FakeSms`, the file sink, Amazon SNS (moto's,
over HTTP on the test stack's moto server) and Tencent Cloud SMS (its SDK against the loopback fake
of tests/tencent_sms_fake.py), then what only SNS does. (What only Tencent does:
test_sms_tencent.py.)

What moto accepted is read back from its `/moto-api/data.json` (every tracked
model, including each SMS published to a phone number).
"""
from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

import boto3
import pytest
import urllib3

from chalicelib.adapters.sms import FileSms, SnsSms
from chalicelib.adapters.sms_tencent import TencentSms, parameter_names
from chalicelib.domain import texts
from chalicelib.domain.outbox import OutboxStatus, Sms, SmsContent, SmsThrottledError
from chalicelib.services import outbox
from tests.fakes import FakeOutbox, FakeSms
from tests.tencent_sms_fake import SECRET_ID, SECRET_KEY, FakeTencentSms

NOW = datetime(2026, 3, 15, 8, 30, tzinfo=timezone.utc)


@pytest.fixture
def sns(stack):
    return SnsSms(boto3.client("sns", region_name="us-east-1"))


def _published() -> dict[str, dict]:
    """Every SMS moto's SNS accepted, by message id."""
    response = urllib3.request("GET", f"{os.environ['AWS_ENDPOINT_URL_SNS']}/moto-api/data.json")
    assert response.status == 200
    return {sms["message_id"]: sms for sms in response.json()["sns"].get("SMS", [])}


def _phone() -> str:
    return f"136{uuid.uuid4().int % 10**8:08d}"


TEMPLATE_IDS = {name: f"T{n}" for n, name in enumerate(sorted(texts.SMS_TEMPLATES))}


@pytest.fixture
def tencent():
    provider = FakeTencentSms().start()
    yield provider
    provider.stop()


@pytest.fixture(params=["fake", "file", "sns", "tencent"])
def sender(request, tmp_path):
    """(the port, what the provider accepted for a phone, oldest first)."""
    if request.param == "fake":
        fake = FakeSms()
        return fake, fake.texts_to
    if request.param == "file":
        sink = tmp_path / "sms.jsonl"

        def sunk(phone: str) -> list[str]:
            records = [json.loads(line) for line in Path(sink).read_text(encoding="utf-8").splitlines()]
            return [record["text"] for record in records if record["to"] == phone]
        return FileSms(str(sink)), sunk

    if request.param == "tencent":
        provider = request.getfixturevalue("tencent")
        names = {template_id: name for name, template_id in TEMPLATE_IDS.items()}

        def rendered(request: dict) -> str:
            """The text the phone shows for a request: its template filled with its ordered parameters."""
            name = names[request["TemplateId"]]
            return SmsContent.of(name, **dict(zip(parameter_names(name), request["TemplateParamSet"]))).text

        def sent(phone: str) -> list[str]:
            return [rendered(request) for request in provider.requests if request["PhoneNumberSet"] == [f"+86{phone}"]]
        return TencentSms(app_id="1400000001", sign_name="北京社工登记", templates=TEMPLATE_IDS,
                          credentials=lambda: (SECRET_ID, SECRET_KEY), endpoint=provider.url), sent

    def published(phone: str) -> list[str]:
        return [sms["message"] for sms in _published().values() if sms["phone_number"] == f"+86{phone}"]
    return request.getfixturevalue("sns"), published


APPROVED = SmsContent.of("ApplicationApproved")


def test_every_sender_delivers_each_text_as_given_and_returns_its_own_message_id(sender):
    port, accepted = sender
    phone = _phone()
    contents = [APPROVED, SmsContent.of("CertificateIssued", registration_no="BJ2026000042", valid_until=2029)]
    ids = [port.send(phone, content) for content in contents]
    assert all(isinstance(message_id, str) and message_id for message_id in ids) and len(set(ids)) == 2
    assert accepted(phone) == [content.text for content in contents]


def test_publish_to_a_mainland_number_adds_the_country_code_and_returns_the_message_id(sns):
    phone = _phone()
    message_id = sns.send(phone, APPROVED)
    assert _published()[message_id] == {"message_id": message_id, "phone_number": f"+86{phone}",
                                        "message": APPROVED.text}


def test_a_number_already_in_international_form_is_published_as_given(sns):
    message_id = sns.send("+85261234567", APPROVED)
    assert _published()[message_id]["phone_number"] == "+85261234567"


def test_a_text_sns_refuses_is_retried_later_and_the_error_names_no_phone(sns):
    rows = FakeOutbox()
    sms = Sms.queue(_phone(), SmsContent("ApplicationApproved", {}, "长" * 1700), NOW)  # over SNS's 1,600 limit
    rows.add(sms)
    outbox.dispatch(rows, sns, NOW)
    row = rows.get(sms.outbox_id)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "InvalidParameter" in row.last_error and sms.phone not in row.last_error


@pytest.mark.parametrize("code", ["Throttling", "ThrottledException"])
def test_a_publish_sns_throttles_is_a_throttled_send(code):
    """moto never throttles: botocore's own stubber answers as SNS does over the account's SMS rate."""
    from botocore.stub import Stubber
    client = boto3.client("sns", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_client_error("publish", service_error_code=code, http_status_code=400)
        with pytest.raises(SmsThrottledError, match=code):
            SnsSms(client).send(_phone(), APPROVED)
