"""The helpdesk search and the audit listing on the fakes: each kind of key finds the person with
everything about them, nothing found is an empty answer, every search is audited masked, and the
audit is listed by subject, by actor, both, or whole, newest first."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.accounts import Account, Role
from chalicelib.domain.certificates import Certificate
from chalicelib.domain.helpdesk_search import AuditQuery, SearchKind, SearchQuery
from chalicelib.domain.levels import Level
from chalicelib.domain.mailing import Mailing
from chalicelib.domain.register import Practitioner, Registration
from chalicelib.services import helpdesk
from tests.ids import make_id
from tests.unit.services.world import NOW, OPENS_AT, YEAR


@pytest.fixture
def admin() -> Account:
    return Account(account_id="a" * 32, login_key="staff#helpdesk1", role=Role.ADMIN, password_hash="-",
                   created_at=OPENS_AT, username="helpdesk1")


@pytest.fixture
def holder(world):
    """An applicant with an account, a submitted application, an old registration and a mailed certificate."""
    account = world.applicant(name="欧阳晓梅")
    world.deps.accounts.create(account, {account.login_key: "PHONE_ALREADY_REGISTERED",
                                         f"identity#{account.id_number}": "ID_ALREADY_BOUND"})
    application = world.submitted(account)
    world.deps.register.upsert_registrations([Registration(account.id_number, YEAR - 3, f"BJ{YEAR - 3}000999")])
    certificate = Certificate(registration_no=f"BJ{YEAR}000777", id_number=account.id_number,
                              application_id=application.application_id, name="欧阳晓梅", certificate_no="Z1",
                              level=Level.INTERMEDIATE, registration_year=YEAR, valid_until=YEAR + 3,
                              issued_at=NOW, pdf_key="p", png_key="q")
    world.deps.certificates.add(certificate)
    world.deps.mailings.add(Mailing.start(
        registration_no=certificate.registration_no, application_id=application.application_id,
        id_number=account.id_number, window_year=YEAR, level=Level.INTERMEDIATE, recipient="欧阳晓梅",
        phone="13800138000", address="北京市西城区某街1号", postal_code="100032", notify_phone="13800138000",
        now=NOW))
    return account


def _search(deps, admin, q, at=NOW):
    return helpdesk.search(deps, admin, SearchQuery.from_query({"q": q}), at)


def _practitioner(deps, id_number):
    return deps.register.get_practitioner(id_number)


@pytest.mark.parametrize("key", ["id_number", "phone", "registration_no", "old_registration_no",
                                 "certificate_no", "name"])
def test_each_kind_of_key_finds_the_person_with_everything_about_them(world, admin, holder, key):
    row = _practitioner(world.deps, holder.id_number)
    q = {"id_number": holder.id_number, "phone": holder.phone, "registration_no": f"BJ{YEAR}000777",
         "old_registration_no": f"BJ{YEAR - 3}000999", "certificate_no": row.certificate_no,
         "name": row.name}[key]
    result = _search(world.deps, admin, q)
    assert [p.id_number for p in result.people] == [holder.id_number]
    person = result.people[0]
    assert person.practitioner == row
    assert person.account.account_id == holder.account_id
    assert [r.registration_year for r in person.registrations] == [YEAR - 3]
    assert [a.status.value for a in person.applications] == ["submitted"]
    assert [c.registration_no for c in person.certificates] == [f"BJ{YEAR}000777"]
    assert person.mailings[f"BJ{YEAR}000777"].state.value == "to_print"
    assert not result.truncated


def test_a_key_nobody_has_is_an_empty_answer_and_still_audited(world, admin):
    result = _search(world.deps, admin, make_id(seq=998))
    assert result.people == []
    entry = world.deps.audit.page("search#helpdesk1", None, 10).items[0]
    assert entry.action.endswith(": 0 found")


def test_a_search_is_audited_under_the_admin_with_the_query_masked(world, admin, holder):
    _search(world.deps, admin, holder.id_number)
    _search(world.deps, admin, holder.phone, NOW + timedelta(seconds=1))
    _search(world.deps, admin, "欧阳晓梅", NOW + timedelta(seconds=2))
    entries = world.deps.audit.page("search#helpdesk1", None, 10).items
    assert [e.actor for e in entries] == ["helpdesk1"] * 3
    assert entries[0].action == "search name 欧*: 1 found"
    assert entries[1].action.startswith("search phone|registration_no|certificate_no ")
    assert holder.phone not in entries[1].action and f"{holder.phone[:3]}****{holder.phone[-4:]}" in entries[1].action
    assert holder.id_number not in entries[2].action and holder.id_number[-4:] in entries[2].action


def test_namesakes_are_capped_with_a_flag(world, admin, monkeypatch):
    monkeypatch.setattr(helpdesk, "PEOPLE_CAP", 3)
    world.deps.register.upsert_practitioners([
        Practitioner(make_id(seq=900 + n), "同名人", f"Z{n}", Level.ASSISTANT, 2018) for n in range(5)])
    result = _search(world.deps, admin, "同名人")
    assert len(result.people) == 3 and result.truncated
    assert all(p.matched_by == [SearchKind.NAME] for p in result.people)


def test_a_string_that_is_both_a_certificate_number_and_a_name_finds_both_people(world, admin):
    by_number = Practitioner(make_id(seq=801), "周晓梅", "ABC", Level.ASSISTANT, 2018)
    by_name = Practitioner(make_id(seq=802), "ABC", "Z802", Level.ASSISTANT, 2018)
    world.deps.register.upsert_practitioners([by_number, by_name])
    result = _search(world.deps, admin, "ABC")
    assert {p.id_number: p.matched_by for p in result.people} == {
        by_number.id_number: [SearchKind.CERTIFICATE_NO], by_name.id_number: [SearchKind.NAME]}


def test_a_person_found_by_two_keys_is_listed_once(world, admin):
    row = Practitioner(make_id(seq=803), "周晓梅", "Z803", Level.ASSISTANT, 2018)
    world.deps.register.upsert_practitioners([row])
    world.deps.register.upsert_registrations([Registration(row.id_number, 2019, "Z803")])
    result = _search(world.deps, admin, "Z803")
    assert [(p.id_number, p.matched_by) for p in result.people] == [
        (row.id_number, [SearchKind.REGISTRATION_NO, SearchKind.CERTIFICATE_NO])]


def test_an_account_without_a_register_row_is_still_found_by_its_phone(world, admin):
    account = world.applicant(in_register=False)
    world.deps.accounts.create(account, {f"identity#{account.id_number}": "ID_ALREADY_BOUND"})
    result = _search(world.deps, admin, account.phone)
    assert [(p.id_number, p.practitioner, p.account.account_id) for p in result.people] == [
        (account.id_number, None, account.account_id)]


def test_the_audit_is_listed_by_subject_actor_both_or_whole_newest_first(world, admin):
    audit = world.deps.audit
    for minute, (subject, actor) in enumerate([("app-1", "rev1"), ("app-1", "rev2"), ("app-2", "rev1"),
                                               ("search#rev1", "rev1")]):
        audit.record(subject, actor, "viewed", NOW + timedelta(minutes=minute))

    def listed(**query):
        page = helpdesk.audit_page(world.deps, AuditQuery(**query), None)
        return [(e.subject, e.actor) for e in page.items]
    assert listed(subject="app-1") == [("app-1", "rev2"), ("app-1", "rev1")]
    assert listed(actor="rev1") == [("search#rev1", "rev1"), ("app-2", "rev1"), ("app-1", "rev1")]
    assert listed(subject="app-1", actor="rev1") == [("app-1", "rev1")]
    assert listed() == [("search#rev1", "rev1"), ("app-2", "rev1"), ("app-1", "rev2"), ("app-1", "rev1")]


def test_the_audit_listing_pages(world, monkeypatch):
    monkeypatch.setattr(helpdesk, "AUDIT_PAGE_SIZE", 2)
    for minute in range(5):
        world.deps.audit.record(f"app-{minute}", "rev1", "viewed", NOW + timedelta(minutes=minute))
    seen, position = [], None
    while True:
        page = helpdesk.audit_page(world.deps, AuditQuery(actor="rev1"), position)
        seen.append([e.subject for e in page.items])
        if (position := page.position) is None:
            break
    assert seen == [["app-4", "app-3"], ["app-2", "app-1"], ["app-0"]]
