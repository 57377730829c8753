"""Domain errors: every refusal the rules can make, each with a stable code.

The HTTP layer maps each class to a status in one place
(`chalicelib/handlers/errors.py`); nothing matches on messages. The message a
person reads comes from `texts.ERRORS`, keyed by the code.
"""
from __future__ import annotations

from typing import Any, Mapping

from chalicelib.domain import texts


class DomainError(Exception):
    """Base of every expected refusal; `code` is UPPER_SNAKE and stable for clients.

    `params` fill the code's message template in `texts.ERRORS`.
    """

    code = "DOMAIN_ERROR"

    def __init__(self, *, code: str | None = None, details: Mapping[str, Any] | None = None,
                 **params: object) -> None:
        if code is not None:
            self.code = code
        self.message = texts.error_message(self.code, **params)
        super().__init__(self.message)
        self.details: dict[str, Any] = dict(details or {})


class ValidationError(DomainError):
    """Input that breaks a field rule; `details` maps every bad field to its reason."""

    code = "VALIDATION_FAILED"


class RuleViolationError(DomainError):
    """A well-formed request that a business rule refuses (type not due, incomplete submit)."""

    code = "RULE_VIOLATION"


class NotFoundError(DomainError):
    """The thing does not exist, or is not the caller's (no existence leak)."""

    code = "NOT_FOUND"


class ConflictError(DomainError):
    """The request clashes with the current state (duplicate, already exists, lease held)."""

    code = "CONFLICT"


class InvalidTransitionError(ConflictError):
    """A lifecycle move the transition table does not allow."""

    code = "INVALID_TRANSITION"

    def __init__(self, current: str, target: str, *, move: str | None = None) -> None:
        """`target` is the status the move would reach; `move` names the move in `texts.MOVE_LABELS`
        when its status's label would misname it (a release reaches `submitted` but is no submit)."""
        super().__init__(details={"current": current, "target": target},
                         current=texts.STATE_LABELS.get(current, current),
                         target=texts.MOVE_LABELS.get(move or target, move or target))
        self.current = current
        self.target = target


class ConcurrentUpdateError(ConflictError):
    """Someone else changed the item first (a failed conditional write)."""

    code = "CONCURRENT_UPDATE"


class AuthenticationError(DomainError):
    """No, or a bad, credential."""

    code = "UNAUTHORIZED"


class PermissionDeniedError(DomainError):
    """A valid caller whose role may not do this."""

    code = "FORBIDDEN"


class RateLimitedError(DomainError):
    """Too many attempts; `retry_after` seconds until the next may succeed."""

    code = "RATE_LIMITED"

    def __init__(self, *, retry_after: int, code: str | None = None, **params: object) -> None:
        super().__init__(code=code, details={"retry_after": retry_after}, retry_after=retry_after, **params)
        self.retry_after = retry_after


class ServiceBusyError(DomainError):
    """AWS is throttling us or failing for a moment; the client should retry after `retry_after` s."""

    code = "SERVICE_BUSY"

    def __init__(self, *, retry_after: int = 2) -> None:
        super().__init__(details={"retry_after": retry_after}, retry_after=retry_after)
        self.retry_after = retry_after
