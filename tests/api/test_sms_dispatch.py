"""The `sms-dispatch` schedule, invoked the way EventBridge would, sending through the file sink.

Only the wiring: what the dispatcher decides (once only, retries, leases) is
tested on fakes in `tests/unit/services/test_outbox_dispatch.py`.

The handler reads the real clock, so it also sends what other tests left in
the outbox; the assertions are about this test's rows, and a run is repeated
(as the schedule would be) until they have had their turn.

Chalice's test client invokes every function with a 3-s context, whatever its
timeout, which would leave a run no budget (the handler stops a margin short of
the timeout); so the schedule is invoked here the way Lambda invokes it, with
the context of the function's prod timeout, or of a shorter one for a short run.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from chalice.local import LambdaContext

from chalicelib.adapters.dynamo.outbox import outbox_item
from chalicelib.cli.environment import ROOT
from chalicelib.domain.outbox import OutboxStatus, Sms, SmsContent
from chalicelib.services.jobs import TIMEOUT_MARGIN_SECONDS
from tests.fakes import FakeContinuation

SCHEDULE = "sms-dispatch"
TIMEOUT = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]["prod"]["lambda_functions"][
    SCHEDULE]["lambda_timeout"]


def _tick(client, timeout: float = TIMEOUT):
    """One scheduled run, in a function of `timeout` seconds."""
    from app import app
    event = client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, region="us-east-1",
        resources=[f"arn:aws:events:us-east-1:123456789012:rule/{SCHEDULE}"])
    return app.handler_map[SCHEDULE](event, LambdaContext(SCHEDULE, memory_size=512,
                                                          max_runtime_ms=int(timeout * 1000)))


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
        assert set(summary) == {"sent", "retrying", "throttled", "dead", "lost", "more"}
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


def test_a_backlog_larger_than_a_run_can_send_continues_at_once(client, deps, swap):
    # At 5 texts a second, ten seconds' worth for a run of six (it claims none in its last two):
    # slow enough that a busy machine still sends some before the budget is spent.
    slow = deps.settings._replace(sms_rate_per_second=5)
    continuation = swap(continuation=FakeContinuation(), settings=slow).continuation
    rows = _queue(slow.sms_rate_per_second * 10)
    summary = _tick(client, timeout=TIMEOUT_MARGIN_SECONDS + 6)
    assert summary["more"] is True and summary["sent"] > 0
    assert continuation.requested == [SCHEDULE]
    _dispatch_until_sent(client, deps, rows)
