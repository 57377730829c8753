"""The async-failure queue on SQS and the replay through Lambda (`swreg jobs dlq`).

Lambda sends a record of each asynchronous invocation it gave up on (the S3-upload
and scheduled functions: retries exhausted, or the event too old) to the queue
named by `SWREG_DLQ_URL`, the infra stack's `AsyncFailureQueueUrl`. A message
body is that record, JSON:
`{"timestamp", "requestContext": {"functionArn", "condition", "approximateInvokeCount"},
"requestPayload": <the original event>, "responsePayload": <the last error>}`.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Sequence

from chalicelib.domain.ports import FailedInvocation, ReplayRefusedError

# SQS long-polls this many seconds before it answers "empty": a short poll samples
# only some of the queue's servers and can miss messages that are there.
WAIT_SECONDS = 1


class SqsDeadLetterQueue:
    def __init__(self, sqs, lambda_client, queue_url: str | None) -> None:
        self._sqs = sqs
        self._lambda = lambda_client
        self._url = queue_url

    def hold(self, limit: int, seconds: int) -> list[FailedInvocation]:
        response = self._sqs.receive_message(
            QueueUrl=self._url, MaxNumberOfMessages=max(1, min(limit, 10)), VisibilityTimeout=seconds,
            WaitTimeSeconds=WAIT_SECONDS)
        return [failed_invocation(message) for message in response.get("Messages", [])]

    def release(self, held: Sequence[FailedInvocation]) -> None:
        held = list(held)
        for start in range(0, len(held), 10):
            batch = held[start:start + 10]
            self._sqs.change_message_visibility_batch(QueueUrl=self._url, Entries=[
                {"Id": str(n), "ReceiptHandle": item.receipt, "VisibilityTimeout": 0}
                for n, item in enumerate(batch)])

    def replay(self, failed: FailedInvocation) -> None:
        from botocore.exceptions import BotoCoreError, ClientError
        if not failed.function:
            raise ReplayRefusedError("not a Lambda on-failure record: no function to invoke")
        try:
            self._lambda.invoke(FunctionName=failed.function, InvocationType="Event",
                                Payload=json.dumps(failed.event).encode())
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise ReplayRefusedError(f"{error.get('Code', 'ClientError')}: {error.get('Message', '')}") from exc
        except BotoCoreError as exc:
            raise ReplayRefusedError(f"{type(exc).__name__}: {exc}") from exc

    def delete(self, failed: FailedInvocation) -> None:
        self._sqs.delete_message(QueueUrl=self._url, ReceiptHandle=failed.receipt)


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
