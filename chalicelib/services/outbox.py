"""The SMS outbox dispatcher: lease due rows, send them through the SMS port, retry, give up.

Every row moves PENDING → SENDING → SENT, or back to PENDING after a failed
send (exponential backoff), or to DEAD after `MAX_ATTEMPTS`. Each move is a
conditional write on the state the dispatcher saw, so of two dispatchers
running at once exactly one claims a row. A dispatcher that dies between the
provider's accept and its own "sent" write leaves the row SENDING; when the
lease runs out the row is claimed and sent again — the only way a text goes
out twice: one extra send per such crash, never more than `MAX_ATTEMPTS` sends
in all. Provider faults only ever change outbox rows, never an application.

The port and the row type live here rather than in `domain/` because nothing
but this use case and its adapter deal in them.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from chalicelib.domain.errors import InvalidTransitionError
from chalicelib.observability import logger, mask_pii

BATCH = 100
# Longer than the function's timeout (30 s in prod), so a live dispatcher
# never loses a lease it computed from its run's start time.
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 5
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(minutes=30)
MAX_ERROR_CHARS = 300


class OutboxStatus(StrEnum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    SENT = "SENT"
    DEAD = "DEAD"


RETRYABLE = frozenset({OutboxStatus.PENDING, OutboxStatus.DEAD})


@dataclass(frozen=True)
class OutboxEntry:
    """One text in the outbox. `due_at` is when a PENDING row may be sent, when a
    SENDING row's lease runs out, when a DEAD row died, when a SENT row went out."""

    outbox_id: str
    phone: str
    text: str
    status: OutboxStatus
    due_at: datetime
    attempts: int
    created_at: datetime
    lease_token: str | None = None
    provider_message_id: str | None = None
    last_error: str | None = None
    sent_at: datetime | None = None


class OutboxRepository(Protocol):
    """Outbox rows; every `bool` method is a conditional write that says whether it won."""

    def get(self, outbox_id: str) -> OutboxEntry:
        """Raises NotFoundError."""

    def due(self, status: OutboxStatus, now: datetime, limit: int) -> list[OutboxEntry]:
        """Rows of `status` whose `due_at` is not after `now`, oldest first."""

    def list(self, status: OutboxStatus, limit: int) -> list[OutboxEntry]:
        """Rows of `status`, oldest `due_at` first."""

    def claim(self, entry: OutboxEntry, token: str, lease_until: datetime) -> bool:
        """SENDING under `token` until `lease_until`, one more attempt counted — only if the
        row is still as `entry` saw it (same status and due time; for SENDING, same token)."""

    def mark_sent(self, outbox_id: str, token: str, provider_message_id: str, sent_at: datetime) -> bool:
        """SENT, if the row is still SENDING under `token`."""

    def release(self, outbox_id: str, token: str, status: OutboxStatus, due_at: datetime, error: str) -> bool:
        """Back to PENDING (due at `due_at`) or DEAD, if the row is still SENDING under `token`."""

    def requeue(self, entry: OutboxEntry, due_at: datetime) -> OutboxEntry:
        """PENDING, due at `due_at`, attempts reset — if the row is still as `entry` saw it.
        Raises ConcurrentUpdateError otherwise."""


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> str:
        """Hand the text to the provider; returns its message id. May raise anything."""


def backoff(attempts: int) -> timedelta:
    """How long a row waits after its `attempts`-th failed send: 1, 2, 4, 8 … minutes, capped."""
    return min(FIRST_BACKOFF * 2 ** (attempts - 1), MAX_BACKOFF)


def dispatch(outbox: OutboxRepository, sms: SmsSender, now: datetime, *, limit: int = BATCH) -> dict[str, int]:
    """Send up to `limit` due rows: first those whose lease expired (a dispatcher died
    mid-send), then PENDING rows, oldest first. Never raises for a provider fault.

    Returns how many rows were sent, put back for a retry, declared dead, and lost
    to another dispatcher that took them first."""
    counts = dict.fromkeys(("sent", "retrying", "dead", "lost"), 0)
    expired = outbox.due(OutboxStatus.SENDING, now, limit)
    pending = outbox.due(OutboxStatus.PENDING, now, limit - len(expired)) if len(expired) < limit else []
    for entry in [*expired, *pending]:
        counts[_deliver(outbox, sms, entry, now)] += 1
    return counts


def _deliver(outbox: OutboxRepository, sms: SmsSender, entry: OutboxEntry, now: datetime) -> str:
    if entry.status is OutboxStatus.SENDING and entry.attempts >= MAX_ATTEMPTS:
        # Died during its last attempt: whether it went out is unknown, so an operator decides.
        error = f"lease expired during attempt {entry.attempts}; delivery unknown"
        return _settled(outbox.release(entry.outbox_id, entry.lease_token, OutboxStatus.DEAD, now, error),
                        "dead", entry)
    token = uuid.uuid4().hex
    if not outbox.claim(entry, token, now + LEASE):
        return "lost"
    attempt = entry.attempts + 1
    try:
        message_id = sms.send(entry.phone, entry.text)
    # Whatever the provider raises (HTTP errors, timeouts, refusals) is one failed
    # attempt of this row: it must neither stall the batch nor leave the row leased.
    except Exception as exc:  # noqa: BLE001
        error = _describe(exc, entry.phone)
        logger.warning("sms send failed", extra={"outbox_id": entry.outbox_id, "attempt": attempt,
                                                 "error": error})
        if attempt >= MAX_ATTEMPTS:
            return _settled(outbox.release(entry.outbox_id, token, OutboxStatus.DEAD, now, error), "dead", entry)
        return _settled(outbox.release(entry.outbox_id, token, OutboxStatus.PENDING, now + backoff(attempt),
                                       error), "retrying", entry)
    return _settled(outbox.mark_sent(entry.outbox_id, token, message_id, now), "sent", entry)


def _settled(won: bool, outcome: str, entry: OutboxEntry) -> str:
    if won:
        return outcome
    # Another dispatcher holds the row now (our lease ran out and it was reclaimed, or it
    # buried the same expired row first): its outcome counts, not ours.
    logger.warning("outbox lease lost", extra={"outbox_id": entry.outbox_id, "outcome": outcome})
    return "lost"


def _describe(exc: Exception, phone: str) -> str:
    """The error as stored and logged: no phone number, however the provider spelled it
    (`mask_pii` does not see a mobile number inside `+86…`)."""
    text = f"{type(exc).__name__}: {exc}".replace(phone, mask_pii(phone))
    return mask_pii(text)[:MAX_ERROR_CHARS]


def rows(outbox: OutboxRepository, statuses: tuple[OutboxStatus, ...], limit: int) -> list[OutboxEntry]:
    """Up to `limit` rows of each status, by `due_at`, oldest first (for operators)."""
    return [entry for status in statuses for entry in outbox.list(status, limit)]


def retry(outbox: OutboxRepository, outbox_id: str, now: datetime) -> OutboxEntry:
    """Queue a DEAD (or failing PENDING) row again, due now with no attempts counted.
    Raises NotFoundError, InvalidTransitionError for a row being sent or already sent,
    ConcurrentUpdateError when a dispatcher moved it meanwhile."""
    entry = outbox.get(outbox_id)
    if entry.status not in RETRYABLE:
        raise InvalidTransitionError(entry.status.value, OutboxStatus.PENDING.value)
    return outbox.requeue(entry, now)
