"""Every DynamoDB transaction is committed here: rebuilt and retried on TransactionConflict, throttling as SERVICE_BUSY.

DynamoDB cancels a transaction with `TransactionConflict` when another one is
touching one of its items at that moment; trying again a few milliseconds later
usually succeeds. A `TransactWrite` cannot be committed twice, so callers hand
over a function that adds their writes to a fresh one.
"""
from __future__ import annotations

import random
import time
from typing import Callable

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters import aws_faults
from chalicelib.domain.errors import ConcurrentUpdateError

RETRIES = 3             # after the first attempt: at most four commits in all
BASE_DELAY = 0.05       # seconds; full jitter, doubled per retry (≤ 0.05, 0.1, 0.2 s)

_connections: dict[str, Connection] = {}


def connection(region: str) -> Connection:
    """One connection (one botocore client) per region for every transaction, kept for a
    warm container: building a client per transaction costs more than the write."""
    if region not in _connections:
        _connections[region] = Connection(region=region)
    return _connections[region]


def write(region: str, build: Callable[[TransactWrite], None], *,
          sleep: Callable[[float], None] = time.sleep, jitter: Callable[[], float] = random.random) -> None:
    """Commit what `build(transaction)` adds to a fresh TransactWrite, all or nothing.

    - TransactionConflict: rebuilt and retried up to RETRIES times after a jittered
      backoff, then ConcurrentUpdateError TRANSACTION_CONFLICT (409).
    - Throttling or an AWS 5xx (also as cancellation reasons): ServiceBusyError (503).
    - Anything else, a ConditionalCheckFailed cancellation above all, is raised at once
      as the TransactWriteError it is, for the caller's `conditions.checked()` to give it its meaning.
    `build` may run more than once; it must only add writes.
    """
    for retry in range(RETRIES + 1):
        try:
            with TransactWrite(connection=connection(region)) as transaction:
                build(transaction)
            return
        except TransactWriteError as exc:
            fault = aws_faults.classify(exc)
            if fault == aws_faults.BUSY:
                raise aws_faults.service_busy(exc) from exc
            if fault != aws_faults.TRANSACTION_CONFLICT:
                raise
            if retry == RETRIES:
                raise ConcurrentUpdateError(code="TRANSACTION_CONFLICT") from exc
        sleep(jitter() * BASE_DELAY * 2 ** retry)
