"""The Lambda side of the scheduled jobs (the registry is `services.jobs.JOBS`).

`scheduled(job)` is the handler `app.py` wires for each job: it reads the
clock and runs the job. A job with `continues_when` gets a time budget (its
`budget_seconds`, and never closer than `TIMEOUT_MARGIN_SECONDS` to the
function's timeout); when its summary asks, the rest goes to a continuation:
a `{"continues": "<job>"}` message on the "jobs" queue, which `continued`
consumes by running that job again with a fresh budget of its own, so 40,000
approvals never meet the timeout. A run an exclusive job's lease turned away
(`{"busy": True}`) never continues: the run holding the lease does. The CLI
gives jobs no budget (an exclusive one keeps to its own: `services.jobs.run`).
"""
from __future__ import annotations

import json
from typing import Callable

from chalicelib import bootstrap
from chalicelib.observability import logger
from chalicelib.services import jobs
from chalicelib.services.jobs import JOBS, Job, TimeLeft, run


def budget(job: Job, context) -> TimeLeft:
    """Seconds left of this invocation's budget: the job's `budget_seconds` from now, and never
    closer than `TIMEOUT_MARGIN_SECONDS` to the function's own timeout (`context`: Lambda's)."""
    remaining = None if context is None else lambda: context.get_remaining_time_in_millis() / 1000
    return jobs.budget(job.budget_seconds, remaining)


def scheduled(job: Job) -> Callable[[object], dict]:
    """The schedule handler of `job`."""
    def handler(event) -> dict:
        return _run(job, event.context)
    return handler


def continued(event) -> None:
    """The "jobs" queue's consumer: runs the job each message names, as its scheduled run would.
    A message naming no job (a job since removed, a garbled body) is logged and dropped: a
    retry could not help. A duplicate delivery is one more overlapping run, which every job
    is safe under (see `services.jobs`)."""
    for record in event:
        try:
            job = JOBS[json.loads(record.body)["continues"]]
        except (ValueError, TypeError, KeyError):
            logger.error("continuation names no job; dropped", extra={"message_id": record.to_dict().get("messageId")})
            continue
        _run(job, event.context)


def _run(job: Job, context) -> dict:
    deps = bootstrap.deps()
    if job.continues_when is None:
        return run(job, deps, deps.clock.now())
    summary = run(job, deps, deps.clock.now(), budget(job, context))
    if not summary.get("busy") and job.continues_when(summary):
        deps.continuation.request(job.name)  # after `run` dropped the lease: the continuation takes it
    return summary
