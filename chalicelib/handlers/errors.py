"""The one place that turns exceptions into the SPEC §3 error shape and status.

Chalice's middleware never sees exceptions raised inside views, so every
route's view is wrapped in `mapped` when it is wired (`handlers/routing.py`).
Unknown exceptions become a bare 500 — logged, never shown.
"""
from __future__ import annotations

import functools
from typing import Any

from chalice import Response

from chalicelib import bootstrap
from chalicelib.domain import errors, texts
from chalicelib.observability import logger


class BadRequestBodyError(errors.DomainError):
    """The body is not JSON, not UTF-8, or not an object."""

    code = "BAD_JSON"


class BadCursorError(errors.DomainError):
    """A page cursor that does not verify: forged, altered, truncated, too long, or another route's or caller's."""

    code = "BAD_CURSOR"


class PayloadTooLargeError(errors.DomainError):
    code = "PAYLOAD_TOO_LARGE"


STATUS = {
    BadRequestBodyError: 400,
    BadCursorError: 400,
    errors.AuthenticationError: 401,
    errors.PermissionDeniedError: 403,
    errors.NotFoundError: 404,
    errors.ConflictError: 409,  # and its InvalidTransition / ConcurrentUpdate subclasses
    PayloadTooLargeError: 413,
    errors.ValidationError: 422,
    errors.RuleViolationError: 422,
    errors.RateLimitedError: 429,
    errors.ServiceBusyError: 503,
}


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> Response:
    return Response(body={"error": {"code": code, "message": message, "details": details or {}}},
                    status_code=status, headers={"Content-Type": "application/json", **(headers or {})})


def to_response(exc: errors.DomainError) -> Response:
    status = next((STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS), 422)
    retry_after = getattr(exc, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return error_response(status, exc.code, exc.message, exc.details, headers)


def mapped(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except errors.DomainError as exc:
            refusal = exc
        except Exception as exc:
            refusal = bootstrap.service_busy(exc)  # throttling and AWS 5xx: 503, not our bug
            if refusal is None:
                logger.exception("unhandled error in %s", view.__name__)
                return error_response(500, "INTERNAL_ERROR", texts.error_message("INTERNAL_ERROR"))
        if isinstance(refusal, errors.ServiceBusyError):
            logger.warning("AWS busy in %s: %s", view.__name__, bootstrap.aws_error_code(refusal) or "unknown")
        return to_response(refusal)
    return wrapper

