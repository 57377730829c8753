"""The `sms-dispatch` schedule, invoked the way EventBridge would, sending through the file sink.

Only the wiring: what the dispatcher decides (once only, retries, leases) is
tested on fakes in `tests/unit/services/test_outbox_dispatch.py`.

The handler reads the real clock, so it also sends what other tests left in
the outbox; the assertions are about this test's rows, and a run is repeated
(as the schedule would be) until they have had their turn in a batch.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from chalicelib.adapters.dynamo.outbox import outbox_item
from chalicelib.domain.outbox import OutboxStatus, Sms, SmsContent

SCHEDULE = "sms-dispatch"


def _tick(client):
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, region="us-east-1",
        resources=[f"arn:aws:events:us-east-1:123456789012:rule/{SCHEDULE}"])
    return client.lambda_.invoke(SCHEDULE, event).payload


def _sink_texts(deps, phone: str) -> list[str]:
    path = Path(deps.settings.sms_file)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    return [record["text"] for record in records if record["to"] == phone]


def _queue(count: int) -> list[Sms]:
    due = datetime.now(timezone.utc) - timedelta(hours=1)
    rows = [Sms.queue(f"138{uuid.uuid4().int % 10**8:08d}", SmsContent.of("ReminderDue", days_left=n), due)
            for n in range(count)]
    for sms in rows:
        outbox_item(sms).save()
    return rows


def _dispatch_until_sent(client, deps, rows: list[Sms], runs: int = 20) -> None:
    for _ in range(runs):
        summary = _tick(client)
        assert set(summary) == {"sent", "retrying", "dead", "lost"}
        if all(deps.outbox.get(sms.outbox_id).status is OutboxStatus.SENT for sms in rows):
            return
    raise AssertionError(f"rows still unsent after {runs} scheduled runs")


def test_the_dispatcher_is_scheduled_every_minute(client):
    from chalice.app import ScheduledEventConfig

    from app import app
    schedules = {s.name: s.schedule_expression for s in app.event_sources
                 if isinstance(s, ScheduledEventConfig)}
    assert schedules[SCHEDULE] == "rate(1 minute)"


def test_a_scheduled_run_sends_pending_rows_through_the_file_sink_and_marks_them_sent(client, deps):
    rows = _queue(3)
    _dispatch_until_sent(client, deps, rows)
    for sms in rows:
        row = deps.outbox.get(sms.outbox_id)
        assert row.provider_message_id.startswith("file-") and row.attempts == 1
        assert _sink_texts(deps, sms.phone) == [sms.text]

