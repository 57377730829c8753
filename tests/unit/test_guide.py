"""The public registration guide: complete, true to the manual, and consistent with the rules engine."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest

from chalicelib.domain.eligibility import RegistrationType, evaluate
from chalicelib.domain.guide import guide_for_year
from chalicelib.domain.levels import Level
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.register import CeRecord, Practitioner, Registration
from chalicelib.domain.windows import SHANGHAI, Window
from tests.ids import make_id

GUIDE = guide_for_year(2022)
TYPES = {entry["type"]: entry for entry in GUIDE["types"]}
MATERIALS = {entry["kind"]: entry for entry in GUIDE["materials"]}
PERSON = make_id()


def _verdicts(qualified: int, registered: tuple[int, ...] = (), year: int = 2022):
    window = Window.create(year, datetime(year, 3, 1, tzinfo=SHANGHAI), datetime(year, 4, 1, tzinfo=SHANGHAI))
    last = max(registered, default=None)
    ce = [CeRecord(PERSON, date(last + 1, 6, 1), Decimal(90), "社会工作实务", "协会")] if last else []
    return evaluate(Practitioner(PERSON, "周晓梅", "Z1", Level.ASSISTANT, qualified),
                    [Registration(PERSON, r, f"BJ{r}-000001") for r in registered], ce, window)


def test_every_registration_type_appears_in_order_with_its_chinese_name():
    assert list(TYPES) == [t.value for t in RegistrationType]
    assert [entry["name"] for entry in GUIDE["types"]] == ["首登记", "再登记", "补登记", "补证"]


def test_every_material_kind_appears_with_a_description():
    assert set(MATERIALS) == {kind.value for kind in MaterialKind}
    assert all(entry["name"] and entry["description"] and entry["requirement"] for entry in MATERIALS.values())


@pytest.mark.parametrize("type, years", [
    ("first", ["2021年通过", "2021年取得"]),
    ("renewal", ["2019年进行过首登记或再登记的社会工作者需要在2022年进行再登记"]),
    ("late", ["最近一次登记年份在2017年的社会工作者需要进行补登记"]),
    ("reissue", ["2020年之前（含2020年）取得社会工作者职业资格且从未进行证书登记的社会工作者需要进行补证"]),
])
def test_the_worked_examples_for_2022_are_the_manuals(type, years):
    text = TYPES[type]["rule"] + TYPES[type]["example"]
    assert all(fragment in text for fragment in years)


@pytest.mark.parametrize("qualified, registered, expected", [
    (2021, (), RegistrationType.FIRST),
    (2015, (2019,), RegistrationType.RENEWAL),
    (2012, (2017,), RegistrationType.LATE),
    (2020, (), RegistrationType.REISSUE),
])
def test_the_worked_examples_agree_with_the_rules_engine(qualified, registered, expected):
    assert expected in _verdicts(qualified, registered).eligible_types


def test_the_examples_follow_the_window_year():
    later = {entry["type"]: entry["example"] for entry in guide_for_year(2025)["types"]}
    assert "2022年进行过首登记或再登记的社会工作者需要在2025年进行再登记" in later["renewal"]
    assert "2023年之前（含2023年）" in later["reissue"]
    assert "2020年" in later["late"]


def test_default_pickup_and_materials_per_type_match_the_rules_engine():
    for verdict in _verdicts(2015, (2019,)).verdicts:
        entry = TYPES[verdict.type.value]
        assert entry["default_pickup"] == verdict.default_pickup.value
        assert entry["required_materials"] == [kind.value for kind in verdict.required_materials]
        assert entry["conditional_materials"] == [kind.value for kind in verdict.optional_materials]
        for kind in verdict.required_materials:
            assert verdict.type.value in MATERIALS[kind.value]["required_for"]


def test_photo_requirements_describe_the_new_pipeline():
    photo = GUIDE["photo_requirements"]
    assert (photo["id_photo"]["width_px"], photo["id_photo"]["height_px"]) == (413, 626)
    assert photo["max_upload_bytes"] == 10 * 1024 * 1024 and photo["stored_max_bytes"] == 1024 * 1024
    assert photo["accepted_formats"] == ["JPEG", "PNG", "WebP"]
    assert "413" in MATERIALS["id_photo"]["description"] and "626" in MATERIALS["id_photo"]["description"]


def test_the_faq_is_adapted_to_this_service():
    text = json.dumps(GUIDE["faq"], ensure_ascii=False)
    assert "火狐" not in text and "ctrl+F5" not in text.lower()
    assert "请上传照片" in text and "未通过" in text
    assert all(name in text for name in ("首登记", "再登记", "补登记", "补证"))
    assert "10MB" in text


def test_the_steps_run_from_login_to_the_e_certificate():
    titles = [step["title"] for step in GUIDE["steps"]]
    assert [step["step"] for step in GUIDE["steps"]] == list(range(1, len(titles) + 1))
    assert "登录" in titles[0] and "证书" in titles[-1]
    text = json.dumps(GUIDE["steps"], ensure_ascii=False)
    assert all(word in text for word in ("“否”", "“是”", "我的消息", "14天"))


def test_contacts_are_the_manuals():
    support, association = GUIDE["contacts"]["technical_support"], GUIDE["contacts"]["association"]
    assert support["phones"] == ["65868811", "17611102902", "13693252998"]
    assert support["qq_groups"] == ["614182818", "614809638"]
    assert association["phones"] == ["58163934", "58163946", "58163910", "58163960"]
    assert (association["wechat"], association["qq_groups"], association["hours"]) == (
        "soulhert", ["693610759"], "工作日9:00--16:00")


def test_the_guide_is_plain_json_and_each_call_is_independent():
    assert json.loads(json.dumps(GUIDE, ensure_ascii=False)) == GUIDE
    guide_for_year(2022)["contacts"]["technical_support"]["phones"].clear()
    assert guide_for_year(2022)["contacts"]["technical_support"]["phones"]
