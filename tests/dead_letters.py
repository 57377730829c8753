"""The dead-letter queues in tests: records as Lambda's on-failure destination writes them, the real
adapter on a queue of moto's server with a stubbed Lambda, and a work queue whose consumer failed an item."""
from __future__ import annotations

import json
import uuid

import boto3
from botocore.stub import ANY, Stubber

from chalicelib.adapters.dead_letters import SqsDeadLetterQueue
from chalicelib.bootstrap import MAX_RECEIVES

UPLOAD_ARN = "arn:aws-cn:lambda:cn-north-1:123456789012:function:swreg-prod-on_upload:$LATEST"


def on_failure_record(key: str = "uploads/0a1b/photo/1.jpg", *, function: str = UPLOAD_ARN) -> dict:
    """The record of an S3-triggered invocation of `function` that Lambda gave up on after three tries."""
    return {
        "version": "1.0", "timestamp": "2026-03-10T02:15:07.123Z",
        "requestContext": {"requestId": str(uuid.uuid4()), "functionArn": function,
                           "condition": "RetriesExhausted", "approximateInvokeCount": 3},
        "requestPayload": {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Post",
                                        "s3": {"bucket": {"name": "swreg-prod-files"}, "object": {"key": key}}}]},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorType": "ServiceBusyError", "errorMessage": "S3 SlowDown"},
    }


class SqsWithStubbedLambda:
    """The real adapter (`port`) on a fresh queue of moto's server at `endpoint`, its Lambda under botocore's
    Stubber (Invoke cannot run here: moto would need Docker); `replayed` is what Lambda was sent."""

    def __init__(self, endpoint: str) -> None:
        options = dict(region_name="cn-north-1", aws_access_key_id="x", aws_secret_access_key="x")
        self.sqs = boto3.client("sqs", endpoint_url=endpoint, **options)
        self.url = self.sqs.create_queue(QueueName=f"dlq-{uuid.uuid4().hex[:12]}")["QueueUrl"]
        self.lambda_ = boto3.client("lambda", **options)
        self.stub = Stubber(self.lambda_)
        self.stub.activate()
        self.replayed: list[tuple[str, dict]] = []
        self.lambda_.meta.events.register("before-parameter-build.lambda.Invoke", self._record)
        self.port = SqsDeadLetterQueue(self.sqs, self.lambda_, self.url)

    def _record(self, params, **_) -> None:
        self.replayed.append((params["FunctionName"], json.loads(params["Payload"])))

    def add(self, record: dict | str) -> str:
        body = record if isinstance(record, str) else json.dumps(record)
        return self.sqs.send_message(QueueUrl=self.url, MessageBody=body)["MessageId"]

    def expect_replay(self) -> None:
        self.stub.add_response("invoke", {"StatusCode": 202},
                               {"FunctionName": ANY, "InvocationType": "Event", "Payload": ANY})

    def refuse_next(self, code: str, message: str) -> None:
        self.stub.add_client_error("invoke", service_error_code=code, service_message=message, http_status_code=404)

    def close(self) -> None:
        self.stub.assert_no_pending_responses()
        self.stub.deactivate()
        self.sqs.delete_queue(QueueUrl=self.url)


class WorkQueueWithDlq:
    """A work queue and its `-dlq` on moto's server, redriving after MAX_RECEIVES receives as infra/ and
    `Stores.migrate` make them: the stage's queue `name` (as `Stores.migrate` made it, drained), or a
    fresh one of its own. `fail` plays a consumer that fails an item that many times; the receive after
    that is the one on which SQS moves it to the dead-letter queue."""

    def __init__(self, sqs, name: str | None = None) -> None:
        self.sqs, self.own = sqs, name is None
        self._seen: list[dict] = []
        self.name = name or f"work-{uuid.uuid4().hex[:12]}"
        if self.own:
            dead_url = sqs.create_queue(QueueName=f"{self.name}-dlq")["QueueUrl"]
            dead_arn = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["QueueArn"])["Attributes"]
            sqs.create_queue(QueueName=self.name, Attributes={"RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dead_arn["QueueArn"], "maxReceiveCount": MAX_RECEIVES})})
        self.url = sqs.get_queue_url(QueueName=self.name)["QueueUrl"]
        self.dead_url = sqs.get_queue_url(QueueName=f"{self.name}-dlq")["QueueUrl"]
        for url in (self.url, self.dead_url):
            self._drain(url)

    def fail(self, body: dict | str) -> str:
        """Send `body`, receive it three times without deleting it; returns its message id."""
        message_id = self.sqs.send_message(QueueUrl=self.url,
                                           MessageBody=body if isinstance(body, str) else json.dumps(body))["MessageId"]
        for _ in range(MAX_RECEIVES):
            [message] = self.sqs.receive_message(QueueUrl=self.url, VisibilityTimeout=0)["Messages"]
            assert message["MessageId"] == message_id
        assert "Messages" not in self.sqs.receive_message(QueueUrl=self.url, VisibilityTimeout=0)
        return message_id

    def waiting(self) -> list[dict]:
        """The work queue's messages (each then hidden for a minute, and deleted by `close`)."""
        messages = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, VisibilityTimeout=60,
                                            WaitTimeSeconds=1).get("Messages", [])
        self._seen += messages
        return messages

    def dead(self) -> int:
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.dead_url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return sum(int(value) for value in attributes.values())

    def _drain(self, url: str) -> None:
        """Delete every visible message (PurgeQueue may run once a minute per queue)."""
        while messages := self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            self.sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)])

    def close(self) -> None:
        for message in self._seen:  # hidden from `_drain`, and from the next test that reads the queue
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        for url in (self.url, self.dead_url):
            if self.own:
                self.sqs.delete_queue(QueueUrl=url)
            else:
                self._drain(url)
