"""The Clock, IdGenerator and Continuation ports: one set of assertions on `tests.fakes`
(FakeClock, FakeIdGenerator, FakeContinuation) and on the real adapters (SystemClock, UuidIds, and
NextRun and LambdaContinuation, the latter on a stubbed Lambda client as in
`tests/unit/test_continuation.py`)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import boto3
import pytest
from botocore.stub import ANY, Stubber

from chalicelib.adapters.clock import SystemClock, UuidIds
from chalicelib.adapters.continuation import LambdaContinuation, NextRun
from tests import fakes

ARN = "arn:aws:lambda:cn-north-1:123456789012:function:swreg-prod-issue-certificates"


@pytest.fixture(params=["fake", "real"])
def clock(request):
    return fakes.FakeClock(datetime(2030, 1, 1, tzinfo=timezone.utc)) if request.param == "fake" else SystemClock()


@pytest.fixture(params=["fake", "real"])
def ids(request):
    return fakes.FakeIdGenerator() if request.param == "fake" else UuidIds()


@pytest.fixture(params=["fake", "next-run", "lambda"])
def continuation(request):
    if request.param == "fake":
        yield fakes.FakeContinuation()
        return
    if request.param == "next-run":
        yield NextRun()
        return
    client = boto3.client("lambda", region_name="cn-north-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response("invoke", {"StatusCode": 202},
                          {"FunctionName": ARN, "InvocationType": "Event", "Payload": ANY})
        yield LambdaContinuation(client)
        stub.assert_no_pending_responses()


def test_the_time_is_aware_and_never_runs_backwards(clock):
    first, second = clock.now(), clock.now()
    assert first.utcoffset() == timedelta(0)
    assert second >= first


def test_ids_are_32_hex_digits_and_never_repeat(ids):
    minted = [ids.new_id() for _ in range(100)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in minted)
    assert len(set(minted)) == 100


def test_a_continuation_is_requested_for_the_running_function(continuation):
    assert continuation.request("issue-certificates", SimpleNamespace(invoked_function_arn=ARN)) is None
