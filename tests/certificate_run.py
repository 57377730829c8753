"""A whole certificate run in the test's own thread: what the schedule enqueues, issued one by one.

`issue_due(deps, now)` is `services.certificates.enqueue_due` into a queue in memory, then
`issue_one` for each item in order, as one consumer draining the queue would, each failure
counted instead of redelivered. The tests about *which* applications a run certifies, and
what a certificate holds, use it; the queue and its consumer have tests of their own
(tests/integration/test_certificate_queue.py).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Callable

from chalicelib.services import certificates
from chalicelib.services.deps import Deps
from tests.fakes import FakeWorkQueue


def issue_due(deps: Deps, now: datetime, time_left: Callable[[], float] | None = None) -> dict:
    """{"issued", "skipped", "failed", "more"} of enqueueing the due items and issuing each."""
    queue = FakeWorkQueue()
    enqueued = certificates.enqueue_due(replace(deps, certificate_queue=queue), now, time_left)
    summary = {"issued": 0, "skipped": 0, "failed": 0, "more": enqueued["more"]}
    for item in queue.sent:
        try:
            summary[certificates.issue_one(deps, item["application_id"], now)] += 1
        except Exception:  # the message would come back; issue_one logged and counted it
            summary["failed"] += 1
    return summary
