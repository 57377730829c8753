"""The application form on its own: a draft save, the labels, and what a submit needs of the form.
(Through the entity, with its editability and window rules, in test_domain_application.py.)"""
from __future__ import annotations

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
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.levels import Level
from chalicelib.domain.materials import BASE_MATERIALS, MaterialKind

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
    form = ApplicationFields(phone="13800138000", employer="某中心", district="海淀区", education="本科",
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
