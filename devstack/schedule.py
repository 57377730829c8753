"""When a CloudWatch/EventBridge schedule expression fires next (UTC), for the local runner.

Supports `rate(N unit)` and `cron(min hour dom month dow year)` with `*`, `?`,
lists, ranges, steps and month/day names; AWS's `L`, `W` and `#` are refused
rather than silently misread.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {n: i for i, n in enumerate(
    "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), start=1)}
_DAYS = {n: i for i, n in enumerate("SUN MON TUE WED THU FRI SAT".split(), start=1)}


class ScheduleError(ValueError):
    """An expression the runner cannot interpret."""


def expression_text(expression) -> str:
    """Chalice takes a string or a Rate/Cron object; both end up as AWS's text form."""
    return expression if isinstance(expression, str) else expression.to_string()


def next_fire(expression, after: datetime) -> datetime:
    """The first firing strictly after `after` (rates count from `after`)."""
    text = expression_text(expression).strip()
    rate = _RATE.match(text)
    if rate:
        seconds = int(rate.group(1)) * _UNITS[rate.group(2).rstrip("s")]
        return after + timedelta(seconds=seconds)
    cron = _CRON.match(text)
    if cron:
        return _next_cron(cron.group(1).split(), after)
    raise ScheduleError(f"unsupported schedule expression {text!r}")


def _field(spec: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    if spec in ("*", "?"):
        return set(range(low, high + 1))
    values: set[int] = set()
    for part in spec.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            start, end = (_value(p, names) for p in part.split("-", 1))
        else:
            start = _value(part, names)
            end = high if step > 1 else start
        values.update(range(start, end + 1, step))
    if not values or min(values) < low or max(values) > high:
        raise ScheduleError(f"cron field {spec!r} is outside {low}-{high}")
    return values


def _value(text: str, names: dict[str, int] | None) -> int:
    if names and text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise ScheduleError(f"unsupported cron token {text!r}")
    return int(text)


def _next_cron(fields: list[str], after: datetime) -> datetime:
    if len(fields) != 6:
        raise ScheduleError("cron needs six fields: minutes hours day-of-month month day-of-week year")
    minutes = _field(fields[0], 0, 59)
    hours = _field(fields[1], 0, 23)
    any_dom, any_dow = fields[2] in ("*", "?"), fields[4] in ("*", "?")
    doms = _field(fields[2], 1, 31)
    months = _field(fields[3], 1, 12, _MONTHS)
    dows = _field(fields[4], 1, 7, _DAYS)
    years = _field(fields[5], 1970, 2199)
    start = after.astimezone(timezone.utc).replace(second=0, microsecond=0) + timedelta(minutes=1)
    day = start.replace(hour=0, minute=0)
    for _ in range(366 * 5):
        aws_dow = (day.weekday() + 1) % 7 + 1
        day_ok = (any_dom or day.day in doms) and (any_dow or aws_dow in dows)
        if day.year in years and day.month in months and day_ok:
            for hour in sorted(hours):
                for minute in sorted(minutes):
                    candidate = day.replace(hour=hour, minute=minute)
                    if candidate >= start:
                        return candidate
        day += timedelta(days=1)
    raise ScheduleError("cron expression never fires in the next five years")
