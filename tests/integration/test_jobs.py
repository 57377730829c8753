"""The job registry is the one list of jobs: the Chalice schedules and `swreg jobs run` follow it."""
from __future__ import annotations

import pytest
from chalice.app import ScheduledEventConfig

import app as app_module
from chalicelib.cli import main
from chalicelib.services.jobs import JOBS

# Before any window, approval or SMS the suite makes: every job runs, and finds nothing to do.
LONG_AGO = "2000-01-01T00:00"


def _schedules() -> dict[str, ScheduledEventConfig]:
    return {s.name: s for s in app_module.app.event_sources if isinstance(s, ScheduledEventConfig)}


def test_every_registered_job_is_a_chalice_schedule_with_the_registrys_expression():
    assert {name: s.schedule_expression for name, s in _schedules().items()} == {
        name: job.schedule for name, job in JOBS.items()}


def test_lambda_finds_each_schedule_handler_on_app_by_its_handler_string():
    for name, schedule in _schedules().items():
        module, _, attribute = schedule.handler_string.partition(".")
        assert module == "app" and getattr(app_module, attribute) is app_module.app.handler_map[name]


@pytest.mark.parametrize("name", sorted(JOBS))
def test_every_registered_job_runs_from_the_cli(name, deps, capsys):
    assert main(["--stage", "test", "jobs", "run", name, "--now", LONG_AGO]) == 0
    assert capsys.readouterr().out.startswith(f"{name} as of 2000-01-01T00:00:00+08:00: ")

