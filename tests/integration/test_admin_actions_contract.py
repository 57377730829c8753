"""The helpdesk's writes, one set of assertions on the fakes (FakeAccountRepository,
FakeApplicationRepository) and on the DynamoDB Local repositories: an account's status saved with its
sessions ended, an unbind that frees the phone and the ID number in one transaction, and a reopened
application that holds its window's guard again — each refused from a stale copy."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from chalicelib.domain.accounts import Account, Role, identity_key, phone_login
from chalicelib.domain.application import Application, ApplicationStatus
from chalicelib.domain.eligibility import RegistrationType, evaluate
from chalicelib.domain.errors import ConcurrentUpdateError, ConflictError
from chalicelib.domain.levels import Level
from chalicelib.domain.notifications import Message
from chalicelib.domain.outbox import Sms, SmsContent
from chalicelib.domain.register import Practitioner
from chalicelib.domain.windows import SHANGHAI, Window
from tests import fakes
from tests.ids import unique_id

# A window year no other test uses (the repository contract holds 1991–1995, see its OWN_YEARS; the
# certificate run looks at 1996 only as a year before its own, for approved applications, which these are not).
YEAR = 1996
NOW = datetime(YEAR, 6, 1, 10, 0, tzinfo=SHANGHAI)
WINDOW = Window(YEAR, NOW - timedelta(days=1), NOW + timedelta(days=30))
AFTER_CLOSE = WINDOW.closes_at + timedelta(hours=1)


@pytest.fixture(params=["fake", "dynamodb"])
def accounts(request):
    if request.param == "fake":
        return fakes.FakeAccountRepository()
    return request.getfixturevalue("deps").accounts


@pytest.fixture(params=["fake", "dynamodb"])
def applications(request):
    """The applications port, and the messages and outbox its saves write notices to."""
    if request.param == "fake":
        return fakes.FakeApplicationRepository()
    return request.getfixturevalue("deps").applications


def _applicant(accounts) -> Account:
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    account = Account(uuid.uuid4().hex, phone_login(phone), Role.APPLICANT, "hash", NOW, phone=phone,
                      id_number=unique_id("1106"))
    accounts.create(account, {account.login_key: "PHONE_ALREADY_REGISTERED",
                              identity_key(account.id_number): "ID_ALREADY_BOUND"})
    return account


def test_a_disabled_account_is_stored_with_its_sessions_ended_and_a_stale_copy_is_refused(accounts):
    account = _applicant(accounts)
    stale = accounts.get(account.account_id)
    account.disable()
    accounts.save_status(account)
    stored = accounts.get(account.account_id)
    assert (stored.disabled, stored.session_version) == (True, 1)
    stale.enable()
    with pytest.raises(ConcurrentUpdateError):
        accounts.save_status(stale)
    stored.enable()
    accounts.save_status(stored)
    assert (accounts.get(account.account_id).disabled, accounts.get(account.account_id).session_version) == (False, 2)


def test_an_unbind_frees_the_phone_and_the_id_number_in_one_write(accounts):
    account = _applicant(accounts)
    previous = account.unbind()
    accounts.unbind(account, previous)
    stored = accounts.get(account.account_id)
    assert (stored.login_key, stored.disabled, stored.session_version) == (f"unbound#{account.account_id}", True, 1)
    assert (stored.phone, stored.id_number) == (account.phone, account.id_number)
    assert accounts.by_login(previous) is None
    again = Account(uuid.uuid4().hex, previous, Role.APPLICANT, "hash", NOW, phone=account.phone,
                    id_number=account.id_number)
    accounts.create(again, {again.login_key: "PHONE_ALREADY_REGISTERED",
                            identity_key(again.id_number): "ID_ALREADY_BOUND"})
    assert accounts.by_login(previous).account_id == again.account_id
    assert accounts.bound_to(account.id_number).account_id == again.account_id


def test_an_unbind_from_a_stale_copy_changes_nothing(accounts):
    account = _applicant(accounts)
    stale = accounts.get(account.account_id)
    account.disable()
    accounts.save_status(account)
    previous = stale.unbind()
    with pytest.raises(ConcurrentUpdateError):
        accounts.unbind(stale, previous)
    assert accounts.by_login(previous).account_id == account.account_id
    assert accounts.bound_to(account.id_number).account_id == account.account_id


def _expired(applications) -> Application:
    person = Practitioner(unique_id("1106"), "周晓梅", f"Z{uuid.uuid4().int % 10**9:09d}", Level.ASSISTANT, YEAR - 1)
    verdict = evaluate(person, [], [], WINDOW).verdict(RegistrationType.FIRST)
    draft = Application.start(uuid.uuid4().hex, person, verdict, WINDOW, NOW, actor="applicant")
    applications.add(draft)
    draft.expire(AFTER_CLOSE)
    draft.pull_events()
    applications.save(draft)
    return applications.get(draft.application_id)


def _notices(application: Application) -> tuple[list[Message], list[Sms]]:
    message = Message(application.id_number, f"{AFTER_CLOSE:%Y%m%dT%H%M%S}000000Z-{uuid.uuid4().hex[:12]}",
                      "标题", "正文", AFTER_CLOSE, application.application_id)
    return [message], [Sms.queue("13800138000", SmsContent.of("ApplicationSubmitted"), AFTER_CLOSE)]


def test_a_reopened_application_is_saved_with_its_notices_and_keeps_its_window(applications):
    application = _expired(applications)
    application.reopen("窗口核实", AFTER_CLOSE + timedelta(days=3), AFTER_CLOSE, actor="admin1")
    applications.save_reopened(application, *_notices(application))
    stored = applications.get(application.application_id)
    assert (stored.status, stored.fix_until, stored.version) == (ApplicationStatus.REJECTED,
                                                                 AFTER_CLOSE + timedelta(days=3), application.version)
    another = Application.start(uuid.uuid4().hex, Practitioner(application.id_number, "周晓梅", "Z1", Level.ASSISTANT,
                                                                YEAR - 1),
                                evaluate(Practitioner(application.id_number, "周晓梅", "Z1", Level.ASSISTANT, YEAR - 1),
                                         [], [], WINDOW).verdict(RegistrationType.FIRST), WINDOW, NOW, actor="x")
    with pytest.raises(ConflictError) as refused:
        applications.add(another)
    assert refused.value.code == "LIVE_APPLICATION_EXISTS"


def test_a_reopen_from_a_stale_copy_is_refused_and_changes_nothing(applications):
    application = _expired(applications)
    stale = applications.get(application.application_id)
    application.reopen("窗口核实", AFTER_CLOSE + timedelta(days=3), AFTER_CLOSE, actor="admin1")
    applications.save_reopened(application)
    stale.reopen("另一位管理员", AFTER_CLOSE + timedelta(days=5), AFTER_CLOSE, actor="admin2")
    with pytest.raises(ConcurrentUpdateError):
        applications.save_reopened(stale)
    assert applications.get(application.application_id).history[-1].actor == "admin1"
