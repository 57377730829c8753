"""Who is calling: the bearer token, read and verified by the view, and the per-route role check.

Routes carry no gateway authorizer: API Gateway's (and `chalice local`'s) own
refusal of a missing header has another shape and comes before our code. A
secured view calls `signed_in`, which reads `Authorization: Bearer <token>`
itself, so every auth failure — no header, a malformed one, a bad, expired or
forged token (401), another role (403) — leaves in the API's error shape.
`@bearer` marks the view as secured (the OpenAPI document shows it); after
the token and the role, `signed_in` checks the path parameters' formats (404).
"""
from __future__ import annotations

from typing import Any

from chalicelib import bootstrap
from chalicelib.domain.accounts import Account, Role
from chalicelib.domain.errors import AuthenticationError, PermissionDeniedError
from chalicelib.handlers.edge import bearer, check_path_parameters, is_secured

__all__ = ["bearer", "is_secured", "signed_in"]

# A token is a few hundred characters; anything far longer is not worth decoding.
MAX_AUTHORIZATION_LENGTH = 4096


def signed_in(request, *roles: Role) -> Account:
    """The caller's account: 401 without a valid token, 403 for another role, then 404 for a
    path parameter outside its format."""
    claims = _claims(request.headers.get("authorization"))
    if Role(claims["role"]) not in roles:
        raise PermissionDeniedError()
    account = bootstrap.deps().accounts.get(claims["sub"])
    if account is None or account.disabled:
        raise AuthenticationError(code="ACCOUNT_UNAVAILABLE")
    check_path_parameters(request)
    return account


def _claims(header: str | None) -> dict[str, Any]:
    scheme, _, token = (header or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError(code="MISSING_TOKEN")
    if len(token) > MAX_AUTHORIZATION_LENGTH:
        raise AuthenticationError(code="INVALID_TOKEN")
    return bootstrap.deps().tokens.verify(token)
