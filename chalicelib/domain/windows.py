"""Registration windows: one per year, open from `opens_at` (inclusive) to `closes_at` (exclusive)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.register import MAX_YEAR, MIN_YEAR
from chalicelib.domain.texts import reason

SHANGHAI = ZoneInfo("Asia/Shanghai")
# E-certificates are generated 14 days after the window closes (manual §2.2).
CERTIFICATE_DELAY = timedelta(days=14)


def _is_aware(moment: object) -> bool:
    return isinstance(moment, datetime) and moment.utcoffset() is not None


@dataclass(frozen=True)
class Window:
    """The year's registration window; both ends are timezone-aware instants.

    Constructing one checks its invariants (raises ValidationError); use
    `Window.create` to also express both ends in Asia/Shanghai.
    """

    year: int
    opens_at: datetime
    closes_at: datetime

    def __post_init__(self) -> None:
        problems = {}
        if isinstance(self.year, bool) or not isinstance(self.year, int) or not MIN_YEAR <= self.year <= MAX_YEAR:
            problems["year"] = reason("WINDOW_YEAR_RANGE", min_year=MIN_YEAR, max_year=MAX_YEAR)
        for name in ("opens_at", "closes_at"):
            if not _is_aware(getattr(self, name)):
                problems[name] = reason("TIME_WITHOUT_ZONE")
        if not problems and self.closes_at <= self.opens_at:
            problems["closes_at"] = reason("WINDOW_CLOSES_BEFORE_OPENING")
        if problems:
            raise ValidationError(details=problems)

    @classmethod
    def create(cls, year: int, opens_at: datetime, closes_at: datetime) -> "Window":
        """Validated, with both ends converted to Asia/Shanghai (naive datetimes refused)."""
        window = cls(year, opens_at, closes_at)
        return cls(year, window.opens_at.astimezone(SHANGHAI), window.closes_at.astimezone(SHANGHAI))

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at

    def has_closed(self, now: datetime) -> bool:
        return now >= self.closes_at

    @property
    def closes_on(self) -> date:
        """The calendar day (Asia/Shanghai) the window closes: the CE cut-off."""
        return self.closes_at.astimezone(SHANGHAI).date()

    @property
    def certificates_due_at(self) -> datetime:
        """When approved applications of this window get their e-certificates."""
        return self.closes_at + CERTIFICATE_DELAY


def parse_window_time(iso: object, *, field: str = "time") -> datetime:
    """An ISO 8601 date or date-time; without an offset it is Asia/Shanghai time
    (a bare date means its midnight there). Returned in Asia/Shanghai."""
    if not isinstance(iso, str) or not iso.strip():
        raise ValidationError(details={field: reason("TIME_FORMAT")})
    try:
        moment = datetime.fromisoformat(iso.strip())
    except ValueError:
        raise ValidationError(details={field: reason("TIME_FORMAT")}) from None
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(SHANGHAI)
