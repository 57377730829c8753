"""Registration windows: open from opens_at inclusive to closes_at exclusive, in Asia/Shanghai."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.windows import SHANGHAI, Window, parse_window_time

OPENS = datetime(2022, 3, 1, 9, 0, tzinfo=SHANGHAI)
CLOSES = datetime(2022, 4, 1, 0, 0, tzinfo=SHANGHAI)
WINDOW = Window.create(2022, OPENS, CLOSES)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize("now, open_, closed", [
    (OPENS - SECOND, False, False),
    (OPENS, True, False),
    (CLOSES - SECOND, True, False),
    (CLOSES, False, True),
    (CLOSES + timedelta(days=400), False, True),
    (datetime(2022, 3, 31, 15, 59, 59, tzinfo=timezone.utc), True, False),
    (datetime(2022, 3, 31, 16, 0, 0, tzinfo=timezone.utc), False, True),
])
def test_window_is_open_from_opening_inclusive_to_closing_exclusive(now, open_, closed):
    assert WINDOW.is_open(now) is open_
    assert WINDOW.has_closed(now) is closed


def test_create_expresses_both_ends_in_shanghai_time():
    window = Window.create(2022, OPENS.astimezone(timezone.utc), CLOSES.astimezone(timezone.utc))
    assert window.opens_at == OPENS and window.opens_at.utcoffset() == timedelta(hours=8)
    assert window.closes_on == date(2022, 4, 1)
    assert window.certificates_due_at == CLOSES + timedelta(days=14)


@pytest.mark.parametrize("year, opens, closes, bad", [
    (2022, OPENS, OPENS, "closes_at"),
    (2022, CLOSES, OPENS, "closes_at"),
    (2022, OPENS.replace(tzinfo=None), CLOSES, "opens_at"),
    (2022, OPENS, CLOSES.replace(tzinfo=None), "closes_at"),
    (1989, OPENS, CLOSES, "year"),
    (2101, OPENS, CLOSES, "year"),
    ("2022", OPENS, CLOSES, "year"),
])
def test_inverted_naive_or_out_of_range_windows_are_refused(year, opens, closes, bad):
    with pytest.raises(ValidationError) as caught:
        Window.create(year, opens, closes)
    assert bad in caught.value.details


@pytest.mark.parametrize("iso, expected", [
    ("2022-03-01T09:00", datetime(2022, 3, 1, 9, 0, tzinfo=SHANGHAI)),
    ("2022-03-01 09:00:00", datetime(2022, 3, 1, 9, 0, tzinfo=SHANGHAI)),
    ("2022-03-01", datetime(2022, 3, 1, 0, 0, tzinfo=SHANGHAI)),
    ("2022-03-01T01:00:00Z", datetime(2022, 3, 1, 9, 0, tzinfo=SHANGHAI)),
    ("2022-03-01T09:00:00+08:00", datetime(2022, 3, 1, 9, 0, tzinfo=SHANGHAI)),
])
def test_window_times_without_offset_are_beijing_time(iso, expected):
    parsed = parse_window_time(iso)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("iso", ["", "tomorrow", "2022-13-01", None])
def test_unreadable_window_times_are_refused(iso):
    with pytest.raises(ValidationError):
        parse_window_time(iso, field="opens")
