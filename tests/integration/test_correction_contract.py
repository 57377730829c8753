"""The CorrectionRepository port: one set of assertions on `tests.fakes.FakeCorrectionRepository` and on
the DynamoDB Local adapter (DynamoCorrectionRepository): the one-open-request-per-field guard, optimistic
locking, a decision written with its register row, audit entry and notices all or nothing and only once,
and the two lists' orders and pages."""
from __future__ import annotations

import copy
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.corrections import (
    Correction, CorrectionField, CorrectionOutcome, CorrectionStatus, decision_notices)
from chalicelib.domain.errors import ConcurrentUpdateError, ConflictError, NotFoundError
from chalicelib.domain.levels import Level
from chalicelib.domain.ports import AuditEntry
from chalicelib.domain.register import Practitioner, Registration
from tests import fakes
from tests.ids import unique_id

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["fake", "dynamodb"])
def repos(request):
    """(corrections, register, audit, messages, outbox): a decision writes into the other four."""
    if request.param == "fake":
        corrections = fakes.FakeCorrectionRepository()
        return corrections, corrections.register, corrections.audit, corrections.messages, corrections.outbox
    deps = request.getfixturevalue("deps")
    return deps.corrections, deps.register, deps.audit, deps.messages, deps.outbox


def _person(register) -> Practitioner:
    practitioner = Practitioner(unique_id("31"), "周晓梅", f"Z{uuid.uuid4().int % 10**9:09d}", Level.ASSISTANT, 2020)
    register.upsert_practitioners([practitioner])
    return practitioner


def _request(practitioner, field=CorrectionField.NAME, proposed=None, at=NOW) -> Correction:
    proposed = proposed or {"name": "周晓玫"}
    return Correction.request(uuid.uuid4().hex, uuid.uuid4().hex, practitioner, [], field, proposed, "", at)


def _decide(repo, correction, practitioner, outcome=CorrectionOutcome.ACCEPT, note="核对无误"):
    correction.decide(outcome, note, "admin1", NOW)
    row = correction.row(practitioner) if outcome is CorrectionOutcome.ACCEPT else None
    messages, sms = decision_notices(correction, "13800138000")
    repo.decide(correction, row, AuditEntry(NOW, "admin1", f"correction {correction.status.value}: name"),
                messages, sms)
    return messages, sms


def test_a_request_is_stored_and_read_back_whole(repos):
    corrections, register, *_ = repos
    correction = _request(_person(register))
    corrections.add(correction)
    assert correction.version == 1
    assert corrections.get(correction.correction_id) == correction


def test_an_unknown_request_is_not_found(repos):
    with pytest.raises(NotFoundError):
        repos[0].get(uuid.uuid4().hex)


def test_a_second_open_request_for_the_same_field_is_refused_but_another_field_is_not(repos):
    corrections, register, *_ = repos
    practitioner = _person(register)
    corrections.add(_request(practitioner))
    with pytest.raises(ConflictError) as refused:
        corrections.add(_request(practitioner, proposed={"name": "周小梅"}))
    assert refused.value.code == "CORRECTION_ALREADY_OPEN"
    corrections.add(_request(practitioner, CorrectionField.LEVEL, {"level": "senior"}))


def test_a_save_from_a_stale_copy_is_refused(repos):
    corrections, register, *_ = repos
    correction = _request(_person(register))
    corrections.add(correction)
    stale = copy.deepcopy(correction)
    correction.start_evidence("u1", NOW)
    corrections.save(correction)
    stale.start_evidence("u2", NOW)
    with pytest.raises(ConcurrentUpdateError):
        corrections.save(stale)
    assert corrections.get(correction.correction_id).evidence.upload_id == "u1"


def test_an_accepted_request_writes_the_register_row_audit_and_notices_and_frees_the_field(repos):
    corrections, register, audit, messages, outbox = repos
    practitioner = _person(register)
    correction = _request(practitioner)
    corrections.add(correction)
    [message], [sms] = _decide(corrections, correction, practitioner)
    stored = corrections.get(correction.correction_id)
    assert (stored.status, stored.decided_by) == (CorrectionStatus.ACCEPTED, "admin1")
    assert register.get_practitioner(practitioner.id_number).name == "周晓玫"
    [entry] = audit.page(f"correction#{correction.correction_id}", None, 10).items
    assert (entry.actor, entry.action) == ("admin1", "correction accepted: name")
    assert [m.title for m in messages.list(practitioner.id_number, None, 10).items] == [message.title]
    assert outbox.get(sms.outbox_id).content.template == "CorrectionAccepted"
    corrections.add(_request(practitioner, proposed={"name": "周小梅"}))  # the field is free again


def test_an_accepted_registration_adds_it_to_the_register(repos):
    corrections, register, *_ = repos
    practitioner = _person(register)
    correction = _request(practitioner, CorrectionField.REGISTRATION,
                          {"registration_year": "2021", "registration_no": "BJ2021000777"})
    corrections.add(correction)
    _decide(corrections, correction, practitioner)
    assert register.registrations_of(practitioner.id_number) == [
        Registration(practitioner.id_number, 2021, "BJ2021000777")]


def test_a_declined_request_keeps_the_register_row(repos):
    corrections, register, *_ = repos
    practitioner = _person(register)
    correction = _request(practitioner)
    corrections.add(correction)
    _decide(corrections, correction, practitioner, CorrectionOutcome.DECLINE, "证明材料不清晰")
    assert corrections.get(correction.correction_id).status is CorrectionStatus.DECLINED
    assert register.get_practitioner(practitioner.id_number) == practitioner


def test_a_decision_on_a_request_decided_meanwhile_writes_nothing(repos):
    corrections, register, audit, messages, _ = repos
    practitioner = _person(register)
    correction = _request(practitioner)
    corrections.add(correction)
    second = copy.deepcopy(correction)
    _decide(corrections, correction, practitioner, CorrectionOutcome.DECLINE, "不予更正")
    with pytest.raises(ConcurrentUpdateError):
        _decide(corrections, second, practitioner)
    assert register.get_practitioner(practitioner.id_number).name == "周晓梅"
    assert len(audit.page(f"correction#{correction.correction_id}", None, 10).items) == 1
    assert len(messages.list(practitioner.id_number, None, 10).items) == 1


def test_of_two_racing_decisions_exactly_one_wins(repos):
    corrections, register, *_ = repos
    practitioner = _person(register)
    correction = _request(practitioner)
    corrections.add(correction)
    copies = [copy.deepcopy(correction) for _ in range(2)]
    outcomes = [CorrectionOutcome.ACCEPT, CorrectionOutcome.DECLINE]

    def attempt(index: int) -> str:
        try:
            _decide(corrections, copies[index], practitioner, outcomes[index], "说明")
            return "won"
        except ConcurrentUpdateError:
            return "lost"

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(attempt, range(2)))
    assert sorted(results) == ["lost", "won"]
    stored = corrections.get(correction.correction_id)
    accepted = stored.status is CorrectionStatus.ACCEPTED
    assert (register.get_practitioner(practitioner.id_number).name == "周晓玫") is accepted


def _all_pages(read, limit=2) -> list:
    found, position = [], None
    while True:
        page = read(position, limit)
        found += page.items
        if page.position is None:
            return found
        position = page.position


def test_a_persons_requests_are_listed_newest_first_a_page_at_a_time(repos):
    corrections, register, *_ = repos
    practitioner = _person(register)
    made = [_request(practitioner, field, proposed, at=NOW + timedelta(minutes=n)) for n, (field, proposed) in
            enumerate([(CorrectionField.NAME, {"name": "周晓玫"}), (CorrectionField.LEVEL, {"level": "senior"}),
                       (CorrectionField.QUALIFICATION_YEAR, {"qualification_year": "2019"})])]
    for correction in made:
        corrections.add(correction)
    listed = _all_pages(lambda position, limit: corrections.list_for_applicant(practitioner.id_number, position,
                                                                                limit))
    assert [c.correction_id for c in listed] == [c.correction_id for c in reversed(made)]


def test_open_requests_are_listed_first_come_and_decided_ones_newest_first(repos):
    corrections, register, *_ = repos
    base = datetime(2001, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=uuid.uuid4().int % 10**8)
    people = [_person(register) for _ in range(3)]
    made = [_request(person, at=base + timedelta(minutes=n)) for n, person in enumerate(people)]
    for correction in made:
        corrections.add(correction)
    ids = {c.correction_id for c in made}
    open_ = [c.correction_id for c in _all_pages(
        lambda position, limit: corrections.queue_page(CorrectionStatus.OPEN, position, limit)) if c.correction_id in ids]
    assert open_ == [c.correction_id for c in made]
    for correction, person in zip(made, people):
        _decide(corrections, correction, person, CorrectionOutcome.DECLINE, "不予更正")
    declined = [c.correction_id for c in _all_pages(
        lambda position, limit: corrections.queue_page(CorrectionStatus.DECLINED, position, limit))
        if c.correction_id in ids]
    assert declined == [c.correction_id for c in reversed(made)]
