"""Levels, their CE hours and how long a registration lasts."""
from __future__ import annotations

import pytest

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.levels import REGISTRATION_VALID_YEARS, Level, valid_until


@pytest.mark.parametrize("level, chinese, hours", [
    (Level.ASSISTANT, "助理社会工作师", 72),
    (Level.INTERMEDIATE, "社会工作师", 90),
    (Level.SENIOR, "高级社会工作师", 90),
])
def test_each_level_has_its_chinese_name_and_ce_hours(level, chinese, hours):
    assert (level.chinese, level.ce_hours) == (chinese, hours)


@pytest.mark.parametrize("raw, level", [
    ("assistant", Level.ASSISTANT), (" senior ", Level.SENIOR), ("Intermediate", Level.INTERMEDIATE),
    ("助理社会工作师", Level.ASSISTANT), ("社会工作师", Level.INTERMEDIATE), (" 高级社会工作师\u3000", Level.SENIOR),
])
def test_level_is_parsed_from_english_or_chinese(raw, level):
    assert Level.parse(raw) is level


@pytest.mark.parametrize("raw", ["", None, "junior", "社工", "高级社会工作者"])
def test_unknown_level_is_refused(raw):
    with pytest.raises(ValidationError) as caught:
        Level.parse(raw)
    assert list(caught.value.details) == ["level"]


def test_a_registration_of_year_r_is_valid_through_r_plus_3():
    assert REGISTRATION_VALID_YEARS == 3
    assert valid_until(2019) == 2022
