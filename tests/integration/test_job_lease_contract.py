"""One set of assertions on the job-lease port, run on `tests.fakes.FakeJobLeases` and on `DynamoJobLeases`.

`services.jobs.run` relies on these for one SMS dispatcher at a time (tests/unit/test_job_lease.py).
Every test takes a job name of its own, so what another test left on DynamoDB Local is never in the way.
"""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.adapters.dynamo.leases import DynamoJobLeases
from tests.fakes import FakeJobLeases

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)


@pytest.fixture(params=["fake", "dynamodb"])
def leases(request):
    if request.param == "fake":
        return FakeJobLeases()
    request.getfixturevalue("deps")  # DynamoDB Local, the tables bound
    return DynamoJobLeases()


@pytest.fixture
def job() -> str:
    return f"job-{uuid.uuid4().hex[:8]}"


def test_a_free_lease_is_taken_and_refused_to_others_until_it_lapses(leases, job):
    assert leases.acquire(job, "a", NOW + MINUTE, NOW)
    assert not leases.acquire(job, "b", NOW + 2 * MINUTE, NOW + MINUTE - timedelta(seconds=1))
    assert leases.acquire(job, "b", NOW + 2 * MINUTE, NOW + MINUTE)  # lapsed: its `until` has come
    assert not leases.acquire(job, "a", NOW + 3 * MINUTE, NOW + MINUTE)


def test_the_holder_takes_its_own_lease_again_and_leases_of_other_jobs_are_apart(leases, job):
    assert leases.acquire(job, "a", NOW + MINUTE, NOW)
    assert leases.acquire(job, "a", NOW + 2 * MINUTE, NOW)
    assert not leases.acquire(job, "b", NOW + 2 * MINUTE, NOW + MINUTE)  # the renewal holds to its new `until`
    assert leases.acquire(f"{job}-other", "b", NOW + MINUTE, NOW)


def test_a_release_frees_the_lease_only_for_its_holder(leases, job):
    assert leases.acquire(job, "a", NOW + MINUTE, NOW)
    leases.release(job, "b")
    assert not leases.acquire(job, "b", NOW + MINUTE, NOW)
    leases.release(job, "a")
    assert leases.acquire(job, "b", NOW + MINUTE, NOW)
    leases.release(job, "a")  # a lapsed holder releasing after another took it changes nothing
    assert not leases.acquire(job, "c", NOW + MINUTE, NOW)
    leases.release(f"{job}-never-taken", "a")


@pytest.mark.parametrize("lapsed", [False, True], ids=["free", "lapsed"])
def test_of_eight_runs_taking_the_lease_at_once_exactly_one_wins(leases, job, lapsed):
    if lapsed:
        assert leases.acquire(job, "dead run", NOW, NOW - MINUTE)
    start = threading.Barrier(8, timeout=10)

    def take(holder: str) -> bool:
        start.wait()
        return leases.acquire(job, holder, NOW + MINUTE, NOW)
    with ThreadPoolExecutor(8) as pool:
        won = list(pool.map(take, [f"run{n}" for n in range(8)]))
    assert won.count(True) == 1
