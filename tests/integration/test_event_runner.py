"""The local event runner delivers what `chalice local` cannot: S3 uploads, schedules and SQS batches.

A small probe app stands in for the real handlers; the upload goes through a
presigned POST to the S3 emulator, exactly as a browser would send it, and the
queues live on the emulator's moto server, each with a dead-letter queue after
3 receives as infra/ defines them.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
import urllib3
from chalice import Chalice, Rate
from chalice.app import SQSEventConfig

from chalicelib import bootstrap
from chalicelib.adapters.continuation import SqsContinuation
from chalicelib.adapters.queues import SqsWorkQueue
from chalicelib.services.jobs import JOBS
from devstack.event_runner import MAX_ATTEMPTS, EventRunner
from tests.dead_letters import WorkQueueWithDlq


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now


@pytest.fixture
def probe(deps):
    app = Chalice(app_name="runner-probe")
    app.seen, app.ticks, app.failures = [], [], {"left": 0}

    @app.on_s3_event(bucket=deps.settings.bucket, prefix="probe-uploads/", events=["s3:ObjectCreated:*"])
    def on_upload(event):
        if app.failures["left"]:
            app.failures["left"] -= 1
            raise RuntimeError("transient")
        app.seen.append((event.bucket, event.key, event.context.function_name))

    @app.schedule(Rate(1, unit=Rate.MINUTES))
    def every_minute(event):
        app.ticks.append(event.time)

    return app


def _presigned_post(s3, bucket, key, body):
    post = s3.generate_presigned_post(Bucket=bucket, Key=key, ExpiresIn=300,
                                      Conditions=[["content-length-range", 1, 10 * 1024 * 1024]])
    fields = dict(post["fields"], file=("photo.jpg", body, "image/jpeg"))
    response = urllib3.request("POST", post["url"], fields=fields)
    assert response.status in (200, 204), response.data


def test_an_upload_through_a_presigned_post_reaches_the_s3_handler_once(deps, s3, probe):
    bucket = deps.settings.bucket
    key = "probe-uploads/app-1/id_photo/upload 1+x.jpg"
    _presigned_post(s3, bucket, key, b"\xff\xd8 not really a jpeg")
    s3.put_object(Bucket=bucket, Key="elsewhere/ignored.jpg", Body=b"x")
    runner = EventRunner(probe, s3, region="us-east-1")
    runner.tick()
    runner.tick()
    assert probe.seen == [(bucket, key, "on_upload")]
    s3.delete_object(Bucket=bucket, Key=key)
    s3.delete_object(Bucket=bucket, Key="elsewhere/ignored.jpg")


def test_a_failing_s3_handler_is_retried_then_given_up(deps, s3, probe):
    bucket = deps.settings.bucket
    key = "probe-uploads/app-2/id_photo/u2.jpg"
    s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    runner = EventRunner(probe, s3, region="us-east-1")
    probe.failures["left"] = 1
    runner.tick()
    runner.tick()
    assert [seen[1] for seen in probe.seen] == [key]
    probe.seen.clear()
    probe.failures["left"] = MAX_ATTEMPTS + 5
    other = "probe-uploads/app-2/id_photo/u3.jpg"
    s3.put_object(Bucket=bucket, Key=other, Body=b"x")
    for _ in range(MAX_ATTEMPTS + 2):
        runner.tick()
    assert probe.seen == [] and probe.failures["left"] == 5
    s3.delete_object(Bucket=bucket, Key=key)
    s3.delete_object(Bucket=bucket, Key=other)


def test_a_scheduled_handler_fires_when_due_with_a_cloudwatch_event(s3, probe):
    clock = Clock()
    runner = EventRunner(probe, s3, region="us-east-1", clock=clock)
    runner.tick()
    assert probe.ticks == []
    clock.now += timedelta(seconds=61)
    runner.tick()
    runner.tick()
    assert probe.ticks == ["2026-11-26T02:01:01Z"]


def test_the_runner_fires_every_registered_job_on_the_registrys_schedule(s3):
    from app import app
    from chalicelib.services.jobs import JOBS
    lines = EventRunner(app, s3, region="us-east-1").describe()
    assert [line for line in lines if line.startswith("schedule ")] == [
        f"schedule {name}: {job.schedule}" for name, job in JOBS.items()]


# --- SQS ------------------------------------------------------------------------------------

@pytest.fixture
def sqs(deps):
    """The stage's SQS client, with the stage's own queues created (`Stores.migrate` does it)."""
    stores = bootstrap.stores(deps.settings)
    list(stores.migrate_queues())
    return stores.sqs


def _queue(sqs, visibility: int = 30) -> tuple[str, str, str]:
    """A fresh probe queue redriving to its own `-dlq` after 3 receives: (name, url, DLQ url)."""
    name = f"probe-{uuid.uuid4().hex[:8]}"
    dead = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": str(visibility),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 3})})["QueueUrl"]
    return name, url, dead


def _consumer_app(queue: str, handler, batch_size: int = 10) -> tuple[Chalice, SQSEventConfig]:
    app = Chalice(app_name="runner-probe")
    app.on_sqs_message(queue=queue, batch_size=batch_size, name="consume")(handler)
    source, = [s for s in app.event_sources if isinstance(s, SQSEventConfig)]
    return app, source


def _send(sqs, url: str, *bodies: str) -> None:
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)


def _left(sqs, url: str) -> int:
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(counts["ApproximateNumberOfMessages"]) + int(counts["ApproximateNumberOfMessagesNotVisible"])


def test_a_batch_reaches_the_sqs_handler_in_lambdas_record_shape_and_is_then_deleted(s3, sqs):
    name, url, _ = _queue(sqs)
    batches = []
    app, source = _consumer_app(name, lambda event: batches.append(event.to_dict()["Records"]))
    _send(sqs, url, '{"n": 1}', '{"n": 2}', '{"n": 3}')
    runner = EventRunner(app, s3, region="us-east-1", sqs_client=sqs)
    assert runner.consume(source) == 3
    records, = batches
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert sorted(record["body"] for record in records) == ['{"n": 1}', '{"n": 2}', '{"n": 3}']
    for record in records:
        assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == ("aws:sqs", arn, "us-east-1")
        assert record["messageId"] and record["receiptHandle"] and record["md5OfBody"]
        assert record["attributes"]["ApproximateReceiveCount"] == "1" and "SentTimestamp" in record["attributes"]
    assert _left(sqs, url) == 0  # the handler returned: the batch is deleted, as Lambda does


def test_a_failing_handlers_message_comes_back_and_after_3_receives_sits_in_the_dlq(s3, sqs):
    name, url, dead = _queue(sqs)
    receives = []

    def fail(event):
        receives.extend(record.to_dict()["attributes"]["ApproximateReceiveCount"] for record in event)
        raise RuntimeError("transient")
    app, source = _consumer_app(name, fail)
    _send(sqs, url, '{"item": "x"}')
    # Lambda leaves a failed batch to its visibility timeout (the queue's 30 s here); the runner's
    # override gives 1 s, so the redeliveries come at once.
    runner = EventRunner(app, s3, region="us-east-1", sqs_client=sqs, visibility_timeout=1)
    deadline = time.monotonic() + 60
    in_dlq = []
    while not in_dlq and time.monotonic() < deadline:
        runner.consume(source, wait=1)
        in_dlq = sqs.receive_message(QueueUrl=dead, WaitTimeSeconds=0).get("Messages", [])
    assert receives == ["1", "2", "3"]
    assert [message["Body"] for message in in_dlq] == ['{"item": "x"}'] and _left(sqs, url) == 0


def test_parallel_consumers_hand_a_message_to_one_of_them_at_a_time(s3, sqs):
    name, url, _ = _queue(sqs)
    together = threading.Barrier(2, timeout=20)  # the first two batches meet: consumers run in parallel
    lock, holding, handled, overlaps = threading.Lock(), set(), [], []

    def handle(event):
        record, = event
        with lock:
            if record.body in holding:
                overlaps.append(record.body)
            holding.add(record.body)
            first_two = len(handled) + len(holding) <= 2
        if first_two:
            together.wait()
        time.sleep(0.01)
        with lock:
            holding.discard(record.body)
            handled.append(record.body)
    app, source = _consumer_app(name, handle, batch_size=1)
    bodies = [f'{{"n": {n}}}' for n in range(24)]
    _send(sqs, url, *bodies)
    runner = EventRunner(app, s3, region="us-east-1", sqs_client=sqs, consumers=4)
    stop = threading.Event()
    running = threading.Thread(target=runner.run, args=(stop, 0.2))
    running.start()
    deadline = time.monotonic() + 60
    while len(handled) < len(bodies) and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    running.join(timeout=30)
    assert not together.broken, "two consumers handled a batch at the same time"
    assert overlaps == [] and sorted(handled) == sorted(bodies), "each message once, never to two at once"
    assert _left(sqs, url) == 0


def test_a_continuation_goes_through_the_jobs_queue_to_the_apps_consumer_until_the_job_is_done(
        s3, sqs, swap, monkeypatch):
    from app import app
    settings = bootstrap.deps().settings
    WorkQueueWithDlq(sqs, settings.queue_name("jobs"))  # drained of what earlier tests left
    jobs_queue = SqsWorkQueue(sqs, settings.queue_name("jobs"))
    swap(continuation=SqsContinuation(jobs_queue))
    runs = []

    def dispatch(deps, at, time_left):
        runs.append(time_left() > 0)
        return {"sent": 5, "more": len(runs) < 2}  # the first run leaves a backlog
    monkeypatch.setitem(JOBS, "sms-dispatch", replace(JOBS["sms-dispatch"], service=dispatch))
    runner = EventRunner(app, s3, region="us-east-1", sqs_client=sqs)
    source, = [s for s in app.event_sources if isinstance(s, SQSEventConfig) and s.name == "continue_job"]
    bootstrap.deps().continuation.request("sms-dispatch")
    assert runner.consume(source) == 1  # runs, and continues through the queue again
    assert runner.consume(source) == 1  # runs to the end
    assert runs == [True, True] and _left(sqs, jobs_queue.url) == 0
