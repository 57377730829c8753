"""Register rows as operators' CSVs carry them, and which CE hours count."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.levels import Level
from chalicelib.domain.register import (
    CeRecord,
    Practitioner,
    Registration,
    ce_hours_between,
    format_hours,
    parse_ce_record,
    parse_practitioner,
    parse_registration,
)
from tests.ids import make_id

PERSON = make_id()


def test_a_practitioner_row_is_parsed_and_normalised():
    row = {"name": " 阿依古丽・买买提 ", "id_number": PERSON.lower(), "certificate_no": " z2019 0000123 ",
           "level": "助理社会工作师", "qualification_year": "２０１８"}
    assert parse_practitioner(row) == Practitioner(PERSON, "阿依古丽·买买提", "Z20190000123", Level.ASSISTANT, 2018)


def test_gender_and_birth_date_of_a_practitioner_follow_from_the_id_number():
    person = Practitioner(make_id(birth="19851120", seq=12), "李娜", "Z1", Level.SENIOR, 2010)
    assert (person.gender, person.birth_date) == ("female", date(1985, 11, 20))


def test_a_bad_practitioner_row_names_every_bad_column_at_once():
    row = {"name": "王\u200b伟", "id_number": "110101199003077714", "certificate_no": "",
           "level": "junior", "qualification_year": "1989"}
    with pytest.raises(ValidationError) as caught:
        parse_practitioner(row)
    assert set(caught.value.details) == {"name", "id_number", "certificate_no", "level", "qualification_year"}


def test_a_missing_column_is_reported_like_an_empty_cell():
    with pytest.raises(ValidationError) as caught:
        parse_practitioner({"name": "王伟", "id_number": PERSON, "level": "senior", "qualification_year": "2018"})
    assert set(caught.value.details) == {"certificate_no"}


@pytest.mark.parametrize("year, ok", [("1990", True), ("2100", True), ("1989", False), ("2101", False),
                                      ("20l9", False), ("2019.0", False), ("", False)])
def test_registration_years_lie_between_1990_and_2100(year, ok):
    row = {"id_number": PERSON, "registration_year": year, "registration_no": "BJ2019-000001"}
    if ok:
        assert parse_registration(row) == Registration(PERSON, int(year), "BJ2019-000001")
    else:
        with pytest.raises(ValidationError) as caught:
            parse_registration(row)
        assert set(caught.value.details) == {"registration_year"}


def test_a_registration_is_valid_through_three_years_after():
    assert Registration(PERSON, 2019, "R").valid_until == 2022


def test_registration_numbers_are_letters_digits_and_hyphens():
    with pytest.raises(ValidationError) as caught:
        parse_registration({"id_number": PERSON, "registration_year": "2019", "registration_no": "BJ/2019"})
    assert set(caught.value.details) == {"registration_no"}


def _ce_row(**changes) -> dict:
    row = {"id_number": PERSON, "completed_on": "2020-05-01", "hours": "12.5", "course": "社会工作伦理",
           "provider": "北京社会工作者协会"}
    row.update(changes)
    return row


def test_a_ce_record_row_is_parsed():
    assert parse_ce_record(_ce_row()) == CeRecord(PERSON, date(2020, 5, 1), Decimal("12.5"), "社会工作伦理",
                                                  "北京社会工作者协会")


@pytest.mark.parametrize("hours, expected", [
    ("12.5", "12.5"), ("12", "12.0"), ("0.1", "0.1"), ("1000", "1000.0"), ("12.50", "12.5"), ("１２", "12.0"),
])
def test_ce_hours_are_positive_with_at_most_one_decimal_place(hours, expected):
    assert parse_ce_record(_ce_row(hours=hours)).hours == Decimal(expected)


@pytest.mark.parametrize("hours", ["0", "0.0", "-1", "12.25", "1000.1", "1e2", "NaN", "Infinity", "十二", ""])
def test_other_ce_hours_are_refused(hours):
    with pytest.raises(ValidationError) as caught:
        parse_ce_record(_ce_row(hours=hours))
    assert set(caught.value.details) == {"hours"}


@pytest.mark.parametrize("completed_on", ["2020/05/01", "20200501", "2020-W18-5", "2020-02-30", "1989-12-31", ""])
def test_ce_dates_must_be_real_iso_dates(completed_on):
    with pytest.raises(ValidationError) as caught:
        parse_ce_record(_ce_row(completed_on=completed_on))
    assert set(caught.value.details) == {"completed_on"}


def test_a_ce_row_missing_course_and_provider_names_both():
    with pytest.raises(ValidationError) as caught:
        parse_ce_record(_ce_row(course=" ", provider=""))
    assert set(caught.value.details) == {"course", "provider"}


def _record(on: date, hours: str) -> CeRecord:
    return CeRecord(PERSON, on, Decimal(hours), "课程", "机构")


@pytest.mark.parametrize("completed_on, counts", [
    (date(2019, 12, 31), False),   # still in the registration year L
    (date(2020, 1, 1), True),      # the first day after L
    (date(2022, 3, 31), True),     # the day before the window closes
    (date(2022, 4, 1), False),     # the closing day itself
    (date(2022, 6, 1), False),
])
def test_ce_hours_count_after_the_registration_year_and_before_the_closing_day(completed_on, counts):
    total = ce_hours_between([_record(completed_on, "10")], 2019, date(2022, 4, 1))
    assert total == (Decimal(10) if counts else Decimal(0))


def test_ce_hours_add_up():
    records = [_record(date(2020, 1, 1), "30.5"), _record(date(2021, 6, 1), "27.5"), _record(date(2018, 1, 1), "99")]
    assert ce_hours_between(records, 2019, date(2022, 4, 1)) == Decimal(58)


@pytest.mark.parametrize("hours, shown", [("58.0", "58"), ("58.5", "58.5"), ("100.0", "100"), ("0", "0")])
def test_hours_are_shown_without_a_trailing_zero(hours, shown):
    assert format_hours(Decimal(hours)) == shown
