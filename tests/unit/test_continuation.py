"""A job out of time sends `{"continues": "<job>"}` to the "jobs" queue, and that queue's consumer
runs the job again with a fresh budget (end to end over moto SQS: tests/integration/test_event_runner.py)."""
from __future__ import annotations

import json
import logging
from dataclasses import replace
from types import SimpleNamespace

import pytest
from chalice.app import SQSEvent

from chalicelib.adapters.continuation import SqsContinuation
from chalicelib.handlers import jobs
from chalicelib.observability import logger
from chalicelib.services.jobs import JOBS, RUN_BUDGET_SECONDS
from tests.fakes import FakeContinuation, FakeWorkQueue
from tests.unit.services.world import fake_deps

CONTEXT = SimpleNamespace(get_remaining_time_in_millis=lambda: 900_000)


def test_the_continuation_sends_the_jobs_name_to_the_queue():
    queue = FakeWorkQueue()
    SqsContinuation(queue).request("issue-certificates")
    assert queue.sent == [{"continues": "issue-certificates"}]


@pytest.fixture
def continuation(monkeypatch) -> FakeContinuation:
    recorder = FakeContinuation()
    monkeypatch.setattr(jobs.bootstrap, "deps", lambda: replace(fake_deps(), continuation=recorder))
    return recorder


def _scheduled(summary: dict) -> None:
    job = replace(JOBS["issue-certificates"], service=lambda deps, at, time_left: summary)
    jobs.scheduled(job)(SimpleNamespace(context=CONTEXT))


def test_the_job_continues_only_when_it_ran_out_of_time_after_making_progress(continuation):
    _scheduled({"enqueued": 5, "more": True})
    assert continuation.requested == ["issue-certificates"]
    _scheduled({"enqueued": 5, "more": False})
    # a run that could send nothing (say SQS is down) must not chain continuations forever
    _scheduled({"enqueued": 0, "more": True})
    assert continuation.requested == ["issue-certificates"]


def _sqs_event(*bodies: str) -> SQSEvent:
    return SQSEvent({"Records": [{"messageId": f"m{n}", "receiptHandle": f"r{n}", "body": body}
                                 for n, body in enumerate(bodies)]}, CONTEXT)


def test_a_continuation_message_runs_its_job_with_a_budget_and_continues_again_when_asked(continuation, monkeypatch):
    budgets = []

    def enqueue(deps, at, time_left):
        budgets.append(time_left())
        return {"enqueued": 3, "more": len(budgets) == 1}
    monkeypatch.setitem(JOBS, "issue-certificates", replace(JOBS["issue-certificates"], service=enqueue))
    jobs.continued(_sqs_event(json.dumps({"continues": "issue-certificates"})))
    jobs.continued(_sqs_event(json.dumps({"continues": "issue-certificates"})))
    assert len(budgets) == 2 and all(0 < left <= JOBS["issue-certificates"].budget_seconds for left in budgets)
    assert continuation.requested == ["issue-certificates"]  # the second run finished


@pytest.mark.parametrize("body", ['{"continues": "no-such-job"}', "not json", '["issue-certificates"]',
                                  '{"continues": ["sms-dispatch"]}'])
def test_a_message_naming_no_job_is_logged_and_dropped(continuation, body, caplog):
    with caplog.at_level(logging.ERROR, logger=logger.name):
        jobs.continued(_sqs_event(body))  # returns: Lambda deletes it, no retry could help
    record, = [r for r in caplog.records if r.getMessage() == "continuation names no job; dropped"]
    assert record.message_id == "m0"
    assert continuation.requested == []


def test_each_job_works_to_its_own_budget_and_stops_well_before_the_function_timeout():
    dispatcher, certificates = JOBS["sms-dispatch"], JOBS["issue-certificates"]
    assert dispatcher.budget_seconds == 55 and certificates.budget_seconds == RUN_BUDGET_SECONDS == 600
    assert 54 <= jobs.budget(dispatcher, CONTEXT)() <= 55  # the continuation function's 900 s are not its budget
    left = jobs.budget(certificates, SimpleNamespace(get_remaining_time_in_millis=lambda: 100_000))()
    assert 39 <= left <= 40  # 100 s left minus the 60 s margin
    assert jobs.budget(certificates, None)() <= 600
