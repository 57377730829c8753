"""Delivers what `chalice local` does not: S3 ObjectCreated events, scheduled invocations and SQS batches.

The runner watches the S3 emulator for new objects under every prefix an
`@app.on_s3_event` handler listens to (swreg's: `object_keys.UPLOADS_PREFIX`),
and calls that handler with the record shape AWS sends (URL-encoded key, size,
eTag, sequencer). It fires every `@app.schedule` handler when its expression
comes due, with a CloudWatch scheduled event: swreg has one per job of
`services.jobs.JOBS`, so the runner times each job by the registry's expression
and runs it through the handler Lambda runs. A handler that raises is retried
on the next polls, like AWS's two retries of an asynchronous invocation, then
given up on.

For every `@app.on_sqs_message` handler, `consumers` threads (Lambda's
concurrent invocations) poll its queue on the S3 emulator's moto server and
hand each batch to the handler in the record shape Lambda sends. As Lambda's
event source mapping does, a batch whose handler returns is deleted, and one
whose handler raises is left alone: its messages turn visible again when the
visibility timeout they were received with runs out (the queue's own, or
`visibility_timeout`, the runner's override for tests), and after the queue's
maxReceiveCount receives SQS (moto too) moves them to the dead-letter queue.
A message is handed to one consumer at a time because a receive hides it for
that timeout; moto's ReceiveMessage checks and marks visibility without a
lock, so the consumers of one queue take turns receiving (never handling).
"""
from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import quote_plus

from chalice.app import S3EventConfig, ScheduledEventConfig, SQSEventConfig
from chalice.local import LambdaContext

from devstack.schedule import expression_text, next_fire

log = logging.getLogger("devstack.runner")
MAX_ATTEMPTS = 3
POLL_SECONDS = 2  # an idle consumer's long poll: how soon it sees a new message without one


@dataclass
class _Schedule:
    name: str
    expression: Any
    due: datetime


@dataclass
class _Queue:
    url: str
    arn: str
    receiving: threading.Lock


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class EventRunner:
    def __init__(self, app, s3_client, *, region: str, clock: Callable[[], datetime] = utcnow,
                 sqs_client=None, consumers: int = 4, visibility_timeout: int | None = None) -> None:
        self._app = app
        self._s3 = s3_client
        self._sqs = sqs_client
        self._region = region
        self._clock = clock
        self._consumers = consumers
        self._visibility = {} if visibility_timeout is None else {"VisibilityTimeout": visibility_timeout}
        self._buckets = [s for s in app.event_sources if isinstance(s, S3EventConfig)]
        # Without an SQS client the queues are left alone (the browser tests' stack: uploads only).
        self._queues = [s for s in app.event_sources if isinstance(s, SQSEventConfig) and sqs_client is not None]
        start = clock()
        self._schedules = [_Schedule(s.name, s.schedule_expression, next_fire(s.schedule_expression, start))
                           for s in app.event_sources if isinstance(s, ScheduledEventConfig)]
        self._attempts: dict[tuple[str, str, str], int] = {}
        self._queue_lock = threading.Lock()
        self._resolved: dict[str, _Queue] = {}

    def describe(self) -> list[str]:
        lines = [f"S3 {s.name}: s3://{s.bucket}/{s.prefix or ''}*{s.suffix or ''}" for s in self._buckets]
        lines += [f"schedule {s.name}: {expression_text(s.expression)}" for s in self._schedules]
        lines += [f"SQS {s.name}: {_queue_name(s)} (batches of {s.batch_size}, {self._consumers} consumers)"
                  for s in self._queues]
        return lines

    def tick(self) -> None:
        """One pass: deliver new uploads, then fire the schedules that are due."""
        for source in self._buckets:
            self._poll(source)
        now = self._clock()
        for job in self._schedules:
            if now >= job.due:
                self.fire(job.name, now)
                job.due = next_fire(job.expression, now)

    def run(self, stop: threading.Event, interval: float = 1.0) -> None:
        """Tick every `interval` seconds, with the queues' consumers polling in threads, until `stop`."""
        workers = [threading.Thread(target=self._consume_until, args=(source, stop), daemon=True,
                                    name=f"sqs-{source.name}-{n}")
                   for source in self._queues for n in range(self._consumers)]
        for worker in workers:
            worker.start()
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # the emulator restarting must not end the runner
                log.exception("event runner pass failed")
            stop.wait(interval)
        for worker in workers:
            worker.join(timeout=POLL_SECONDS + 10)

    def consume(self, source: SQSEventConfig, wait: int = POLL_SECONDS) -> int:
        """One receive from `source`'s queue (waiting up to `wait` seconds for a message) and the
        batch's delivery, as Lambda's poller does it; returns how many messages were handed over."""
        queue = self._queue(source)
        with queue.receiving:
            messages = self._sqs.receive_message(
                QueueUrl=queue.url, MaxNumberOfMessages=min(source.batch_size, 10), WaitTimeSeconds=wait,
                AttributeNames=["All"], MessageAttributeNames=["All"], **self._visibility).get("Messages", [])
        if not messages:
            return 0
        try:
            self._invoke(source.name, {"Records": [self._sqs_record(m, queue.arn) for m in messages]})
        except Exception:
            log.exception("SQS handler %s failed on %d message(s); they return after their visibility timeout",
                          source.name, len(messages))
            return len(messages)
        self._sqs.delete_message_batch(QueueUrl=queue.url, Entries=[
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)])
        log.info("SQS %s: %d message(s) handled", source.name, len(messages))
        return len(messages)

    def _consume_until(self, source: SQSEventConfig, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.consume(source)
            except Exception:  # the emulator restarting must not end the consumer
                log.exception("SQS consumer of %s failed", source.name)
                stop.wait(1.0)

    def _queue(self, source: SQSEventConfig) -> _Queue:
        """The queue's URL and ARN, looked up once."""
        with self._queue_lock:
            if source.name not in self._resolved:
                url = self._sqs.get_queue_url(QueueName=_queue_name(source))["QueueUrl"]
                arn = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
                self._resolved[source.name] = _Queue(url, arn["Attributes"]["QueueArn"], threading.Lock())
            return self._resolved[source.name]

    def _sqs_record(self, message: dict, arn: str) -> dict:
        return {
            "messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"], "attributes": message.get("Attributes", {}),
            "messageAttributes": {name: {key[0].lower() + key[1:]: value for key, value in attribute.items()}
                                  for name, attribute in message.get("MessageAttributes", {}).items()},
            "md5OfBody": message["MD5OfBody"], "eventSource": "aws:sqs", "eventSourceARN": arn,
            "awsRegion": self._region,
        }

    def fire(self, name: str, now: datetime) -> Any:
        event = {
            "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
            "source": "aws.events", "account": "000000000000",
            "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": self._region,
            "resources": [f"arn:aws:events:{self._region}:000000000000:rule/{name}"], "detail": {},
        }
        summary = self._invoke(name, event)
        if isinstance(summary, dict) and any(isinstance(v, int) and v for v in summary.values()):
            log.info("job %s: %s", name, ", ".join(f"{k} {v}" for k, v in summary.items()))
        return summary

    def _poll(self, source: S3EventConfig) -> None:
        seen = set()
        pages = self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=source.bucket, Prefix=source.prefix or "")
        for page in pages:
            for obj in page.get("Contents", []):
                if source.suffix and not obj["Key"].endswith(source.suffix):
                    continue
                ident = (source.name, obj["Key"], obj["ETag"])
                seen.add(ident)
                attempts = self._attempts.get(ident, 0)
                if attempts < 0 or attempts >= MAX_ATTEMPTS:
                    continue
                try:
                    self._invoke(source.name, self._s3_event(source.bucket, obj))
                    self._attempts[ident] = -1
                    log.info("upload %s delivered to %s", obj["Key"], source.name)
                except Exception:
                    self._attempts[ident] = attempts + 1
                    log.exception("S3 handler %s failed on attempt %d", source.name, attempts + 1)
        for ident in [i for i in self._attempts if i[0] == source.name and i not in seen]:
            del self._attempts[ident]

    def _s3_event(self, bucket: str, obj: dict) -> dict:
        modified: datetime = obj["LastModified"]
        return {"Records": [{
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": self._region,
            "eventTime": modified.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "eventName": "ObjectCreated:Post",
            "userIdentity": {"principalId": "AWS:LOCAL"},
            "requestParameters": {"sourceIPAddress": "127.0.0.1"},
            "responseElements": {"x-amz-request-id": uuid.uuid4().hex[:16].upper(),
                                 "x-amz-id-2": uuid.uuid4().hex},
            "s3": {
                "s3SchemaVersion": "1.0", "configurationId": "local-runner",
                "bucket": {"name": bucket, "ownerIdentity": {"principalId": "LOCAL"},
                           "arn": f"arn:aws:s3:::{bucket}"},
                "object": {"key": quote_plus(obj["Key"], safe="/"), "size": obj["Size"],
                           "eTag": obj["ETag"].strip('"'),
                           "sequencer": f"{int(modified.timestamp() * 1e6):016X}"},
            },
        }]}

    def _invoke(self, name: str, event: dict) -> Any:
        context = LambdaContext(name, memory_size=1024, max_runtime_ms=900_000)
        return self._app.handler_map[name](event, context)


def _queue_name(source: SQSEventConfig) -> str:
    return source.queue or source.queue_arn.rpartition(":")[2]
