"""Work queues on SQS (the `WorkQueue` port): the certificate run's work items.

The queue is found by name (`settings.queue_name`), its URL looked up once per
container. A message's body is the item as JSON. Lambda's poller receives the
messages and deletes a batch whose handler returned; `done` is for a handler
that is about to raise for part of its batch (Chalice has no partial batch
response), so what succeeded is not handed out again.
"""
from __future__ import annotations

import json
import threading
from typing import Sequence

BATCH = 10  # SendMessageBatch and DeleteMessageBatch take at most 10 entries


class WorkQueueError(Exception):
    """SQS refused entries of a batch for good (botocore has retried throttling and 5xx already)."""


class SqsWorkQueue:
    def __init__(self, sqs, queue_name: str) -> None:
        self._sqs = sqs
        self.name = queue_name
        self._url: str | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        if self._url is None:
            with self._lock:
                if self._url is None:
                    self._url = self._sqs.get_queue_url(QueueName=self.name)["QueueUrl"]
        return self._url

    def send(self, items: Sequence[dict]) -> None:
        items = list(items)
        for start in range(0, len(items), BATCH):
            response = self._sqs.send_message_batch(QueueUrl=self.url, Entries=[
                {"Id": str(n), "MessageBody": json.dumps(item, separators=(",", ":"))}
                for n, item in enumerate(items[start:start + BATCH])])
            _raise_for(response, "send")

    def done(self, receipts: Sequence[str]) -> None:
        receipts = list(receipts)
        for start in range(0, len(receipts), BATCH):
            response = self._sqs.delete_message_batch(QueueUrl=self.url, Entries=[
                {"Id": str(n), "ReceiptHandle": receipt} for n, receipt in enumerate(receipts[start:start + BATCH])])
            _raise_for(response, "delete")


def _raise_for(response: dict, doing: str) -> None:
    failed = response.get("Failed") or []
    if failed:
        first = failed[0]
        raise WorkQueueError(f"SQS refused to {doing} {len(failed)} of a batch's messages; the first: "
                             f"{first.get('Code')}: {first.get('Message', '')}")
