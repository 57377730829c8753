"""Resident ID numbers, names, phones, postal codes and districts as people actually type them."""
from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.identity import (
    BEIJING_DISTRICTS,
    MIDDLE_DOT,
    birth_date_of,
    clean_text,
    gender_of,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_pii,
    normalize_name,
    parse_district,
    parse_id_number,
    parse_mobile,
    parse_postal_code,
)
from tests.ids import make_id

# Worked by hand: 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3+1·7+2·9+3·10+1·5+0·8+0·4+2·2 = 167,
# 167 mod 11 = 2 → "10X98765432"[2] = "X"; 17th digit 2 is even: female.
FEMALE_ID = "11010519491231002X"
MALE_ID = "110101199003077715"


@pytest.mark.parametrize("raw, expected", [
    (FEMALE_ID, FEMALE_ID),
    (MALE_ID, MALE_ID),
    ("11010519491231002x", FEMALE_ID),
    ("１１０１０１１９９００３０７７７１５", MALE_ID),
    ("11010519491231002Ｘ", FEMALE_ID),
    ("110101 19900307 7715", MALE_ID),
    ("\u3000110101199003077715\t\n", MALE_ID),
    (make_id(birth="20000229"), make_id(birth="20000229")),
])
def test_valid_id_numbers_are_normalised_to_canonical_form(raw, expected):
    assert parse_id_number(raw) == expected


@pytest.mark.parametrize("raw, reason_fragment", [
    ("", "请填写"),
    (None, "请填写"),
    ("110101199003077714", "校验位"),
    ("11010519491231002", "18位"),
    ("1101051949123100211", "18位"),
    ("1101051949123100X2", "18位"),
    ("11010519491231002Y", "18位"),
    ("110101\u200b199003077715", "18位"),
    ("110101-19900307-7715", "18位"),
    ("١١٠١٠١١٩٩٠٠٣٠٧٧٧١٥", "18位"),
    (110101199003077715, "18位"),
    (make_id(birth="19000229"), "出生日期"),
    (make_id(birth="19901301"), "出生日期"),
    (make_id(birth="19900230"), "出生日期"),
    (make_id(birth="18991231"), "出生日期"),
])
def test_bad_id_numbers_are_refused_with_a_reason(raw, reason_fragment):
    with pytest.raises(ValidationError) as caught:
        parse_id_number(raw)
    assert reason_fragment in caught.value.details["id_number"]


def test_id_number_errors_name_the_callers_field():
    with pytest.raises(ValidationError) as caught:
        parse_id_number("123", field="holder_id")
    assert list(caught.value.details) == ["holder_id"]


def test_birth_date_after_today_is_refused_when_today_is_given():
    future = make_id(birth="20300101")
    assert parse_id_number(future) == future
    with pytest.raises(ValidationError):
        parse_id_number(future, today=date(2022, 3, 1))


@pytest.mark.parametrize("id_number, gender, born", [
    (MALE_ID, "male", date(1990, 3, 7)),
    (FEMALE_ID, "female", date(1949, 12, 31)),
    (make_id(birth="20000229", seq=2), "female", date(2000, 2, 29)),
    (make_id(seq=9), "male", date(1990, 3, 7)),
])
def test_gender_and_birth_date_follow_from_the_id_number(id_number, gender, born):
    assert gender_of(id_number) == gender
    assert birth_date_of(id_number) == born


def test_masked_id_number_shows_region_and_last_four_only():
    assert mask_id_number(MALE_ID) == "110101********7715"


def test_a_masked_phone_shows_the_network_prefix_and_the_last_four():
    assert mask_phone("13800138000") == "138****8000"


@pytest.mark.parametrize("name, masked", [("周晓梅", "周*"), ("周杰", "周*"), ("阿依古丽·买买提", "阿*"), ("𪚥", "𪚥*")])
def test_a_masked_name_shows_the_first_character_and_one_star(name, masked):
    assert mask_name(name) == masked


def test_free_text_has_every_id_and_mobile_number_masked_by_the_same_rules():
    text = f"身份证{MALE_ID}，电话13800138000，+8613912345678，订单12345678901234567890，邮编100000"
    assert mask_pii(text) == (f"身份证{mask_id_number(MALE_ID)}，电话{mask_phone('13800138000')}，"
                              "+86139****5678，订单12345678901234567890，邮编100000")


@pytest.mark.parametrize("raw, expected", [
    ("王伟", "王伟"),
    ("  王伟\u3000", "王伟"),
    ("阿依古丽·买买提", "阿依古丽·买买提"),
    ("阿依古丽\u30fb买买提", "阿依古丽·买买提"),
    ("阿依古丽\u2022买买提", "阿依古丽·买买提"),
    ("阿依古丽\uff65买买提", "阿依古丽·买买提"),
    ("阿依古丽\u2027买买提", "阿依古丽·买买提"),
    ("刘䶮", "刘䶮"),
    ("王𪚥", "王𪚥"),
    ("王〇", "王〇"),
    ("e\u0301lise", "\u00e9lise"),
    ("李" * 50, "李" * 50),
])
def test_names_are_canonicalised(raw, expected):
    assert normalize_name(raw) == expected


def test_rare_characters_are_kept_code_point_for_code_point():
    name = normalize_name("王𪚥䶮")
    assert name.encode("utf-8") == "王𪚥䶮".encode("utf-8")
    assert [hex(ord(ch)) for ch in name] == ["0x738b", "0x2a6a5", "0x4dae"]


@pytest.mark.parametrize("raw, reason_fragment", [
    ("", "请填写"),
    ("   ", "请填写"),
    (None, "请填写"),
    ("·买买提", "间隔号"),
    ("阿依古丽·", "间隔号"),
    ("阿依古丽··买买提", "间隔号"),
    ("阿依古丽\u30fb·买买提", "间隔号"),
    ("王\u200b伟", "不可见"),
    ("王\u200c伟", "不可见"),
    ("王\u200d伟", "不可见"),
    ("王\u2060伟", "不可见"),
    ("\ufeff王伟", "不可见"),
    ("王\x07伟", "控制"),
    ("王\u202e伟", "控制"),
    ("王 伟", "只能包含"),
    ("王伟1", "只能包含"),
    ("王伟!", "只能包含"),
    ("王\ue000伟", "只能包含"),
    ("李" * 51, "50"),
])
def test_bad_names_are_refused(raw, reason_fragment):
    with pytest.raises(ValidationError) as caught:
        normalize_name(raw)
    assert reason_fragment in caught.value.details["name"]


@pytest.mark.parametrize("raw", [
    "13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "8613800138000",
    "008613800138000", "１３８００１３８０００", "\u300013800138000",
])
def test_mainland_mobile_numbers_are_normalised(raw):
    assert parse_mobile(raw) == "13800138000"


@pytest.mark.parametrize("raw", ["", None, "12800138000", "1380013800", "138001380001", "010-65868811",
                                 "+85213800138000", "1380013800O", 13800138000])
def test_other_phone_numbers_are_refused(raw):
    with pytest.raises(ValidationError) as caught:
        parse_mobile(raw, field="mailing_address.phone")
    assert list(caught.value.details) == ["mailing_address.phone"]


@pytest.mark.parametrize("raw, expected", [("100101", "100101"), (" 100 101 ", "100101"), ("１０００８３", "100083")])
def test_postal_codes_are_six_digits(raw, expected):
    assert parse_postal_code(raw) == expected


@pytest.mark.parametrize("raw", ["", "10010", "1001011", "10010a", 100101])
def test_other_postal_codes_are_refused(raw):
    with pytest.raises(ValidationError):
        parse_postal_code(raw)


def test_beijing_has_sixteen_districts():
    assert len(set(BEIJING_DISTRICTS)) == 16
    assert all(name.endswith("区") for name in BEIJING_DISTRICTS)


@pytest.mark.parametrize("raw, expected", [
    ("海淀区", "海淀区"), ("海淀", "海淀区"), (" 延庆区 ", "延庆区"), ("门头沟", "门头沟区"),
])
def test_districts_are_accepted_with_or_without_qu(raw, expected):
    assert parse_district(raw) == expected


@pytest.mark.parametrize("raw", ["", "浦东新区", "北京", "区", "海淀县"])
def test_places_outside_the_sixteen_districts_are_refused(raw):
    with pytest.raises(ValidationError):
        parse_district(raw)


def test_free_text_is_trimmed_and_bounded():
    assert clean_text("  北京市某社会工作服务中心 ", field="employer", label="工作单位", max_length=20) \
        == "北京市某社会工作服务中心"
    for raw in ("", "a" * 21, "某\x00单位"):
        with pytest.raises(ValidationError) as caught:
            clean_text(raw, field="employer", label="工作单位", max_length=20)
        assert list(caught.value.details) == ["employer"]


# Compatibility ideographs (U+F900–U+FAFF) are excluded: NFC maps them to their unified
# twins on purpose, so they are not "kept as typed".
_IDEOGRAPHS = st.characters(min_codepoint=0x3400, max_codepoint=0x2A6DF, categories=["Lo"]).filter(
    lambda ch: unicodedata.normalize("NFC", ch) == ch)


@given(st.lists(st.text(_IDEOGRAPHS, min_size=1, max_size=6), min_size=1, max_size=4))
def test_ideographic_names_with_single_dots_are_kept_as_typed(parts):
    name = MIDDLE_DOT.join(parts)
    assume(len(name) <= 50)
    assert normalize_name(name) == name


@given(st.text(max_size=60))
def test_normalising_an_accepted_name_again_changes_nothing(raw):
    try:
        name = normalize_name(raw)
    except ValidationError:
        return
    assert normalize_name(name) == name
