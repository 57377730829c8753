"""The bearer-token authorizer and the per-route role check.

The built-in authorizer verifies the JWT at the gateway and hands its claims
to the view. It lets a bad token through, marked, so the view can answer 401
or 403 in the API's own error shape (a gateway denial has another shape).
"""
from __future__ import annotations

from datetime import datetime, timezone

from chalice import AuthResponse, Blueprint

from chalicelib import bootstrap
from chalicelib.domain.accounts import Account, Role
from chalicelib.domain.errors import AuthenticationError, DomainError, PermissionDeniedError

guard = Blueprint(__name__)


@guard.authorizer(ttl_seconds=0)
def bearer(auth_request):
    token = (auth_request.token or "").strip()
    scheme, _, value = token.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return AuthResponse(routes=["*"], principal_id="anonymous", context={"error": "MISSING_TOKEN"})
    try:
        claims = bootstrap.deps().tokens.verify(value.strip())
    except DomainError as exc:
        return AuthResponse(routes=["*"], principal_id="anonymous", context={"error": exc.code})
    return AuthResponse(routes=["*"], principal_id=claims["sub"],
                        context={"role": claims["role"], "exp": str(claims["exp"])})


def signed_in(request, *roles: Role) -> Account:
    """The caller's account: 401 without a valid token, 403 for another role."""
    context = request.context.get("authorizer") or {}
    if "role" not in context:
        raise AuthenticationError("请先登录", code=context.get("error", "MISSING_TOKEN"))
    if int(context["exp"]) <= datetime.now(timezone.utc).timestamp():
        raise AuthenticationError("登录已过期，请重新登录", code="TOKEN_EXPIRED")
    if Role(context["role"]) not in roles:
        raise PermissionDeniedError("没有权限访问")
    account = bootstrap.deps().accounts.get(context["principalId"])
    if account is None or account.disabled:
        raise AuthenticationError("账号不可用，请重新登录", code="ACCOUNT_UNAVAILABLE")
    return account
