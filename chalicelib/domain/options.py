"""The form's closed choices (SPEC §2.4): Beijing's 16 districts and the education levels (学历).

One source for both sides: `GET /options` lists exactly what the form
(`domain/application_form.py`) accepts, so a front end never hard-codes either
list. A district's value is its name (海淀区); an education level's value is a
stable code whose label is `texts.EDUCATION_LABELS`. The form stores the value;
an application saved before the list was closed may hold free text, which
`application_form.form_problems` asks the applicant to replace before submit.
"""
from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from chalicelib.domain import texts
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.identity import BEIJING_DISTRICTS


class Education(StrEnum):
    """学历, highest first."""

    DOCTORATE = "doctorate"
    MASTER = "master"
    BACHELOR = "bachelor"
    COLLEGE = "college"
    SECONDARY = "secondary"
    BELOW_SECONDARY = "below_secondary"

    @property
    def chinese(self) -> str:
        return texts.EDUCATION_LABELS[self.value]


class Option(NamedTuple):
    """One choice: the value the API takes and what the applicant reads."""

    value: str
    label: str


def districts() -> tuple[Option, ...]:
    return tuple(Option(name, name) for name in BEIJING_DISTRICTS)


def education_levels() -> tuple[Option, ...]:
    return tuple(Option(level.value, level.chinese) for level in Education)


def is_education(raw: object) -> bool:
    return isinstance(raw, str) and raw in Education._value2member_map_


def education_reason() -> str:
    """What is wrong with a value outside the list: every allowed one, named."""
    allowed = "、".join(f"{level.chinese}（{level.value}）" for level in Education)
    return texts.reason("EDUCATION_UNKNOWN", allowed=allowed)


def parse_education(raw: object, *, field: str = "education") -> str:
    """One of `Education`'s values (surrounding spaces ignored)."""
    value = raw.strip() if isinstance(raw, str) else raw
    if not is_education(value):
        raise ValidationError(details={field: education_reason()})
    return value
