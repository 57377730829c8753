"""Tencent Cloud SMS through its own SDK, pointed at a loopback fake of its HTTP API that checks each
request's signature (tests/tencent_sms_fake.py): what a text becomes on the wire, and what the
dispatcher does with each answer — sent, throttled (sent again in seconds), a rejected
template parameter (DEAD at once, with the provider's reason), a timeout (retried)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto.server import ThreadedMotoServer

from chalicelib import bootstrap
from chalicelib.adapters.sms_tencent import TencentSms, TencentSmsFault
from chalicelib.domain import texts
from chalicelib.domain.outbox import THROTTLE_PAUSE, OutboxStatus, Sms, SmsContent, SmsRefusedError, SmsThrottledError
from chalicelib.services import outbox
from chalicelib.settings import Settings, SettingsError
from tests.fakes import FakeOutbox
from tests.tencent_sms_fake import REJECTED_REASON, SECRET_ID, SECRET_KEY, FakeTencentSms

NOW = datetime(2026, 3, 15, 8, 30, tzinfo=timezone.utc)
PHONE = "13912345678"
TEMPLATE_IDS = {name: str(2000000 + n) for n, name in enumerate(sorted(texts.SMS_TEMPLATES))}
ISSUED = SmsContent.of("CertificateIssued", registration_no="BJ2026000042", valid_until=2029)


@pytest.fixture
def provider():
    fake = FakeTencentSms().start()
    yield fake
    fake.stop()


def _sender(provider: FakeTencentSms, **changes) -> TencentSms:
    options = dict(app_id="1400000001", sign_name="北京社工登记", templates=TEMPLATE_IDS,
                   credentials=lambda: (SECRET_ID, SECRET_KEY), endpoint=provider.url, timeout=0.5)
    return TencentSms(**{**options, **changes})


def _dispatch_one(sender: TencentSms, content: SmsContent = ISSUED) -> Sms:
    rows = FakeOutbox()
    sms = Sms.queue(PHONE, content, NOW)
    rows.add(sms)
    outbox.dispatch(rows, sender, NOW, clock=lambda: 0.0)  # the run's clock stands at NOW
    return rows.get(sms.outbox_id)


def test_a_text_goes_out_as_its_template_id_and_ordered_parameters_under_the_signature(provider):
    message_id = _sender(provider).send(PHONE, ISSUED)
    [request] = provider.requests
    assert request == {"PhoneNumberSet": [f"+86{PHONE}"], "SmsSdkAppId": "1400000001", "SignName": "北京社工登记",
                       "TemplateId": TEMPLATE_IDS["CertificateIssued"],
                       "TemplateParamSet": ["BJ2026000042", "2029"]}
    assert message_id and provider.refused_signatures == 0


def test_a_login_code_uses_the_verification_code_template(provider):
    _sender(provider).send(PHONE, SmsContent.of("LoginCode", code="048213"))
    assert provider.requests[0]["TemplateId"] == TEMPLATE_IDS["LoginCode"]
    assert provider.requests[0]["TemplateParamSet"] == ["048213"]


def test_a_sent_text_is_marked_sent_with_tencents_serial_number(provider):
    row = _dispatch_one(_sender(provider))
    assert (row.status, row.attempts, len(provider.requests)) == (OutboxStatus.SENT, 1, 1)
    assert len(row.provider_message_id) == 32  # the fake's SerialNo


def test_a_throttled_send_is_sent_again_in_seconds_without_using_up_an_attempt(provider):
    provider.outcomes = ["throttled"]
    row = _dispatch_one(_sender(provider))
    assert (row.status, row.attempts, row.due_at) == (OutboxStatus.PENDING, 0, NOW + THROTTLE_PAUSE)
    assert row.last_error.startswith("SmsThrottledError: RequestLimitExceeded")


def test_a_rejected_template_parameter_is_dead_at_once_with_the_providers_reason(provider):
    provider.outcomes = ["rejected"]
    row = _dispatch_one(_sender(provider))
    assert (row.status, row.attempts) == (OutboxStatus.DEAD, 1)
    assert row.last_error == f"SmsRefusedError: InvalidParameterValue.TemplateParameterFormatError: {REJECTED_REASON}"
    assert PHONE not in row.last_error


@pytest.mark.parametrize("outcome, fault", [
    ("error:RequestLimitExceeded", SmsThrottledError),
    ("error:RequestLimitExceeded.UinLimitExceeded", SmsThrottledError),
    ("error:FailedOperation.TemplateIncorrectOrUnapproved", SmsRefusedError),
    ("error:FailedOperation.SignatureIncorrectOrUnapproved", SmsRefusedError),
    ("error:FailedOperation.TemplateParamSetNotMatchApprovedTemplate", SmsRefusedError),
    ("error:InvalidParameterValue.ProhibitedUseUrlInTemplateParameter", SmsRefusedError),
    ("status:FailedOperation.PhoneNumberInBlacklist", SmsRefusedError),
    ("status:InvalidParameterValue.IncorrectPhoneNumber", SmsRefusedError),
    ("status:UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone", SmsRefusedError),
    ("status:LimitExceeded.PhoneNumberThirtySecondLimit", TencentSmsFault),
    ("error:LimitExceeded.AppDailyLimit", TencentSmsFault),
    ("error:AuthFailure.SecretIdNotFound", TencentSmsFault),
    ("error:FailedOperation.InsufficientBalanceInSmsPackage", TencentSmsFault),
    ("error:InternalError.Timeout", TencentSmsFault),
])
def test_what_tencent_will_never_send_as_it_stands_is_refused_and_the_rest_is_worth_a_retry(provider, outcome, fault):
    provider.outcomes = [outcome]
    with pytest.raises(fault, match=outcome.split(":", 1)[1]):
        _sender(provider).send(PHONE, ISSUED)


def test_a_send_that_times_out_is_retried(provider):
    provider.outcomes = ["slow"]
    row = _dispatch_one(_sender(provider))
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "ClientNetworkError" in row.last_error and PHONE[3:] not in row.last_error


def test_a_request_signed_with_the_wrong_key_is_refused_by_the_fake_and_retried(provider):
    with pytest.raises(TencentSmsFault, match="AuthFailure.SignatureFailure"):
        _sender(provider, credentials=lambda: (SECRET_ID, "not-the-key")).send(PHONE, ISSUED)
    assert provider.refused_signatures == 1 and provider.requests == []


def test_a_rotated_key_is_used_from_the_next_send(provider):
    keys = [(SECRET_ID, "not-the-key"), (SECRET_ID, SECRET_KEY)]
    sender = _sender(provider, credentials=lambda: keys[0])
    with pytest.raises(TencentSmsFault):
        sender.send(PHONE, ISSUED)
    keys.pop(0)
    assert sender.send(PHONE, ISSUED) and len(provider.requests) == 1


def test_a_parameter_that_breaks_the_rules_is_refused_without_a_request(provider):
    too_long = SmsContent.of("CertificateIssued", registration_no="BJ" + "0" * 34, valid_until=2029)
    row = _dispatch_one(_sender(provider), too_long)
    assert (row.status, provider.requests) == (OutboxStatus.DEAD, [])
    assert "registration_no: 36 characters, over 35" in row.last_error


def test_a_template_without_an_id_in_the_settings_is_refused_without_a_request(provider):
    sender = _sender(provider, templates={"LoginCode": "1"})
    with pytest.raises(SmsRefusedError, match="CertificateIssued"):
        sender.send(PHONE, ISSUED)
    assert provider.requests == []


@pytest.fixture
def ssm(monkeypatch):
    """SSM on a loopback moto server, where the functions' own reads (Powertools) go too."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", endpoint)
    parameters.clear_caches()  # Powertools keeps its SSM client and values per process
    try:
        yield boto3.client("ssm", region_name=os.environ["AWS_REGION"], endpoint_url=endpoint)
    finally:
        parameters.clear_caches()
        server.stop()


def _tencent_env(provider: FakeTencentSms) -> dict[str, str]:
    return {"SWREG_STAGE": "prod", "SWREG_TABLE_PREFIX": "swreg-prod-", "SWREG_BUCKET": "swreg-prod-files",
            "SWREG_VERIFY_BASE_URL": "https://zhengshu.swreg.gov.cn/verify/", "AWS_REGION": os.environ["AWS_REGION"],
            "SWREG_JWT_KEY_PARAMETER": "/swreg/prod/jwt-signing-key", "SWREG_SMS_SINK": "tencent",
            "SWREG_SMS_APP_ID": "1400000001", "SWREG_SMS_SIGN_NAME": "北京社工登记",
            "SWREG_SMS_TEMPLATES": json.dumps(TEMPLATE_IDS),
            "SWREG_SMS_CREDENTIALS_PARAMETER": "/swreg/prod/sms-credentials", "SWREG_SMS_ENDPOINT": provider.url}


def test_the_prod_wiring_signs_with_the_key_from_its_ssm_securestring(provider, ssm):
    ssm.put_parameter(Name="/swreg/prod/sms-credentials", Type="SecureString",
                      Value=json.dumps({"secret_id": SECRET_ID, "secret_key": SECRET_KEY}))
    sender = bootstrap._sms(Settings.from_env(_tencent_env(provider)))
    assert sender.send(PHONE, ISSUED) and provider.refused_signatures == 0
    assert provider.requests[0]["TemplateId"] == TEMPLATE_IDS["CertificateIssued"]


def test_in_prod_the_app_signature_and_template_ids_come_from_the_stacks_ssm_parameter(provider, ssm):
    ssm.put_parameter(Name="/swreg/prod/sms-credentials", Type="SecureString", Overwrite=True,
                      Value=json.dumps({"secret_id": SECRET_ID, "secret_key": SECRET_KEY}))
    ssm.put_parameter(Name="/swreg/prod/sms-provider", Type="String", Overwrite=True, Value=json.dumps(
        {"app_id": "1400000001", "sign_name": "北京社工登记", "templates": TEMPLATE_IDS}))
    env = {key: value for key, value in _tencent_env(provider).items()
           if key not in ("SWREG_SMS_APP_ID", "SWREG_SMS_SIGN_NAME", "SWREG_SMS_TEMPLATES")}
    sender = bootstrap._sms(Settings.from_env({**env, "SWREG_SMS_PROVIDER_PARAMETER": "/swreg/prod/sms-provider"}))
    assert sender.send(PHONE, ISSUED) and provider.refused_signatures == 0
    assert (provider.requests[0]["SmsSdkAppId"], provider.requests[0]["TemplateId"]) == (
        "1400000001", TEMPLATE_IDS["CertificateIssued"])


def test_a_provider_parameter_lacking_a_template_id_is_refused_naming_the_parameter(provider, ssm):
    ssm.put_parameter(Name="/swreg/prod/sms-provider", Type="String", Overwrite=True, Value=json.dumps(
        {"app_id": "1400000001", "sign_name": "北京社工登记", "templates": {"LoginCode": "1"}}))
    env = {key: value for key, value in _tencent_env(provider).items()
           if key not in ("SWREG_SMS_APP_ID", "SWREG_SMS_SIGN_NAME", "SWREG_SMS_TEMPLATES")}
    settings = Settings.from_env({**env, "SWREG_SMS_PROVIDER_PARAMETER": "/swreg/prod/sms-provider"})
    with pytest.raises(SettingsError, match="/swreg/prod/sms-provider has no template id for: .*CertificateIssued"):
        settings.tencent()


def test_the_api_imports_without_the_sdk_even_when_it_sends_through_tencent(provider):
    """Login codes go out from the API: its cold start must not pay for the SDK (bench/cold_start.py)."""
    probe = ("import sys, app\n"
             "from chalicelib import bootstrap\n"
             "bootstrap._sms(app.settings)\n"
             "print(sorted(name for name in sys.modules if name.startswith('tencentcloud')))")
    env = {**os.environ, **_tencent_env(provider)}
    done = subprocess.run([sys.executable, "-c", probe], cwd=Path(__file__).resolve().parents[2], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
