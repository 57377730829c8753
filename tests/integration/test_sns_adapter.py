"""The Amazon SNS adapter against moto's SNS, over HTTP on the test stack's moto server.

What moto accepted is read back from its `/moto-api/data.json` (every tracked
model, including each SMS published to a phone number). Outbox rows here are
due in 2005: later than any clock `test_outbox.py` runs its dispatcher at.
"""
from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone

import boto3
import pytest
import urllib3

from chalicelib.adapters.dynamo.messages import outbox_item
from chalicelib.adapters.sms import SnsSms
from chalicelib.domain.notifications import SIGNATURE, Sms
from chalicelib.services import outbox
from chalicelib.services.outbox import OutboxStatus


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


def test_publish_to_a_mainland_number_adds_the_country_code_and_returns_the_message_id(sns):
    phone, text = _phone(), f"{SIGNATURE}您的登记申请通过！"
    message_id = sns.send(phone, text)
    assert _published()[message_id] == {"message_id": message_id, "phone_number": f"+86{phone}",
                                        "message": text}


def test_a_number_already_in_international_form_is_published_as_given(sns):
    message_id = sns.send("+85261234567", "test")
    assert _published()[message_id]["phone_number"] == "+85261234567"


def test_the_dispatcher_records_the_message_id_sns_returned(deps, sns):
    now = datetime(2005, 1, 2, tzinfo=timezone.utc)
    sms = Sms(uuid.uuid4().hex, _phone(), f"{SIGNATURE}电子证书已生成", now)
    outbox_item(sms).save()
    outbox.dispatch(deps.outbox, sns, now)
    row = deps.outbox.get(sms.outbox_id)
    assert row.status is OutboxStatus.SENT
    assert _published()[row.provider_message_id]["phone_number"] == f"+86{sms.phone}"


def test_a_text_sns_refuses_is_retried_later_and_the_error_names_no_phone(deps, sns):
    now = datetime(2005, 1, 1, tzinfo=timezone.utc)
    sms = Sms(uuid.uuid4().hex, _phone(), "长" * 1700, now)  # over SNS's 1,600 limit
    outbox_item(sms).save()
    outbox.dispatch(deps.outbox, sns, now)
    row = deps.outbox.get(sms.outbox_id)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "InvalidParameter" in row.last_error and sms.phone not in row.last_error
