"""An exclusive job (the SMS dispatcher) runs once at a time through its lease (`services.jobs.run`), on fakes.
The lease port itself, fake and DynamoDB: tests/integration/test_job_lease_contract.py."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest

from chalicelib.handlers import jobs as handlers
from chalicelib.services import jobs
from chalicelib.services.jobs import JOBS, TIMEOUT_MARGIN_SECONDS
from tests.fakes import FakeContinuation
from tests.unit.services.world import fake_deps

CONTEXT = SimpleNamespace(get_remaining_time_in_millis=lambda: 120_000)
DISPATCH = JOBS["sms-dispatch"]


def _dispatcher(service):
    return replace(DISPATCH, service=service)


def test_the_dispatcher_is_the_exclusive_job():
    assert [name for name, job in JOBS.items() if job.exclusive] == ["sms-dispatch"]


def test_a_run_holds_the_lease_for_its_budget_and_the_margin_and_drops_it_when_it_ends():
    deps = fake_deps()
    seen = []
    jobs.run(_dispatcher(lambda d, at, time_left: seen.append(dict(d.job_leases.held)) or {"sent": 0, "more": False}),
             deps, deps.clock.now())
    (holder, until), = seen[0].values()
    assert until == deps.clock.now() + timedelta(seconds=DISPATCH.budget_seconds + TIMEOUT_MARGIN_SECONDS)
    assert deps.job_leases.held == {}


def test_a_run_that_finds_the_lease_held_returns_busy_at_once_and_never_continues(monkeypatch):
    deps = fake_deps()
    deps.job_leases.acquire("sms-dispatch", "the other run", deps.clock.now() + timedelta(minutes=1), deps.clock.now())
    ran = []
    job = _dispatcher(lambda d, at, time_left: ran.append(at) or {"sent": 1, "more": True})
    monkeypatch.setattr(handlers.bootstrap, "deps", lambda: deps)
    assert handlers.scheduled(job)(SimpleNamespace(context=CONTEXT)) == {"busy": True}
    assert ran == [] and deps.continuation.requested == []
    assert deps.job_leases.held["sms-dispatch"][0] == "the other run"


def test_a_run_that_fails_drops_the_lease_and_one_that_dies_leaves_it_to_lapse():
    deps = fake_deps()

    def fails(d, at, time_left):
        raise RuntimeError("the provider's SDK broke")
    with pytest.raises(RuntimeError):
        jobs.run(_dispatcher(fails), deps, deps.clock.now())
    assert deps.job_leases.held == {}
    lease = timedelta(seconds=DISPATCH.budget_seconds + TIMEOUT_MARGIN_SECONDS)
    deps.job_leases.acquire("sms-dispatch", "a dead run", deps.clock.now() + lease, deps.clock.now())
    idle = _dispatcher(lambda d, at, time_left: {"sent": 0, "more": False})
    assert jobs.run(idle, deps, deps.clock.now()) == {"busy": True}
    deps.clock.advance(lease)
    assert jobs.run(idle, deps, deps.clock.now()) == {"sent": 0, "more": False}


def test_the_continuation_is_asked_for_after_the_lease_is_dropped_so_that_it_can_take_it(monkeypatch):
    held_when_asked = []

    class Continuation(FakeContinuation):
        def request(self, job):
            held_when_asked.append(dict(deps.job_leases.held))
    deps = replace(fake_deps(), continuation=Continuation())
    monkeypatch.setattr(handlers.bootstrap, "deps", lambda: deps)
    backlog = _dispatcher(lambda d, at, time_left: {"sent": 5, "more": True})
    handlers.scheduled(backlog)(SimpleNamespace(context=CONTEXT))
    assert held_when_asked == [{}]


def test_a_run_with_no_budget_from_its_caller_works_to_the_jobs_budget_within_its_lease():
    deps = fake_deps()
    budgets = []
    jobs.run(_dispatcher(lambda d, at, time_left: budgets.append(time_left()) or {"sent": 0, "more": False}),
             deps, deps.clock.now())  # as `swreg jobs run` does
    assert 0 < budgets[0] <= DISPATCH.budget_seconds
    window = JOBS["window-tick"]
    jobs.run(replace(window, service=lambda d, at, time_left: budgets.append(time_left) or {}), deps, deps.clock.now())
    assert budgets[1] is None  # a job that is not exclusive runs to the end
