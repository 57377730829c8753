"""The helpdesk's look-ups and the audit listings: one set of assertions on `tests.fakes`
(FakeRegisterRepository, FakeAccountRepository, FakeAuditLog) and on the DynamoDB Local adapters
(DynamoRegisterRepository, DynamoAccountRepository, DynamoAuditLog): register rows by certificate
number and by name, a registration by its number, the account an ID number is bound to, and the
audit by subject filtered to an actor, by actor, and whole, newest first, a bounded page at a time."""
from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.accounts import Account, Role, identity_key, phone_login
from chalicelib.domain.levels import Level
from chalicelib.domain.ports import Page
from chalicelib.domain.register import Practitioner, Registration
from tests import fakes
from tests.ids import unique_id

NOW = datetime(2032, 2, 1, 9, tzinfo=timezone.utc)


@pytest.fixture(params=["fake", "dynamodb"])
def register(request):
    if request.param == "fake":
        return fakes.FakeRegisterRepository()
    return request.getfixturevalue("deps").register


@pytest.fixture(params=["fake", "dynamodb"])
def accounts(request):
    if request.param == "fake":
        return fakes.FakeAccountRepository()
    return request.getfixturevalue("deps").accounts


@pytest.fixture(params=["fake", "dynamodb"])
def audit_log(request):
    if request.param == "fake":
        return fakes.FakeAuditLog()
    return request.getfixturevalue("deps").audit


def _code() -> str:
    return f"ZH{uuid.uuid4().hex[:10].upper()}"


def _name() -> str:
    """A name no other test uses: three rare ideographs drawn at random."""
    return "".join(chr(random.randrange(0x4E00, 0x9FA5)) for _ in range(3))


def test_register_rows_are_found_by_certificate_number_and_by_exact_name(register):
    name, code = _name(), _code()
    one = Practitioner(unique_id("1106"), name, code, Level.ASSISTANT, 2018)
    namesake = Practitioner(unique_id("1106"), name, _code(), Level.SENIOR, 2015)
    register.upsert_practitioners([one, namesake])
    assert register.practitioners_by_certificate_no(code, 5) == [one]
    assert sorted(register.practitioners_named(name, 5), key=lambda p: p.id_number) == sorted(
        [one, namesake], key=lambda p: p.id_number)
    assert len(register.practitioners_named(name, 1)) == 1
    assert register.practitioners_by_certificate_no(_code(), 5) == []
    assert register.practitioners_named(name + "甲", 5) == []


def test_a_registration_is_found_by_its_number(register):
    row = Registration(unique_id("1106"), 2019, _code())
    register.upsert_registrations([row])
    assert register.registration_by_no(row.registration_no) == row
    assert register.registration_by_no(_code()) is None


def test_the_account_an_id_number_is_bound_to_is_found(accounts):
    phone, id_number = f"139{uuid.uuid4().int % 10**8:08d}", unique_id("1106")
    account = Account(account_id=uuid.uuid4().hex, login_key=phone_login(phone), role=Role.APPLICANT,
                      password_hash="hash-1", created_at=NOW, phone=phone, id_number=id_number)
    accounts.create(account, {account.login_key: "PHONE_ALREADY_REGISTERED",
                              identity_key(id_number): "ID_ALREADY_BOUND"})
    assert accounts.bound_to(id_number) == account
    assert accounts.bound_to(unique_id("1106")) is None


def _pages(read, limit: int) -> list[list]:
    pages, position = [], None
    while True:
        page = read(position, limit)
        pages.append(page.items)
        if (position := page.position) is None:
            return pages


def test_a_subjects_entries_by_one_actor_page_newest_first(audit_log):
    subject = str(uuid.uuid4())
    for minute, actor in enumerate(["rev1", "rev2", "rev1", "rev2", "rev1", "rev1"]):
        audit_log.record(subject, actor, f"viewed {minute}", NOW + timedelta(minutes=minute))
    pages = _pages(lambda position, limit: audit_log.page(subject, position, limit, actor="rev1"), 2)
    assert [[e.action for e in page] for page in pages] == [["viewed 5", "viewed 4"], ["viewed 2", "viewed 0"]]
    assert all(e.subject == subject and e.actor == "rev1" for page in pages for e in page)
    assert audit_log.page(subject, None, 2, actor="nobody") == Page([], None)


def test_an_actors_entries_across_subjects_page_newest_first_with_no_subject_in_the_position(audit_log):
    actor = f"adm{uuid.uuid4().hex[:8]}"
    subjects = [f"search#{actor}", str(uuid.uuid4()), f"account#{uuid.uuid4().hex}"]
    for minute in range(5):
        audit_log.record(subjects[minute % 3], actor, f"did {minute}", NOW + timedelta(minutes=minute))
    audit_log.record(subjects[1], "someone-else", "viewed", NOW + timedelta(minutes=9))
    pages, position = [], None
    while True:
        page = audit_log.by_actor(actor, position, 2)
        pages.append([(e.subject, e.action) for e in page.items])
        if (position := page.position) is None:
            break
        assert not any(subject in position for subject in subjects) and actor not in position
    assert pages == [[(subjects[1], "did 4"), (subjects[0], "did 3")],
                     [(subjects[2], "did 2"), (subjects[1], "did 1")], [(subjects[0], "did 0")]]
    assert audit_log.by_actor(f"adm{uuid.uuid4().hex[:8]}", None, 2) == Page([], None)


def test_the_whole_log_is_listed_newest_first_a_page_at_a_time(audit_log):
    # Far in the future, at a random instant, so no other test's entries fall among these
    # (the suite shares one DynamoDB Local): the listing is started just after them.
    start = datetime(9000, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=random.randrange(10**6))
    subject = str(uuid.uuid4())
    for minute in range(3):
        audit_log.record(subject if minute != 1 else f"certificate#{subject}", f"rev{minute}", "viewed",
                         start + timedelta(minutes=minute))
    just_after = (start + timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    first = audit_log.newest(just_after, 2)
    assert [(e.actor, e.subject) for e in first.items] == [("rev2", subject), ("rev1", f"certificate#{subject}")]
    assert first.position is not None and subject not in first.position
    assert [e.actor for e in audit_log.newest(first.position, 1).items] == ["rev0"]
    newest = audit_log.newest(None, 1)
    assert len(newest.items) == 1 and newest.items[0].at >= start
