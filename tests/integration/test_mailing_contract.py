"""The MailingRepository port: one set of assertions on `tests.fakes.FakeMailingRepository` and on the
DynamoDB Local adapter (DynamoMailingRepository): created once, a stale version refused the same way,
a window's mailings of a state paged by registration number, batch reads, and the mailing a
certificate's issue starts in its own transaction."""
from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.errors import ConcurrentUpdateError
from chalicelib.domain.levels import Level
from chalicelib.domain.mailing import Mailing, MailingState, shipped_notices
from tests import fakes
from tests.integration.test_certificate_contract import _certificate
from tests.integration.test_repository_contract import _draft

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["fake", "dynamodb"])
def mailings(request):
    if request.param == "fake":
        return fakes.FakeMailingRepository()
    return request.getfixturevalue("deps").mailings


@pytest.fixture(params=["fake", "dynamodb"])
def issuing(request):
    """(certificates, applications, mailings), the certificates' issue writing into the other two."""
    if request.param == "fake":
        certificates = fakes.FakeCertificateRepository()
        return certificates, certificates.applications, certificates.mailings
    deps = request.getfixturevalue("deps")
    return deps.certificates, deps.applications, deps.mailings


def _year() -> int:
    """A window year of its own, so the shared DynamoDB Local holds no other test's mailings in it."""
    return 3000 + uuid.uuid4().int % 6000


def _mailing(year: int = 2026, number: str | None = None) -> Mailing:
    number = number or f"BJ{year}{uuid.uuid4().int % 10**6:06d}"
    return Mailing.start(registration_no=number, application_id=uuid.uuid4().hex, id_number="110101199003071234",
                         window_year=year, level=Level.ASSISTANT, recipient="周晓梅", phone="13800138000",
                         address="北京市西城区某街1号", postal_code="100032", notify_phone="13900139000", now=NOW)


def test_a_mailing_is_created_once_and_read_back_whole(mailings):
    mailing = _mailing()
    assert mailings.add(mailing) is True
    assert mailing.version == 1
    assert mailings.add(_mailing(number=mailing.registration_no)) is False
    stored = mailings.get(mailing.registration_no)
    assert stored == mailing and stored.version == 1
    assert stored.history[0].to_state is MailingState.TO_PRINT
    assert mailings.get("BJ2026999999x") is None


def test_a_save_on_a_stale_version_is_refused_and_writes_nothing(mailings):
    mailing = _mailing()
    mailings.add(mailing)
    stale = mailings.get(mailing.registration_no)
    mailing.mark_printed("ops", NOW)
    mailings.save(mailing)
    assert mailing.version == 2
    stale.mark_printed("other", NOW + timedelta(minutes=1))
    with pytest.raises(ConcurrentUpdateError):
        mailings.save(stale)
    assert mailings.get(mailing.registration_no).history[-1].actor == "ops"


def test_a_save_of_a_mailing_never_stored_is_refused(mailings):
    with pytest.raises(ConcurrentUpdateError):
        mailings.save(replace(_mailing(), version=1))


def test_a_shipment_is_saved_with_its_message_and_sms(mailings):
    mailing = _mailing()
    mailings.add(mailing)
    mailing.mark_printed("ops", NOW)
    mailing.ship("中国邮政EMS", "EA123456789CN", "ops", NOW + timedelta(hours=1))
    messages, texts = shipped_notices(mailing)
    mailings.save(mailing, messages, texts)
    stored = mailings.get(mailing.registration_no)
    assert (stored.state, stored.tracking_no, stored.version) == (MailingState.SHIPPED, "EA123456789CN", 2)


def test_many_saves_are_each_conditional_on_their_version(mailings):
    year = _year()
    batch = [_mailing(year) for _ in range(3)]
    for mailing in batch:
        mailings.add(mailing)
    for mailing in batch:
        mailing.mark_printed("ops", NOW)
    mailings.save_many(batch)
    assert [m.version for m in batch] == [2, 2, 2]
    assert {m.state for m in mailings.get_many([m.registration_no for m in batch]).values()} == {MailingState.PRINTED}
    with pytest.raises(ConcurrentUpdateError):
        mailings.save_many([replace(batch[0], version=1)])


def test_a_windows_mailings_of_a_state_are_listed_by_number_a_page_at_a_time(mailings):
    year = _year()
    numbers = sorted(f"BJ{year}{n:06d}" for n in (5, 1, 3, 2, 4))
    for number in reversed(numbers):
        mailings.add(_mailing(year, number))
    printed = _mailing(year, f"BJ{year}000009")
    mailings.add(printed)
    printed.mark_printed("ops", NOW)
    mailings.save(printed)
    seen, position, pages = [], None, 0
    while True:
        page = mailings.window_page(year, MailingState.TO_PRINT, position, 2)
        seen += [m.registration_no for m in page.items]
        pages += 1
        position = page.position
        if position is None:
            break
    assert seen == numbers and pages == 3
    assert [m.registration_no for m in mailings.window_page(year, MailingState.PRINTED, None, 10).items] == [
        printed.registration_no]
    assert mailings.window_page(year + 1, MailingState.TO_PRINT, None, 10).items == []


def test_a_batch_read_takes_more_numbers_than_one_request_holds(mailings):
    year = _year()
    known = [_mailing(year, f"BJ{year}{n:06d}") for n in range(150)]
    for mailing in known:
        mailings.add(mailing)
    found = mailings.get_many([m.registration_no for m in known] + [f"BJ{year}999999"])
    assert set(found) == {m.registration_no for m in known}


def test_a_mailing_has_no_batch_until_printed_and_keeps_the_batch_it_was_printed_in(mailings):
    mailing = _mailing(_year())
    mailings.add(mailing)
    assert mailings.get(mailing.registration_no).print_batch is None
    mailing.mark_printed("ops", NOW)
    mailings.save(mailing)
    assert mailings.get(mailing.registration_no).print_batch == "2026-06-01"


def test_a_batch_read_returns_the_known_numbers_once_each(mailings):
    year = _year()
    known = [_mailing(year) for _ in range(2)]
    for mailing in known:
        mailings.add(mailing)
    asked = [known[0].registration_no, "BJ0000000000", known[1].registration_no, known[0].registration_no]
    found = mailings.get_many(asked)
    assert set(found) == {m.registration_no for m in known}
    assert found[known[1].registration_no] == known[1]
    assert mailings.get_many([]) == {}


def test_an_issue_starts_the_mailing_in_the_certificates_transaction_once(issuing):
    certificates, applications, mailings = issuing
    application = _draft(NOW)
    applications.add(application)
    certificate = _certificate(application)
    mailing = _mailing(number=certificate.registration_no)
    certificates.issue(application, certificate, None, [], [], NOW, mailing=mailing)
    assert mailing.version == 1
    assert mailings.get(certificate.registration_no) == mailing
    again = _draft(NOW)
    applications.add(again)
    with pytest.raises(ConcurrentUpdateError):  # a second run: the number and its mailing exist
        certificates.issue(again, certificate, None, [], [], NOW, mailing=_mailing(number=certificate.registration_no))
    assert applications.get(again.application_id).version == 1


def test_an_issue_refused_on_an_existing_mailing_writes_no_certificate(issuing):
    certificates, applications, mailings = issuing
    application = _draft(NOW)
    applications.add(application)
    certificate = _certificate(application)
    mailings.add(_mailing(number=certificate.registration_no))
    with pytest.raises(ConcurrentUpdateError):
        certificates.issue(application, certificate, None, [], [], NOW,
                           mailing=_mailing(number=certificate.registration_no))
    assert certificates.get(certificate.registration_no) is None
