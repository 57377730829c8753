"""The password-lockout counters and the give-back of rate limits, on DynamoDB Local."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from chalicelib.domain.credentials import LOGIN_LOCKOUT

NOW = datetime(2031, 6, 1, 9, 30, tzinfo=timezone.utc)


def _key() -> str:
    return f"test-{uuid.uuid4().hex}"


def test_parallel_tries_each_get_their_own_number(deps):
    key = _key()
    deps.accounts.count_login_attempt(_key(), NOW)  # connection built before the threads start
    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(lambda _: deps.accounts.count_login_attempt(key, NOW), range(32)))
    assert sorted(numbers) == list(range(1, 33))


def test_a_locked_key_counts_nothing_until_the_lock_runs_out_then_starts_afresh(deps):
    key = _key()
    for _ in range(5):
        deps.accounts.count_login_attempt(key, NOW)
    deps.accounts.lock_login(key, NOW + LOGIN_LOCKOUT, NOW)
    assert deps.accounts.count_login_attempt(key, NOW + LOGIN_LOCKOUT - timedelta(seconds=1)) is None
    assert deps.accounts.count_login_attempt(key, NOW + LOGIN_LOCKOUT) == 1


def test_tries_during_a_lock_do_not_extend_it(deps):
    key = _key()
    deps.accounts.lock_login(key, NOW + LOGIN_LOCKOUT, NOW)
    deps.accounts.lock_login(key, NOW + LOGIN_LOCKOUT * 2, NOW + LOGIN_LOCKOUT / 2)
    assert deps.accounts.count_login_attempt(key, NOW + LOGIN_LOCKOUT) == 1


def test_a_right_password_clears_the_count(deps):
    key = _key()
    for _ in range(4):
        deps.accounts.count_login_attempt(key, NOW)
    deps.accounts.clear_login_failures(key)
    assert deps.accounts.count_login_attempt(key, NOW) == 1


def test_a_taken_slot_given_back_is_free_again_but_never_below_zero(deps):
    key, resets = _key(), NOW + timedelta(hours=1)
    assert deps.rate_limiter.take(key, 1, resets, NOW) is None
    assert deps.rate_limiter.take(key, 1, resets, NOW) == resets
    deps.rate_limiter.give_back(key, NOW)
    deps.rate_limiter.give_back(key, NOW)
    assert deps.rate_limiter.take(key, 1, resets, NOW) is None
    assert deps.rate_limiter.take(key, 1, resets, NOW) == resets


def test_parallel_first_takes_of_a_window_all_count_and_none_is_refused(deps):
    key, resets = _key(), NOW + timedelta(hours=1)
    deps.rate_limiter.take(_key(), 1, resets, NOW)  # connection built before the threads start
    with ThreadPoolExecutor(8) as pool:
        refusals = list(pool.map(lambda _: deps.rate_limiter.take(key, 100, resets, NOW), range(32)))
    assert refusals == [None] * 32
    assert deps.rate_limiter.take(key, 33, resets, NOW) is None
    assert deps.rate_limiter.take(key, 33, resets, NOW) == resets
