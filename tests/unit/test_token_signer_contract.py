"""The TokenSigner port: one set of assertions on `tests.fakes.FakeTokenSigner` and on the real
`TokenService` under a fresh key (the fake is that pure class under a fixed key, so this keeps the
fixed key honest). The refusals in detail are in `tests/unit/test_tokens.py`."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.adapters.tokens import TokenService
from chalicelib.domain.errors import AuthenticationError
from tests import fakes

NOW = datetime(2030, 1, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["fake", "real"])
def tokens(request):
    return fakes.FakeTokenSigner() if request.param == "fake" else TokenService(os.urandom(32))


def test_an_issued_token_verifies_to_its_claims_until_it_expires(tokens):
    token = tokens.issue("account-1", "applicant", NOW, id_number="110101199001011234")
    claims = tokens.verify(token, NOW + timedelta(seconds=tokens.expires_in - 60))
    assert (claims["sub"], claims["role"], claims["id_number"]) == ("account-1", "applicant", "110101199001011234")
    with pytest.raises(AuthenticationError) as caught:
        tokens.verify(token, NOW + timedelta(seconds=tokens.expires_in + 60))
    assert caught.value.code == "TOKEN_EXPIRED"


def test_a_token_signed_under_another_key_is_refused(tokens):
    stranger = TokenService(os.urandom(32)).issue("account-1", "applicant", NOW)
    with pytest.raises(AuthenticationError) as caught:
        tokens.verify(stranger, NOW)
    assert caught.value.code == "INVALID_TOKEN"
