"""Delivers what `chalice local` does not: S3 ObjectCreated events and scheduled invocations.

The runner watches the S3 emulator for new objects under every prefix an
`@app.on_s3_event` handler listens to (swreg's: `object_keys.UPLOADS_PREFIX`),
and calls that handler with the record shape AWS sends (URL-encoded key, size,
eTag, sequencer). It fires every `@app.schedule` handler when its expression
comes due, with a CloudWatch scheduled event: swreg has one per job of
`services.jobs.JOBS`, so the runner times each job by the registry's expression
and runs it through the handler Lambda runs. A handler that raises is retried
on the next polls, like AWS's two retries of an asynchronous invocation, then
given up on.
"""
from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import quote_plus

from chalice.app import S3EventConfig, ScheduledEventConfig
from chalice.local import LambdaContext

from devstack.schedule import expression_text, next_fire

log = logging.getLogger("devstack.runner")
MAX_ATTEMPTS = 3


@dataclass
class _Schedule:
    name: str
    expression: Any
    due: datetime


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class EventRunner:
    def __init__(self, app, s3_client, *, region: str, clock: Callable[[], datetime] = utcnow) -> None:
        self._app = app
        self._s3 = s3_client
        self._region = region
        self._clock = clock
        self._buckets = [s for s in app.event_sources if isinstance(s, S3EventConfig)]
        start = clock()
        self._schedules = [_Schedule(s.name, s.schedule_expression, next_fire(s.schedule_expression, start))
                           for s in app.event_sources if isinstance(s, ScheduledEventConfig)]
        self._attempts: dict[tuple[str, str, str], int] = {}

    def describe(self) -> list[str]:
        lines = [f"S3 {s.name}: s3://{s.bucket}/{s.prefix or ''}*{s.suffix or ''}" for s in self._buckets]
        lines += [f"schedule {s.name}: {expression_text(s.expression)}" for s in self._schedules]
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
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # the emulator restarting must not end the runner
                log.exception("event runner pass failed")
            stop.wait(interval)

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
