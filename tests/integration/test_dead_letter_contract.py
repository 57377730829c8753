"""The DeadLetterQueue port: one set of assertions on `tests.fakes.FakeDeadLetterQueue` and on
`SqsDeadLetterQueue`, whose SQS is moto's server on loopback (the session stack's emulator, a queue
per test) and whose Lambda is a client under botocore's Stubber: Invoke cannot run here (moto would
need Docker), and the Stubber checks each request against Lambda's API model. Then what differs for
`SqsWorkDeadLetterQueue`, a work queue's dead-letter queue, on moto's SQS alone."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import boto3
import pytest

from chalicelib.adapters.dead_letters import SqsWorkDeadLetterQueue
from chalicelib.domain.ports import ReplayRefusedError
from tests.dead_letters import UPLOAD_ARN, SqsWithStubbedLambda, WorkQueueWithDlq, on_failure_record
from tests.fakes import FakeDeadLetterQueue


class _Fake:
    def __init__(self) -> None:
        self.port = FakeDeadLetterQueue()
        self.add, self.refuse_next = self.port.add, self.port.refuse_next

    @property
    def replayed(self):
        return self.port.replayed

    def expect_replay(self) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.fixture(params=["fake", "sqs"])
def side(request):
    if request.param == "fake":
        chosen = _Fake()
    else:
        chosen = SqsWithStubbedLambda(f"http://127.0.0.1:{request.getfixturevalue('stack').s3_port}")
    yield chosen
    chosen.close()


def test_held_records_come_back_whole_and_stay_hidden_until_released(side):
    first, second = side.add(on_failure_record("uploads/a/1.jpg")), side.add(on_failure_record("uploads/b/2.jpg"))

    held = side.port.hold(10, 60)

    assert sorted(item.message_id for item in held) == sorted([first, second])
    item = next(item for item in held if item.message_id == first)
    assert (item.function, item.condition, item.attempts, item.error) == (
        UPLOAD_ARN, "RetriesExhausted", 3, "ServiceBusyError: S3 SlowDown")
    assert item.failed_at == datetime(2026, 3, 10, 2, 15, 7, 123000, tzinfo=timezone.utc)
    assert item.event == on_failure_record("uploads/a/1.jpg")["requestPayload"]
    assert side.port.hold(10, 60) == []
    side.port.release(held)
    assert sorted(item.message_id for item in side.port.hold(10, 60)) == sorted([first, second])


def test_hold_hands_out_at_most_the_limit(side):
    for n in range(3):
        side.add(on_failure_record(f"uploads/{n}/1.jpg"))

    assert len(side.port.hold(2, 60)) == 2
    assert len(side.port.hold(2, 60)) == 1


def test_a_replay_invokes_the_function_asynchronously_with_the_original_event_and_delete_removes_it(side):
    side.add(on_failure_record("uploads/c/3.jpg"))
    side.expect_replay()
    [item] = side.port.hold(10, 60)

    side.port.replay(item)
    side.port.delete(item)

    assert side.replayed == [(UPLOAD_ARN, on_failure_record("uploads/c/3.jpg")["requestPayload"])]
    side.port.release([item])  # a deleted message does not come back
    assert side.port.hold(10, 60) == []


def test_a_refused_replay_raises_with_lambdas_reason_and_the_message_stays(side):
    side.add(on_failure_record())
    side.refuse_next("ResourceNotFoundException", "Function not found")
    [item] = side.port.hold(10, 60)

    with pytest.raises(ReplayRefusedError) as refused:
        side.port.replay(item)

    assert refused.value.reason == "ResourceNotFoundException: Function not found"
    side.port.release([item])
    assert [again.message_id for again in side.port.hold(10, 60)] == [item.message_id]


def test_a_message_that_is_not_an_on_failure_record_is_held_like_any_other_but_never_replayed(side):
    message_id = side.add("not json at all")

    [item] = side.port.hold(10, 60)

    assert (item.message_id, item.function, item.event, item.failed_at, item.attempts) == (
        message_id, "", {}, None, 0)
    with pytest.raises(ReplayRefusedError):
        side.port.replay(item)
    assert side.replayed == []


# --- a work queue's dead-letter queue: the same port, items SQS moved there, replayed to their queue ---------
# Its holding, releasing and deleting are the async queue's (one SQS base); these tests pin what differs.


@pytest.fixture
def work(stack):
    sqs = boto3.client("sqs", endpoint_url=f"http://127.0.0.1:{stack.s3_port}", region_name="cn-north-1",
                       aws_access_key_id="x", aws_secret_access_key="x")
    queues = WorkQueueWithDlq(sqs)
    yield queues
    queues.close()


def test_an_item_failed_three_times_is_held_from_the_dlq_as_the_item_bound_for_its_queue(work):
    before = datetime.now(timezone.utc).replace(microsecond=0)
    message_id = work.fail({"application_id": "0a1b2c"})
    port = SqsWorkDeadLetterQueue(work.sqs, work.name)

    [item] = port.hold(10, 60)

    assert (item.message_id, item.function, item.event, item.condition, item.attempts, item.error) == (
        message_id, work.name, {"application_id": "0a1b2c"}, "MaxReceiveCountExceeded", 3, "")
    assert before <= item.failed_at <= datetime.now(timezone.utc)  # when it was sent: SQS keeps no failure time
    assert port.hold(10, 60) == []
    port.release([item])
    assert [again.attempts for again in port.hold(10, 60)] == [4]  # this listing's receive counts too


def test_a_replayed_item_is_back_on_its_queue_and_delete_takes_it_off_the_dlq(work):
    work.fail({"continues": "issue-certificates"})
    port = SqsWorkDeadLetterQueue(work.sqs, work.name)
    [item] = port.hold(10, 60)

    port.replay(item)
    port.delete(item)

    assert [json.loads(m["Body"]) for m in work.waiting()] == [{"continues": "issue-certificates"}]
    assert work.dead() == 0


def test_a_dead_letter_that_is_no_work_item_is_listed_but_never_replayed(work):
    message_id = work.fail("not json at all")
    port = SqsWorkDeadLetterQueue(work.sqs, work.name)

    [item] = port.hold(10, 60)

    assert (item.message_id, item.function, item.event) == (message_id, "", {})
    with pytest.raises(ReplayRefusedError, match="not a work item"):
        port.replay(item)
    assert work.waiting() == []


def test_a_replay_to_a_queue_that_is_gone_is_refused_with_sqss_reason(work):
    work.fail({"application_id": "0a1b2c"})
    port = SqsWorkDeadLetterQueue(work.sqs, work.name)
    [item] = port.hold(10, 60)
    work.sqs.delete_queue(QueueUrl=work.url)

    with pytest.raises(ReplayRefusedError, match="NonExistentQueue"):
        port.replay(item)
    work.url = work.sqs.create_queue(QueueName=work.name)["QueueUrl"]  # for close()
