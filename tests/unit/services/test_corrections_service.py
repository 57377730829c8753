"""The correction-request use cases on the fakes: asking, listing, the evidence photo through the upload
pipeline, and an admin's decision (the register row written, eligibility following, the applicant told)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.accounts import Account, Role
from chalicelib.domain.commands import CorrectionDecision, CorrectionQuery, RequestCorrection
from chalicelib.domain.corrections import CorrectionOutcome, CorrectionStatus, EvidenceStatus
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.domain.errors import ConflictError, NotFoundError, RuleViolationError
from chalicelib.domain.object_keys import EvidenceKey
from chalicelib.domain.outbox import OutboxStatus
from chalicelib.services import applicant, corrections, uploads
from tests.unit.services.world import NOW, OPENS_AT, YEAR

JPEG = b"\xff\xd8\xff\xe0 a camera photo"


@pytest.fixture
def admin() -> Account:
    return Account(account_id="a" * 32, login_key="user#admin1", role=Role.ADMIN, password_hash="-",
                   created_at=OPENS_AT, username="admin1")


def _applicant(world, **kwargs) -> Account:
    account = world.applicant(**kwargs)
    world.deps.accounts.create(account, {})
    return account


def _ask(deps, account, field="name", value="周晓玫", note=""):
    return corrections.request_correction(deps, account, RequestCorrection.from_json(
        {"field": field, "proposed_value": value, "note": note}), NOW)


def _decide(deps, admin, correction_id, outcome="accept", note=""):
    return corrections.decide(deps, admin, correction_id, CorrectionDecision.from_json(
        {"outcome": outcome, "note": note}), NOW)


def test_a_request_is_stored_open_and_listed_to_its_applicant_newest_first(world):
    me = _applicant(world)
    first = _ask(world.deps, me)
    second = _ask(world.deps, me, "level", "高级社会工作师")
    assert (first.status, first.current, first.proposed) == (CorrectionStatus.OPEN, {"name": "周晓梅"},
                                                            {"name": "周晓玫"})
    assert [c.correction_id for c in corrections.my_corrections(world.deps, me, None).items] == [
        second.correction_id, first.correction_id]
    assert corrections.my_corrections(world.deps, _applicant(world), None).items == []


def test_someone_not_in_the_register_cannot_ask(world):
    with pytest.raises(RuleViolationError) as refused:
        _ask(world.deps, _applicant(world, in_register=False))
    assert refused.value.code == "NOT_IN_REGISTER"


def test_one_open_request_per_field(world):
    me = _applicant(world)
    _ask(world.deps, me)
    with pytest.raises(ConflictError) as refused:
        _ask(world.deps, me, value="周小梅")
    assert refused.value.code == "CORRECTION_ALREADY_OPEN"


def test_an_evidence_upload_url_is_for_my_open_request_only(world, admin):
    me, other = _applicant(world), _applicant(world)
    correction = _ask(world.deps, me)
    post = corrections.evidence_upload_url(world.deps, me, correction.correction_id, NOW)
    key = post["fields"]["key"]
    assert key.startswith(f"uploads/corrections/{correction.correction_id}/")
    assert EvidenceKey.parse(key).is_authentic(world.deps.keys.uploads)
    with pytest.raises(NotFoundError):
        corrections.evidence_upload_url(world.deps, other, correction.correction_id, NOW)
    _decide(world.deps, admin, correction.correction_id)
    with pytest.raises(ConflictError):
        corrections.evidence_upload_url(world.deps, me, correction.correction_id, NOW)


def _upload(deps, account, correction_id, body=JPEG, at=NOW) -> str:
    key = corrections.evidence_upload_url(deps, account, correction_id, at)["fields"]["key"]
    deps.files.write(key, body, "image/jpeg")
    return key


def test_an_evidence_photo_goes_through_the_upload_pipeline_and_shows_ready(world):
    me = _applicant(world)
    correction = _ask(world.deps, me)
    key = _upload(world.deps, me, correction.correction_id)
    assert uploads.process_upload(world.deps, key, NOW) == "ready"
    evidence = world.deps.corrections.get(correction.correction_id).evidence
    assert evidence.status is EvidenceStatus.READY
    assert world.deps.files.keys(f"uploads/corrections/{correction.correction_id}/") == []
    assert world.deps.files.keys(f"evidence/{correction.correction_id}/") == [evidence.object_key]
    assert uploads.process_upload(world.deps, key, NOW) == "ignored"  # a redelivered event changes nothing


def test_a_file_that_is_not_a_photo_is_shown_rejected_with_the_reason(world):
    me = _applicant(world)
    correction = _ask(world.deps, me)
    key = _upload(world.deps, me, correction.correction_id, body=b"%PDF-1.4")
    assert uploads.process_upload(world.deps, key, NOW) == "rejected:NOT_AN_IMAGE"
    evidence = world.deps.corrections.get(correction.correction_id).evidence
    assert evidence.status is EvidenceStatus.REJECTED and "JPEG" in evidence.reason


def test_a_newer_evidence_upload_replaces_the_older_and_an_older_one_arriving_late_is_dropped(world):
    me = _applicant(world)
    correction = _ask(world.deps, me)
    older = _upload(world.deps, me, correction.correction_id, at=NOW)
    newer = _upload(world.deps, me, correction.correction_id, at=NOW + timedelta(seconds=5))
    assert uploads.process_upload(world.deps, newer, NOW) == "ready"
    assert uploads.process_upload(world.deps, older, NOW) == "ignored"
    evidence = world.deps.corrections.get(correction.correction_id).evidence
    assert evidence.upload_id == EvidenceKey.parse(newer).upload_id
    assert world.deps.files.keys(f"uploads/corrections/{correction.correction_id}/") == []


def test_an_evidence_key_we_never_issued_is_deleted(world):
    me = _applicant(world)
    correction = _ask(world.deps, me)
    key = _upload(world.deps, me, correction.correction_id)
    forged = key[:-4] + ("0000" if not key.endswith("0000") else "1111")
    world.deps.files.write(forged, JPEG, "image/jpeg")
    assert uploads.process_upload(world.deps, forged, NOW) == "ignored"
    assert world.deps.files.size(forged) is None
    assert world.deps.corrections.get(correction.correction_id).evidence is None


def test_an_evidence_object_not_yet_visible_is_retried_then_given_up(world):
    me = _applicant(world)
    correction = _ask(world.deps, me)
    key = corrections.evidence_upload_url(world.deps, me, correction.correction_id, NOW)["fields"]["key"]
    for _ in range(uploads.MISSING_RETRIES):
        with pytest.raises(uploads.UploadNotVisibleError):
            uploads.process_upload(world.deps, key, NOW)
    assert uploads.process_upload(world.deps, key, NOW) == "ignored"


def test_accepting_a_missing_registration_updates_the_register_and_eligibility_follows(world, admin):
    me = _applicant(world)  # qualified last year, never registered: first registration is due
    assert applicant.eligibility(world.deps, me, NOW).eligibility.verdict(RegistrationType.FIRST).eligible
    correction = _ask(world.deps, me, "registration", {"registration_year": YEAR - 3,
                                                       "registration_no": "BJ2023000042"})
    decided = _decide(world.deps, admin, correction.correction_id, note="已核对纸质证书")
    assert decided.status is CorrectionStatus.ACCEPTED
    verdicts = applicant.eligibility(world.deps, me, NOW).eligibility
    assert not verdicts.verdict(RegistrationType.FIRST).eligible
    assert verdicts.verdict(RegistrationType.RENEWAL).eligible
    [entry] = world.deps.audit.page(f"correction#{correction.correction_id}", None, 10).items
    assert (entry.actor, entry.action) == ("admin1", "correction accepted: registration")
    [message] = world.deps.messages.list(me.id_number, None, 10).items
    assert "已核对纸质证书" in message.body
    [sms] = [s for s in world.deps.outbox.list(OutboxStatus.PENDING, 10) if s.phone == me.phone]
    assert sms.content.template == "CorrectionAccepted"


def test_a_declined_request_keeps_the_register_row_and_tells_the_applicant_why(world, admin):
    me = _applicant(world)
    before = world.deps.register.get_practitioner(me.id_number)
    correction = _ask(world.deps, me)
    _decide(world.deps, admin, correction.correction_id, "decline", "身份证照片与申请姓名不一致")
    assert world.deps.register.get_practitioner(me.id_number) == before
    [message] = world.deps.messages.list(me.id_number, None, 10).items
    assert "身份证照片与申请姓名不一致" in message.body
    assert [s.content.template for s in world.deps.outbox.list(OutboxStatus.PENDING, 10) if s.phone == me.phone] == [
        "CorrectionDeclined"]


def test_a_request_is_decided_once_and_the_field_is_free_again_after(world, admin):
    me = _applicant(world)
    correction = _ask(world.deps, me)
    _decide(world.deps, admin, correction.correction_id, "decline", "不予更正")
    with pytest.raises(ConflictError) as refused:
        _decide(world.deps, admin, correction.correction_id)
    assert refused.value.code == "CORRECTION_ALREADY_DECIDED"
    assert world.deps.register.get_practitioner(me.id_number).name == "周晓梅"
    _ask(world.deps, me)


def test_a_decision_that_loses_a_race_answers_that_the_request_was_decided(world, admin, monkeypatch):
    me = _applicant(world)
    correction = _ask(world.deps, me)
    repo = world.deps.corrections
    real_decide = repo.decide

    def another_admin_first(mine, row, audit, messages, sms):
        other = repo.get(mine.correction_id)
        other.decide(CorrectionOutcome.DECLINE, "另一位管理员已处理", "admin2", NOW)
        monkeypatch.setattr(repo, "decide", real_decide)
        real_decide(other, None, audit, [], [])
        real_decide(mine, row, audit, messages, sms)

    monkeypatch.setattr(repo, "decide", another_admin_first)
    with pytest.raises(ConflictError) as refused:
        _decide(world.deps, admin, correction.correction_id)
    assert refused.value.code == "CORRECTION_ALREADY_DECIDED"
    stored = repo.get(correction.correction_id)
    assert (stored.status, stored.decided_by) == (CorrectionStatus.DECLINED, "admin2")
    assert world.deps.register.get_practitioner(me.id_number).name == "周晓梅"


def test_the_admins_list_shows_open_requests_first_come(world, admin):
    me, other = _applicant(world), _applicant(world)
    first = _ask(world.deps, me)
    world.deps.clock.advance(timedelta(minutes=1))
    second = corrections.request_correction(world.deps, other, RequestCorrection.from_json(
        {"field": "name", "proposed_value": "周晓玫"}), NOW + timedelta(minutes=1))
    listed = corrections.queue(world.deps, CorrectionQuery.from_query({}), None).items
    assert [c.correction_id for c in listed] == [first.correction_id, second.correction_id]
    _decide(world.deps, admin, first.correction_id)
    assert [c.correction_id for c in corrections.queue(
        world.deps, CorrectionQuery.from_query({"status": "accepted"}), None).items] == [first.correction_id]
    assert corrections.evidence_url(world.deps, first) is None
