"""The outbox's operator commands and `swreg jobs run sms-dispatch`, wired to DynamoDB Local and the file sink.

What the dispatcher decides is tested on fakes (`tests/unit/services/test_outbox_dispatch.py`)
and the DynamoDB outbox against them (`test_outbox_contract.py`); these tests
only show that the commands reach both.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from chalicelib.adapters.dynamo.outbox import outbox_item
from chalicelib.cli import main
from chalicelib.domain.outbox import MAX_ATTEMPTS, OutboxStatus, Sms, SmsContent

# Earlier than anything another test leaves due (the contract test's eras go back from
# 2000), so the dispatcher run at this clock has exactly this file's text to send.
LONG_AGO = datetime(1980, 1, 1, 9, 30, tzinfo=timezone.utc)


def _queue(due_at: datetime, **changes) -> Sms:
    sms = replace(Sms.queue(f"137{uuid.uuid4().int % 10**8:08d}", SmsContent.of("ApplicationApproved"), due_at), **changes)
    outbox_item(sms).save()
    return sms


def _sink_texts(deps, phone: str) -> list[str]:
    path = Path(deps.settings.sms_file)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    return [record["text"] for record in records if record["to"] == phone]


def test_jobs_run_sms_dispatch_with_a_clock_sends_due_rows_through_the_configured_sink(deps, capsys):
    sms = _queue(LONG_AGO)
    clock = (LONG_AGO + timedelta(minutes=1)).astimezone(timezone(timedelta(hours=8))).replace(tzinfo=None)
    assert main(["--stage", "test", "jobs", "run", "sms-dispatch", "--now", clock.isoformat()]) == 0
    assert f"sms-dispatch as of {clock.isoformat()}+08:00: sent 1, " in capsys.readouterr().out
    row = deps.outbox.get(sms.outbox_id)
    # The run's time starts at the clock given and goes on as the run does.
    assert row.status is OutboxStatus.SENT
    assert LONG_AGO + timedelta(minutes=1) <= row.sent_at < LONG_AGO + timedelta(minutes=2)
    assert row.provider_message_id.startswith("file-")
    assert _sink_texts(deps, sms.phone) == [sms.text]


def test_jobs_run_refuses_an_unknown_job_and_a_garbled_clock(deps, capsys):
    assert main(["--stage", "test", "jobs", "run", "sms-dispatchh"]) == 2
    assert "no job 'sms-dispatchh'; jobs: issue-certificates, sms-dispatch, window-tick" in capsys.readouterr().err
    assert main(["--stage", "test", "jobs", "run", "sms-dispatch", "--now", "yesterday"]) == 2
    assert capsys.readouterr().err.startswith("swreg: --now: ")


def test_outbox_list_shows_dead_rows_masked_and_retry_queues_one_again(deps, capsys):
    sms = _queue(LONG_AGO, status=OutboxStatus.DEAD, attempts=MAX_ATTEMPTS,
                 last_error="EndpointConnectionError: no route")
    sent = _queue(LONG_AGO, status=OutboxStatus.SENT, attempts=1, provider_message_id="file-1", sent_at=LONG_AGO)

    assert main(["--stage", "test", "outbox", "list", "--dead", "--limit", "1000"]) == 0
    line, = [line for line in capsys.readouterr().out.splitlines() if sms.outbox_id in line]
    assert "DEAD" in line and f"attempts {MAX_ATTEMPTS}" in line and "no route" in line
    assert sms.phone not in line and f"{sms.phone[:3]}****{sms.phone[-4:]}" in line

    before = datetime.now(timezone.utc)
    assert main(["--stage", "test", "outbox", "retry", sms.outbox_id]) == 0
    assert f"{sms.outbox_id} queued again" in capsys.readouterr().out
    row = deps.outbox.get(sms.outbox_id)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 0)
    assert before - timedelta(seconds=1) <= row.due_at <= datetime.now(timezone.utc)

    assert main(["--stage", "test", "outbox", "retry", sent.outbox_id]) == 2
    assert "当前状态为“已发送”，不能重新发送" in capsys.readouterr().err
    assert main(["--stage", "test", "outbox", "retry", "no-such-row"]) == 2
    assert "no-such-row" in capsys.readouterr().err
