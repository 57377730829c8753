"""A job out of time re-invokes its own function asynchronously with an event Chalice's schedule handler accepts.

Lambda's Invoke cannot run here (the emulator needs Docker), so the real adapter is
checked against botocore's Stubber, which validates the request against the API model.
"""
from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace

import boto3
from botocore.stub import ANY, Stubber
from chalice.app import CloudWatchEvent

from chalicelib.adapters.continuation import LambdaContinuation, NextRun
from chalicelib.handlers import jobs
from chalicelib.services.jobs import JOBS
from tests.unit.services.world import fake_deps

ARN = "arn:aws:lambda:cn-north-1:123456789012:function:swreg-prod-issue-certificates"


def test_the_continuation_invokes_the_running_function_asynchronously_with_a_scheduled_event():
    client = boto3.client("lambda", region_name="cn-north-1", aws_access_key_id="x", aws_secret_access_key="x")
    sent = {}
    with Stubber(client) as stub:
        stub.add_response("invoke", {"StatusCode": 202},
                          {"FunctionName": ARN, "InvocationType": "Event", "Payload": ANY})
        client.meta.events.register("before-parameter-build.lambda.Invoke",
                                    lambda params, **_: sent.update(json.loads(params["Payload"])))
        LambdaContinuation(client).request("issue-certificates", SimpleNamespace(invoked_function_arn=ARN))
        stub.assert_no_pending_responses()
    event = CloudWatchEvent(sent, context=None)  # what @app.schedule hands the job
    assert (event.detail_type, event.account, event.region, event.detail) == (
        "Scheduled Event", "123456789012", "cn-north-1", {"continues": "issue-certificates"})


class _Recorder(NextRun):
    def __init__(self) -> None:
        self.requests = []

    def request(self, job, context) -> None:
        self.requests.append((job, context))


def _handler_with(summary: dict, monkeypatch) -> list:
    recorder = _Recorder()
    monkeypatch.setattr(jobs.bootstrap, "deps", lambda: replace(fake_deps(), continuation=recorder))
    job = replace(JOBS["issue-certificates"], service=lambda deps, at, time_left: summary)
    jobs.scheduled(job)(SimpleNamespace(context=SimpleNamespace(get_remaining_time_in_millis=lambda: 900_000)))
    return recorder.requests


def test_the_job_continues_only_when_it_ran_out_of_time_after_making_progress(monkeypatch):
    assert len(_handler_with({"issued": 5, "skipped": 0, "failed": 0, "more": True}, monkeypatch)) == 1
    assert _handler_with({"issued": 5, "skipped": 0, "failed": 0, "more": False}, monkeypatch) == []
    # every application failing (say S3 is down) must not chain invocations forever
    assert _handler_with({"issued": 0, "skipped": 0, "failed": 9, "more": True}, monkeypatch) == []


def test_the_budget_stops_well_before_the_function_timeout():
    left = jobs.budget(SimpleNamespace(get_remaining_time_in_millis=lambda: 100_000))()
    assert 39 <= left <= 40  # 100 s left minus the 60 s margin
    assert jobs.budget(None)() <= jobs.RUN_BUDGET_SECONDS
