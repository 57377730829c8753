"""What a helpdesk query can be (every plausible kind of exact key), how it is masked for the audit,
and the audit listing's filters."""
from __future__ import annotations

import re

import pytest

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.helpdesk_search import (
    MAX_QUERY_LENGTH, AuditQuery, SearchKind, SearchQuery, search_keys)
from tests.ids import make_id

K = SearchKind
CJK = re.compile(r"[\u4e00-\u9fff]")
ID = make_id(seq=12)


def _kinds(raw: str) -> list[SearchKind]:
    return [key.kind for key in search_keys(raw)]


@pytest.mark.parametrize("raw, kinds", [
    (ID, [K.ID_NUMBER, K.REGISTRATION_NO, K.CERTIFICATE_NO]),  # a valid ID is also a well-formed code
    ("13812345678", [K.PHONE, K.REGISTRATION_NO, K.CERTIFICATE_NO]),
    ("BJ2026000123", [K.REGISTRATION_NO, K.CERTIFICATE_NO]),  # letters and digits: never a name
    ("Z2019000001", [K.REGISTRATION_NO, K.CERTIFICATE_NO]),
    ("周晓梅", [K.NAME]),
    ("阿依古丽·买买提", [K.NAME]),
    ("ABC", [K.REGISTRATION_NO, K.CERTIFICATE_NO, K.NAME]),  # a certificate number that looks like a name
])
def test_a_query_is_tried_as_every_kind_of_key_its_shape_allows(raw, kinds):
    assert _kinds(raw) == kinds


def test_an_eighteen_character_number_with_a_wrong_check_character_is_no_id_number():
    wrong = ID[:17] + ("0" if ID[17] != "0" else "1")
    assert K.ID_NUMBER not in _kinds(wrong)


def test_keys_are_canonical_as_the_register_stores_them():
    keys = {key.kind: key.value for key in search_keys(f" {ID[:17]}{ID[17].lower()} ")}
    assert keys[K.ID_NUMBER] == ID
    assert {key.kind: key.value for key in search_keys("+86 138-1234-5678")}[K.PHONE] == "13812345678"
    assert {key.kind: key.value for key in search_keys("bj2026 000123")}[K.REGISTRATION_NO] == "BJ2026000123"
    assert {key.kind: key.value for key in search_keys("周 晓梅")}[K.NAME] == "周晓梅"


@pytest.mark.parametrize("raw, reason", [
    ("", "请输入"), ("   ", "请输入"), (None, "请输入"), (42, "请输入"),
    ("周" * (MAX_QUERY_LENGTH + 1), f"不能超过{MAX_QUERY_LENGTH}个字"),
    ("!!!", "无法识别"),
])
def test_an_empty_overlong_or_unrecognisable_query_is_refused_on_q_in_chinese(raw, reason):
    with pytest.raises(ValidationError) as refused:
        SearchQuery.from_query({"q": raw})
    assert refused.value.code == "SEARCH_QUERY_INVALID"
    assert reason in refused.value.details["q"]


def test_a_missing_query_is_refused_as_an_empty_one():
    with pytest.raises(ValidationError):
        SearchQuery.from_query(None)


@pytest.mark.parametrize("raw, masked", [
    (ID, f"{ID[:6]}********{ID[-4:]}"),
    ("13812345678", "138****5678"),
    ("周晓梅", "周*"),
    ("ABC", "A*"),
    ("BJ2026000123", "BJ2026000123"),  # a registration number is no personal data
    ("110101199001011230", "110***********1230"),  # a mistyped ID number (wrong check character)
])
def test_the_audit_holds_the_query_masked_as_its_most_sensitive_plausible_kind(raw, masked):
    query = SearchQuery.from_query({"q": raw})
    assert query.masked() == masked
    action = query.audit_action(2)
    assert masked in action and action.endswith(": 2 found")
    assert all(kind.value in action for kind in query.kinds)
    if raw not in ("BJ2026000123", "ABC"):
        assert raw not in action


def test_every_kind_has_a_chinese_name():
    assert all(CJK.search(kind.chinese) for kind in SearchKind)


def test_audit_filters_are_optional_trimmed_and_bounded():
    assert AuditQuery.from_query({}) == AuditQuery(None, None)
    assert AuditQuery.from_query({"subject": " search#adm1 ", "actor": ""}) == AuditQuery("search#adm1", None)
    assert AuditQuery.from_query({"actor": "adm1"}) == AuditQuery(None, "adm1")
    with pytest.raises(ValidationError) as refused:
        AuditQuery.from_query({"subject": "x" * 201, "actor": "y" * 201})
    assert refused.value.code == "AUDIT_QUERY_INVALID"
    assert set(refused.value.details) == {"subject", "actor"}
    assert all(CJK.search(reason) for reason in refused.value.details.values())
