"""Settings fail fast and name what is missing."""
import pytest

from chalicelib.settings import Settings, SettingsError

GOOD = {"SWREG_STAGE": "prod", "SWREG_TABLE_PREFIX": "swreg-prod-", "SWREG_BUCKET": "b",
        "AWS_REGION": "cn-north-1", "SWREG_VERIFY_BASE_URL": "https://example.org/api/verify",
        "SWREG_JWT_KEY_PARAMETER": "/swreg/prod/jwt-signing-key"}


def test_settings_are_read_from_the_environment():
    settings = Settings.from_env(GOOD)
    assert (settings.stage, settings.region, settings.sms_sink, settings.debug) == \
        ("prod", "cn-north-1", "sns", False)


def test_missing_settings_are_all_named_at_once():
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"SWREG_STAGE": "prod"})
    for name in ("SWREG_TABLE_PREFIX", "SWREG_BUCKET", "AWS_REGION", "SWREG_VERIFY_BASE_URL"):
        assert name in str(caught.value)


def test_file_sms_sink_needs_a_file():
    with pytest.raises(SettingsError, match="SWREG_SMS_FILE"):
        Settings.from_env({**GOOD, "SWREG_SMS_SINK": "file"})


def test_unknown_sms_sink_is_refused():
    with pytest.raises(SettingsError, match="SWREG_SMS_SINK"):
        Settings.from_env({**GOOD, "SWREG_SMS_SINK": "pigeon"})


def test_verify_links_end_in_one_slash():
    assert Settings.from_env(GOOD).verify_base_url == "https://example.org/api/verify/"


def test_unknown_job_continuation_is_refused():
    with pytest.raises(SettingsError, match="SWREG_JOB_CONTINUATION"):
        Settings.from_env({**GOOD, "SWREG_JOB_CONTINUATION": "pigeon"})
