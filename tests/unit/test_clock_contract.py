"""The Clock, IdGenerator and Continuation ports: one set of assertions on `tests.fakes`
(FakeClock, FakeIdGenerator, FakeContinuation) and on the real adapters (SystemClock, UuidIds, and
NextRun and SqsContinuation, the latter on an SQS client stubbed by botocore's Stubber, which checks
each request against the API model; over moto SQS: `tests/integration/test_event_runner.py`)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import boto3
import pytest
from botocore.stub import ANY, Stubber

from chalicelib.adapters.clock import SystemClock, UuidIds
from chalicelib.adapters.continuation import NextRun, SqsContinuation
from chalicelib.adapters.queues import SqsWorkQueue
from tests import fakes

URL = "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/swreg-prod-jobs"


@pytest.fixture(params=["fake", "real"])
def clock(request):
    return fakes.FakeClock(datetime(2030, 1, 1, tzinfo=timezone.utc)) if request.param == "fake" else SystemClock()


@pytest.fixture(params=["fake", "real"])
def ids(request):
    return fakes.FakeIdGenerator() if request.param == "fake" else UuidIds()


@pytest.fixture(params=["fake", "next-run", "sqs"])
def continuation(request):
    if request.param == "fake":
        yield fakes.FakeContinuation()
        return
    if request.param == "next-run":
        yield NextRun()
        return
    client = boto3.client("sqs", region_name="cn-north-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response("get_queue_url", {"QueueUrl": URL}, {"QueueName": "swreg-prod-jobs"})
        stub.add_response("send_message_batch", {"Successful": [], "Failed": []},
                          {"QueueUrl": URL, "Entries": [{"Id": "0", "MessageBody": ANY}]})
        yield SqsContinuation(SqsWorkQueue(client, "swreg-prod-jobs"))
        stub.assert_no_pending_responses()


def test_the_time_is_aware_and_never_runs_backwards(clock):
    first, second = clock.now(), clock.now()
    assert first.utcoffset() == timedelta(0)
    assert second >= first


def test_ids_are_32_hex_digits_and_never_repeat(ids):
    minted = [ids.new_id() for _ in range(100)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in minted)
    assert len(set(minted)) == 100


def test_a_continuation_is_requested_for_a_job(continuation):
    assert continuation.request("issue-certificates") is None
