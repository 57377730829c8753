"""The WorkQueue port: one set of assertions on `tests.fakes.FakeWorkQueue` and on `SqsWorkQueue`, whose
SQS is moto's server on loopback (the session stack's emulator, a queue per test). SQS cannot be made to
refuse one entry of a batch here, so that answer is played by botocore's Stubber, which checks each
request against SQS's API model."""
from __future__ import annotations

import json
import uuid

import boto3
import pytest
from botocore.stub import ANY, Stubber

from chalicelib.adapters.queues import SqsWorkQueue, WorkQueueError
from tests.fakes import FakeWorkQueue

OPTIONS = dict(region_name="cn-north-1", aws_access_key_id="x", aws_secret_access_key="x")


class _Sqs:
    """The real adapter on a fresh queue; `pending()` receives what is left (each hidden for a minute)."""

    def __init__(self, endpoint: str) -> None:
        self.sqs = boto3.client("sqs", endpoint_url=endpoint, **OPTIONS)
        name = f"work-{uuid.uuid4().hex[:12]}"
        self.url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        self.port = SqsWorkQueue(self.sqs, name)

    def pending(self) -> list[tuple[str, dict]]:
        held = []
        while True:
            messages = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, VisibilityTimeout=60,
                                                WaitTimeSeconds=0).get("Messages", [])
            if not messages:
                return held
            held += [(m["ReceiptHandle"], json.loads(m["Body"])) for m in messages]

    def release(self, receipts) -> None:
        for receipt in receipts:
            self.sqs.change_message_visibility(QueueUrl=self.url, ReceiptHandle=receipt, VisibilityTimeout=0)


class _Fake:
    def __init__(self) -> None:
        self.port = FakeWorkQueue()
        self.pending = self.port.pending

    def release(self, receipts) -> None:
        pass


@pytest.fixture(params=["fake", "sqs"])
def side(request):
    if request.param == "fake":
        return _Fake()
    return _Sqs(f"http://127.0.0.1:{request.getfixturevalue('stack').s3_port}")


def _items(count: int) -> list[dict]:
    return [{"application_id": f"{n:032x}", "note": "证书"} for n in range(count)]


def test_items_sent_in_many_batches_come_back_as_sent(side):
    side.port.send(_items(23))
    side.port.send([])
    assert sorted((item for _, item in side.pending()), key=lambda item: item["application_id"]) == _items(23)


def test_done_deletes_exactly_the_messages_given(side):
    side.port.send(_items(12))
    held = side.pending()
    side.port.done([receipt for receipt, _ in held[:11]])
    side.release([receipt for receipt, _ in held[11:]])
    assert [item for _, item in side.pending()] == [held[11][1]]


def test_an_entry_sqs_refuses_raises_with_its_reason():
    sqs = boto3.client("sqs", **OPTIONS)
    port = SqsWorkQueue(sqs, "swreg-test-certificates")
    with Stubber(sqs) as stub:
        stub.add_response("get_queue_url", {"QueueUrl": "https://sqs.test/1/q"},
                          {"QueueName": "swreg-test-certificates"})
        stub.add_response("send_message_batch", {"Successful": [], "Failed": [
            {"Id": "0", "SenderFault": False, "Code": "InternalError", "Message": "try later"}]},
            {"QueueUrl": "https://sqs.test/1/q", "Entries": ANY})
        with pytest.raises(WorkQueueError, match="InternalError: try later"):
            port.send(_items(1))
