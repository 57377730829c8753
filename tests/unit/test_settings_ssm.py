"""Prod settings that live in SSM: read on first use through Powertools Parameters, against moto's server
on loopback (SSM's own API, SecureStrings decrypted), and refused when they hold a placeholder."""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from moto.server import ThreadedMotoServer

from chalicelib import bootstrap
from chalicelib.adapters.tokens import TokenService, load_previous_signing_key
from chalicelib.domain.errors import AuthenticationError
from chalicelib.services.deps import Keys
from chalicelib.settings import Settings, SettingsError
from tests.unreachable import unreachable_ssm

NOW = datetime(2030, 1, 1, 8, 0, tzinfo=timezone.utc)
PROD = {"SWREG_STAGE": "prod", "SWREG_TABLE_PREFIX": "swreg-prod-", "SWREG_BUCKET": "swreg-prod-files",
        "AWS_REGION": "cn-north-1", "SWREG_JWT_KEY_PARAMETER": "/swreg/prod/jwt-signing-key"}


@pytest.fixture(scope="module")
def ssm_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.get_host_and_port()[1]}"
    finally:
        server.stop()


@pytest.fixture
def ssm(ssm_endpoint, monkeypatch):
    """An SSM client on the loopback server, with the functions' own reads (Powertools) pointed there too."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", ssm_endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "cn-north-1")
    monkeypatch.setenv("AWS_REGION", "cn-north-1")
    parameters.clear_caches()  # Powertools keeps its SSM client and values per process
    yield boto3.client("ssm", region_name="cn-north-1", endpoint_url=ssm_endpoint)
    parameters.clear_caches()


def _name(what: str) -> str:
    """A parameter name no other test uses (the server lives for the whole module)."""
    return f"/swreg/t{secrets.token_hex(4)}/{what}"


def test_the_verify_base_url_is_read_from_its_parameter_on_first_use_not_at_cold_start(ssm):
    name = _name("verify-base-url")
    settings = Settings.from_env({**PROD, "SWREG_VERIFY_BASE_URL_PARAMETER": name})  # nothing there yet
    ssm.put_parameter(Name=name, Type="String", Value="https://zhengshu.swreg.gov.cn/verify")
    assert settings.verify_base() == "https://zhengshu.swreg.gov.cn/verify/"


def test_a_missing_verify_base_url_parameter_fails_the_read_naming_it(ssm):
    settings = Settings.from_env({**PROD, "SWREG_VERIFY_BASE_URL_PARAMETER": _name("verify-base-url")})
    with pytest.raises(parameters.GetParameterError, match="verify-base-url"):
        settings.verify_base()


@pytest.mark.parametrize("value", ["https://zhengshu.swreg.example/verify/", "CHANGEME", " "])
def test_a_placeholder_in_the_verify_base_url_parameter_is_refused_naming_the_parameter(ssm, value):
    name = _name("verify-base-url")
    ssm.put_parameter(Name=name, Type="String", Value=value)
    settings = Settings.from_env({**PROD, "SWREG_VERIFY_BASE_URL_PARAMETER": name})
    with pytest.raises(SettingsError) as caught:
        settings.verify_base()
    assert name in str(caught.value) and "SWREG_VERIFY_BASE_URL_PARAMETER" in str(caught.value)


def test_the_previous_signing_key_is_read_decrypted_from_its_secure_string(ssm):
    name = _name("jwt-signing-key-previous")
    ssm.put_parameter(Name=name, Type="SecureString", Value="p" * 48)
    assert load_previous_signing_key(name) == b"p" * 48


def test_no_previous_signing_key_parameter_means_no_rotation_is_settling(ssm):
    assert load_previous_signing_key(_name("jwt-signing-key-previous")) is None


def test_a_previous_signing_key_that_cannot_be_read_for_another_reason_is_an_error(ssm, monkeypatch):
    unreachable_ssm(monkeypatch)
    with pytest.raises(parameters.GetParameterError):
        load_previous_signing_key(_name("jwt-signing-key-previous"))


def _rotated(ssm) -> tuple[Settings, bytes, bytes]:
    """A stage in the middle of a rotation: the old key moved to the previous-key parameter."""
    current, previous = _name("jwt-signing-key"), _name("jwt-signing-key-previous")
    old_key, new_key = secrets.token_hex(32).encode(), secrets.token_hex(32).encode()
    ssm.put_parameter(Name=current, Type="SecureString", Value=new_key.decode())
    ssm.put_parameter(Name=previous, Type="SecureString", Value=old_key.decode())
    settings = Settings.from_env({**PROD, "SWREG_VERIFY_BASE_URL": "https://zhengshu.swreg.gov.cn/verify/",
                                  "SWREG_JWT_KEY_PARAMETER": current,
                                  "SWREG_JWT_PREVIOUS_KEY_PARAMETER": previous})
    return settings, old_key, new_key


def test_after_a_rotation_tokens_signed_before_it_still_verify_and_new_ones_use_the_new_key(ssm):
    settings, old_key, new_key = _rotated(ssm)
    keys = Keys(lambda: bootstrap._signing_key(settings))
    tokens = bootstrap._token_service(keys, settings)
    before = TokenService(old_key).issue("account-1", "applicant", NOW)
    assert tokens.verify(before, NOW)["sub"] == "account-1"
    after = tokens.issue("account-1", "applicant", NOW)
    assert TokenService(new_key).verify(after, NOW)["sub"] == "account-1"
    with pytest.raises(AuthenticationError):
        TokenService(old_key).verify(after, NOW)


def test_keys_derived_for_cursors_uploads_and_sms_codes_follow_the_current_key_only(ssm):
    settings, old_key, new_key = _rotated(ssm)
    keys = Keys(lambda: bootstrap._signing_key(settings))
    assert keys.signing == new_key
    assert keys.cursors == Keys(lambda: new_key).cursors != Keys(lambda: old_key).cursors


def test_the_cors_origins_are_read_from_their_parameter_on_first_use_and_placeholders_refused(ssm):
    name = _name("allowed-origins")
    settings = Settings.from_env({**PROD, "SWREG_VERIFY_BASE_URL": "https://zhengshu.swreg.gov.cn/verify/",
                                  "SWREG_CORS_ORIGINS_PARAMETER": name})
    ssm.put_parameter(Name=name, Type="String", Value="https://zhengshu.swreg.gov.cn,https://m.swreg.gov.cn")
    assert settings.allowed_origins() == {"https://zhengshu.swreg.gov.cn", "https://m.swreg.gov.cn"}
    ssm.put_parameter(Name=name, Type="String", Value="*", Overwrite=True)
    parameters.clear_caches()
    with pytest.raises(SettingsError, match=name):
        settings.allowed_origins()
