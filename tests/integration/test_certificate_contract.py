"""The CertificateRepository and MessageRepository ports: one set of assertions on `tests.fakes`
(FakeCertificateRepository, FakeMessageRepository) and on the DynamoDB Local adapters, the
replacement of a reissued certificate's predecessor and its races included."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.certificates import Certificate, CertificateStatus, replaced_by_successor
from chalicelib.domain.errors import ConcurrentUpdateError, ConflictError, NotFoundError
from chalicelib.domain.levels import Level
from chalicelib.domain.notifications import Message, new_message_id
from chalicelib.domain.register import Registration
from tests import fakes
from tests.ids import unique_id
from tests.integration.test_repository_contract import _draft

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["fake", "dynamodb"])
def certificate_repos(request):
    """(certificates, applications, register), the certificates writing into the other two."""
    if request.param == "fake":
        certificates = fakes.FakeCertificateRepository()
        return certificates, certificates.applications, certificates.register
    deps = request.getfixturevalue("deps")
    return deps.certificates, deps.applications, deps.register


@pytest.fixture(params=["fake", "dynamodb"])
def message_repos(request):
    """(applications, messages): an application's save writes its messages."""
    if request.param == "fake":
        applications = fakes.FakeApplicationRepository()
        return applications, applications.messages
    deps = request.getfixturevalue("deps")
    return deps.applications, deps.messages


def _certificate(application, issued_at=NOW) -> Certificate:
    number = f"BJ2099{uuid.uuid4().int % 10**6:06d}"
    return Certificate(registration_no=number, id_number=application.id_number,
                       application_id=application.application_id, name="周晓梅", certificate_no="Z1",
                       level=Level.ASSISTANT, registration_year=2026, valid_until=2029, issued_at=issued_at,
                       pdf_key=f"certificates/{number}.pdf", png_key=f"certificates/{number}.png")


def _message(owner: str, at: datetime, application_id: str | None = None) -> Message:
    return Message(owner=owner, message_id=new_message_id(at), title="审核结果", body="您的申请已通过。",
                   created_at=at, application_id=application_id)


def test_an_issue_stores_the_application_certificate_registration_and_messages_together(certificate_repos):
    certificates, applications, register = certificate_repos
    application = _draft(NOW)
    applications.add(application)
    certificate = _certificate(application)
    registration = Registration(application.id_number, 2026, certificate.registration_no)
    certificates.issue(application, certificate, registration, [], [], NOW)
    assert application.version == 2
    assert applications.get(application.application_id).version == 2
    assert certificates.get(certificate.registration_no) == certificate
    assert [r.registration_no for r in register.registrations_of(application.id_number)] == [
        certificate.registration_no]


def test_an_issue_on_a_stale_application_or_a_taken_number_writes_nothing(certificate_repos):
    certificates, applications, register = certificate_repos
    application = _draft(NOW)
    applications.add(application)
    stale = replace(application)
    applications.save(application)
    certificate = _certificate(application)
    with pytest.raises(ConcurrentUpdateError):
        certificates.issue(stale, certificate, Registration(application.id_number, 2026, "BJ1"), [], [], NOW)
    assert certificates.get(certificate.registration_no) is None
    assert register.registrations_of(application.id_number) == []
    assert certificates.add(certificate) is True
    with pytest.raises(ConcurrentUpdateError):
        certificates.issue(application, certificate, None, [], [], NOW)
    assert applications.get(application.application_id).version == application.version


def test_a_number_is_added_once_and_a_holders_certificates_list_newest_first(certificate_repos):
    certificates, applications, _ = certificate_repos
    application = _draft(NOW)
    older, newer = _certificate(application), _certificate(application, NOW + timedelta(days=400))
    assert certificates.add(older) is True
    assert certificates.add(replace(older, name="李雷")) is False
    assert certificates.add(newer) is True
    assert certificates.of_holder(application.id_number) == [newer, older]
    assert certificates.get("BJ2099999999") is None


def test_a_revocation_is_stored_once_and_an_unknown_number_is_not_found(certificate_repos):
    certificates, _, _ = certificate_repos
    certificate = _certificate(_draft(NOW))
    certificates.add(certificate)
    revoked = certificate.revoke("信息有误", NOW)
    certificates.revoke(revoked)
    assert certificates.get(certificate.registration_no) == revoked
    with pytest.raises(ConflictError) as caught:
        certificates.revoke(certificate.revoke("另一个原因", NOW))
    assert caught.value.code == "ALREADY_REVOKED"
    assert certificates.get(certificate.registration_no).revocation_reason == "信息有误"
    with pytest.raises(NotFoundError):
        certificates.revoke(_certificate(_draft(NOW)).revoke("信息有误", NOW))


def test_racing_sequence_numbers_are_all_different(certificate_repos):
    certificates, _, _ = certificate_repos
    name = f"test-sequence-{uuid.uuid4().hex}"
    assert certificates.next_sequence(name) == 1
    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(lambda _: certificates.next_sequence(name), range(16)))
    assert sorted(numbers) == list(range(2, 18))


def _for_holder(application, id_number: str, registration_year: int = 2025, issued_at=NOW) -> Certificate:
    """A certificate of `id_number`'s registration of `registration_year` (reissues keep the year)."""
    return replace(_certificate(application, issued_at), id_number=id_number, registration_year=registration_year)


def _reissue(certificates, applications, id_number: str) -> tuple:
    """(application, its new certificate, the certificates it replaces) for a reissue of
    `id_number`'s 2025 registration, the application stored."""
    application = _draft(NOW)
    applications.add(application)
    new = _for_holder(application, id_number, issued_at=NOW + timedelta(days=365))
    return application, new, replaced_by_successor(certificates.of_holder(id_number), new)


def test_an_issue_marks_the_certificate_it_replaces_in_the_same_write(certificate_repos):
    certificates, applications, _ = certificate_repos
    old = _for_holder(_draft(NOW), unique_id("1105"))
    assert certificates.add(old) is True
    application, new, replacing = _reissue(certificates, applications, old.id_number)
    assert [c.registration_no for c in replacing] == [old.registration_no]
    certificates.issue(application, new, None, [], [], NOW, replacing=replacing)
    stored = certificates.get(old.registration_no)
    assert (stored.replaced_by, stored.replaced_at) == (new.registration_no, new.issued_at)
    assert stored.status(NOW) is CertificateStatus.REPLACED
    assert replace(stored, replaced_by=None, replaced_at=None) == old
    assert certificates.get(new.registration_no) == new
    assert certificates.of_holder(old.id_number) == [new, stored]


def test_an_issue_whose_old_certificate_changed_since_read_writes_nothing(certificate_repos):
    certificates, applications, _ = certificate_repos
    old = _for_holder(_draft(NOW), unique_id("1105"))
    certificates.add(old)
    application, new, replacing = _reissue(certificates, applications, old.id_number)
    certificates.revoke(old.revoke("遗失声明作废", NOW))
    with pytest.raises(ConcurrentUpdateError):
        certificates.issue(application, new, None, [], [], NOW, replacing=replacing)
    assert certificates.get(new.registration_no) is None
    assert certificates.get(old.registration_no).replaced_by is None
    assert applications.get(application.application_id).version == application.version


def test_a_revoked_certificate_is_replaced_too_and_keeps_its_revocation(certificate_repos):
    certificates, applications, _ = certificate_repos
    old = _for_holder(_draft(NOW), unique_id("1105"))
    certificates.add(old)
    revoked = old.revoke("遗失声明作废", NOW)
    certificates.revoke(revoked)
    application, new, replacing = _reissue(certificates, applications, old.id_number)
    certificates.issue(application, new, None, [], [], NOW, replacing=replacing)
    stored = certificates.get(old.registration_no)
    assert (stored.replaced_by, stored.revoked_at, stored.revocation_reason) == (
        new.registration_no, revoked.revoked_at, "遗失声明作废")
    assert stored.status(NOW) is CertificateStatus.REVOKED


def test_two_reissues_racing_on_one_registration_leave_exactly_one_current_certificate(certificate_repos):
    certificates, applications, _ = certificate_repos
    old = _for_holder(_draft(NOW), unique_id("1105"))
    certificates.add(old)
    racers = [_reissue(certificates, applications, old.id_number) for _ in range(4)]

    def issue(racer) -> bool:
        application, new, replacing = racer
        try:
            certificates.issue(application, new, None, [], [], NOW, replacing=replacing)
        except ConcurrentUpdateError:
            return False
        return True

    with ThreadPoolExecutor(len(racers)) as pool:
        won = list(pool.map(issue, racers))
    assert won.count(True) == 1
    winner = racers[won.index(True)][1]
    held = {c.registration_no: c for c in certificates.of_holder(old.id_number)}
    assert set(held) == {old.registration_no, winner.registration_no}
    assert held[old.registration_no].replaced_by == winner.registration_no
    assert [n for n, c in held.items() if c.status(NOW) is CertificateStatus.VALID] == [winner.registration_no]


def test_a_saves_messages_list_newest_first_in_pages_and_count_until_read(message_repos):
    applications, messages = message_repos
    application = _draft(NOW)
    applications.add(application)
    owner = application.id_number
    sent = [_message(owner, NOW + timedelta(minutes=i), application.application_id) for i in range(3)]
    applications.save(application, messages=sent)
    first = messages.list(owner, None, 2)
    assert first.items == [sent[2], sent[1]]
    rest = messages.list(owner, first.position, 2)
    assert (rest.items, rest.position) == ([sent[0]], None)
    assert messages.unread_count(owner) == 3
    assert messages.mark_read(owner, sent[1].message_id) == replace(sent[1], read=True)
    assert messages.unread_count(owner) == 2


def test_another_persons_or_an_unknown_message_is_not_found(message_repos):
    applications, messages = message_repos
    application = _draft(NOW)
    applications.add(application)
    mine = _message(application.id_number, NOW)
    applications.save(application, messages=[mine])
    with pytest.raises(NotFoundError):
        messages.mark_read("someone-else", mine.message_id)
    with pytest.raises(NotFoundError):
        messages.mark_read(application.id_number, new_message_id(NOW))
    assert messages.list("someone-else", None, 10).items == []


def test_get_many_reads_the_certificates_of_the_numbers_asked_and_leaves_out_unknown_ones(certificate_repos):
    certificates, _, _ = certificate_repos
    stored = []
    for _ in range(3):
        application = _draft(NOW)
        certificate = _certificate(application)
        assert certificates.add(certificate)
        stored.append(certificate)
    revoked = stored[2].revoke("错发", NOW)
    certificates.revoke(revoked)
    unknown = f"BJ2098{uuid.uuid4().int % 10**6:06d}"
    asked = [stored[1].registration_no, unknown, stored[0].registration_no, stored[1].registration_no,
             stored[2].registration_no]
    assert certificates.get_many(asked) == {stored[0].registration_no: stored[0],
                                            stored[1].registration_no: stored[1],
                                            stored[2].registration_no: revoked}
    assert certificates.get_many([]) == {} and certificates.get_many([unknown]) == {}


def test_get_many_takes_a_hundred_distinct_numbers(certificate_repos):
    certificates, _, _ = certificate_repos
    application = _draft(NOW)
    certificate = _certificate(application)
    assert certificates.add(certificate)
    asked = [certificate.registration_no] + [f"BJ2097{n:06d}X" for n in range(99)]
    assert list(certificates.get_many(asked)) == [certificate.registration_no]
    with pytest.raises(ValueError):
        certificates.get_many(asked + ["BJ2096000000"])
