"""Who is calling: the bearer token, read and verified by the view, and the per-route role check.

Routes carry no gateway authorizer: API Gateway's (and `chalice local`'s) own
refusal of a missing header has another shape and comes before our code. A
secured view calls `signed_in`, which reads `Authorization: Bearer <token>`
itself, so every auth failure — no header, a malformed one, a bad, expired or
forged token (401), another role (403) — leaves in the API's error shape.
`@bearer` marks the view as secured (the OpenAPI document shows it); after
the token and the role, `signed_in` checks the path parameters' formats (404).

A token also has to belong to a session the account still admits: a reset or a
change of password or phone ends the earlier ones (`Account.admits`), which
answers 401 SESSION_REVOKED.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from chalicelib import bootstrap
from chalicelib.domain.accounts import SESSION_VERSION_CLAIM, Account, Role
from chalicelib.domain.errors import AuthenticationError, PermissionDeniedError
from chalicelib.handlers.edge import bearer, check_path_parameters, is_secured

__all__ = ["Session", "bearer", "is_secured", "session", "signed_in"]

# A token is a few hundred characters; anything far longer is not worth decoding.
MAX_AUTHORIZATION_LENGTH = 4096


class Session(NamedTuple):
    """The caller's account and the id of the session its token belongs to (the token's `jti`)."""

    account: Account
    session_id: str | None


def signed_in(request, *roles: Role) -> Account:
    """The caller's account: 401 without a valid token of a live session, 403 for another role,
    then 404 for a path parameter outside its format."""
    return session(request, *roles).account


def session(request, *roles: Role) -> Session:
    """As `signed_in`, with the session id, for the routes that end every session but this one."""
    claims = _claims(request.headers.get("authorization"))
    if Role(claims["role"]) not in roles:
        raise PermissionDeniedError()
    account = bootstrap.deps().accounts.get(claims["sub"])
    if account is None or account.disabled:
        raise AuthenticationError(code="ACCOUNT_UNAVAILABLE")
    session_id = claims.get("jti") if isinstance(claims.get("jti"), str) else None
    # A token from before sessions had versions counts as version 0: a deploy logs nobody out.
    if not account.admits(claims.get(SESSION_VERSION_CLAIM, 0), session_id):
        raise AuthenticationError(code="SESSION_REVOKED")
    check_path_parameters(request)
    return Session(account, session_id)


def _claims(header: str | None) -> dict[str, Any]:
    scheme, _, token = (header or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError(code="MISSING_TOKEN")
    if len(token) > MAX_AUTHORIZATION_LENGTH:
        raise AuthenticationError(code="INVALID_TOKEN")
    return bootstrap.deps().tokens.verify(token)
