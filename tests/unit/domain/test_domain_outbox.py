"""The outbox's rules with no I/O: a queued text, the backoff schedule, giving up, and what an operator may retry."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.errors import InvalidTransitionError
from chalicelib.domain.outbox import (
    HALVING_SECONDS, MAX_ATTEMPTS, MIN_RATE, RECOVERY_SECONDS, THROTTLE_PAUSE, OutboxStatus, Pace, Sms, SmsContent,
    after_failure, backoff,
)

AT = datetime(2026, 3, 15, 8, 30, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)
SUBMITTED = SmsContent.of("ApplicationSubmitted")


def _sms(status: OutboxStatus = OutboxStatus.PENDING, attempts: int = 0) -> Sms:
    return replace(Sms.queue("13812345678", SUBMITTED, AT), status=status, attempts=attempts)


def test_a_queued_text_is_pending_due_at_once_with_no_attempts_and_its_own_id():
    sms, other = Sms.queue("13812345678", SUBMITTED, AT), Sms.queue("13812345678", SUBMITTED, AT)
    assert (sms.status, sms.due_at, sms.created_at, sms.attempts) == (OutboxStatus.PENDING, AT, AT, 0)
    assert (sms.lease_token, sms.provider_message_id, sms.last_error, sms.sent_at) == (None, None, None, None)
    assert sms.outbox_id != other.outbox_id


@pytest.mark.parametrize("attempts, wait", [(1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (6, 30), (20, 30)])
def test_each_failed_send_waits_twice_as_long_as_the_last_up_to_half_an_hour(attempts, wait):
    assert backoff(attempts) == wait * MINUTE


@pytest.mark.parametrize("attempt", range(1, MAX_ATTEMPTS))
def test_a_failed_send_before_the_last_attempt_is_pending_again_after_its_backoff(attempt):
    assert after_failure(attempt, AT) == (OutboxStatus.PENDING, AT + backoff(attempt))


def test_the_failed_last_attempt_is_dead_as_of_the_failure():
    assert MAX_ATTEMPTS == 5
    assert after_failure(MAX_ATTEMPTS, AT) == (OutboxStatus.DEAD, AT)


def test_a_text_the_provider_refused_for_good_is_dead_at_its_first_attempt():
    assert after_failure(1, AT, refused=True) == (OutboxStatus.DEAD, AT)


def test_a_text_keeps_its_template_its_parameters_and_the_text_they_render_to():
    sms = Sms.queue("13812345678", SmsContent.of("CertificateIssued", registration_no="BJ2026000001", valid_until=2029), AT)
    assert (sms.content.template, dict(sms.content.params)) == (
        "CertificateIssued", {"registration_no": "BJ2026000001", "valid_until": "2029"})
    assert sms.text.startswith("【北京社工登记】") and "BJ2026000001" in sms.text and "2029" in sms.text


@pytest.mark.parametrize("status, attempts, unknown", [
    (OutboxStatus.SENDING, MAX_ATTEMPTS, True),
    (OutboxStatus.SENDING, MAX_ATTEMPTS - 1, False),
    (OutboxStatus.PENDING, MAX_ATTEMPTS, False),
    (OutboxStatus.DEAD, MAX_ATTEMPTS, False),
])
def test_only_a_lease_on_the_last_attempt_leaves_delivery_unknown(status, attempts, unknown):
    assert _sms(status, attempts).died_on_last_attempt is unknown


@pytest.mark.parametrize("status", [OutboxStatus.DEAD, OutboxStatus.PENDING])
def test_a_dead_or_still_failing_text_may_be_queued_again(status):
    _sms(status, attempts=3).check_retry()


@pytest.mark.parametrize("status, label", [(OutboxStatus.SENDING, "发送中"), (OutboxStatus.SENT, "已发送")])
def test_a_text_being_sent_or_already_sent_cannot_be_queued_again(status, label):
    with pytest.raises(InvalidTransitionError) as caught:
        _sms(status, attempts=1).check_retry()
    assert (caught.value.current, caught.value.target) == (status.value, OutboxStatus.PENDING.value)
    assert f"当前状态为“{label}”，不能重新发送" in caught.value.message


@pytest.mark.parametrize("attempt", [1, MAX_ATTEMPTS, MAX_ATTEMPTS + 3])
def test_a_throttled_send_is_pending_again_after_a_short_pause_whatever_the_attempt(attempt):
    assert after_failure(attempt, AT, throttled=True) == (OutboxStatus.PENDING, AT + THROTTLE_PAUSE)


def _sends_in_any_second(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + 1) for start in times)


def test_the_pace_never_lets_a_second_hold_more_than_the_limit_however_the_workers_ask():
    pace = Pace(20, now=0.0)
    asks = [n * 0.013 for n in range(400)] + [3.0] * 50 + [9.5 + n * 0.2 for n in range(30)]
    slots = [pace.slot(now) for now in sorted(asks)]
    assert all(slot >= now for slot, now in zip(slots, sorted(asks)))
    assert _sends_in_any_second(slots) == 20


def test_throttling_halves_the_pace_once_per_burst_of_refusals_never_below_a_floor():
    pace = Pace(20, now=0.0)
    pace.throttled(0.0)
    pace.throttled(0.1)  # a send already in flight when the provider began refusing
    assert pace.rate == pytest.approx(10 + 20 * 0.1 / RECOVERY_SECONDS)
    later = 0.1
    for _ in range(20):  # throttled all along: halving meets the climb back at 2 a second
        later += HALVING_SECONDS
        pace.throttled(later)
    assert pace.rate == pytest.approx(20 * HALVING_SECONDS / RECOVERY_SECONDS, rel=0.01)
    slow = Pace(1, now=0.0)
    slow.throttled(0.0)
    assert slow.rate == MIN_RATE == 1


def test_after_throttling_the_next_send_waits_and_the_pace_climbs_back_to_the_limit():
    pace = Pace(20, now=0.0)
    assert pace.slot(0.0) == 0.0
    pace.throttled(0.0)
    assert pace.slot(0.0) == pytest.approx(1 / 10)
    pace.slot(RECOVERY_SECONDS / 4)
    assert pace.rate == pytest.approx(15)
    pace.slot(RECOVERY_SECONDS)
    assert pace.rate == 20
