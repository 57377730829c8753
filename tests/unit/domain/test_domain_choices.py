"""Warnings on an eligible type that would hurt the applicant, the form's closed option lists,
the CE progress of the current cycle, and discarding a draft: the domain rules of issue 15 items 5-8."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from chalicelib.domain import texts
from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.application_form import ApplicationFields, apply_changes, form_problems
from chalicelib.domain.commands import CreateApplication
from chalicelib.domain.eligibility import PickupMethod, RegistrationType, evaluate
from chalicelib.domain.errors import InvalidTransitionError, RuleViolationError, ValidationError
from chalicelib.domain.identity import BEIJING_DISTRICTS
from chalicelib.domain.levels import Level
from chalicelib.domain.materials import BASE_MATERIALS, MaterialKind
from chalicelib.domain.options import Education, districts, education_levels
from chalicelib.domain.register import CeRecord, Practitioner, Registration, ce_progress
from tests.ids import make_id
from tests.unit.domain.applications import NOW, WINDOW, start, submitted, upload

PERSON = make_id(seq=515)
T = RegistrationType


def _verdicts(*years: int, qualified: int = 2012):
    person = Practitioner(PERSON, "周晓梅", "Z1", Level.ASSISTANT, qualified)
    return evaluate(person, [Registration(PERSON, y, f"BJ{y}-1") for y in years], [], WINDOW)


# --- warnings ----------------------------------------------------------------------

def test_a_reissue_while_a_renewal_is_due_warns_that_validity_is_not_extended():
    reissue = _verdicts(2019).verdict(T.REISSUE)
    assert reissue.eligible
    assert [w.code for w in reissue.warnings] == ["REISSUE_WHILE_DUE"]
    assert reissue.warnings[0].message == texts.eligibility_warning("REISSUE_WHILE_DUE", due_type="再登记",
                                                                    until=2022)
    assert "不延长有效期" in reissue.warnings[0].message


def test_a_reissue_with_nothing_due_and_every_other_type_carry_no_warning():
    assert _verdicts(2020).verdict(T.REISSUE).eligible and not _verdicts(2020).verdict(T.REISSUE).warnings
    for years in ((2019,), (2017,), (2020,), ()):
        eligibility = _verdicts(*years)
        assert all(not v.warnings for v in eligibility.verdicts if v.type is not T.REISSUE)
    assert not _verdicts(qualified=2018).verdict(T.REISSUE).warnings  # never registered: (a), nothing else due


def test_a_warned_type_needs_the_acknowledgement_and_the_refusal_quotes_the_warning():
    reissue = _verdicts(2019).verdict(T.REISSUE)
    with pytest.raises(RuleViolationError) as refused:
        reissue.require_acknowledged(False)
    assert refused.value.code == "WARNING_NOT_ACKNOWLEDGED"
    assert reissue.warnings[0].message in refused.value.message
    assert refused.value.details == {"acknowledge_warnings": reissue.warnings[0].message}
    reissue.require_acknowledged(True)
    _verdicts(2019).verdict(T.RENEWAL).require_acknowledged(False)


def test_the_create_command_takes_only_a_boolean_acknowledgement():
    assert CreateApplication.from_json({"type": "reissue"}) == CreateApplication(T.REISSUE, False)
    assert CreateApplication.from_json({"type": "reissue", "acknowledge_warnings": True}).acknowledge_warnings
    for bad in ("true", 1, None, [], {}):
        with pytest.raises(ValidationError) as refused:
            CreateApplication.from_json({"type": "reissue", "acknowledge_warnings": bad})
        assert set(refused.value.details) == {"acknowledge_warnings"}
    with pytest.raises(ValidationError) as both:
        CreateApplication.from_json({"type": "second", "acknowledge_warnings": "yes"})
    assert (both.value.code, set(both.value.details)) == ("CREATE_APPLICATION_INVALID",
                                                          {"type", "acknowledge_warnings"})


# --- options -----------------------------------------------------------------------

def test_the_option_lists_are_the_16_districts_and_the_education_levels_with_chinese_labels():
    assert [o.value for o in districts()] == list(BEIJING_DISTRICTS) and len(districts()) == 16
    assert [o.value for o in education_levels()] == [e.value for e in Education]
    assert all(o.label == texts.EDUCATION_LABELS[o.value] for o in education_levels())


FIRST = {"type": T.FIRST, "allowed_materials": BASE_MATERIALS, "reissue_reasons": ()}


def test_the_form_accepts_exactly_the_listed_values():
    for option in (*districts(), *education_levels()):
        field = "district" if option in districts() else "education"
        assert getattr(apply_changes(ApplicationFields(), {field: option.value}, **FIRST), field) == option.value
    with pytest.raises(ValidationError) as refused:
        apply_changes(ApplicationFields(), {"education": "本科", "district": "浦东新区"}, **FIRST)
    assert set(refused.value.details) == {"education", "district"}
    assert "大学本科（bachelor）" in refused.value.details["education"]


def test_free_text_education_saved_before_the_list_was_closed_must_be_chosen_again_before_submit():
    legacy = ApplicationFields(phone="13800138000", employer="某中心", district="海淀区", education="本科",
                               pickup_method=PickupMethod.ELECTRONIC)
    assert set(form_problems(legacy, T.RENEWAL)) == {"education"}


# --- CE progress -------------------------------------------------------------------

def _progress(years, records, today=date(2024, 6, 1), level=Level.ASSISTANT):
    person = Practitioner(PERSON, "周晓梅", "Z1", level, 2012)
    return ce_progress(person, [Registration(PERSON, y, f"BJ{y}-1") for y in years],
                       [CeRecord(PERSON, d, Decimal(h), "课程", "机构") for d, h in records], today)


def test_ce_progress_counts_the_hours_since_the_last_registration_year_against_the_level():
    progress = _progress((2018, 2022), [(date(2021, 5, 1), "40"), (date(2023, 1, 1), "50"),
                                        (date(2024, 3, 1), "8")])
    assert (progress.hours, progress.required, progress.cycle_start_year, progress.display) == (
        Decimal(58), 72, 2023, "58/72")
    assert _progress((2022,), [], level=Level.SENIOR).display == "0/90"


def test_ce_progress_ignores_a_registration_or_course_after_today():
    progress = _progress((2021, 2025), [(date(2022, 2, 1), "10.5"), (date(2024, 6, 2), "5")])
    assert (progress.cycle_start_year, progress.display) == (2022, "10.5/72")


def test_someone_never_registered_has_no_cycle_yet():
    progress = _progress((), [(date(2023, 1, 1), "30")])
    assert (progress.hours, progress.cycle_start_year, progress.display) == (Decimal(0), None, "0/72")


# --- discard -----------------------------------------------------------------------

def test_a_discarded_draft_keeps_its_history_and_drops_its_materials():
    draft = start()
    upload(draft, MaterialKind.ID_PHOTO)
    draft.discard(NOW, actor="applicant")
    assert draft.status is ApplicationStatus.DISCARDED and draft.status.chinese == "已放弃"
    assert draft.materials == {} and not draft.is_editable
    last = draft.history[-1]
    assert (last.from_status, last.to_status, last.actor, last.note) == (
        ApplicationStatus.DRAFT, ApplicationStatus.DISCARDED, "applicant", texts.history_note("DISCARDED"))


def test_only_a_draft_can_be_discarded():
    with pytest.raises(InvalidTransitionError) as refused:
        submitted().discard(NOW, actor="applicant")
    assert refused.value.message == "当前状态为“已提交”，不能放弃。请刷新页面查看最新状态。"
    discarded = start()
    discarded.discard(NOW, actor="applicant")
    with pytest.raises(InvalidTransitionError):
        discarded.discard(NOW, actor="applicant")
    with pytest.raises(InvalidTransitionError):
        discarded.submit(NOW, WINDOW, True, actor="applicant")
