"""The SMS dispatcher and the operator's list and retry, on the in-memory outbox and SMS fakes.

`tests/integration/test_outbox_contract.py` holds the fake outbox to the
DynamoDB one, so what the dispatcher does here it does on DynamoDB too.
"""
from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from chalicelib.domain.errors import ConcurrentUpdateError, InvalidTransitionError, NotFoundError
from chalicelib.domain.outbox import (
    LEASE, MAX_ATTEMPTS, THROTTLE_PAUSE, OutboxStatus, Sms, SmsContent, SmsRefusedError, SmsThrottledError,
)
from chalicelib.observability import metrics
from chalicelib.services import outbox
from tests.fakes import FakeOutbox, FakeSms, Killed

NOW = datetime(2026, 3, 15, 8, 30, tzinfo=timezone.utc)
NOTHING = {"sent": 0, "retrying": 0, "throttled": 0, "dead": 0, "lost": 0, "more": False}


def _still() -> float:
    return 0.0


def _dispatch(texts, provider, now, **options):
    """A run whose clock stands still at `now` and never really waits (its pace is tested below)."""
    return outbox.dispatch(texts, provider, now, **{"clock": _still, "sleep": lambda seconds: None, **options})


@pytest.fixture
def texts() -> FakeOutbox:
    return FakeOutbox()


def _queue(texts: FakeOutbox, due_at: datetime = NOW, count: int = 1) -> list[Sms]:
    queued = [Sms.queue(f"137{uuid.uuid4().int % 10**8:08d}", SmsContent.of("ReminderDue", days_left=n), due_at)
              for n in range(count)]
    for sms in queued:
        texts.add(sms)
    return queued


def _at_once(dispatchers: int, run) -> list:
    """Start `dispatchers` runs of `run()` together, as duplicate scheduled invocations would."""
    start = threading.Barrier(dispatchers)

    def together(_):
        start.wait()
        return run()

    with ThreadPoolExecutor(dispatchers) as pool:
        return list(pool.map(together, range(dispatchers)))


def test_a_due_text_is_sent_once_and_marked_sent_with_the_providers_message_id(texts):
    sms, = _queue(texts)
    provider = FakeSms()
    assert _dispatch(texts, provider, NOW) == {**NOTHING, "sent": 1}
    row = texts.get(sms.outbox_id)
    assert (row.status, row.attempts, row.sent_at, row.lease_token) == (OutboxStatus.SENT, 1, NOW, None)
    assert row.provider_message_id.startswith("fake-")
    assert _dispatch(texts, provider, NOW + timedelta(hours=1)) == NOTHING
    assert provider.texts_to(sms.phone) == [sms.text]


def test_a_text_is_not_sent_before_it_is_due(texts):
    sms, = _queue(texts, NOW + timedelta(minutes=5))
    provider = FakeSms()
    assert _dispatch(texts, provider, NOW + timedelta(minutes=4, seconds=59)) == NOTHING
    assert texts.get(sms.outbox_id).status is OutboxStatus.PENDING
    assert _dispatch(texts, provider, NOW + timedelta(minutes=5))["sent"] == 1


def test_a_run_sends_at_most_its_limit_expired_leases_first_then_the_oldest_pending(texts):
    newer, older = _queue(texts, NOW - timedelta(minutes=1)), _queue(texts, NOW - timedelta(minutes=2))
    leased, = _queue(texts, NOW - timedelta(minutes=30))
    assert texts.claim(leased, "dead-dispatcher", NOW - LEASE)
    provider = FakeSms()
    assert _dispatch(texts, provider, NOW, limit=2) == {**NOTHING, "sent": 2, "more": True}
    assert {phone for phone, _ in provider.sent} == {leased.phone, older[0].phone}
    assert texts.get(newer[0].outbox_id).status is OutboxStatus.PENDING
    assert _dispatch(texts, provider, NOW, limit=2) == {**NOTHING, "sent": 1}


def test_a_failing_then_timing_out_provider_is_retried_with_backoff_until_it_succeeds(texts):
    sms, = _queue(texts)
    provider = FakeSms(EndpointConnectionError(endpoint_url="https://sns.cn-north-1.amazonaws.com.cn"),
                       ReadTimeoutError(endpoint_url="https://sns.cn-north-1.amazonaws.com.cn"))

    assert _dispatch(texts, provider, NOW)["retrying"] == 1
    row = texts.get(sms.outbox_id)
    assert (row.status, row.attempts, row.due_at) == (OutboxStatus.PENDING, 1, NOW + timedelta(minutes=1))
    assert row.last_error.startswith("EndpointConnectionError: ")

    assert _dispatch(texts, provider, NOW + timedelta(seconds=59)) == NOTHING
    assert _dispatch(texts, provider, NOW + timedelta(minutes=1))["retrying"] == 1
    row = texts.get(sms.outbox_id)
    assert (row.attempts, row.due_at) == (2, NOW + timedelta(minutes=3))
    assert row.last_error.startswith("ReadTimeoutError: ")

    assert _dispatch(texts, provider, NOW + timedelta(minutes=2, seconds=59)) == NOTHING
    assert _dispatch(texts, provider, NOW + timedelta(minutes=3))["sent"] == 1
    row = texts.get(sms.outbox_id)
    assert (row.status, row.attempts, provider.tries) == (OutboxStatus.SENT, 3, 3)
    assert provider.texts_to(sms.phone) == [sms.text]


def test_a_text_that_keeps_failing_is_dead_after_max_attempts_and_its_error_names_no_phone(texts):
    sms, = _queue(texts)
    refusal = RuntimeError(f"Invalid parameter: PhoneNumber Reason: +86{sms.phone} is not reachable")
    provider = FakeSms(*[refusal] * (MAX_ATTEMPTS + 1))
    now, waits, outcomes = NOW, [], Counter()
    for _ in range(MAX_ATTEMPTS):
        outcomes.update(_dispatch(texts, provider, now))
        row = texts.get(sms.outbox_id)
        waits.append(row.due_at - now)
        now = row.due_at
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 0)]
    assert (outcomes["retrying"], outcomes["dead"]) == (MAX_ATTEMPTS - 1, 1)
    assert (row.status, row.attempts, provider.tries) == (OutboxStatus.DEAD, MAX_ATTEMPTS, MAX_ATTEMPTS)
    assert sms.phone not in row.last_error and f"+86{sms.phone[:3]}****{sms.phone[-4:]}" in row.last_error

    assert _dispatch(texts, provider, now + timedelta(days=1)) == NOTHING
    assert provider.tries == MAX_ATTEMPTS


def test_a_text_the_provider_refused_for_good_is_dead_at_its_first_attempt_with_the_reason(texts):
    sms, = _queue(texts)
    provider = FakeSms(SmsRefusedError("InvalidParameterValue.TemplateParameterFormatError: bad parameter"))
    assert _dispatch(texts, provider, NOW) == {**NOTHING, "dead": 1}
    row = texts.get(sms.outbox_id)
    assert (row.status, row.attempts, row.due_at) == (OutboxStatus.DEAD, 1, NOW)
    assert row.last_error == "SmsRefusedError: InvalidParameterValue.TemplateParameterFormatError: bad parameter"


@pytest.fixture
def emitted():
    """The EMF document the dispatcher's metrics would be flushed as (namespace swreg, dimension service)."""
    metrics.clear_metrics()
    yield lambda: metrics.serialize_metric_set()
    metrics.clear_metrics()


def test_a_run_that_buries_texts_counts_them_in_the_sms_dead_metric(texts, emitted):
    _queue(texts, count=3)
    _dispatch(texts, FakeSms(SmsRefusedError("refused"), SmsRefusedError("refused"), RuntimeError("x")), NOW)
    document = emitted()
    [directive] = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "swreg" and directive["Dimensions"] == [["service"]]
    assert {"Name": "SmsDead", "Unit": "Count"} in directive["Metrics"]
    assert (document["service"], document["SmsDead"]) == ("swreg", [2.0])


def test_a_run_that_buries_nothing_emits_no_sms_dead(texts, emitted):
    _queue(texts, count=2)
    _dispatch(texts, FakeSms(RuntimeError("throttled")), NOW)
    assert "SmsDead" not in metrics.metric_set


def test_a_stored_error_is_cut_to_three_hundred_characters(texts):
    sms, = _queue(texts)
    _dispatch(texts, FakeSms(RuntimeError("x" * 1000)), NOW)
    assert len(texts.get(sms.outbox_id).last_error) == outbox.MAX_ERROR_CHARS == 300


def test_four_dispatchers_at_once_send_each_text_exactly_once(texts):
    queued = _queue(texts, count=30)
    provider = FakeSms()
    reports = _at_once(4, lambda: _dispatch(texts, provider, NOW + timedelta(seconds=1)))
    assert sum(report["sent"] for report in reports) == 30
    assert Counter(phone for phone, _ in provider.sent) == Counter({sms.phone: 1 for sms in queued})
    assert {texts.get(sms.outbox_id).status for sms in queued} == {OutboxStatus.SENT}


def test_a_text_whose_dispatcher_died_after_sending_is_sent_again_at_most_once(texts):
    sms, = _queue(texts)
    dying = FakeSms(killed_after_send=True)
    with pytest.raises(Killed):
        _dispatch(texts, dying, NOW)
    leased = texts.get(sms.outbox_id)
    assert (leased.status, leased.due_at) == (OutboxStatus.SENDING, NOW + LEASE)

    provider = FakeSms()
    assert _dispatch(texts, provider, NOW + LEASE - timedelta(seconds=1)) == NOTHING
    reports = _at_once(3, lambda: _dispatch(texts, provider, NOW + LEASE))
    assert sorted(report["sent"] for report in reports) == [0, 0, 1]
    row = texts.get(sms.outbox_id)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)
    assert dying.texts_to(sms.phone) + provider.texts_to(sms.phone) == [sms.text, sms.text]

    # The first dispatcher coming back late cannot overwrite the second's record.
    assert not texts.mark_sent(sms.outbox_id, leased.lease_token, "late", NOW + LEASE)
    assert texts.get(sms.outbox_id).provider_message_id == row.provider_message_id
    assert _dispatch(texts, provider, NOW + timedelta(hours=1)) == NOTHING
    assert len(provider.sent) == 1


def test_a_text_whose_dispatcher_died_during_its_last_attempt_is_dead_not_sent_again(texts):
    sms, = _queue(texts)
    provider = FakeSms(*[ConnectionError("provider down")] * (MAX_ATTEMPTS - 1), killed_after_send=True)
    now = NOW
    for _ in range(MAX_ATTEMPTS - 1):
        _dispatch(texts, provider, now)
        now = texts.get(sms.outbox_id).due_at
    with pytest.raises(Killed):
        _dispatch(texts, provider, now)

    assert _dispatch(texts, provider, now + LEASE) == {**NOTHING, "dead": 1}
    row = texts.get(sms.outbox_id)
    assert (row.status, row.attempts, provider.tries) == (OutboxStatus.DEAD, MAX_ATTEMPTS, MAX_ATTEMPTS)
    assert row.last_error == f"lease expired during attempt {MAX_ATTEMPTS}; delivery unknown"


def test_operators_see_the_texts_of_each_status_asked_for_oldest_first(texts):
    later, earlier = _queue(texts, NOW), _queue(texts, NOW - timedelta(minutes=5))
    dead, = _queue(texts, NOW - timedelta(hours=1))
    texts.add(replace(dead, status=OutboxStatus.DEAD))
    leased, = _queue(texts, NOW - timedelta(hours=2))
    assert texts.claim(leased, "token", NOW + LEASE)
    listed = outbox.rows(texts, (OutboxStatus.PENDING, OutboxStatus.SENDING), 10)
    assert [sms.outbox_id for sms in listed] == [earlier[0].outbox_id, later[0].outbox_id, leased.outbox_id]
    assert [sms.outbox_id for sms in outbox.rows(texts, (OutboxStatus.DEAD,), 10)] == [dead.outbox_id]
    assert len(outbox.rows(texts, (OutboxStatus.PENDING,), 1)) == 1


def test_a_dead_text_is_queued_again_due_now_with_no_attempts_counted(texts):
    sms, = _queue(texts, NOW - timedelta(days=1))
    texts.add(replace(sms, status=OutboxStatus.DEAD, attempts=MAX_ATTEMPTS, last_error="no route"))
    again = outbox.retry(texts, sms.outbox_id, NOW)
    assert (again.status, again.attempts, again.due_at) == (OutboxStatus.PENDING, 0, NOW)
    assert texts.get(sms.outbox_id) == again
    assert _dispatch(texts, FakeSms(), NOW)["sent"] == 1


def test_a_sent_text_cannot_be_queued_again_and_an_unknown_one_is_not_found(texts):
    sms, = _queue(texts)
    _dispatch(texts, FakeSms(), NOW)
    with pytest.raises(InvalidTransitionError):
        outbox.retry(texts, sms.outbox_id, NOW)
    with pytest.raises(NotFoundError):
        outbox.retry(texts, "no-such-text", NOW)


def test_a_retry_loses_to_a_dispatcher_that_moved_the_text_since_it_was_read():
    class MovedWhileRead(FakeOutbox):
        """A dispatcher sends the text right after the operator's retry has read it."""

        def get(self, outbox_id):
            seen = super().get(outbox_id)
            _dispatch(self, FakeSms(), NOW)
            return seen

    texts = MovedWhileRead()
    sms, = _queue(texts)
    with pytest.raises(ConcurrentUpdateError):
        outbox.retry(texts, sms.outbox_id, NOW)
    assert texts.texts[sms.outbox_id].status is OutboxStatus.SENT


def test_a_backlog_of_many_pages_is_read_as_the_run_goes_and_sent_in_one_run(texts):
    queued = _queue(texts, count=outbox.PAGE * 2 + 50)
    provider = FakeSms()
    assert _dispatch(texts, provider, NOW) == {**NOTHING, "sent": len(queued)}
    assert Counter(phone for phone, _ in provider.sent) == Counter({sms.phone: 1 for sms in queued})


def test_a_run_sends_at_its_rate_each_text_in_its_own_slot_with_every_worker_sharing_the_pace(texts):
    queued = _queue(texts, count=60)
    waits = []
    lock = threading.Lock()

    def sleep(seconds):
        with lock:
            waits.append(seconds)
    # The clock stands still, so each wait is how far ahead its send's slot lies.
    assert _dispatch(texts, FakeSms(), NOW, rate=20, sleep=sleep)["sent"] == len(queued)
    assert sorted(waits) == pytest.approx([n / 20 for n in range(1, len(queued))])


def test_the_workers_keep_the_rate_in_flight_within_bounds():
    assert [outbox.workers(rate) for rate in (1, 20, 40, 1000)] == [2, 10, 20, outbox.MAX_WORKERS]


def test_a_throttled_text_is_due_again_shortly_and_throttling_never_uses_up_its_attempts(texts):
    sms, = _queue(texts)
    throttles = MAX_ATTEMPTS + 2
    provider = FakeSms(*[SmsThrottledError("RequestLimitExceeded: slow down")] * throttles,
                       RuntimeError("timeout"))
    now = NOW
    for _ in range(throttles):
        assert _dispatch(texts, provider, now) == {**NOTHING, "throttled": 1}
        row = texts.get(sms.outbox_id)
        assert (row.status, row.attempts, row.due_at) == (OutboxStatus.PENDING, 0, now + THROTTLE_PAUSE)
        assert row.last_error == "SmsThrottledError: RequestLimitExceeded: slow down"
        now = row.due_at
    assert _dispatch(texts, provider, now) == {**NOTHING, "retrying": 1}  # a timeout after it: its first attempt
    now = texts.get(sms.outbox_id).due_at
    assert _dispatch(texts, provider, now)["sent"] == 1
    assert provider.texts_to(sms.phone) == [sms.text]


def test_against_a_provider_that_throttles_above_its_rate_every_text_goes_out_once_and_none_dies(texts):
    queued = _queue(texts, count=40)
    seconds = [0.0]
    provider = FakeSms(per_second=5, clock=lambda: seconds[0])  # its bucket refills only as we say
    now, totals = NOW, Counter()
    while any(texts.get(sms.outbox_id).status is not OutboxStatus.SENT for sms in queued):
        totals.update(_dispatch(texts, provider, now, rate=50))
        now += THROTTLE_PAUSE
        seconds[0] += 1
    assert (totals["sent"], totals["dead"], totals["retrying"]) == (len(queued), 0, 0)
    assert totals["throttled"] == provider.throttled > 0
    assert Counter(phone for phone, _ in provider.sent) == Counter({sms.phone: 1 for sms in queued})


def test_a_run_stops_taking_texts_when_its_budget_runs_low_and_says_more_are_due(texts):
    queued = _queue(texts, count=50)
    provider = FakeSms()

    def time_left():
        return 60.0 if provider.tries < 20 else outbox.RESERVE_SECONDS - 1
    summary = _dispatch(texts, provider, NOW, time_left=time_left)
    assert summary["more"] is True and 20 <= summary["sent"] < len(queued)
    rows = [texts.get(sms.outbox_id) for sms in queued]
    assert Counter(row.status for row in rows) == {OutboxStatus.SENT: summary["sent"],
                                                    OutboxStatus.PENDING: len(queued) - summary["sent"]}

    assert _dispatch(texts, provider, NOW) == {**NOTHING, "sent": len(queued) - summary["sent"]}
    assert Counter(phone for phone, _ in provider.sent) == Counter({sms.phone: 1 for sms in queued})


def test_a_run_with_no_budget_left_sends_nothing_and_says_whether_texts_are_due(texts):
    def spent():
        return 0.0
    assert _dispatch(texts, FakeSms(), NOW, time_left=spent) == NOTHING
    _queue(texts)
    assert _dispatch(texts, FakeSms(), NOW, time_left=spent) == {**NOTHING, "more": True}
