"""The qualification register operators import: practitioners, past registrations and CE records.

`ce_progress` tells how far the current CE cycle has come, counted as eligibility counts it.

The `parse_*` functions turn one CSV row (column name → text) into a value
object, or raise ONE `ValidationError` whose details name every bad column,
so an import report can tell the operator everything wrong with a line at once.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Callable, Iterable, Mapping

from chalicelib.domain import levels, texts
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.identity import birth_date_of, clean_text, gender_of, normalize_name, parse_id_number
from chalicelib.domain.levels import Level

MIN_YEAR, MAX_YEAR = 1990, 2100
MAX_CE_HOURS = Decimal(1000)
_TENTH = Decimal("0.1")
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CODE = re.compile(r"[A-Z0-9-]{1,40}")


@dataclass(frozen=True)
class Practitioner:
    """A row of the qualification register; the applicant can never change any of it."""

    id_number: str
    name: str
    certificate_no: str
    level: Level
    qualification_year: int

    @property
    def gender(self) -> str:
        return gender_of(self.id_number)

    @property
    def birth_date(self) -> date:
        return birth_date_of(self.id_number)


@dataclass(frozen=True)
class Registration:
    """A past registration of year R, valid through R+3."""

    id_number: str
    registration_year: int
    registration_no: str

    @property
    def valid_until(self) -> int:
        return levels.valid_until(self.registration_year)


@dataclass(frozen=True)
class CeRecord:
    """One continuing-education course on record."""

    id_number: str
    completed_on: date
    hours: Decimal
    course: str
    provider: str


def _refuse(field: str, reason: str, **params: object) -> ValidationError:
    """The ValidationError naming `field`, with the reason `texts.REASONS[reason]`."""
    return ValidationError(details={field: texts.reason(reason, **params)})


def _text(raw: object) -> str:
    """NFKC and trimmed: full-width digits in a spreadsheet cell are still digits."""
    return unicodedata.normalize("NFKC", raw).strip() if isinstance(raw, str) else ""


def parse_year(raw: object, *, field: str, label: str) -> int:
    """A four-digit year between MIN_YEAR and MAX_YEAR (text or int)."""
    value = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else _text(raw)
    if not value:
        raise _refuse(field, "REQUIRED", label=label)
    if not value.isascii() or not value.isdigit() or not MIN_YEAR <= int(value) <= MAX_YEAR:
        raise _refuse(field, "YEAR_RANGE", label=label, min_year=MIN_YEAR, max_year=MAX_YEAR)
    return int(value)


def parse_hours(raw: object, *, field: str = "hours", label: str = "学时") -> Decimal:
    """Positive CE hours with at most one decimal place, at most MAX_CE_HOURS; kept to one place."""
    if isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool):
        raw = str(raw)
    value = _text(raw)
    if not value:
        raise _refuse(field, "REQUIRED", label=label)
    wrong = {"label": label, "max_hours": MAX_CE_HOURS}
    if not _DECIMAL.fullmatch(value):
        raise _refuse(field, "HOURS_SHAPE", **wrong)
    try:
        hours = Decimal(value)
    except InvalidOperation:
        raise _refuse(field, "HOURS_SHAPE", **wrong) from None
    if hours != hours.quantize(_TENTH) or not 0 < hours <= MAX_CE_HOURS:
        raise _refuse(field, "HOURS_SHAPE", **wrong)
    return hours.quantize(_TENTH)


def parse_iso_date(raw: object, *, field: str, label: str) -> date:
    """YYYY-MM-DD only (date.fromisoformat alone would also take 20200501 and week dates)."""
    value = _text(raw)
    if not value:
        raise _refuse(field, "REQUIRED", label=label)
    if not _ISO_DATE.fullmatch(value):
        raise _refuse(field, "DATE_SHAPE", label=label)
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise _refuse(field, "DATE_SHAPE", label=label) from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise _refuse(field, "DATE_SHAPE", label=label)
    return parsed


def parse_code(raw: object, *, field: str, label: str) -> str:
    """A certificate or registration number: ASCII letters, digits and '-', upper-cased,
    whitespace removed (numbers are often printed in groups)."""
    value = "".join(_text(raw).split()).upper()
    if not value:
        raise _refuse(field, "REQUIRED", label=label)
    if not _CODE.fullmatch(value):
        raise _refuse(field, "CODE_SHAPE", label=label)
    return value


def _parse_row(row: Mapping[str, str], parsers: Mapping[str, Callable[[object], object]]) -> dict:
    values, problems = {}, {}
    for column, parse in parsers.items():
        try:
            values[column] = parse(row.get(column))
        except ValidationError as exc:
            problems.update(exc.details)
    if problems:
        raise ValidationError(details=problems)
    return values


def parse_practitioner(row: Mapping[str, str]) -> Practitioner:
    """Columns name, id_number, certificate_no, level (English or Chinese), qualification_year."""
    return Practitioner(**_parse_row(row, {
        "id_number": parse_id_number,
        "name": normalize_name,
        "certificate_no": lambda raw: parse_code(raw, field="certificate_no", label="职业水平证书管理号"),
        "level": Level.parse,
        "qualification_year": lambda raw: parse_year(raw, field="qualification_year", label="取得资格年份"),
    }))


def parse_registration(row: Mapping[str, str]) -> Registration:
    """Columns id_number, registration_year, registration_no."""
    return Registration(**_parse_row(row, {
        "id_number": parse_id_number,
        "registration_year": lambda raw: parse_year(raw, field="registration_year", label="登记年份"),
        "registration_no": lambda raw: parse_code(raw, field="registration_no", label="登记证书编号"),
    }))


def parse_ce_record(row: Mapping[str, str]) -> CeRecord:
    """Columns id_number, completed_on (YYYY-MM-DD), hours, course, provider."""
    return CeRecord(**_parse_row(row, {
        "id_number": parse_id_number,
        "completed_on": lambda raw: parse_iso_date(raw, field="completed_on", label="完成日期"),
        "hours": parse_hours,
        "course": lambda raw: clean_text(raw, field="course", label="课程名称", max_length=200),
        "provider": lambda raw: clean_text(raw, field="provider", label="培训机构", max_length=100),
    }))


def ce_hours_between(records: Iterable[CeRecord], last_registration_year: int,
                     window_closes_on: date) -> Decimal:
    """CE hours that count towards the next registration (SPEC §2.3, decision).

    A record counts when it is dated after 31 Dec of the last registration year
    and strictly before the day the window closes (that day in Asia/Shanghai):
    a course finished on the closing day itself may not be on record in time.
    """
    return sum((r.hours for r in records
                if r.completed_on.year > last_registration_year and r.completed_on < window_closes_on),
               Decimal(0))


def format_hours(hours: Decimal) -> str:
    """58 → "58", 58.5 → "58.5": hours as the applicant reads them."""
    return f"{hours.normalize():f}"


@dataclass(frozen=True)
class CeProgress:
    """CE hours of the current cycle against the level's requirement (SPEC §2.9, `GET /me`).

    The cycle starts on 1 Jan after the last registration year (`cycle_start_year`);
    someone never registered has no cycle yet (`cycle_start_year` None, no hours): the
    first registration needs no CE, and only hours after it count towards the next one.
    """

    hours: Decimal
    required: int
    cycle_start_year: int | None

    @property
    def display(self) -> str:
        """"58/72"."""
        return f"{format_hours(self.hours)}/{self.required}"


def ce_progress(practitioner: Practitioner, registrations: Iterable[Registration],
                ce_records: Iterable[CeRecord], today: date) -> CeProgress:
    """Hours dated after the last registration year up to `today` (a record dated later is not
    counted yet). The last registration is the latest of a year up to `today`'s."""
    last = max((r.registration_year for r in registrations
                if r.id_number == practitioner.id_number and r.registration_year <= today.year), default=None)
    required = practitioner.level.ce_hours
    if last is None:
        return CeProgress(Decimal(0), required, None)
    own = [r for r in ce_records if r.id_number == practitioner.id_number]
    return CeProgress(ce_hours_between(own, last, today + timedelta(days=1)), required, last + 1)
