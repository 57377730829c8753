"""The Lambda side of the scheduled jobs (the registry is `services.jobs.JOBS`).

`scheduled(job)` is the handler `app.py` wires for each job: it reads the
clock and runs the job. A job with `continues_when` gets a time budget
(`RUN_BUDGET_SECONDS`, and never closer than `TIMEOUT_MARGIN_SECONDS` to the
function's timeout); when its summary asks, the rest goes to a continuation,
so 40,000 approvals never meet the timeout. The CLI runs jobs with no budget.
"""
from __future__ import annotations

import time
from typing import Callable

from chalicelib import bootstrap
from chalicelib.services.jobs import Job, TimeLeft, run

RUN_BUDGET_SECONDS = 600.0  # per invocation: far from Lambda's 15-minute limit (the function gets 900 s)
TIMEOUT_MARGIN_SECONDS = 60.0


def budget(context) -> TimeLeft:
    """Seconds left of this invocation's budget: RUN_BUDGET_SECONDS from now, and never closer
    than TIMEOUT_MARGIN_SECONDS to the function's own timeout."""
    ends = time.monotonic() + RUN_BUDGET_SECONDS

    def time_left() -> float:
        left = ends - time.monotonic()
        if context is not None:
            left = min(left, context.get_remaining_time_in_millis() / 1000 - TIMEOUT_MARGIN_SECONDS)
        return left
    return time_left


def scheduled(job: Job) -> Callable[[object], dict]:
    """The schedule handler of `job`."""
    def handler(event) -> dict:
        deps = bootstrap.deps()
        if job.continues_when is None:
            return run(job, deps, deps.clock.now())
        summary = run(job, deps, deps.clock.now(), budget(event.context))
        if job.continues_when(summary):
            deps.continuation.request(job.name, event.context)
        return summary
    return handler
