"""The SMS outbox use cases: dispatch what is due through the SMS port, and the operator's list and retry.

The rules (states, lease, backoff, giving up, the pace) are `domain.outbox`'s;
this module loads texts through the outbox port, applies those rules and
writes each move back as a conditional write on the state it saw, so of two
dispatchers running at once exactly one claims a text. Provider faults only
ever change outbox rows, never an application. A run that buries texts says
how many in the `SmsDead` metric, which an alarm watches.

A run sends in parallel at the provider's rate limit: the provider answers in
tens of milliseconds, so one text after another would never reach it. Workers
share one `Pace`, so when the provider throttles they all slow down.
"""
from __future__ import annotations

import math
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Callable

from chalicelib.domain.outbox import (
    LEASE, OutboxStatus, Pace, Sms, SmsRefusedError, SmsThrottledError, after_failure,
)
from chalicelib.domain.ports import OutboxRepository, SmsSender
from chalicelib.observability import count, logger, mask_pii
from chalicelib.settings import Settings

PAGE = 100  # due rows read at a time, as the run goes
MAX_ERROR_CHARS = 300
# Workers keep `rate` texts a second in flight when a text takes SEND_SECONDS (claim, the provider's
# answer, the write of the outcome); at least 2, and never more threads than a Lambda wants.
SEND_SECONDS = 0.5
MIN_WORKERS, MAX_WORKERS = 2, 32
# Within a time budget, no text is claimed with less than this left (its slot and its claim).
# The sends then in flight finish in the margin the Lambda handler keeps to the function's
# timeout (`handlers.jobs`), which also bounds the provider's 5-s timeout.
RESERVE_SECONDS = 2.0
OUTCOMES = ("sent", "retrying", "throttled", "dead", "lost")
_UNSENT = "unsent"  # not claimed: the run's time or limit was up


def workers(rate: float) -> int:
    """Threads to keep `rate` sends a second in flight."""
    return max(MIN_WORKERS, min(MAX_WORKERS, math.ceil(rate * SEND_SECONDS)))


class _Pacer:
    """One `Pace` for a run's workers: a slot is reserved under the lock, waited for outside it."""

    def __init__(self, rate: float, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._pace = Pace(rate, clock())
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            at = self._pace.slot(now)
        if at > now:
            self._sleep(at - now)

    def throttled(self) -> None:
        with self._lock:
            self._pace.throttled(self._clock())


class _Run:
    """One dispatch: its clock (the run's `now`, moving on with `clock`), pace and stopping rule."""

    def __init__(self, outbox: OutboxRepository, sender: SmsSender, now: datetime, rate: float,
                 time_left: Callable[[], float] | None, clock: Callable[[], float],
                 sleep: Callable[[float], None]) -> None:
        self.outbox, self.sender = outbox, sender
        self.pacer = _Pacer(rate, clock, sleep)
        self._now, self._started, self._clock = now, clock(), clock
        self._time_left = time_left

    def now(self) -> datetime:
        """The time as the run goes: leases and due times are taken when each text is handled."""
        return self._now + timedelta(seconds=self._clock() - self._started)

    def out_of_time(self) -> bool:
        return self._time_left is not None and self._time_left() < RESERVE_SECONDS

    def due(self, limit: int) -> list[Sms]:
        """Up to `limit` due texts: first those whose lease expired (a dispatcher died
        mid-send), then PENDING texts, oldest first."""
        now = self.now()
        expired = self.outbox.due(OutboxStatus.SENDING, now, limit)
        pending = self.outbox.due(OutboxStatus.PENDING, now, limit - len(expired)) if len(expired) < limit else []
        return [*expired, *pending]


def dispatch(outbox: OutboxRepository, sender: SmsSender, now: datetime, *,
             rate: float = Settings._field_defaults["sms_rate_per_second"],
             time_left: Callable[[], float] | None = None, limit: int | None = None,
             clock: Callable[[], float] = time.monotonic,
             sleep: Callable[[float], None] = time.sleep) -> dict[str, int | bool]:
    """Send the due texts, `rate` a second in parallel, reading them a page at a time as the run
    goes: until none is due, `limit` texts were taken, or (`time_left()`, in seconds) the budget
    is nearly spent. Never raises for a provider fault. `clock` and `sleep` pace it (the tests'
    own: no real waiting).

    Returns how many texts were sent, put back for a retry, put back because the provider
    throttled, declared dead, and lost to another dispatcher that took them first, and `more`:
    whether texts are still due (the job goes on at once). The dead ones also go to the
    `SmsDead` metric (none is emitted for a run that buried nothing)."""
    run = _Run(outbox, sender, now, rate, time_left, clock, sleep)
    counts: dict[str, int] = dict.fromkeys((*OUTCOMES, _UNSENT), 0)
    more = False
    with ThreadPoolExecutor(workers(rate), thread_name_prefix="sms") as pool:
        while True:
            room = PAGE if limit is None else min(PAGE, limit - sum(counts.values()))
            if room <= 0 or run.out_of_time():
                more = bool(run.due(1))
                break
            page = run.due(room)
            outcomes = list(pool.map(lambda sms: _deliver(run, sms), page))
            for outcome in outcomes:
                counts[outcome] += 1
            if counts[_UNSENT]:
                more = True
                break
            # An empty page is the end; a page lost whole to other dispatchers (or to the index
            # lagging behind their claims) leaves them the rest rather than chase it.
            if all(outcome == "lost" for outcome in outcomes):
                more = bool(page)
                break
    if counts["dead"]:
        count("SmsDead", counts["dead"])
    return {**{outcome: counts[outcome] for outcome in OUTCOMES}, "more": more}


def _deliver(run: _Run, sms: Sms) -> str:
    if run.out_of_time():
        return _UNSENT
    outbox, now = run.outbox, run.now()
    if sms.died_on_last_attempt:
        error = f"lease expired during attempt {sms.attempts}; delivery unknown"
        return _settled(outbox.release(sms.outbox_id, sms.lease_token, OutboxStatus.DEAD, now, error), "dead", sms)
    token = uuid.uuid4().hex
    if not outbox.claim(sms, token, now + LEASE):
        return "lost"
    attempt = sms.attempts + 1
    run.pacer.wait()
    try:
        message_id = run.sender.send(sms.phone, sms.content)
    # Whatever the provider raises (HTTP errors, timeouts, throttling, refusals) is one failed
    # attempt of this text: it must neither stall the run nor leave the text leased.
    except Exception as exc:  # noqa: BLE001
        throttled = isinstance(exc, SmsThrottledError)
        if throttled:
            run.pacer.throttled()
        error = _describe(exc, sms.phone)
        logger.warning("sms send failed", extra={"outbox_id": sms.outbox_id, "attempt": attempt, "error": error})
        status, due_at = after_failure(attempt, run.now(), refused=isinstance(exc, SmsRefusedError),
                                       throttled=throttled)
        outcome = "dead" if status is OutboxStatus.DEAD else "throttled" if throttled else "retrying"
        return _settled(outbox.release(sms.outbox_id, token, status, due_at, error, refund_attempt=throttled),
                        outcome, sms)
    return _settled(outbox.mark_sent(sms.outbox_id, token, message_id, run.now()), "sent", sms)


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
