"""Professional levels, the CE hours each needs per cycle, and how long a registration lasts."""
from __future__ import annotations

from enum import StrEnum

from chalicelib.domain import texts
from chalicelib.domain.errors import ValidationError

REGISTRATION_VALID_YEARS = 3


class Level(StrEnum):
    ASSISTANT = "assistant"
    INTERMEDIATE = "intermediate"
    SENIOR = "senior"

    @property
    def chinese(self) -> str:
        return _CHINESE[self]

    @property
    def ce_hours(self) -> int:
        """CE hours required between two registrations (manual §2.4)."""
        return _CE_HOURS[self]

    @classmethod
    def parse(cls, raw: object, *, field: str = "level") -> "Level":
        """The English value (any case) or the Chinese name, as operators' CSVs carry either."""
        value = raw.strip() if isinstance(raw, str) else ""
        level = _BY_NAME.get(value) or _BY_NAME.get(value.lower())
        if level is not None:
            return level
        raise ValidationError(details={field: texts.reason("LEVEL_UNKNOWN")})


_CHINESE = {Level.ASSISTANT: "助理社会工作师", Level.INTERMEDIATE: "社会工作师", Level.SENIOR: "高级社会工作师"}
_CE_HOURS = {Level.ASSISTANT: 72, Level.INTERMEDIATE: 90, Level.SENIOR: 90}
_BY_NAME = {**{level.value: level for level in Level}, **{level.chinese: level for level in Level}}


def valid_until(registration_year: int) -> int:
    """A registration made in year R is valid through year R+3, and renewed in that year."""
    return registration_year + REGISTRATION_VALID_YEARS
