"""The AccountRepository, SmsCodeRepository and RateLimiter ports: one set of assertions on
`tests.fakes` (FakeAccountRepository, FakeSmsCodeRepository, FakeRateLimiter) and on the
DynamoDB Local adapters, including the counts that racing threads must each get right."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.accounts import Account, Role, phone_login
from chalicelib.domain.credentials import LOGIN_LOCKOUT
from chalicelib.domain.errors import ConcurrentUpdateError, ConflictError
from chalicelib.domain.outbox import Sms, SmsContent
from tests import fakes
from tests.ids import unique_id

NOW = datetime(2031, 6, 1, 9, 30, tzinfo=timezone.utc)


@pytest.fixture(params=["fake", "dynamodb"])
def accounts(request):
    if request.param == "fake":
        return fakes.FakeAccountRepository()
    return request.getfixturevalue("deps").accounts


@pytest.fixture(params=["fake", "dynamodb"])
def accounts_and_outbox(request):
    """The accounts port and the outbox its phone changes queue their notice in."""
    if request.param == "fake":
        outbox = fakes.FakeOutbox()
        return fakes.FakeAccountRepository(outbox=outbox), outbox
    deps = request.getfixturevalue("deps")
    return deps.accounts, deps.outbox


@pytest.fixture(params=["fake", "dynamodb"])
def sms_codes(request):
    if request.param == "fake":
        return fakes.FakeSmsCodeRepository()
    return request.getfixturevalue("deps").sms_codes


@pytest.fixture(params=["fake", "dynamodb"])
def rate_limiter(request):
    if request.param == "fake":
        return fakes.FakeRateLimiter()
    return request.getfixturevalue("deps").rate_limiter


def _key() -> str:
    return f"test-{uuid.uuid4().hex}"


def _applicant() -> tuple[Account, dict[str, str]]:
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    id_number = unique_id("1105")
    account = Account(account_id=uuid.uuid4().hex, login_key=phone_login(phone), role=Role.APPLICANT,
                      password_hash="hash-1", created_at=NOW, phone=phone, id_number=id_number)
    return account, {account.login_key: "PHONE_ALREADY_REGISTERED", f"identity#{id_number}": "ID_ALREADY_BOUND"}


def test_an_account_reads_back_by_id_and_by_login(accounts):
    account, unique = _applicant()
    accounts.create(account, unique)
    assert accounts.get(account.account_id) == account
    assert accounts.by_login(account.login_key) == account
    assert accounts.get(uuid.uuid4().hex) is None
    assert accounts.by_login(phone_login("13000000000")) is None


def test_a_taken_login_or_identity_is_refused_with_its_own_code_and_stores_nothing(accounts):
    first, unique = _applicant()
    accounts.create(first, unique)
    same_phone, _ = _applicant()
    same_phone.login_key = first.login_key
    with pytest.raises(ConflictError) as caught:
        accounts.create(same_phone, {same_phone.login_key: "PHONE_ALREADY_REGISTERED"})
    assert caught.value.code == "PHONE_ALREADY_REGISTERED"
    same_person, other_unique = _applicant()
    with pytest.raises(ConflictError) as caught:
        accounts.create(same_person, {same_person.login_key: "PHONE_ALREADY_REGISTERED",
                                      f"identity#{first.id_number}": "ID_ALREADY_BOUND"})
    assert caught.value.code == "ID_ALREADY_BOUND"
    assert accounts.get(same_person.account_id) is None
    accounts.create(same_person, other_unique)  # its own phone was not left taken
    assert accounts.by_login(same_person.login_key) == same_person


def test_changed_credentials_and_lifted_locks_are_stored(accounts):
    account, unique = _applicant()
    accounts.create(account, unique)
    account.password_hash, account.disabled = "hash-2", True
    accounts.save_credentials(account)
    accounts.lift_login_locks(account.account_id)
    stored = accounts.get(account.account_id)
    assert (stored.password_hash, stored.disabled, stored.lock_epoch) == ("hash-2", True, 1)


def test_a_new_password_raises_the_session_version_and_keeps_the_named_session(accounts):
    account, unique = _applicant()
    accounts.create(account, unique)
    account.change_password("hash-2", keep="session-a")
    accounts.save_password(account)
    stored = accounts.get(account.account_id)
    assert (stored.password_hash, stored.session_version, stored.kept_session) == ("hash-2", 1, "session-a")
    stored.change_password("hash-3", keep=None)  # a reset keeps no session
    accounts.save_password(stored)
    again = accounts.get(account.account_id)
    assert (again.password_hash, again.session_version, again.kept_session) == ("hash-3", 2, None)


def test_a_password_change_on_a_stale_session_version_is_refused_and_changes_nothing(accounts):
    account, unique = _applicant()
    accounts.create(account, unique)
    first, second = accounts.get(account.account_id), accounts.get(account.account_id)
    first.change_password("hash-first", keep="a")
    accounts.save_password(first)
    second.change_password("hash-second", keep="b")
    with pytest.raises(ConcurrentUpdateError):
        accounts.save_password(second)
    stored = accounts.get(account.account_id)
    assert (stored.password_hash, stored.session_version, stored.kept_session) == ("hash-first", 1, "a")


def test_of_parallel_password_changes_from_one_version_exactly_one_wins(accounts):
    account, unique = _applicant()
    accounts.create(account, unique)
    loaded = [accounts.get(account.account_id) for _ in range(6)]

    def change(n: int) -> bool:
        loaded[n].change_password(f"hash-{n}", keep=f"s{n}")
        try:
            accounts.save_password(loaded[n])
            return True
        except ConcurrentUpdateError:
            return False
    with ThreadPoolExecutor(6) as pool:
        won = list(pool.map(change, range(6)))
    assert won.count(True) == 1
    stored = accounts.get(account.account_id)
    winner = won.index(True)
    assert (stored.password_hash, stored.session_version, stored.kept_session) == (f"hash-{winner}", 1, f"s{winner}")


def _phone_changed(account: Account) -> Sms:
    return Sms.queue(account.phone, SmsContent.of("PhoneChanged"), NOW)


def test_a_phone_change_moves_the_login_frees_the_old_number_and_queues_the_notice(accounts_and_outbox):
    accounts, outbox = accounts_and_outbox
    account, unique = _applicant()
    accounts.create(account, unique)
    old_key, notice = account.login_key, _phone_changed(account)
    new_phone = f"137{uuid.uuid4().int % 10**8:08d}"
    account.change_phone(new_phone, keep="session-a")
    accounts.move_phone(account, old_key, notice)
    stored = accounts.get(account.account_id)
    assert (stored.phone, stored.login_key, stored.session_version, stored.kept_session) == (
        new_phone, phone_login(new_phone), 1, "session-a")
    assert accounts.by_login(phone_login(new_phone)).account_id == account.account_id
    assert accounts.by_login(old_key) is None
    assert outbox.get(notice.outbox_id).content.template == "PhoneChanged"
    other, _ = _applicant()
    other.login_key, other.phone = old_key, notice.phone  # the old number is free for a new account
    accounts.create(other, {old_key: "PHONE_ALREADY_REGISTERED"})
    assert accounts.by_login(old_key).account_id == other.account_id


def test_a_phone_change_to_another_accounts_number_is_refused_and_changes_nothing(accounts_and_outbox):
    accounts, outbox = accounts_and_outbox
    holder, holder_unique = _applicant()
    accounts.create(holder, holder_unique)
    account, unique = _applicant()
    accounts.create(account, unique)
    old_key, notice = account.login_key, _phone_changed(account)
    account.change_phone(holder.phone, keep="session-a")
    with pytest.raises(ConflictError) as caught:
        accounts.move_phone(account, old_key, notice)
    assert caught.value.code == "PHONE_TAKEN"
    stored = accounts.get(account.account_id)
    assert (stored.login_key, stored.session_version) == (old_key, 0)
    assert accounts.by_login(old_key).account_id == account.account_id
    assert accounts.by_login(holder.login_key).account_id == holder.account_id
    with pytest.raises(Exception):
        outbox.get(notice.outbox_id)


def test_a_phone_change_on_a_stale_session_version_is_refused_and_changes_nothing(accounts_and_outbox):
    accounts, outbox = accounts_and_outbox
    account, unique = _applicant()
    accounts.create(account, unique)
    stale = accounts.get(account.account_id)
    account.change_password("hash-2", keep="a")
    accounts.save_password(account)
    old_key, notice = stale.login_key, _phone_changed(stale)
    new_phone = f"137{uuid.uuid4().int % 10**8:08d}"
    stale.change_phone(new_phone, keep="b")
    with pytest.raises(ConcurrentUpdateError):
        accounts.move_phone(stale, old_key, notice)
    stored = accounts.get(account.account_id)
    assert (stored.login_key, stored.session_version, stored.kept_session) == (old_key, 1, "a")
    assert accounts.by_login(phone_login(new_phone)) is None


def test_parallel_tries_each_get_their_own_number(accounts):
    key = _key()
    accounts.count_login_attempt(_key(), NOW)  # connection built before the threads start
    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(lambda _: accounts.count_login_attempt(key, NOW), range(32)))
    assert sorted(numbers) == list(range(1, 33))


def test_a_locked_key_counts_nothing_until_the_lock_runs_out_then_starts_afresh(accounts):
    key = _key()
    for _ in range(5):
        accounts.count_login_attempt(key, NOW)
    accounts.lock_login(key, NOW + LOGIN_LOCKOUT, NOW)
    assert accounts.count_login_attempt(key, NOW + LOGIN_LOCKOUT - timedelta(seconds=1)) is None
    assert accounts.count_login_attempt(key, NOW + LOGIN_LOCKOUT) == 1


def test_tries_during_a_lock_do_not_extend_it(accounts):
    key = _key()
    accounts.lock_login(key, NOW + LOGIN_LOCKOUT, NOW)
    accounts.lock_login(key, NOW + LOGIN_LOCKOUT * 2, NOW + LOGIN_LOCKOUT / 2)
    assert accounts.count_login_attempt(key, NOW + LOGIN_LOCKOUT) == 1


def test_a_right_password_clears_the_count(accounts):
    key = _key()
    for _ in range(4):
        accounts.count_login_attempt(key, NOW)
    accounts.clear_login_failures(key)
    assert accounts.count_login_attempt(key, NOW) == 1


def test_a_code_is_consumed_once_and_only_while_it_lives(sms_codes):
    key = _key()
    sms_codes.put(key, "right", NOW + timedelta(minutes=5))
    assert sms_codes.consume(key, "right", NOW, 5) is True
    assert sms_codes.consume(key, "right", NOW, 5) is False
    sms_codes.put(key, "right", NOW + timedelta(minutes=5))
    assert sms_codes.consume(key, "right", NOW + timedelta(minutes=5), 5) is False
    assert sms_codes.consume(_key(), "right", NOW, 5) is False


def test_a_code_that_matches_is_not_consumed_and_wrong_matches_use_it_up(sms_codes):
    key = _key()
    sms_codes.put(key, "right", NOW + timedelta(minutes=5))
    assert sms_codes.matches(key, "right", NOW, 3) is True
    assert sms_codes.matches(key, "right", NOW, 3) is True
    assert sms_codes.consume(key, "right", NOW, 3) is True
    assert sms_codes.matches(key, "right", NOW, 3) is False
    sms_codes.put(key, "right", NOW + timedelta(minutes=5))
    assert sms_codes.matches(key, "right", NOW + timedelta(minutes=5), 3) is False
    assert [sms_codes.matches(key, "wrong", NOW, 3) for _ in range(3)] == [False] * 3
    assert sms_codes.matches(key, "right", NOW, 3) is False
    assert sms_codes.consume(key, "right", NOW, 3) is False


def test_wrong_tries_use_a_code_up_and_a_new_code_replaces_the_old(sms_codes):
    key = _key()
    sms_codes.put(key, "right", NOW + timedelta(minutes=5))
    assert [sms_codes.consume(key, "wrong", NOW, 3) for _ in range(3)] == [False] * 3
    assert sms_codes.consume(key, "right", NOW, 3) is False
    sms_codes.put(key, "newer", NOW + timedelta(minutes=5))
    assert sms_codes.consume(key, "right", NOW, 3) is False
    assert sms_codes.consume(key, "newer", NOW, 3) is True


def test_a_window_refuses_past_its_limit_until_it_resets(rate_limiter):
    key, resets = _key(), NOW + timedelta(hours=1)
    assert [rate_limiter.take(key, 2, resets, NOW) for _ in range(3)] == [None, None, resets]
    assert rate_limiter.take(key, 2, resets + timedelta(hours=1), resets) is None


def test_a_taken_slot_given_back_is_free_again_but_never_below_zero(rate_limiter):
    key, resets = _key(), NOW + timedelta(hours=1)
    assert rate_limiter.take(key, 1, resets, NOW) is None
    assert rate_limiter.take(key, 1, resets, NOW) == resets
    rate_limiter.give_back(key, NOW)
    rate_limiter.give_back(key, NOW)
    assert rate_limiter.take(key, 1, resets, NOW) is None
    assert rate_limiter.take(key, 1, resets, NOW) == resets


def test_parallel_first_takes_of_a_window_all_count_and_none_is_refused(rate_limiter):
    key, resets = _key(), NOW + timedelta(hours=1)
    rate_limiter.take(_key(), 1, resets, NOW)  # connection built before the threads start
    with ThreadPoolExecutor(8) as pool:
        refusals = list(pool.map(lambda _: rate_limiter.take(key, 100, resets, NOW), range(32)))
    assert refusals == [None] * 32
    assert rate_limiter.take(key, 33, resets, NOW) is None
    assert rate_limiter.take(key, 33, resets, NOW) == resets
