"""What a refused DynamoDB write means: the one place that reads PynamoDB's errors for a failed condition.

Every conditional write (and every transaction, whose items carry conditions)
runs under `checked()`:

    with conditions.checked() as write:          # the caller decides what a refusal means
        item.update(actions=..., condition=...)
    if write.refused:
        return None

    with conditions.checked(on_refusal=ConcurrentUpdateError):   # a refusal is this error
        item.save()

    with conditions.checked():                   # a refusal is fine: the write was only needed if allowed
        item.update(actions=..., condition=...)

A refusal is a single write's `ConditionalCheckFailedException`, or a
transaction DynamoDB cancelled: `transactions.write` has already retried
TransactionConflict and turned throttling into ServiceBusyError, so any
cancellation left counts as a refusal (in practice an item whose condition did
not hold; `failed_items` says which). Throttling or an AWS 5xx on a single write becomes ServiceBusyError
(`aws_faults` recognises it); any other error passes through untouched.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, Sequence, TypeVar

from pynamodb.exceptions import PynamoDBException

from chalicelib.adapters import aws_faults
from chalicelib.domain.errors import DomainError

T = TypeVar("T")

_REFUSALS = frozenset({"ConditionalCheckFailedException", "TransactionCanceledException"})


class Outcome:
    """How a write run under `checked()` ended: written, or refused on a condition."""

    def __init__(self) -> None:
        self._refusal: PynamoDBException | None = None

    @property
    def refused(self) -> bool:
        return self._refusal is not None

    def failed_items(self, items: Sequence[T]) -> list[T]:
        """Of a refused transaction's items, given in the order they were added to it, those whose
        own condition failed (DynamoDB reports one reason per item, in that order)."""
        if self._refusal is None:
            return []
        codes = aws_faults.cancellation_codes(self._refusal)
        return [item for item, code in zip(items, codes) if code == aws_faults.CONDITION_REASON]


@contextmanager
def checked(on_refusal: Callable[[], DomainError] | None = None) -> Iterator[Outcome]:
    """Run a conditional write (or `transactions.write`) in the block.

    A refused condition is raised as `on_refusal()` when given, and otherwise kept
    quiet and noted on the outcome. Throttling and AWS 5xx raise ServiceBusyError.
    """
    outcome = Outcome()
    try:
        yield outcome
    except PynamoDBException as exc:
        busy = aws_faults.service_busy(exc)
        if busy is not None:
            raise busy from exc
        if exc.cause_response_code not in _REFUSALS:
            raise
        if on_refusal is not None:
            raise on_refusal() from None
        outcome._refusal = exc
