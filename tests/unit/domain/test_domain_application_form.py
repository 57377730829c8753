"""The application form: on its own, a draft save, the labels, and what a submit needs of the form;
through the entity, saving a draft and when the form can be edited (its status and its window).
(What submit refuses for an incomplete form is in test_domain_application.py.)"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from chalicelib.domain.application_form import (
    ApplicationFields,
    MailingAddress,
    apply_changes,
    ce_hours_problems,
    form_problems,
    item_label,
    reviewable_items,
)
from chalicelib.domain.eligibility import PickupMethod, RegistrationType, ReissueReason
from chalicelib.domain.errors import ConflictError, RuleViolationError, ValidationError
from chalicelib.domain.levels import Level
from chalicelib.domain.materials import BASE_MATERIALS, MaterialKind, MaterialStatus
from tests.unit.domain.applications import AFTER_CLOSE, NOW, PERSON, WINDOW, rejected, start, submitted

K = MaterialKind

FIRST = {"type": RegistrationType.FIRST, "allowed_materials": BASE_MATERIALS, "reissue_reasons": ()}


def test_a_save_returns_a_new_form_and_leaves_the_old_one_as_it_was():
    form = ApplicationFields(employer="旧单位", mailing_address=MailingAddress(recipient="周晓梅"))
    saved = apply_changes(form, {"employer": " 新单位 ", "mailing_address": {"postal_code": "100080"}}, **FIRST)
    assert saved.employer == "新单位"
    assert saved.mailing_address == MailingAddress(recipient="周晓梅", postal_code="100080")
    assert form.employer == "旧单位"


def test_a_save_names_every_bad_field_at_once():
    with pytest.raises(ValidationError) as refused:
        apply_changes(ApplicationFields(), {"phone": "123", "name": "x", "reissue_reason": "lost",
                                            "declared_ce_hours": "5", "colour": "red"}, **FIRST)
    assert set(refused.value.details) == {"phone", "name", "reissue_reason", "declared_ce_hours", "colour"}


def test_a_reissue_reason_must_be_one_the_application_allows():
    reissue = {**FIRST, "type": RegistrationType.REISSUE, "reissue_reasons": (ReissueReason.LOST,)}
    saved = apply_changes(ApplicationFields(), {"reissue_reason": "lost"}, **reissue)
    assert saved.reissue_reason is ReissueReason.LOST
    with pytest.raises(ValidationError):
        apply_changes(ApplicationFields(), {"reissue_reason": "damaged"}, **reissue)


def test_a_mailed_certificate_needs_every_part_of_the_address():
    form = ApplicationFields(phone="13800138000", employer="某中心", district="海淀区", education="bachelor",
                             pickup_method=PickupMethod.MAIL, mailing_address=MailingAddress(recipient="周晓梅"))
    assert set(form_problems(form, RegistrationType.FIRST)) == {
        "mailing_address.phone", "mailing_address.address", "mailing_address.postal_code"}


def test_declared_hours_with_those_on_record_must_reach_the_levels_requirement():
    short = ce_hours_problems(Decimal(10), proof_required=True, proof_present=True,
                              on_record=Decimal(20), required=40, level=Level.ASSISTANT)
    enough = ce_hours_problems(Decimal(20), proof_required=True, proof_present=True,
                               on_record=Decimal(20), required=40, level=Level.ASSISTANT)
    assert list(short) == ["declared_ce_hours"] and enough == {}


def test_a_reviewer_may_name_the_types_fields_and_materials_and_each_has_a_chinese_label():
    items = reviewable_items(RegistrationType.REISSUE, BASE_MATERIALS)
    assert {"reissue_reason", "mailing_address.postal_code", "id_photo"} <= items
    assert "declared_ce_hours" not in items
    assert all(item_label(item) for item in items)
    assert item_label(MaterialKind.CE_PROOF.value) == MaterialKind.CE_PROOF.chinese


# --- through the entity: saving a draft, and when the form can be edited ---------------

def test_saving_part_of_the_form_normalises_it_and_keeps_the_rest():
    app = start()
    app.update_fields({"phone": "+86 138-0013-8000", "district": "海淀"}, NOW, WINDOW)
    app.update_fields({"employer": " 某社工机构 "}, NOW + timedelta(minutes=1), WINDOW)
    assert (app.fields.phone, app.fields.district, app.fields.employer) == ("13800138000", "海淀区", "某社工机构")
    assert app.updated_at == NOW + timedelta(minutes=1)
    assert len(app.history) == 1


def test_a_save_names_every_bad_unknown_and_read_only_field_and_saves_nothing():
    app = start()
    with pytest.raises(ValidationError) as caught:
        app.update_fields({"phone": "12345", "district": "浦东新区", "employer": "好单位", "name": "张三",
                           "id_number": PERSON, "certificate_no": "X", "status": "approved", "type": "renewal",
                           "favourite_colour": "blue", "pickup_method": "courier",
                           "mailing_address": {"postal_code": "1000", "floor": "3"}}, NOW, WINDOW)
    assert set(caught.value.details) == {
        "phone", "district", "name", "id_number", "certificate_no", "status", "type", "favourite_colour",
        "pickup_method", "mailing_address.postal_code", "mailing_address.floor"}
    assert app.fields.employer is None


def test_empty_values_clear_a_field_and_the_address_is_merged_part_by_part():
    app = start()
    app.update_fields({"phone": "13800138000", "mailing_address": {"recipient": "周晓梅", "postal_code": "100080"}},
                      NOW, WINDOW)
    app.update_fields({"phone": "", "mailing_address": {"postal_code": "100081", "recipient": None}}, NOW, WINDOW)
    assert app.fields.phone is None
    assert app.fields.mailing_address == MailingAddress(recipient=None, postal_code="100081")


@pytest.mark.parametrize("type_, changes, bad", [
    (RegistrationType.FIRST, {"reissue_reason": "lost"}, "reissue_reason"),
    (RegistrationType.REISSUE, {"reissue_reason": "lost"}, "reissue_reason"),
    (RegistrationType.REISSUE, {"reissue_reason": "stolen"}, "reissue_reason"),
    (RegistrationType.FIRST, {"declared_ce_hours": "10"}, "declared_ce_hours"),
    (RegistrationType.RENEWAL, {"declared_ce_hours": "10.25"}, "declared_ce_hours"),
    (RegistrationType.RENEWAL, {"mailing_address": "北京市海淀区"}, "mailing_address"),
])
def test_fields_are_checked_against_the_applications_type(type_, changes, bad):
    with pytest.raises(ValidationError) as caught:
        start(type_).update_fields(changes, NOW, WINDOW)
    assert set(caught.value.details) == {bad}


def test_lost_or_damaged_are_the_reasons_for_a_registered_practitioners_reissue():
    app = start(RegistrationType.REISSUE, qualified=2019, years=(2020,))
    app.update_fields({"reissue_reason": "damaged"}, NOW, WINDOW)
    assert app.fields.reissue_reason is ReissueReason.DAMAGED
    with pytest.raises(ValidationError):
        app.update_fields({"reissue_reason": "never_registered"}, NOW, WINDOW)


def test_nothing_can_be_edited_after_submit():
    app = submitted()
    with pytest.raises(ConflictError) as caught:
        app.update_fields({"employer": "新单位"}, NOW, WINDOW)
    assert caught.value.code == "NOT_EDITABLE"
    for attempt in (lambda: app.start_upload(K.ID_PHOTO, "new", NOW), lambda: app.remove_material(K.ID_PHOTO, NOW)):
        with pytest.raises(ConflictError):
            attempt()
    assert app.materials[K.ID_PHOTO].status is MaterialStatus.READY


def test_a_rejected_application_can_be_edited_only_while_its_window_is_open():
    app = rejected()
    app.update_fields({"employer": "新单位"}, NOW, WINDOW)
    assert app.fields.employer == "新单位"
    with pytest.raises(RuleViolationError) as caught:
        app.update_fields({"employer": "另一单位"}, AFTER_CLOSE, WINDOW)
    assert caught.value.code == "WINDOW_CLOSED"


def test_a_draft_can_still_be_saved_after_the_window_closes_until_it_expires():
    app = start()
    app.update_fields({"employer": "某单位"}, AFTER_CLOSE, WINDOW)
    assert app.fields.employer == "某单位"
