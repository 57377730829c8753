"""Recognises AWS faults (throttling, 5xx, transaction conflicts) in whatever exception carries them.

A fault reaches us as botocore's `ClientError` (S3, `response["Error"]["Code"]`
and the HTTP status) or wrapped by PynamoDB (`PutError`, `QueryError`,
`TransactWriteError`, … whose `cause` is a `VerboseClientError` with the code
and, for a cancelled transaction, `cancellation_reasons`). Both are read by
duck typing, walking `cause` / `__cause__` (never `__context__`: a fault that
was caught and handled must not colour a later, unrelated error).
`adapters/dynamo/conditions.py` reads a refused write with it. Every API
route's error mapping imports this module, so it imports neither botocore nor
PynamoDB: that would put them on the cold-start path of routes that never use them.
"""
from __future__ import annotations

from typing import Any, Iterator

from chalicelib.domain.errors import ServiceBusyError

BUSY = "busy"                                   # throttled, or AWS failing for a moment: retry later
TRANSACTION_CONFLICT = "transaction_conflict"   # another transaction held an item: retry now

# Error codes meaning "slow down" (DynamoDB, S3, the AWS query protocol) …
THROTTLING_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "Throttling", "ThrottledException", "RequestThrottled", "RequestThrottledException",
    "TooManyRequestsException", "SlowDown",
})
# … and "AWS failed, not you" when no HTTP status survives (PynamoDB keeps only the code).
SERVER_FAULT_CODES = frozenset({
    "InternalServerError", "InternalFailure", "InternalError", "ServiceUnavailable",
    "ServiceUnavailableException",
})
# Why DynamoDB cancels a transaction, per item (TransactWriteItems' CancellationReasons).
_BUSY_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded"})
_CONFLICT_REASON = "TransactionConflict"
CONDITION_REASON = "ConditionalCheckFailed"  # an item whose condition did not hold

RETRY_AFTER_SECONDS = 2
_MAX_DEPTH = 8  # a cause chain is two or three links; this only guards against cycles


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo and len(seen) < _MAX_DEPTH:
        current = todo.pop(0)
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [getattr(current, "cause", None), current.__cause__]


def _response(exc: BaseException) -> dict:
    response = getattr(exc, "response", None)
    return response if isinstance(response, dict) else {}


def error_code(exc: BaseException) -> str | None:
    """The first AWS error code found along the exception's causes, e.g. "SlowDown"."""
    for link in _chain(exc):
        code = (_response(link).get("Error") or {}).get("Code")
        if code:
            return str(code)
    return None


def _status(exc: BaseException) -> int | None:
    for link in _chain(exc):
        status = (_response(link).get("ResponseMetadata") or {}).get("HTTPStatusCode")
        if isinstance(status, int):
            return status
    return None


def cancellation_codes(exc: BaseException) -> list[str]:
    """The per-item reasons of a cancelled transaction ("None" for items that were fine)."""
    for link in _chain(exc):
        reasons = getattr(link, "cancellation_reasons", None)
        if reasons:  # PynamoDB: CancellationReason objects, or None for an item that was fine
            return [getattr(reason, "code", None) or "None" for reason in reasons]
        raw = _response(link).get("CancellationReasons")
        if raw:      # botocore: dicts as DynamoDB sent them
            return [str((reason or {}).get("Code") or "None") for reason in raw]
    return []


def classify(exc: BaseException) -> str | None:
    """BUSY, TRANSACTION_CONFLICT, or None for anything else (a failed condition included:
    that is an answer, not a fault, and keeps whatever meaning its caller gives it)."""
    code = error_code(exc)
    if code == "TransactionCanceledException":
        reasons = set(cancellation_codes(exc))
        if CONDITION_REASON in reasons:
            return None
        if reasons & _BUSY_REASONS:
            return BUSY
        if _CONFLICT_REASON in reasons:
            return TRANSACTION_CONFLICT
        return None
    if code in THROTTLING_CODES or code in SERVER_FAULT_CODES:
        return BUSY
    if code is not None and code.isdigit() and int(code) >= 500:  # S3 HEAD errors have no body
        return BUSY
    status = _status(exc)
    if status is not None and status >= 500:
        return BUSY
    return None


def service_busy(exc: BaseException) -> ServiceBusyError | None:
    """A ServiceBusyError (503 SERVICE_BUSY, Retry-After) standing for `exc`, or None when
    `exc` is not a transient AWS fault. The original stays reachable as `__cause__`."""
    if classify(exc) != BUSY:
        return None
    busy = ServiceBusyError(retry_after=RETRY_AFTER_SECONDS)
    busy.__cause__ = exc
    return busy
