"""The SMS outbox dispatcher and its operator commands against DynamoDB Local.

A fake provider stands behind the SMS port. Every test works in its own
stretch of the past (`era`): its rows are due then and its dispatcher's clock
is set then, so the rows other tests leave in the shared outbox table are
never due for these runs. Each era lies 30 days before the previous one, so a
row an earlier test left behind is not due in a later test's era either.
"""
from __future__ import annotations

import itertools
import json
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from chalicelib.adapters.dynamo.messages import outbox_item
from chalicelib.adapters.dynamo.models import OutboxItem
from chalicelib.cli import main
from chalicelib.domain.notifications import SIGNATURE, Sms
from chalicelib.services import outbox
from chalicelib.services.outbox import LEASE, MAX_ATTEMPTS, OutboxStatus

_ERAS = itertools.count()
NOTHING = {"sent": 0, "retrying": 0, "dead": 0, "lost": 0}


class Crash(BaseException):
    """The function being killed mid-send (a Lambda timeout): nothing in the dispatcher catches it."""


class FakeSms:
    """The SMS port's stand-in. Raises `errors` one per send first, then accepts texts —
    and with `crash`, dies right after the provider accepted one."""

    def __init__(self, *errors: Exception, crash: bool = False) -> None:
        self.sent: list[tuple[str, str]] = []
        self.tries = 0
        self._errors = list(errors)
        self._crash = crash
        self._lock = threading.Lock()

    def send(self, phone: str, text: str) -> str:
        with self._lock:
            self.tries += 1
            if self._errors:
                raise self._errors.pop(0)
            self.sent.append((phone, text))
            message_id = f"fake-{uuid.uuid4().hex[:8]}"
        if self._crash:
            raise Crash()
        return message_id

    def texts_to(self, phone: str) -> list[str]:
        return [text for to, text in self.sent if to == phone]


@pytest.fixture
def era() -> datetime:
    return datetime(2000, 1, 1, 9, 30, tzinfo=timezone.utc) - timedelta(days=30 * next(_ERAS))


def _phone() -> str:
    return f"137{uuid.uuid4().int % 10**8:08d}"


def _queue(due_at: datetime, count: int = 1) -> list[Sms]:
    rows = [Sms(uuid.uuid4().hex, _phone(), f"{SIGNATURE}您的登记申请通过！（{n}）", due_at) for n in range(count)]
    for sms in rows:
        outbox_item(sms).save()
    return rows


def _at_once(dispatchers: int, run) -> list:
    """Start `dispatchers` runs of `run()` together, as duplicate scheduled invocations would."""
    start = threading.Barrier(dispatchers)

    def together(_):
        start.wait()
        return run()

    with ThreadPoolExecutor(dispatchers) as pool:
        return list(pool.map(together, range(dispatchers)))


def test_a_due_row_is_sent_once_and_marked_sent_with_the_providers_message_id(deps, era):
    sms, = _queue(era)
    provider = FakeSms()
    assert outbox.dispatch(deps.outbox, provider, era) == {**NOTHING, "sent": 1}
    row = deps.outbox.get(sms.outbox_id)
    assert (row.status, row.attempts, row.sent_at, row.lease_token) == (OutboxStatus.SENT, 1, era, None)
    assert row.provider_message_id.startswith("fake-")
    assert outbox.dispatch(deps.outbox, provider, era + timedelta(hours=1)) == NOTHING
    assert provider.texts_to(sms.phone) == [sms.text]


def test_a_row_is_not_sent_before_it_is_due(deps, era):
    sms, = _queue(era + timedelta(minutes=5))
    provider = FakeSms()
    assert outbox.dispatch(deps.outbox, provider, era + timedelta(minutes=4, seconds=59)) == NOTHING
    assert deps.outbox.get(sms.outbox_id).status is OutboxStatus.PENDING
    assert outbox.dispatch(deps.outbox, provider, era + timedelta(minutes=5))["sent"] == 1


def test_a_failing_then_timing_out_provider_is_retried_with_backoff_until_it_succeeds(deps, era):
    sms, = _queue(era)
    provider = FakeSms(EndpointConnectionError(endpoint_url="https://sns.cn-north-1.amazonaws.com.cn"),
                       ReadTimeoutError(endpoint_url="https://sns.cn-north-1.amazonaws.com.cn"))

    assert outbox.dispatch(deps.outbox, provider, era)["retrying"] == 1
    row = deps.outbox.get(sms.outbox_id)
    assert (row.status, row.attempts, row.due_at) == (OutboxStatus.PENDING, 1, era + timedelta(minutes=1))
    assert row.last_error.startswith("EndpointConnectionError: ")

    assert outbox.dispatch(deps.outbox, provider, era + timedelta(seconds=59)) == NOTHING
    assert outbox.dispatch(deps.outbox, provider, era + timedelta(minutes=1))["retrying"] == 1
    row = deps.outbox.get(sms.outbox_id)
    assert (row.attempts, row.due_at) == (2, era + timedelta(minutes=3))
    assert row.last_error.startswith("ReadTimeoutError: ")

    assert outbox.dispatch(deps.outbox, provider, era + timedelta(minutes=2, seconds=59)) == NOTHING
    assert outbox.dispatch(deps.outbox, provider, era + timedelta(minutes=3))["sent"] == 1
    row = deps.outbox.get(sms.outbox_id)
    assert (row.status, row.attempts, provider.tries) == (OutboxStatus.SENT, 3, 3)
    assert provider.texts_to(sms.phone) == [sms.text]


def test_a_row_that_keeps_failing_is_dead_after_max_attempts_and_its_error_names_no_phone(deps, era):
    sms, = _queue(era)
    refusal = RuntimeError(f"Invalid parameter: PhoneNumber Reason: +86{sms.phone} is not reachable")
    provider = FakeSms(*[refusal] * (MAX_ATTEMPTS + 1))
    now, waits = era, []
    for _ in range(MAX_ATTEMPTS):
        outbox.dispatch(deps.outbox, provider, now)
        row = deps.outbox.get(sms.outbox_id)
        waits.append(row.due_at - now)
        now = row.due_at
    assert waits[:-1] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert (row.status, row.attempts, provider.tries) == (OutboxStatus.DEAD, MAX_ATTEMPTS, MAX_ATTEMPTS)
    assert sms.phone not in row.last_error and f"+86{sms.phone[:3]}****{sms.phone[-4:]}" in row.last_error

    assert outbox.dispatch(deps.outbox, provider, now + timedelta(days=1)) == NOTHING
    assert provider.tries == MAX_ATTEMPTS


def test_two_dispatchers_at_once_send_each_row_exactly_once(deps, era):
    rows = _queue(era, count=30)
    provider = FakeSms()
    reports = _at_once(4, lambda: outbox.dispatch(deps.outbox, provider, era + timedelta(seconds=1)))
    assert sum(report["sent"] for report in reports) == 30
    assert Counter(phone for phone, _ in provider.sent) == Counter({sms.phone: 1 for sms in rows})
    assert {deps.outbox.get(sms.outbox_id).status for sms in rows} == {OutboxStatus.SENT}


def test_a_row_whose_dispatcher_died_after_sending_is_sent_again_at_most_once(deps, era):
    sms, = _queue(era)
    dying = FakeSms(crash=True)
    with pytest.raises(Crash):
        outbox.dispatch(deps.outbox, dying, era)
    leased = deps.outbox.get(sms.outbox_id)
    assert (leased.status, leased.due_at) == (OutboxStatus.SENDING, era + LEASE)

    provider = FakeSms()
    assert outbox.dispatch(deps.outbox, provider, era + LEASE - timedelta(seconds=1)) == NOTHING
    _at_once(3, lambda: outbox.dispatch(deps.outbox, provider, era + LEASE))
    row = deps.outbox.get(sms.outbox_id)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)
    assert dying.texts_to(sms.phone) + provider.texts_to(sms.phone) == [sms.text, sms.text]

    # The first dispatcher coming back late cannot overwrite the second's record.
    assert not deps.outbox.mark_sent(sms.outbox_id, leased.lease_token, "late", era + LEASE)
    assert deps.outbox.get(sms.outbox_id).provider_message_id == row.provider_message_id
    assert outbox.dispatch(deps.outbox, provider, era + timedelta(hours=1)) == NOTHING
    assert len(provider.sent) == 1


def test_a_row_whose_dispatcher_died_during_its_last_attempt_is_dead_not_sent_again(deps, era):
    sms, = _queue(era)
    provider = FakeSms(*[ConnectionError("provider down")] * (MAX_ATTEMPTS - 1), crash=True)
    now = era
    for _ in range(MAX_ATTEMPTS - 1):
        outbox.dispatch(deps.outbox, provider, now)
        now = deps.outbox.get(sms.outbox_id).due_at
    with pytest.raises(Crash):
        outbox.dispatch(deps.outbox, provider, now)

    assert outbox.dispatch(deps.outbox, provider, now + LEASE)["dead"] == 1
    row = deps.outbox.get(sms.outbox_id)
    assert (row.status, row.attempts, provider.tries) == (OutboxStatus.DEAD, MAX_ATTEMPTS, MAX_ATTEMPTS)
    assert "delivery unknown" in row.last_error


def _sink_texts(deps, phone: str) -> list[str]:
    path = Path(deps.settings.sms_file)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    return [record["text"] for record in records if record["to"] == phone]


def test_jobs_run_sms_dispatch_with_a_clock_sends_due_rows_through_the_configured_sink(deps, era, capsys):
    sms, = _queue(era)
    clock = (era + timedelta(minutes=1)).astimezone(timezone(timedelta(hours=8))).replace(tzinfo=None)
    assert main(["--stage", "test", "jobs", "run", "sms-dispatch", "--now", clock.isoformat()]) == 0
    assert f"sms-dispatch as of {clock.isoformat()}+08:00: sent 1, " in capsys.readouterr().out
    row = deps.outbox.get(sms.outbox_id)
    assert (row.status, row.sent_at) == (OutboxStatus.SENT, era + timedelta(minutes=1))
    assert row.provider_message_id.startswith("file-")
    assert _sink_texts(deps, sms.phone) == [sms.text]


def test_jobs_run_refuses_an_unknown_job_and_a_garbled_clock(deps, capsys):
    assert main(["--stage", "test", "jobs", "run", "sms-dispatchh"]) == 2
    assert "no job 'sms-dispatchh'; jobs: issue-certificates, sms-dispatch, window-tick" in capsys.readouterr().err
    assert main(["--stage", "test", "jobs", "run", "sms-dispatch", "--now", "yesterday"]) == 2
    assert capsys.readouterr().err.startswith("swreg: --now: ")


def test_outbox_list_shows_dead_rows_masked_and_retry_queues_one_again(deps, era, capsys):
    sms, sent = _queue(era, count=2)
    OutboxItem(sms.outbox_id).update(actions=[OutboxItem.status.set("DEAD"), OutboxItem.attempts.set(MAX_ATTEMPTS),
                                              OutboxItem.last_error.set("EndpointConnectionError: no route")])
    outbox.dispatch(deps.outbox, FakeSms(), era, limit=1)
    assert deps.outbox.get(sent.outbox_id).status is OutboxStatus.SENT

    assert main(["--stage", "test", "outbox", "list", "--dead", "--limit", "1000"]) == 0
    line, = [line for line in capsys.readouterr().out.splitlines() if sms.outbox_id in line]
    assert "DEAD" in line and f"attempts {MAX_ATTEMPTS}" in line and "no route" in line
    assert sms.phone not in line and f"{sms.phone[:3]}****{sms.phone[-4:]}" in line

    before = datetime.now(timezone.utc)
    assert main(["--stage", "test", "outbox", "retry", sms.outbox_id]) == 0
    assert f"{sms.outbox_id} queued again" in capsys.readouterr().out
    row = deps.outbox.get(sms.outbox_id)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 0)
    assert before - timedelta(seconds=1) <= row.due_at <= datetime.now(timezone.utc)

    assert main(["--stage", "test", "outbox", "retry", sent.outbox_id]) == 2
    assert "当前状态为“已发送”，不能重新发送" in capsys.readouterr().err
    assert main(["--stage", "test", "outbox", "retry", "no-such-row"]) == 2
    assert "no-such-row" in capsys.readouterr().err
