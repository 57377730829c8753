"""Settings fail fast and name what is missing or still a placeholder."""
import pytest

from chalicelib.cli.environment import stage_variables
from chalicelib.settings import Settings, SettingsError

GOOD = {"SWREG_STAGE": "prod", "SWREG_TABLE_PREFIX": "swreg-prod-", "SWREG_BUCKET": "b",
        "AWS_REGION": "cn-north-1", "SWREG_VERIFY_BASE_URL": "https://zhengshu.swreg.gov.cn/api/verify",
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
    assert Settings.from_env(GOOD).verify_base_url == "https://zhengshu.swreg.gov.cn/api/verify/"
    assert Settings.from_env(GOOD).verify_base() == "https://zhengshu.swreg.gov.cn/api/verify/"


def test_a_job_continues_through_sqs_or_at_its_next_run():
    assert Settings.from_env(GOOD).continuation == "none"
    assert Settings.from_env({**GOOD, "SWREG_JOB_CONTINUATION": "sqs"}).continuation == "sqs"


@pytest.mark.parametrize("value", ["pigeon", "lambda"])  # "lambda": the self-invocation SQS replaced
def test_unknown_job_continuation_is_refused(value):
    with pytest.raises(SettingsError, match="SWREG_JOB_CONTINUATION"):
        Settings.from_env({**GOOD, "SWREG_JOB_CONTINUATION": value})


def test_queues_are_named_like_the_stages_tables():
    assert Settings.from_env(GOOD).queue_name("certificates") == "swreg-prod-certificates"


@pytest.mark.parametrize("name, value", [
    ("SWREG_VERIFY_BASE_URL", "https://zhengshu.swreg.example/verify/"),
    ("SWREG_VERIFY_BASE_URL", "https://example.com/verify/"),
    ("SWREG_VERIFY_BASE_URL", "https://www.example.org/verify/"),
    ("SWREG_BUCKET", "CHANGEME"),
    ("SWREG_JWT_KEY_PARAMETER", "/swreg/changeme/jwt-signing-key"),
    ("SWREG_SMS_FILE", "   "),
    ("SWREG_JOB_CONTINUATION", ""),
])
def test_a_placeholder_value_stops_the_cold_start_naming_the_setting(name, value):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({**GOOD, name: value})
    assert name in str(caught.value)


def test_every_placeholder_is_named_at_once():
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({**GOOD, "SWREG_VERIFY_BASE_URL": "https://swreg.example/", "SWREG_BUCKET": "CHANGEME"})
    assert "SWREG_VERIFY_BASE_URL" in str(caught.value) and "SWREG_BUCKET" in str(caught.value)


@pytest.mark.parametrize("value", ["https://zhengshu.swreg.gov.cn/verify/", "http://127.0.0.1:8000/verify/",
                                   "https://counterexample.cn/verify/", "https://examples.cn/verify/"])
def test_real_hosts_that_merely_contain_the_word_example_are_accepted(value):
    assert Settings.from_env({**GOOD, "SWREG_VERIFY_BASE_URL": value}).verify_base_url == value


def test_the_verify_base_url_comes_from_the_environment_or_an_ssm_parameter():
    lacking = {name: value for name, value in GOOD.items() if name != "SWREG_VERIFY_BASE_URL"}
    with pytest.raises(SettingsError, match="SWREG_VERIFY_BASE_URL or SWREG_VERIFY_BASE_URL_PARAMETER"):
        Settings.from_env(lacking)
    settings = Settings.from_env({**lacking, "SWREG_VERIFY_BASE_URL_PARAMETER": "/swreg/prod/verify-base-url"})
    assert (settings.verify_base_url, settings.verify_base_url_parameter) == (None, "/swreg/prod/verify-base-url")


def test_the_verify_base_url_may_not_come_from_both_places():
    with pytest.raises(SettingsError, match="not both"):
        Settings.from_env({**GOOD, "SWREG_VERIFY_BASE_URL_PARAMETER": "/swreg/prod/verify-base-url"})


def test_the_previous_jwt_key_parameter_is_optional():
    assert Settings.from_env(GOOD).jwt_previous_key_parameter is None
    settings = Settings.from_env({**GOOD, "SWREG_JWT_PREVIOUS_KEY_PARAMETER": "/swreg/prod/jwt-signing-key-previous"})
    assert settings.jwt_previous_key_parameter == "/swreg/prod/jwt-signing-key-previous"


@pytest.mark.parametrize("stage", ["local", "test", "prod"])
def test_every_stage_of_the_chalice_config_starts_without_placeholders(stage):
    settings = Settings.from_env({**stage_variables(stage), "AWS_REGION": "cn-north-1"})
    assert settings.stage == stage


def test_the_prod_stage_reads_its_verify_base_url_and_previous_key_from_ssm():
    settings = Settings.from_env({**stage_variables("prod"), "AWS_REGION": "cn-north-1"})
    assert (settings.verify_base_url, settings.verify_base_url_parameter) == (None, "/swreg/prod/verify-base-url")
    assert settings.jwt_previous_key_parameter == "/swreg/prod/jwt-signing-key-previous"


def test_cors_origins_are_a_comma_separated_list_and_none_is_allowed_by_default():
    listed = Settings.from_env({**GOOD, "SWREG_CORS_ORIGINS": " https://zhengshu.swreg.gov.cn, http://127.0.0.1:8080 "})
    assert listed.allowed_origins() == {"https://zhengshu.swreg.gov.cn", "http://127.0.0.1:8080"}
    assert Settings.from_env(GOOD).allowed_origins() == frozenset()


@pytest.mark.parametrize("value", ["*", "https://zhengshu.swreg.gov.cn/", "zhengshu.swreg.gov.cn",
                                   "https://zhengshu.swreg.gov.cn/web", "ftp://zhengshu.swreg.gov.cn",
                                   "https://CHANGEME"])
def test_a_cors_origin_that_is_not_one_exact_origin_is_refused(value):
    with pytest.raises(SettingsError, match="SWREG_CORS_ORIGINS"):
        Settings.from_env({**GOOD, "SWREG_CORS_ORIGINS": f"http://127.0.0.1:8080,{value}"})


def test_cors_origins_come_from_the_environment_or_an_ssm_parameter_not_both():
    with pytest.raises(SettingsError, match="not both"):
        Settings.from_env({**GOOD, "SWREG_CORS_ORIGINS": "http://127.0.0.1:8080",
                           "SWREG_CORS_ORIGINS_PARAMETER": "/swreg/prod/allowed-origins"})


def test_the_prod_stage_reads_its_cors_origins_from_the_parameter_the_stack_writes():
    settings = Settings.from_env({**stage_variables("prod"), "AWS_REGION": "cn-north-1"})
    assert (settings.cors_origins, settings.cors_origins_parameter) == (None, "/swreg/prod/allowed-origins")


def test_the_test_stage_allows_the_web_clients_local_origin():
    settings = Settings.from_env({**stage_variables("test"), "AWS_REGION": "cn-north-1"})
    assert "http://127.0.0.1:8080" in settings.allowed_origins()


def test_the_local_stage_leaves_the_origins_to_make_run_which_knows_the_web_clients_port():
    # `chalice local` puts the stage's variables over the environment: one there would beat WEB_PORT
    assert "SWREG_CORS_ORIGINS" not in stage_variables("local")
