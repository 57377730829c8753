"""The SMS settings: `SWREG_SMS_SINK` chooses the file sink, Amazon SNS or Tencent Cloud SMS, and
Tencent's app, signature, template ids and credentials parameter are checked at cold start."""
from __future__ import annotations

import json

import pytest

from chalicelib import bootstrap
from chalicelib import settings as settings_module
from chalicelib.adapters.sms import FileSms, SnsSms
from chalicelib.adapters.sms_tencent import TencentSms
from chalicelib.domain import texts
from chalicelib.settings import Settings, SettingsError, TencentSmsSettings

TEMPLATES = {name: f"20{n:05d}" for n, name in enumerate(sorted(texts.SMS_TEMPLATES))}
BASE = {"SWREG_STAGE": "prod", "SWREG_TABLE_PREFIX": "swreg-prod-", "SWREG_BUCKET": "swreg-prod-files",
        "SWREG_VERIFY_BASE_URL": "https://zhengshu.swreg.gov.cn/verify/", "AWS_REGION": "cn-north-1",
        "SWREG_JWT_KEY_PARAMETER": "/swreg/prod/jwt-signing-key"}
TENCENT = {**BASE, "SWREG_SMS_SINK": "tencent", "SWREG_SMS_APP_ID": "1400000001", "SWREG_SMS_SIGN_NAME": "北京社工登记",
           "SWREG_SMS_TEMPLATES": json.dumps(TEMPLATES), "SWREG_SMS_CREDENTIALS_PARAMETER": "/swreg/prod/sms-credentials"}


def test_tencent_settings_carry_the_app_signature_template_ids_and_credentials_parameter():
    settings = Settings.from_env(TENCENT)
    assert settings.tencent_sms == TencentSmsSettings(
        app_id="1400000001", sign_name="北京社工登记", templates=tuple(sorted(TEMPLATES.items())),
        credentials_parameter="/swreg/prod/sms-credentials", endpoint=None)
    assert Settings.from_env({**TENCENT, "SWREG_SMS_ENDPOINT": "http://127.0.0.1:9"}).tencent_sms.endpoint == \
        "http://127.0.0.1:9"


@pytest.mark.parametrize("name", ["SWREG_SMS_APP_ID", "SWREG_SMS_SIGN_NAME", "SWREG_SMS_TEMPLATES",
                                  "SWREG_SMS_CREDENTIALS_PARAMETER"])
def test_the_tencent_sink_without_one_of_its_variables_stops_the_cold_start_naming_it(name):
    env = {key: value for key, value in TENCENT.items() if key != name}
    with pytest.raises(SettingsError, match=name):
        Settings.from_env(env)


def test_with_a_provider_parameter_the_app_signature_and_templates_wait_for_the_first_send():
    env = {key: value for key, value in TENCENT.items() if key not in settings_module.TENCENT_SMS_VARIABLES}
    settings = Settings.from_env({**env, "SWREG_SMS_PROVIDER_PARAMETER": "/swreg/prod/sms-provider"})
    assert (settings.tencent_sms, settings.sms_provider_parameter) == (None, "/swreg/prod/sms-provider")
    with pytest.raises(SettingsError, match="SWREG_SMS_CREDENTIALS_PARAMETER"):
        Settings.from_env({key: value for key, value in env.items() if key != "SWREG_SMS_CREDENTIALS_PARAMETER"}
                          | {"SWREG_SMS_PROVIDER_PARAMETER": "/swreg/prod/sms-provider"})


@pytest.mark.parametrize("value", ["not json", "[1, 2]", json.dumps({"LoginCode": 1})])
def test_template_ids_that_are_not_a_json_object_of_names_to_ids_are_refused(value):
    with pytest.raises(SettingsError, match="SWREG_SMS_TEMPLATES must be a JSON object"):
        Settings.from_env({**TENCENT, "SWREG_SMS_TEMPLATES": value})


def test_template_ids_must_cover_every_sms_the_service_sends():
    partial = {name: template_id for name, template_id in TEMPLATES.items() if name != "CertificateIssued"}
    with pytest.raises(SettingsError, match="no template id for: CertificateIssued"):
        Settings.from_env({**TENCENT, "SWREG_SMS_TEMPLATES": json.dumps(partial)})


def test_an_unknown_sink_is_refused_naming_the_three_there_are():
    with pytest.raises(SettingsError, match="'sns', 'file' or 'tencent'"):
        Settings.from_env({**BASE, "SWREG_SMS_SINK": "aliyun"})


@pytest.mark.parametrize("env, adapter", [
    (TENCENT, TencentSms),
    ({**BASE, "SWREG_SMS_SINK": "sns"}, SnsSms),
    ({**BASE, "SWREG_SMS_SINK": "file", "SWREG_SMS_FILE": ".local/sms.jsonl"}, FileSms),
], ids=["tencent", "sns", "file"])
def test_the_settings_choose_the_sms_adapter(env, adapter):
    # `_sms` alone: `build` would bind the global table models to these prod settings.
    sender = bootstrap._sms(Settings.from_env(env))
    assert type(sender.send.__self__) is adapter  # Tencent's is built on the first send
