"""The SMS dispatcher on DynamoDB Local: parallel dispatchers, each sending in parallel itself,
over a backlog of many pages, with a provider that throttles above its rate.

What the dispatcher decides is tested on fakes (`tests/unit/services/test_outbox_dispatch.py`);
here the claims are DynamoDB's conditional updates, read through its eventually consistent
`by_status` index. The texts are due in 1950, before any other test's (the outbox contract's
eras reach back from 1989), so no run here sends another test's texts.
"""
from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from chalicelib.adapters.dynamo.outbox import outbox_item
from chalicelib.domain.outbox import THROTTLE_PAUSE, OutboxStatus, Sms, SmsContent
from chalicelib.services import outbox
from tests.fakes import FakeSms

DUE = datetime(1950, 3, 15, 8, 30, tzinfo=timezone.utc)


def _queue(count: int, due_at: datetime) -> list[Sms]:
    queued = [Sms.queue(f"136{uuid.uuid4().int % 10**8:08d}", SmsContent.of("ReminderDue", days_left=n), due_at)
              for n in range(count)]
    for sms in queued:
        outbox_item(sms).save()
    return queued


def test_two_dispatchers_at_once_over_two_hundred_texts_send_each_exactly_once(deps):
    queued = _queue(200, DUE)
    provider = FakeSms()
    start = threading.Barrier(2)

    def dispatcher(_):
        start.wait()
        return outbox.dispatch(deps.outbox, provider, DUE + timedelta(minutes=1), rate=100)
    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(dispatcher, range(2)))

    assert sum(report["sent"] for report in reports) == len(queued)
    assert not any(report["more"] or report["dead"] or report["retrying"] for report in reports)
    per_text = Counter(phone for phone, _ in provider.sent)
    assert per_text == Counter({sms.phone: 1 for sms in queued})
    assert {deps.outbox.get(sms.outbox_id).status for sms in queued} == {OutboxStatus.SENT}


def test_a_throttling_provider_slows_the_run_and_every_text_still_goes_out_once(deps):
    queued = _queue(60, DUE - timedelta(days=1))
    seconds = [0.0]
    provider = FakeSms(per_second=20, clock=lambda: seconds[0])  # 20 more each time the clock moves on
    now, totals = DUE - timedelta(days=1), Counter()
    for _ in range(10):  # a run, then the next when the throttled texts are due again
        totals.update(outbox.dispatch(deps.outbox, provider, now, rate=200))
        if all(deps.outbox.get(sms.outbox_id).status is OutboxStatus.SENT for sms in queued):
            break
        now += THROTTLE_PAUSE
        seconds[0] += 1
    assert (totals["sent"], totals["dead"], totals["retrying"]) == (len(queued), 0, 0)
    assert totals["throttled"] == provider.throttled > 0
    assert Counter(phone for phone, _ in provider.sent) == Counter({sms.phone: 1 for sms in queued})
