"""The SMS outbox use cases: dispatch what is due through the SMS port, and the operator's list and retry.

The rules (states, lease, backoff, giving up) are `domain.outbox`'s; this
module loads texts through the outbox port, applies those rules and writes
each move back as a conditional write on the state it saw, so of two
dispatchers running at once exactly one claims a text. Provider faults only
ever change outbox rows, never an application. A run that buries texts says
how many in the `SmsDead` metric, which an alarm watches.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from chalicelib.domain.outbox import LEASE, OutboxStatus, Sms, SmsRefusedError, after_failure
from chalicelib.domain.ports import OutboxRepository, SmsSender
from chalicelib.observability import count, logger, mask_pii

BATCH = 100
MAX_ERROR_CHARS = 300


def dispatch(outbox: OutboxRepository, sender: SmsSender, now: datetime, *, limit: int = BATCH) -> dict[str, int]:
    """Send up to `limit` due texts: first those whose lease expired (a dispatcher died
    mid-send), then PENDING texts, oldest first. Never raises for a provider fault.

    Returns how many texts were sent, put back for a retry, declared dead, and lost
    to another dispatcher that took them first; the dead ones also go to the `SmsDead`
    metric (none is emitted for a run that buried nothing)."""
    counts = dict.fromkeys(("sent", "retrying", "dead", "lost"), 0)
    expired = outbox.due(OutboxStatus.SENDING, now, limit)
    pending = outbox.due(OutboxStatus.PENDING, now, limit - len(expired)) if len(expired) < limit else []
    for sms in [*expired, *pending]:
        counts[_deliver(outbox, sender, sms, now)] += 1
    if counts["dead"]:
        count("SmsDead", counts["dead"])
    return counts


def _deliver(outbox: OutboxRepository, sender: SmsSender, sms: Sms, now: datetime) -> str:
    if sms.died_on_last_attempt:
        error = f"lease expired during attempt {sms.attempts}; delivery unknown"
        return _settled(outbox.release(sms.outbox_id, sms.lease_token, OutboxStatus.DEAD, now, error), "dead", sms)
    token = uuid.uuid4().hex
    if not outbox.claim(sms, token, now + LEASE):
        return "lost"
    attempt = sms.attempts + 1
    try:
        message_id = sender.send(sms.phone, sms.content)
    # Whatever the provider raises (HTTP errors, timeouts, throttling, refusals) is one failed
    # attempt of this text: it must neither stall the batch nor leave the text leased.
    except Exception as exc:  # noqa: BLE001
        error = _describe(exc, sms.phone)
        logger.warning("sms send failed", extra={"outbox_id": sms.outbox_id, "attempt": attempt, "error": error})
        status, due_at = after_failure(attempt, now, refused=isinstance(exc, SmsRefusedError))
        outcome = "dead" if status is OutboxStatus.DEAD else "retrying"
        return _settled(outbox.release(sms.outbox_id, token, status, due_at, error), outcome, sms)
    return _settled(outbox.mark_sent(sms.outbox_id, token, message_id, now), "sent", sms)


def _settled(won: bool, outcome: str, sms: Sms) -> str:
    if won:
        return outcome
    # Another dispatcher holds the text now (our lease ran out and it was reclaimed, or it
    # buried the same expired text first): its outcome counts, not ours.
    logger.warning("outbox lease lost", extra={"outbox_id": sms.outbox_id, "outcome": outcome})
    return "lost"


def _describe(exc: Exception, phone: str) -> str:
    """The error as stored and logged: no phone number, however the provider spelled it
    (`mask_pii` does not see a mobile number inside `+86…`)."""
    text = f"{type(exc).__name__}: {exc}".replace(phone, mask_pii(phone))
    return mask_pii(text)[:MAX_ERROR_CHARS]


def rows(outbox: OutboxRepository, statuses: tuple[OutboxStatus, ...], limit: int) -> list[Sms]:
    """Up to `limit` texts of each status, by `due_at`, oldest first (for operators)."""
    return [sms for status in statuses for sms in outbox.list(status, limit)]


def retry(outbox: OutboxRepository, outbox_id: str, now: datetime) -> Sms:
    """Queue a DEAD (or failing PENDING) text again, due now with no attempts counted.
    Raises NotFoundError, InvalidTransitionError for a text being sent or already sent,
    ConcurrentUpdateError when a dispatcher moved it meanwhile."""
    sms = outbox.get(outbox_id)
    sms.check_retry()
    return outbox.requeue(sms, now)
