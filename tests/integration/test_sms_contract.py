"""The SMS port: one set of assertions on `tests.fakes.FakeSms`, the file sink and Amazon SNS (moto's,
over HTTP on the test stack's moto server), then what only SNS does.

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
from chalicelib.domain.notifications import SIGNATURE
from chalicelib.domain.outbox import OutboxStatus, Sms
from chalicelib.services import outbox
from tests.fakes import FakeOutbox, FakeSms

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


@pytest.fixture(params=["fake", "file", "sns"])
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

    def published(phone: str) -> list[str]:
        return [sms["message"] for sms in _published().values() if sms["phone_number"] == f"+86{phone}"]
    return request.getfixturevalue("sns"), published


def test_every_sender_delivers_each_text_as_given_and_returns_its_own_message_id(sender):
    port, accepted = sender
    phone, texts = _phone(), [f"{SIGNATURE}您的登记申请通过！", f"{SIGNATURE}电子证书已生成"]
    ids = [port.send(phone, text) for text in texts]
    assert all(isinstance(message_id, str) and message_id for message_id in ids) and len(set(ids)) == 2
    assert accepted(phone) == texts


def test_publish_to_a_mainland_number_adds_the_country_code_and_returns_the_message_id(sns):
    phone, text = _phone(), f"{SIGNATURE}您的登记申请通过！"
    message_id = sns.send(phone, text)
    assert _published()[message_id] == {"message_id": message_id, "phone_number": f"+86{phone}",
                                        "message": text}


def test_a_number_already_in_international_form_is_published_as_given(sns):
    message_id = sns.send("+85261234567", "test")
    assert _published()[message_id]["phone_number"] == "+85261234567"


def test_a_text_sns_refuses_is_retried_later_and_the_error_names_no_phone(sns):
    texts = FakeOutbox()
    sms = Sms.queue(_phone(), "长" * 1700, NOW)  # over SNS's 1,600 limit
    texts.add(sms)
    outbox.dispatch(texts, sns, NOW)
    row = texts.get(sms.outbox_id)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "InvalidParameter" in row.last_error and sms.phone not in row.last_error
