"""The local event runner delivers what `chalice local` cannot: S3 uploads and schedules.

A small probe app stands in for the real handlers; the upload goes through a
presigned POST to the S3 emulator, exactly as a browser would send it.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import urllib3
from chalice import Chalice, Rate

from devstack.event_runner import MAX_ATTEMPTS, EventRunner


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
