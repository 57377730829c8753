"""The local runner reads schedule expressions the way EventBridge does."""
from datetime import datetime, timezone

import pytest
from chalice import Cron, Rate

from chalicelib.services.jobs import JOBS
from devstack.schedule import ScheduleError, next_fire

T0 = datetime(2026, 11, 26, 10, 30, 15, tzinfo=timezone.utc)  # a Thursday


@pytest.mark.parametrize("expression, expected", [
    (Rate(1, unit=Rate.MINUTES), datetime(2026, 11, 26, 10, 31, 15, tzinfo=timezone.utc)),
    (Rate(5, unit=Rate.MINUTES), datetime(2026, 11, 26, 10, 35, 15, tzinfo=timezone.utc)),
    ("rate(1 day)", datetime(2026, 11, 27, 10, 30, 15, tzinfo=timezone.utc)),
    ("cron(0 18 * * ? *)", datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)),
    ("cron(0/15 * * * ? *)", datetime(2026, 11, 26, 10, 45, tzinfo=timezone.utc)),
    (Cron(0, 2, "?", "*", "MON-FRI", "*"), datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)),
    ("cron(0 0 1 JAN ? *)", datetime(2027, 1, 1, 0, 0, tzinfo=timezone.utc)),
])
def test_next_fire_follows_rate_and_cron(expression, expected):
    assert next_fire(expression, T0) == expected


@pytest.mark.parametrize("expression", ["rate(1 week)", "cron(0 0 L * ? *)", "cron(0 0 * *)", "at(2026)"])
def test_unsupported_expressions_are_refused(expression):
    with pytest.raises(ScheduleError):
        next_fire(expression, T0)


@pytest.mark.parametrize("name", sorted(JOBS))
def test_the_local_runner_can_time_every_registered_job(name):
    assert next_fire(JOBS[name].schedule, T0) > T0
