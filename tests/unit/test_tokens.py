"""Bearer tokens: only our own HS256 tokens pass, and the signing key is loaded or made once."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import stat
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from chalicelib.adapters.tokens import LEEWAY, TokenService, load_signing_key
from chalicelib.domain.errors import AuthenticationError

KEY = b"k" * 64
NOW = datetime(2022, 3, 1, 1, 0, tzinfo=timezone.utc)
SERVICE = TokenService(KEY)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _forge(header: dict, payload: dict, key: bytes = KEY, signature: str | None = None) -> str:
    """A token built by hand, so the header can say anything PyJWT would refuse to write."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    if signature is None:
        signature = _b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())
    return f"{signing_input}.{signature}"


def _claims(**changes) -> dict:
    issued = int(NOW.timestamp())
    claims = {"sub": "acct-1", "role": "applicant", "iat": issued, "nbf": issued, "exp": issued + 7200,
              "iss": "swreg", "aud": "swreg-api", "jti": "j1"}
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def _refused(token: str, code: str = "INVALID_TOKEN", now: datetime = NOW) -> AuthenticationError:
    with pytest.raises(AuthenticationError) as caught:
        SERVICE.verify(token, now)
    assert caught.value.code == code
    return caught.value


def test_an_issued_token_verifies_with_its_claims():
    token = SERVICE.issue("acct-1", "reviewer", NOW, name="王芳")
    claims = SERVICE.verify(token, NOW + timedelta(minutes=90))
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert (claims["sub"], claims["role"], claims["name"]) == ("acct-1", "reviewer", "王芳")
    assert (claims["iss"], claims["aud"]) == ("swreg", "swreg-api")
    assert claims["exp"] - claims["iat"] == SERVICE.expires_in == 7200
    assert claims["nbf"] == claims["iat"] == int(NOW.timestamp())
    assert claims["jti"] != SERVICE.verify(SERVICE.issue("acct-1", "reviewer", NOW), NOW)["jti"]


def test_a_token_is_verified_against_the_wall_clock_by_default():
    SERVICE.verify(SERVICE.issue("acct-1", "admin", datetime.now(timezone.utc)))
    _refused(SERVICE.issue("acct-1", "admin", NOW), "TOKEN_EXPIRED", now=datetime.now(timezone.utc))


def test_an_expired_token_is_refused_as_expired_after_the_leeway():
    token = SERVICE.issue("acct-1", "applicant", NOW)
    expiry = NOW + timedelta(seconds=SERVICE.expires_in)
    SERVICE.verify(token, expiry + LEEWAY - timedelta(seconds=1))
    error = _refused(token, "TOKEN_EXPIRED", now=expiry + LEEWAY)
    assert "过期" in error.message


def test_a_token_from_the_future_is_refused():
    _refused(SERVICE.issue("acct-1", "applicant", NOW + timedelta(minutes=5)))


def test_the_ttl_is_configurable_and_reported_in_seconds():
    short = TokenService(KEY, ttl=timedelta(minutes=15))
    assert short.expires_in == 900
    with pytest.raises(AuthenticationError):
        short.verify(short.issue("acct-1", "applicant", NOW), NOW + timedelta(minutes=16))


def test_a_tampered_payload_is_refused():
    header, _, signature = SERVICE.issue("acct-1", "applicant", NOW).split(".")
    forged_payload = _b64(json.dumps(_claims(role="admin")).encode())
    _refused(f"{header}.{forged_payload}.{signature}")


def test_a_tampered_signature_is_refused():
    token = SERVICE.issue("acct-1", "applicant", NOW)
    head, _, signature = token.rpartition(".")
    _refused(f"{head}.{signature[:-2] + ('AA' if signature[-2:] != 'AA' else 'BB')}")


def test_a_token_signed_with_another_key_is_refused():
    _refused(TokenService(b"x" * 32).issue("acct-1", "applicant", NOW))


def test_an_unsigned_alg_none_token_is_refused():
    _refused(_forge({"alg": "none", "typ": "JWT"}, _claims(), signature=""))
    _refused(_forge({"alg": "None", "typ": "JWT"}, _claims(), signature=""))


@pytest.mark.parametrize("alg", ["HS512", "HS384", "RS256", "ES256", "PS256", "EdDSA"])
def test_a_token_headed_with_any_other_algorithm_is_refused(alg):
    # Signed with our key either way: only the header's algorithm differs.
    _refused(_forge({"alg": alg, "typ": "JWT"}, _claims()))


def test_an_hs512_token_really_signed_with_our_key_is_refused():
    _refused(jwt.encode(_claims(), KEY, algorithm="HS512"))


def test_the_hand_forged_control_token_is_accepted():
    """Guards the forgery helper: the refusals above are about the header, not the helper."""
    assert SERVICE.verify(_forge({"alg": "HS256", "typ": "JWT"}, _claims()), NOW)["sub"] == "acct-1"


@pytest.mark.parametrize("changes", [{"iss": "someone-else"}, {"aud": "another-api"}, {"aud": ["another-api"]}])
def test_a_token_for_another_issuer_or_audience_is_refused(changes):
    _refused(_forge({"alg": "HS256"}, _claims(**changes)))


@pytest.mark.parametrize("claim", ["role", "sub", "exp", "iat", "iss", "aud"])
def test_a_token_missing_a_required_claim_is_refused(claim):
    _refused(_forge({"alg": "HS256"}, _claims(**{claim: None})))


@pytest.mark.parametrize("changes", [
    {"role": "superuser"}, {"role": ["admin"]}, {"role": {"admin": True}}, {"sub": ""}, {"sub": 42},
    {"exp": "tomorrow"}, {"exp": True}, {"iat": "now"},
])
def test_a_token_with_an_unknown_role_or_malformed_claim_is_refused(changes):
    _refused(_forge({"alg": "HS256"}, _claims(**changes)))


def test_a_never_expiring_nan_expiry_is_refused():
    # json.dumps writes NaN, and PyJWT's parser reads it back: NaN compares as never expired.
    _refused(_forge({"alg": "HS256"}, _claims(exp=float("nan"))))


@pytest.mark.parametrize("garbage", ["", "not-a-token", "a.b.c", "....", "é.é.é", None, 42])
def test_garbage_is_refused_as_invalid(garbage):
    _refused(garbage)


def test_issuing_refuses_unknown_roles_and_overriding_registered_claims():
    with pytest.raises(ValueError):
        SERVICE.issue("acct-1", "superuser", NOW)
    with pytest.raises(ValueError):
        SERVICE.issue("acct-1", "applicant", NOW, exp=0)


def test_a_short_key_is_refused():
    with pytest.raises(ValueError):
        TokenService(b"short")


def test_the_key_file_is_generated_once_private_and_reused(tmp_path):
    path = tmp_path / "nested" / "dir" / "jwt.key"
    key = load_signing_key(key_file=str(path))
    assert len(key) == 64 and bytes.fromhex(key.decode())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_signing_key(key_file=str(path)) == key
    assert [p.name for p in path.parent.iterdir()] == ["jwt.key"]
    token = TokenService(key).issue("acct-1", "applicant", NOW)
    assert TokenService(load_signing_key(key_file=str(path))).verify(token, NOW)["sub"] == "acct-1"


def test_an_existing_key_file_is_used_as_written(tmp_path):
    path = tmp_path / "jwt.key"
    path.write_text("an-operator-chosen-secret-of-at-least-32-bytes\n")
    assert load_signing_key(key_file=str(path)) == b"an-operator-chosen-secret-of-at-least-32-bytes"


def test_a_too_short_key_file_is_refused(tmp_path):
    path = tmp_path / "jwt.key"
    path.write_text("tiny\n")
    with pytest.raises(ValueError):
        load_signing_key(key_file=str(path))


def test_the_key_parameter_is_read_decrypted_through_powertools(monkeypatch):
    from aws_lambda_powertools.utilities import parameters

    calls = []

    def fake_get_parameter(name, **kwargs):
        calls.append((name, kwargs))
        return "s" * 48

    monkeypatch.setattr(parameters, "get_parameter", fake_get_parameter)
    assert load_signing_key(key_parameter="/swreg/prod/jwt-signing-key") == b"s" * 48
    assert calls == [("/swreg/prod/jwt-signing-key", {"decrypt": True, "max_age": 300})]


@pytest.mark.parametrize("sources", [{}, {"key_file": "/tmp/x", "key_parameter": "/swreg/x"}])
def test_the_key_must_come_from_exactly_one_source(sources):
    with pytest.raises(ValueError):
        load_signing_key(**sources)


# --- key rotation: sign with the current key, verify with the current or the previous one ---------------

PREVIOUS = b"p" * 64
ROTATED = TokenService(b"n" * 64, previous_key=PREVIOUS)


def test_a_token_signed_before_the_rotation_still_verifies_with_the_previous_key():
    before = TokenService(PREVIOUS).issue("acct-1", "reviewer", NOW)
    assert ROTATED.verify(before, NOW)["sub"] == "acct-1"


def test_tokens_issued_during_a_rotation_are_signed_with_the_current_key_only():
    token = ROTATED.issue("acct-1", "applicant", NOW)
    assert TokenService(b"n" * 64).verify(token, NOW)["sub"] == "acct-1"
    with pytest.raises(AuthenticationError):
        TokenService(PREVIOUS).verify(token, NOW)


def test_a_token_signed_with_neither_key_is_refused_during_a_rotation():
    with pytest.raises(AuthenticationError) as caught:
        ROTATED.verify(TokenService(KEY).issue("acct-1", "applicant", NOW), NOW)
    assert caught.value.code == "INVALID_TOKEN"


def test_a_token_under_the_previous_key_still_expires_and_still_needs_our_audience():
    old = TokenService(PREVIOUS)
    with pytest.raises(AuthenticationError) as caught:
        ROTATED.verify(old.issue("acct-1", "applicant", NOW), NOW + timedelta(hours=3))
    assert caught.value.code == "TOKEN_EXPIRED"
    with pytest.raises(AuthenticationError) as caught:
        ROTATED.verify(_forge({"alg": "HS256", "typ": "JWT"}, _claims(aud="someone-else"), key=PREVIOUS), NOW)
    assert caught.value.code == "INVALID_TOKEN"


def test_a_token_with_an_alg_none_header_is_refused_whichever_key_is_tried():
    with pytest.raises(AuthenticationError):
        ROTATED.verify(_forge({"alg": "none", "typ": "JWT"}, _claims(), signature=""), NOW)


def test_a_short_previous_key_is_refused():
    with pytest.raises(ValueError):
        TokenService(KEY, previous_key=b"short")
