"""The certificate run and revocation on the fakes: numbers in order, each application certified once."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest

from chalicelib.domain import texts
from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.domain.errors import ConcurrentUpdateError
from chalicelib.domain.verification import verification_code
from chalicelib.services import certificates, verification

from tests.certificate_run import issue_due
from tests.unit.services.world import NOW, YEAR

NOTHING = {"issued": 0, "skipped": 0, "failed": 0, "more": False}


@pytest.fixture
def due(world):
    """When the certificates of the window become due."""
    return world.window.certificates_due_at


def _approved(world, *names):
    reviewer = world.reviewer()
    return [world.approved(world.applicant(name), reviewer, NOW + timedelta(minutes=n))
            for n, name in enumerate(names)]


def test_nothing_is_issued_before_the_certificates_are_due(world, fakes, due):
    _approved(world, "周晓梅")
    assert issue_due(fakes, due - timedelta(seconds=1)) == NOTHING
    assert fakes.certificates.certificates == {} and fakes.renderer.rendered == []


def test_approved_applications_are_certified_in_approval_order_with_the_years_numbers(world, fakes, due):
    first, second = _approved(world, "周晓梅", "李雷")
    assert issue_due(fakes, due) == {**NOTHING, "issued": 2}
    for application, number in ((first, f"BJ{YEAR}000001"), (second, f"BJ{YEAR}000002")):
        stored = fakes.applications.get(application.application_id)
        assert (stored.status, stored.registration_no) == (ApplicationStatus.CERTIFIED, number)
        certificate = fakes.certificates.get(number)
        assert (certificate.id_number, certificate.registration_year) == (application.id_number, YEAR)
        assert fakes.files.read(certificate.pdf_key).startswith(b"%PDF")
        assert fakes.files.read(certificate.png_key).startswith(b"\x89PNG")
        assert [r.registration_no for r in fakes.register.registrations_of(application.id_number)] == [number]
    assert fakes.renderer.rendered == [(n, f"https://swreg.test/verify/{n}?code={fakes.renderer.codes[n]}")
                                       for n in (f"BJ{YEAR}000001", f"BJ{YEAR}000002")]
    assert fakes.renderer.codes[f"BJ{YEAR}000001"] == verification_code(fakes.keys.verification, f"BJ{YEAR}000001")


def test_the_holder_is_told_the_number_by_message_and_sms(world, fakes, due):
    account, reviewer = world.applicant(), world.reviewer()
    approved = world.approved(account, reviewer)
    issue_due(fakes, due)
    issued = world.messages_of(account)[0]
    assert f"BJ{YEAR}000001" in issued.body
    assert world.texts_to(approved.fields.phone)[-1] == texts.SMS_SIGNATURE + issued.body


def test_a_second_run_issues_nothing_and_renders_nothing(world, fakes, due):
    _approved(world, "周晓梅")
    issue_due(fakes, due)
    rendered, texts = list(fakes.renderer.rendered), dict(fakes.outbox.texts)
    assert issue_due(fakes, due + timedelta(days=1)) == NOTHING
    assert fakes.renderer.rendered == rendered and fakes.outbox.texts == texts
    assert fakes.certificates.counters == {f"registration-no#{YEAR}": 1}


def test_an_application_approved_after_a_run_is_certified_by_the_next(world, fakes, due):
    _approved(world, "周晓梅")
    issue_due(fakes, due)
    late, = _approved(world, "李雷")
    assert issue_due(fakes, due + timedelta(days=1)) == {**NOTHING, "issued": 1}
    assert fakes.applications.get(late.application_id).registration_no == f"BJ{YEAR}000002"


def test_a_reissue_for_a_lost_certificate_keeps_the_registration_it_replaces(world, fakes, due):
    account = world.applicant(registered_in=YEAR - 1)
    world.approved(account, world.reviewer(), kind=RegistrationType.REISSUE)
    assert issue_due(fakes, due)["issued"] == 1
    certificate, = fakes.certificates.of_holder(account.id_number)
    assert (certificate.registration_year, certificate.valid_until) == (YEAR - 1, YEAR + 2)
    assert [(r.registration_year, r.registration_no) for r in fakes.register.registrations_of(account.id_number)] == [
        (YEAR - 1, f"BJ{YEAR - 1}000999")]


def test_a_run_that_died_after_reserving_a_number_is_resumed_under_the_same_number(world, fakes, due):
    approved, = _approved(world, "周晓梅")
    assert issue_due(replace(fakes, certificates=_dying(fakes)), due) == {**NOTHING, "failed": 1}
    assert issue_due(fakes, due) == {**NOTHING, "issued": 1}
    assert fakes.applications.get(approved.application_id).registration_no == f"BJ{YEAR}000001"
    assert list(fakes.certificates.certificates) == [f"BJ{YEAR}000001"]


def test_an_application_whose_photo_is_gone_fails_alone_and_the_others_are_issued(world, fakes, due):
    broken, fine = _approved(world, "周晓梅", "李雷")
    for material in broken.materials.values():
        fakes.files.delete(material.object_key)
    assert issue_due(fakes, due) == {**NOTHING, "issued": 1, "failed": 1}
    assert fakes.applications.get(fine.application_id).status is ApplicationStatus.CERTIFIED
    assert fakes.applications.get(broken.application_id).status is ApplicationStatus.APPROVED


def test_the_schedule_only_enqueues_one_item_per_due_application_in_approval_order(world, fakes, due):
    first, second = _approved(world, "周晓梅", "李雷")
    assert certificates.enqueue_due(fakes, due - timedelta(seconds=1)) == {"enqueued": 0, "more": False}
    assert certificates.enqueue_due(fakes, due) == {"enqueued": 2, "more": False}
    assert fakes.certificate_queue.sent == [{"application_id": first.application_id},
                                            {"application_id": second.application_id}]
    assert fakes.renderer.rendered == [] and fakes.certificates.counters == {}


def test_an_enqueueing_out_of_time_stops_at_a_page_and_the_continuation_starts_over(world, fakes, due, monkeypatch):
    monkeypatch.setattr(certificates, "PAGE_SIZE", 1)
    first, _ = _approved(world, "周晓梅", "李雷")
    budget = iter([60.0, certificates.SECONDS_PER_PAGE - 0.1])
    assert certificates.enqueue_due(fakes, due, lambda: next(budget)) == {"enqueued": 1, "more": True}
    assert fakes.certificate_queue.sent == [{"application_id": first.application_id}]
    # no cursor: what is still approved is sent again, and the second delivery is skipped
    assert certificates.enqueue_due(fakes, due, lambda: 60.0) == {"enqueued": 2, "more": False}
    assert [certificates.issue_one(fakes, item["application_id"], due) for item in fakes.certificate_queue.sent] == [
        "issued", "skipped", "issued"]


def test_an_item_delivered_twice_issues_one_certificate_one_sms_and_renders_once(world, fakes, due):
    account = world.applicant()
    approved = world.approved(account, world.reviewer())
    assert certificates.issue_one(fakes, approved.application_id, due) == "issued"
    assert certificates.issue_one(fakes, approved.application_id, due) == "skipped"
    assert list(fakes.certificates.certificates) == [f"BJ{YEAR}000001"] and len(fakes.renderer.rendered) == 1
    assert len([text for text in world.texts_to(approved.fields.phone) if f"BJ{YEAR}000001" in text]) == 1


@pytest.mark.parametrize("dies_in", ["render", "transaction"])
def test_a_worker_killed_mid_certificate_is_resumed_by_the_redelivery_under_the_reserved_number(
        world, fakes, due, dies_in):
    approved, = _approved(world, "周晓梅")
    dying = (replace(fakes, renderer=SimpleNamespace(render=_killed)) if dies_in == "render"
             else replace(fakes, certificates=_dying(fakes)))
    with pytest.raises(RuntimeError):
        certificates.issue_one(dying, approved.application_id, due)
    assert fakes.applications.get(approved.application_id).reserved_registration_no == f"BJ{YEAR}000001"
    assert certificates.issue_one(fakes, approved.application_id, due) == "issued"
    assert certificates.issue_one(fakes, approved.application_id, due) == "skipped"
    assert fakes.applications.get(approved.application_id).registration_no == f"BJ{YEAR}000001"
    assert list(fakes.certificates.certificates) == [f"BJ{YEAR}000001"]
    assert fakes.certificates.counters == {f"registration-no#{YEAR}": 1}
    assert len([text for text in world.texts_to(approved.fields.phone) if f"BJ{YEAR}000001" in text]) == 1


def test_a_write_that_lost_to_a_conflict_while_still_approved_comes_back_instead_of_being_skipped(
        world, fakes, due):
    """A transaction conflict (a busy stats shard, say) is not another try's win: the item must not be
    deleted as done, or the application would wait for the next day's run."""
    approved, = _approved(world, "周晓梅")
    with pytest.raises(ConcurrentUpdateError):
        certificates.issue_one(replace(fakes, certificates=_dying(fakes, _conflict)), approved.application_id, due)
    assert fakes.applications.get(approved.application_id).status is ApplicationStatus.APPROVED
    assert certificates.issue_one(fakes, approved.application_id, due) == "issued"


def _killed(*args, **kwargs):
    raise RuntimeError("function timed out")


def _conflict(*args, **kwargs):
    raise ConcurrentUpdateError(code="TRANSACTION_CONFLICT")


def _dying(fakes, issue=_killed):
    """The certificate repository of `fakes` whose `issue` (the transaction) never comes."""
    dying = type(fakes.certificates)(fakes.applications, fakes.register)
    dying.counters, dying.issue = fakes.certificates.counters, issue
    return dying


def test_a_revoked_certificate_verifies_as_revoked_and_the_revocation_is_audited(world, fakes, due):
    _approved(world, "周晓梅")
    issue_due(fakes, due)
    certificates.revoke(fakes, f"BJ{YEAR}000001", "错发", "admin1", due)
    assert verification.verify(fakes, f"BJ{YEAR}000001", None, "203.0.113.7", due).verification.status_value == \
        "revoked"
    (_, entry), = fakes.audit.entries[f"certificate#BJ{YEAR}000001"]
    assert (entry.actor, entry.action) == ("admin1", "revoke: 错发")
