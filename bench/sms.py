"""Does the SMS dispatcher keep up with the provider's rate limit?

Goal (the issue): at least 1,000 SMS a minute, and at least 0.8 of the provider's limit, with no
text sent twice.

Fills DynamoDB Local with due outbox rows (each to its own phone), then runs the `sms-dispatch`
job the way Lambda would: one invocation with a 50-s budget, and another at once while its
summary asks to go on (`continues_when`), until the backlog is sent. The provider is the tests'
fake SMS port answering in 50 ms and throttling what comes faster than 20 a second (a token
bucket holding one second's worth); the dispatcher runs at the configured rate, 20 a second.
The bench counts the texts each phone got (none may get two) and the provider's refusals.
Usage: .venv/bin/python bench/sms.py [ROWS]   (default 10,000, about 9 minutes; `--quick`: 200)
"""
from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import _stack

PROVIDER_LIMIT = 20        # texts a second the fake provider accepts
PROVIDER_LATENCY = 0.05    # seconds it takes to answer
BUDGET_SECONDS = 50.0      # per invocation, as Lambda's run budget would leave


def phone(n: int) -> str:
    return f"139{n:08d}"


def fill(rows: int) -> None:
    """`rows` texts due an hour ago, written in batches (a notice's transaction writes one each)."""
    from chalicelib.adapters.dynamo.models import OutboxItem
    from chalicelib.adapters.dynamo.outbox import outbox_item
    from chalicelib.domain.outbox import Sms, SmsContent
    due = datetime.now(timezone.utc) - timedelta(hours=1)
    with OutboxItem.batch_write() as batch:
        for n in range(rows):
            content = SmsContent.of("CertificateIssued", registration_no=f"BJ2030{n:06d}", valid_until=2033)
            batch.save(outbox_item(Sms.queue(phone(n), content, due)))


def provider():
    """The fake SMS port, answering in PROVIDER_LATENCY and throttling above PROVIDER_LIMIT a second."""
    from tests.fakes import FakeSms

    class Provider(FakeSms):
        def send(self, to, content):
            time.sleep(PROVIDER_LATENCY)
            return super().send(to, content)
    return Provider(per_second=PROVIDER_LIMIT)


def drain(deps) -> tuple[int, Counter]:
    """Run the job's invocations until one does not ask to go on; (invocations, summed summaries)."""
    from chalicelib.services import jobs
    job = jobs.JOBS["sms-dispatch"]
    invocations, totals = 0, Counter()
    while True:
        ends = time.monotonic() + BUDGET_SECONDS
        summary = jobs.run(job, deps, datetime.now(timezone.utc), lambda: ends - time.monotonic())
        invocations += 1
        totals.update({key: value for key, value in summary.items() if key != "more"})
        print(f"  invocation {invocations}: {summary}")
        if not job.continues_when(summary):
            return invocations, totals


def main() -> int:
    quick, (rows,) = _stack.sizes(full=(10_000,), quick=(200,))
    stack, deps = _stack.start()
    try:
        started = time.perf_counter()
        fill(rows)
        print(f"(queued {rows:,} due texts in {time.perf_counter() - started:.0f} s)")
        sms = provider()
        deps = replace(deps, sms=sms)
        rate = deps.settings.sms_rate_per_second
        started = time.perf_counter()
        invocations, totals = drain(deps)
        elapsed = time.perf_counter() - started
    finally:
        stack.stop()
    received = Counter(to for to, _ in sms.sent)
    ours = {phone(n) for n in range(rows)}
    delivered = len(ours & received.keys())
    twice = sum(1 for to in ours if received[to] > 1)
    per_minute = delivered / elapsed * 60
    limit_per_minute = PROVIDER_LIMIT * 60
    print(f"{delivered:,} of {rows:,} texts sent in {elapsed:.0f} s over {invocations} invocation(s) of at most "
          f"{BUDGET_SECONDS:.0f} s, dispatcher rate {rate}/s, provider {PROVIDER_LIMIT}/s answering in "
          f"{PROVIDER_LATENCY * 1000:.0f} ms")
    print(f"sustained {per_minute:,.0f} SMS/min beside the provider's limit {limit_per_minute:,}/min; "
          f"throttled by the provider {sms.throttled:,} time(s); outcomes {dict(totals)}")
    print(f"texts sent twice: {twice}; texts not sent: {rows - delivered}")
    _stack.goal("SMS per minute", per_minute, limit_per_minute, ">=", 1000)
    _stack.goal("sustained rate ÷ provider limit", per_minute / limit_per_minute, 1.0, ">=", 0.8)
    _stack.goal("texts sent twice", twice, 0, "==", 0)
    return 0 if delivered == rows and not twice else 1


if __name__ == "__main__":
    sys.exit(main())
