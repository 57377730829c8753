"""Password reset, password change and phone change on the in-memory fakes (issue 15 items 1-3):
what each use case stores, which sessions survive, and what the outbox and the SMS port receive."""
from __future__ import annotations

import dataclasses
import threading

import pytest

from chalicelib.domain import credentials
from chalicelib.domain.accounts import Account, Role, phone_login
from chalicelib.domain.commands import ChangePassword, ChangePhone, RequestSmsCode, ResetPassword
from chalicelib.domain.credentials import SmsPurpose
from chalicelib.domain.errors import AuthenticationError, ConcurrentUpdateError, ConflictError, ValidationError
from chalicelib.domain.outbox import OutboxStatus
from chalicelib.services import account as account_service
from chalicelib.services import auth
from tests.fakes import FakeAccountRepository
from tests.unit.services.world import NOW

IP = "192.0.2.15"
PASSWORD = "goodpass123"


@pytest.fixture(scope="module")
def password_hash() -> str:
    return credentials.hash_password(PASSWORD)


@pytest.fixture
def deps(fakes):
    """The fakes, with phone-change notices going to the shared outbox."""
    return dataclasses.replace(fakes, accounts=FakeAccountRepository(outbox=fakes.outbox))


@pytest.fixture
def account(deps, password_hash) -> Account:
    created = Account(account_id="a" * 32, login_key=phone_login("13912345678"), role=Role.APPLICANT,
                      password_hash=password_hash, created_at=NOW, phone="13912345678", id_number="11010519491231002X")
    deps.accounts.create(created, {created.login_key: "PHONE_ALREADY_REGISTERED"})
    return created


def _code(deps, phone: str, purpose: SmsPurpose, caller: Account | None = None) -> str:
    before = len(deps.sms.sent)
    auth.request_sms_code(deps, RequestSmsCode(phone, purpose), IP, NOW, caller)
    assert len(deps.sms.sent) == before + 1
    return deps.sms.sent[-1][1].split("验证码是")[1][:6]


def test_a_reset_code_goes_only_to_a_phone_with_an_account_and_the_budget_slot_comes_back(deps, account):
    auth.request_sms_code(deps, RequestSmsCode("13700000000", SmsPurpose.RESET), IP, NOW)
    assert deps.sms.sent == []
    budget = [key for key in deps.rate_limiter.windows if key.startswith("sms-all#")]
    assert [deps.rate_limiter.windows[key][0] for key in budget] == [0]
    _code(deps, account.phone, SmsPurpose.RESET)


def test_a_reset_sets_the_password_and_ends_every_session(deps, account):
    code = _code(deps, account.phone, SmsPurpose.RESET)
    auth.reset_password(deps, ResetPassword(account.phone, code, "newpass2026"), IP, NOW)
    stored = deps.accounts.get(account.account_id)
    assert credentials.verify_password("newpass2026", stored.password_hash)
    assert (stored.session_version, stored.kept_session) == (1, None)
    assert not stored.admits(0, "any-session")


def test_a_reset_refused_by_the_id_number_rule_keeps_the_code(deps, account):
    code = _code(deps, account.phone, SmsPurpose.RESET)
    with pytest.raises(ValidationError) as caught:
        auth.reset_password(deps, ResetPassword(account.phone, code, "pw31002x!"), IP, NOW)
    assert "身份证号" in caught.value.details["new_password"]
    auth.reset_password(deps, ResetPassword(account.phone, code, "newpass2026"), IP, NOW)


def test_a_reset_of_a_disabled_account_is_a_wrong_code(deps, account):
    code = _code(deps, account.phone, SmsPurpose.RESET)
    deps.accounts.save_credentials(dataclasses.replace(account, disabled=True))
    with pytest.raises(AuthenticationError) as caught:
        auth.reset_password(deps, ResetPassword(account.phone, code, "newpass2026"), IP, NOW)
    assert caught.value.code == "INVALID_CODE"


def test_a_password_change_keeps_only_the_callers_session(deps, account):
    account_service.change_password(deps, account, "mine", ChangePassword(PASSWORD, "newpass2026"), IP, NOW)
    stored = deps.accounts.get(account.account_id)
    assert stored.admits(0, "mine") and not stored.admits(0, "theirs") and stored.admits(1, "a new login")


def test_a_wrong_current_password_counts_as_a_failed_login(deps, account):
    with pytest.raises(ValidationError) as caught:
        account_service.change_password(deps, account, "mine", ChangePassword("wrongpass1", "newpass2026"), IP, NOW)
    assert caught.value.code == "CURRENT_PASSWORD_WRONG"
    assert deps.accounts.counters[f"{account.account_id}#0"][0] == 1
    assert deps.accounts.get(account.account_id).session_version == 0


def test_of_racing_password_changes_exactly_one_wins(deps, account):
    loaded = [deps.accounts.get(account.account_id) for _ in range(4)]
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def change(n: int) -> None:
        start.wait()
        try:
            account_service.change_password(deps, loaded[n], f"s{n}", ChangePassword(PASSWORD, f"newpass{n}x"),
                                            IP, NOW)
            outcomes.append("won")
        except ConcurrentUpdateError:
            outcomes.append("lost")
    threads = [threading.Thread(target=change, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["lost", "lost", "lost", "won"]
    assert deps.accounts.get(account.account_id).session_version == 1


def test_a_phone_change_moves_the_login_and_queues_the_notice_to_the_old_number(deps, account):
    code = _code(deps, "13800001111", SmsPurpose.CHANGE_PHONE, caller=account)
    moved = account_service.change_phone(deps, account, "mine", ChangePhone("13800001111", code), NOW)
    assert moved.phone == "13800001111"
    assert deps.accounts.by_login(phone_login("13800001111")).account_id == account.account_id
    assert deps.accounts.by_login(phone_login("13912345678")) is None
    [notice] = deps.outbox.texts.values()
    assert (notice.phone, notice.content.template, notice.status) == ("13912345678", "PhoneChanged",
                                                                      OutboxStatus.PENDING)
    assert notice.text.endswith("您的登记账号已更换绑定手机号，本号码不能再用于登录。如非本人操作，请立即联系登记机关。")
    assert deps.accounts.get(account.account_id).admits(0, "mine")


def test_a_phone_change_to_a_taken_number_is_refused(deps, account, password_hash):
    holder = Account(account_id="b" * 32, login_key=phone_login("13800002222"), role=Role.APPLICANT,
                     password_hash=password_hash, created_at=NOW, phone="13800002222", id_number="110105194912310021")
    deps.accounts.create(holder, {holder.login_key: "PHONE_ALREADY_REGISTERED"})
    code = _code(deps, "13800002222", SmsPurpose.CHANGE_PHONE, caller=account)
    with pytest.raises(ConflictError) as caught:
        account_service.change_phone(deps, account, "mine", ChangePhone("13800002222", code), NOW)
    assert caught.value.code == "PHONE_TAKEN" and deps.outbox.texts == {}


def test_a_change_phone_code_needs_a_caller(deps):
    with pytest.raises(AuthenticationError):
        auth.request_sms_code(deps, RequestSmsCode("13800003333", SmsPurpose.CHANGE_PHONE), IP, NOW)
    assert deps.sms.sent == []
