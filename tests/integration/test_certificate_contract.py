"""The CertificateRepository and MessageRepository ports: one set of assertions on `tests.fakes`
(FakeCertificateRepository, FakeMessageRepository) and on the DynamoDB Local adapters."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.certificates import Certificate
from chalicelib.domain.errors import ConcurrentUpdateError, ConflictError, NotFoundError
from chalicelib.domain.levels import Level
from chalicelib.domain.notifications import Message, new_message_id
from chalicelib.domain.register import Registration
from tests import fakes
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
