"""The dead-letter queues on SQS and the way back from them (`swreg jobs dlq`).

`SqsDeadLetterQueue`: Lambda sends a record of each asynchronous invocation it
gave up on (the S3-upload and scheduled functions: retries exhausted, or the
event too old) to the queue named by `SWREG_DLQ_URL`, the infra stack's
`AsyncFailureQueueUrl`. A message body is that record, JSON:
`{"timestamp", "requestContext": {"functionArn", "condition", "approximateInvokeCount"},
"requestPayload": <the original event>, "responsePayload": <the last error>}`.
A replay invokes the function again.

`SqsWorkDeadLetterQueue`: SQS itself moves a work item (`{"application_id"}`,
`{"continues"}`) that its consumer failed three times from a work queue `<name>`
to `<name>-dlq`, body unchanged. A replay sends the item back to `<name>`.
SQS's own redrive (StartMessageMoveTask) moves a whole queue and cannot pick one
message, nor does moto emulate it.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator, Sequence

from chalicelib.domain.ports import FailedInvocation, ReplayRefusedError

# SQS long-polls this many seconds before it answers "empty": a short poll samples
# only some of the queue's servers and can miss messages that are there.
WAIT_SECONDS = 1


class _SqsHeld:
    """Holding, releasing and deleting a queue's messages; a subclass reads them (`_read`) and says
    where a replay goes."""

    def __init__(self, sqs) -> None:
        self._sqs = sqs

    def _url(self) -> str:
        raise NotImplementedError

    def _read(self, message: dict) -> FailedInvocation:
        raise NotImplementedError

    def hold(self, limit: int, seconds: int) -> list[FailedInvocation]:
        response = self._sqs.receive_message(
            QueueUrl=self._url(), MaxNumberOfMessages=max(1, min(limit, 10)), VisibilityTimeout=seconds,
            WaitTimeSeconds=WAIT_SECONDS, AttributeNames=["SentTimestamp", "ApproximateReceiveCount"])
        return [self._read(message) for message in response.get("Messages", [])]

    def release(self, held: Sequence[FailedInvocation]) -> None:
        held = list(held)
        for start in range(0, len(held), 10):
            batch = held[start:start + 10]
            self._sqs.change_message_visibility_batch(QueueUrl=self._url(), Entries=[
                {"Id": str(n), "ReceiptHandle": item.receipt, "VisibilityTimeout": 0}
                for n, item in enumerate(batch)])

    def delete(self, failed: FailedInvocation) -> None:
        self._sqs.delete_message(QueueUrl=self._url(), ReceiptHandle=failed.receipt)


class SqsDeadLetterQueue(_SqsHeld):
    def __init__(self, sqs, lambda_client, queue_url: str | None) -> None:
        super().__init__(sqs)
        self._lambda = lambda_client
        self._queue_url = queue_url

    def _url(self) -> str:
        return self._queue_url

    def _read(self, message: dict) -> FailedInvocation:
        return failed_invocation(message)

    def replay(self, failed: FailedInvocation) -> None:
        if not failed.function:
            raise ReplayRefusedError("not a Lambda on-failure record: no function to invoke")
        with _refusal():
            self._lambda.invoke(FunctionName=failed.function, InvocationType="Event",
                                Payload=json.dumps(failed.event).encode())


class SqsWorkDeadLetterQueue(_SqsHeld):
    """The dead-letter queue of the work queue `queue_name`; both found by name, once."""

    def __init__(self, sqs, queue_name: str) -> None:
        super().__init__(sqs)
        self.source = queue_name
        self._urls: dict[str, str] = {}

    def _url_of(self, name: str) -> str:
        if name not in self._urls:
            self._urls[name] = self._sqs.get_queue_url(QueueName=name)["QueueUrl"]
        return self._urls[name]

    def _url(self) -> str:
        return self._url_of(f"{self.source}-dlq")

    def _read(self, message: dict) -> FailedInvocation:
        return work_item(message, self.source)

    def replay(self, failed: FailedInvocation) -> None:
        if not failed.function:
            raise ReplayRefusedError("not a work item: the body is no JSON object")
        with _refusal():
            self._sqs.send_message(QueueUrl=self._url_of(failed.function), MessageBody=json.dumps(failed.event))


@contextmanager
def _refusal() -> Iterator[None]:
    """AWS's refusal of a replay as ReplayRefusedError, with its error code and message."""
    from botocore.exceptions import BotoCoreError, ClientError
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise ReplayRefusedError(f"{error.get('Code', 'ClientError')}: {error.get('Message', '')}") from exc
    except BotoCoreError as exc:
        raise ReplayRefusedError(f"{type(exc).__name__}: {exc}") from exc


def failed_invocation(message: dict) -> FailedInvocation:
    """An SQS message read as a Lambda on-failure record; a body that is not one keeps its id and
    receipt, with no function, so it is listed (and never replayed) instead of hiding the rest."""
    try:
        record = json.loads(message.get("Body") or "")
    except ValueError:
        record = None
    if not isinstance(record, dict):
        record = {}
    context = record.get("requestContext") or {}
    event = record.get("requestPayload")
    return FailedInvocation(
        message_id=message["MessageId"],
        receipt=message["ReceiptHandle"],
        function=str(context.get("functionArn") or ""),
        failed_at=_time(record.get("timestamp")),
        condition=str(context.get("condition") or "unknown"),
        attempts=int(context.get("approximateInvokeCount") or 0),
        event=event if isinstance(event, dict) else {},
        error=_error(record.get("responsePayload")),
    )


def work_item(message: dict, source: str) -> FailedInvocation:
    """A work DLQ's message read as the item it carries, `function` the queue `source` it goes back to.
    SQS records no error, and no time of the failure: `failed_at` is when the item was first sent.
    `attempts` counts the receives before this hold: the consumer's three, and earlier listings'.
    A body that is no JSON object keeps no `function`: listed, never replayed."""
    try:
        item = json.loads(message.get("Body") or "")
    except ValueError:
        item = None
    attributes = message.get("Attributes") or {}
    sent = attributes.get("SentTimestamp")
    return FailedInvocation(
        message_id=message["MessageId"],
        receipt=message["ReceiptHandle"],
        function=source if isinstance(item, dict) else "",
        failed_at=datetime.fromtimestamp(int(sent) / 1000, timezone.utc) if sent else None,
        condition="MaxReceiveCountExceeded",
        attempts=max(int(attributes.get("ApproximateReceiveCount") or 1) - 1, 0),
        event=item if isinstance(item, dict) else {},
        error="",
    )


def _time(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _error(payload) -> str:
    """The function's last error as `Type: message` (Lambda's error payload), or ""."""
    if isinstance(payload, dict) and (payload.get("errorType") or payload.get("errorMessage")):
        return f"{payload.get('errorType', 'Error')}: {payload.get('errorMessage', '')}".strip()
    return "" if payload in (None, "", {}) else str(payload)
