"""The async-failure queue in tests: records as Lambda's on-failure destination writes them, and the real
adapter on a queue of moto's server with a stubbed Lambda."""
from __future__ import annotations

import json
import uuid

import boto3
from botocore.stub import ANY, Stubber

from chalicelib.adapters.dead_letters import SqsDeadLetterQueue

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
