"""The SMS outbox: a text waiting to be sent, its states, and the rules for leasing, retrying and giving up.

What a text says is an `SmsContent`: a template of `texts.SMS_TEMPLATES` and its
parameters, the way a mainland provider sends it, with the text it renders to
for the local sink, SNS and operators.

A notice's text is queued PENDING in the same transaction as the change it
tells of, and moves PENDING → SENDING → SENT, or back to PENDING after a
failed send (exponential backoff), or to DEAD after `MAX_ATTEMPTS` — or at
once when the provider refused it for good (`SmsRefusedError`). A text the
provider throttled (`SmsThrottledError`: sent faster than its rate limit) is
PENDING again after `THROTTLE_PAUSE` with the attempt its claim counted taken
back: throttling never uses up a text's attempts, only failures of another kind
bury it. A dispatcher
leases a text (SENDING) before it hands it to the provider; a lease that runs
out means the dispatcher died mid-send, and the text is leased and sent again
— the only way a text goes out twice: one extra send per such crash, never
more than `MAX_ATTEMPTS` sends in all. A lease that ran out during the last
attempt is not sent again: whether it went out is unknown, so the text is DEAD
and an operator decides.

The dispatcher sends at the provider's pace (`Pace`): sends spaced evenly at
its rate limit, halved when the provider throttles, climbing back gradually.

The rules here are pure; `services.outbox` applies them through the outbox
port, whose every move is a conditional write on the state the dispatcher saw.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Mapping

from chalicelib.domain import texts
from chalicelib.domain.errors import InvalidTransitionError

# Far longer than one send takes (the provider's timeout is 5 s): the dispatcher takes a
# lease from the time it claims, so a live dispatcher never loses one.
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 5
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(minutes=30)
# A throttled text is due again this soon: the provider refused the rate, not the text.
THROTTLE_PAUSE = timedelta(seconds=5)
# The pace after throttling: halved at most once per HALVING_SECONDS (the sends in flight when the
# provider began refusing report the same excess), never under MIN_RATE a second, and back to the
# provider's limit linearly over RECOVERY_SECONDS when no throttling follows.
HALVING_SECONDS = 1.0
MIN_RATE = 1.0
RECOVERY_SECONDS = 10.0


class OutboxStatus(StrEnum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    SENT = "SENT"
    DEAD = "DEAD"


class SmsRefusedError(Exception):
    """The provider refused a text for good (a template parameter or template it rejects, a number
    it will not send to): sending it again cannot succeed. Raised by an `SmsSender`; its message is
    the provider's reason, which the outbox keeps."""


class SmsThrottledError(Exception):
    """The provider refused a text because it came faster than its rate limit allows: worth sending
    again shortly, and a sign to slow down. Raised by an `SmsSender`; its message is the provider's."""


@dataclass(frozen=True)
class SmsContent:
    """What one SMS says: the template `template` of `texts.SMS_TEMPLATES`, its `params` (strings,
    by name) — what a mainland provider is sent — and `text`, the template rendered as the phone
    shows it, for the local sink, SNS and operators."""

    template: str
    params: Mapping[str, str]
    text: str

    @classmethod
    def of(cls, template: str, /, **params: object) -> SmsContent:
        """`template` filled with `params`, each as a string. KeyError for an unknown template."""
        values = {name: str(value) for name, value in params.items()}
        return cls(template, values, texts.sms_text(template, **values))


# An operator may queue again a text given up on, or one still failing; never one being sent or sent.
RETRYABLE = frozenset({OutboxStatus.PENDING, OutboxStatus.DEAD})


@dataclass(frozen=True)
class Sms:
    """One text in the outbox. `due_at` is when a PENDING text may be sent, when a
    SENDING text's lease runs out, when a DEAD text died, when a SENT text went out."""

    outbox_id: str
    phone: str
    content: SmsContent
    status: OutboxStatus
    due_at: datetime
    attempts: int
    created_at: datetime
    lease_token: str | None = None
    provider_message_id: str | None = None
    last_error: str | None = None
    sent_at: datetime | None = None

    @classmethod
    def queue(cls, phone: str, content: SmsContent, at: datetime) -> Sms:
        """A new text for `phone`, due at `at`."""
        return cls(outbox_id=uuid.uuid4().hex, phone=phone, content=content, status=OutboxStatus.PENDING,
                   due_at=at, attempts=0, created_at=at)

    @property
    def text(self) -> str:
        return self.content.text

    @property
    def died_on_last_attempt(self) -> bool:
        """Leased for its last allowed attempt (read once the lease ran out): delivery unknown."""
        return self.status is OutboxStatus.SENDING and self.attempts >= MAX_ATTEMPTS

    def check_retry(self) -> None:
        """Raises InvalidTransitionError unless an operator may queue the text again."""
        if self.status not in RETRYABLE:
            raise InvalidTransitionError(self.status.value, OutboxStatus.PENDING.value)


def backoff(attempts: int) -> timedelta:
    """How long a text waits after its `attempts`-th failed send: 1, 2, 4, 8 … minutes, capped."""
    return min(FIRST_BACKOFF * 2 ** (attempts - 1), MAX_BACKOFF)


def after_failure(attempt: int, now: datetime, *, refused: bool = False,
                  throttled: bool = False) -> tuple[OutboxStatus, datetime]:
    """Where a text goes when its `attempt`-th send failed at `now`: PENDING again after
    the backoff (after `THROTTLE_PAUSE` if the provider `throttled` it, whatever the
    attempt), or DEAD (as of `now`) when that was the last attempt allowed or the
    provider `refused` the text for good."""
    if throttled:
        return OutboxStatus.PENDING, now + THROTTLE_PAUSE
    if refused or attempt >= MAX_ATTEMPTS:
        return OutboxStatus.DEAD, now
    return OutboxStatus.PENDING, now + backoff(attempt)


class Pace:
    """When the next send may go, in seconds on any monotonic clock: sends spaced `1 / rate`
    apart with no burst, so no second ever holds more than the provider's `limit`. The provider's
    throttling halves the rate, which then climbs back to `limit` (AIMD, as TCP does). Not
    thread-safe: the dispatcher's workers share one under a lock."""

    def __init__(self, limit: float, now: float) -> None:
        self.limit = float(limit)
        self.rate = self.limit
        self._next = now
        self._changed = now
        self._halved = now - HALVING_SECONDS

    def slot(self, now: float) -> float:
        """Reserve the next send: the time (not before `now`) it may go."""
        self._recover(now)
        at = max(now, self._next)
        # A nanosecond more per gap: summed float gaps must not squeeze limit + 1 sends into a second.
        self._next = at + 1 / self.rate + 1e-9
        return at

    def throttled(self, now: float) -> None:
        """The provider refused a send for its rate: halve the pace (once per burst of refusals)."""
        self._recover(now)
        if now - self._halved >= HALVING_SECONDS:
            self.rate = max(min(MIN_RATE, self.limit), self.rate / 2)
            self._halved = now
        self._next = max(self._next, now + 1 / self.rate)

    def _recover(self, now: float) -> None:
        if now > self._changed:
            self.rate = min(self.limit, self.rate + self.limit * (now - self._changed) / RECOVERY_SECONDS)
            self._changed = now
