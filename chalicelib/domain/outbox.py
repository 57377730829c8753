"""The SMS outbox: a text waiting to be sent, its states, and the rules for leasing, retrying and giving up.

What a text says is an `SmsContent`: a template of `texts.SMS_TEMPLATES` and its
parameters, the way a mainland provider sends it, with the text it renders to
for the local sink, SNS and operators.

A notice's text is queued PENDING in the same transaction as the change it
tells of, and moves PENDING → SENDING → SENT, or back to PENDING after a
failed send (exponential backoff), or to DEAD after `MAX_ATTEMPTS` — or at
once when the provider refused it for good (`SmsRefusedError`). A dispatcher
leases a text (SENDING) before it hands it to the provider; a lease that runs
out means the dispatcher died mid-send, and the text is leased and sent again
— the only way a text goes out twice: one extra send per such crash, never
more than `MAX_ATTEMPTS` sends in all. A lease that ran out during the last
attempt is not sent again: whether it went out is unknown, so the text is DEAD
and an operator decides.

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

# Longer than the dispatch function's timeout (30 s in prod), so a live dispatcher
# never loses a lease it computed from its run's start time.
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 5
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(minutes=30)


class OutboxStatus(StrEnum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    SENT = "SENT"
    DEAD = "DEAD"


class SmsRefusedError(Exception):
    """The provider refused a text for good (a template parameter or template it rejects, a number
    it will not send to): sending it again cannot succeed. Raised by an `SmsSender`; its message is
    the provider's reason, which the outbox keeps."""


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


def after_failure(attempt: int, now: datetime, *, refused: bool = False) -> tuple[OutboxStatus, datetime]:
    """Where a text goes when its `attempt`-th send failed at `now`: PENDING again after
    the backoff, or DEAD (as of `now`) when that was the last attempt allowed or the
    provider `refused` the text for good."""
    if refused or attempt >= MAX_ATTEMPTS:
        return OutboxStatus.DEAD, now
    return OutboxStatus.PENDING, now + backoff(attempt)
