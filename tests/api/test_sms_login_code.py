"""A login code requested over the API goes out through Tencent Cloud SMS as the provider's
verification-code template with the code as its one parameter, the very code the service then
accepts (the SDK against the loopback fake of tests/tencent_sms_fake.py, the rest of the stack real)."""
from __future__ import annotations

import json

import pytest

from chalicelib.adapters.sms_tencent import TencentSms
from chalicelib.domain import texts
from tests.api.conftest import unique_phone
from tests.tencent_sms_fake import SECRET_ID, SECRET_KEY, FakeTencentSms

JSON = {"Content-Type": "application/json"}
TEMPLATE_IDS = {name: f"30{n:04d}" for n, name in enumerate(sorted(texts.SMS_TEMPLATES))}


@pytest.fixture
def provider(swap):
    fake = FakeTencentSms().start()
    swap(sms=TencentSms(app_id="1400000001", sign_name="北京社工登记", templates=TEMPLATE_IDS,
                        credentials=lambda: (SECRET_ID, SECRET_KEY), endpoint=fake.url))
    yield fake
    fake.stop()


def test_a_requested_login_code_goes_out_as_the_verification_code_template(client, provider):
    phone = unique_phone()
    answer = client.http.post("/auth/sms-codes", headers=JSON, body=json.dumps({"phone": phone, "purpose": "login"}))
    assert answer.status_code == 202
    [request] = provider.requests
    assert (request["PhoneNumberSet"], request["TemplateId"]) == ([f"+86{phone}"], TEMPLATE_IDS["LoginCode"])
    [code] = request["TemplateParamSet"]
    assert len(code) == 6 and code.isdigit() and provider.refused_signatures == 0
    # The code is right (consumed), the phone just has no account yet: NO_ACCOUNT, not INVALID_CODE.
    login = client.http.post("/auth/login", headers=JSON, body=json.dumps({"phone": phone, "code": code}))
    assert (login.status_code, json.loads(login.body)["error"]["code"]) == (401, "NO_ACCOUNT")
