"""The scheduled jobs, in one registry: each job's name, the service it runs, its schedule and its budget.

`app.py` registers one Chalice schedule per job (the Lambda handler comes from
`handlers.jobs`), `swreg jobs run NAME` offers exactly these names, and the
local event runner fires the app's schedules: a job added here is deployed,
runnable by hand and run by `make run` with nothing else to change.

Every job is correct when two runs overlap (a duplicated EventBridge delivery,
a continuation meeting the next schedule, an operator's `jobs run`): the SMS
dispatcher claims each row, the window tick and the certificate run write
under each application's optimistic lock, and a certificate is added only if
its number is new. The same makes a duplicated continuation message harmless.
The SMS dispatcher is also `exclusive`, for its pace rather than its
correctness: it sends at the provider's rate limit, so two at once would be
throttled. `run` first takes the job's lease (`deps.job_leases`) for its budget
and a margin; a run that finds it held returns `{"busy": True}` at once, and
the lease is dropped when the run ends, before any continuation is asked for,
so the continuation can take it. A run that dies leaves it to lapse.

What bounds a run is its budget: the window tick's write budget lives in its
service; a job with `continues_when` works to its `budget_seconds` on Lambda
and hands what is left to a continuation, a message on the "jobs" queue whose
consumer runs the job again at once (see `handlers.jobs`).

`QUEUES` is the same kind of registry for the SQS consumers: `app.py` registers
one `@app.on_sqs_message` per entry and the local event runner polls each queue.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from chalicelib.observability import logger
from chalicelib.services import certificates, outbox, window_jobs
from chalicelib.services.deps import Deps

TimeLeft = Callable[[], float]

RUN_BUDGET_SECONDS = 600.0
"""A job's time budget per invocation unless it says otherwise: far from Lambda's 15-minute limit."""
TIMEOUT_MARGIN_SECONDS = 60.0
"""Kept between a run's budget and its function's timeout, and added to its budget for its lease:
what is in flight when the budget is spent finishes in it. Each job's function timeout
(.chalice/config.json) is at least its budget and this margin."""

CERTIFICATE_CONCURRENCY = 20
"""Certificate consumers running at once: the `issue_certificate` function's reserved concurrency
(.chalice/config.json) and its event source's maximum concurrency."""


@dataclass(frozen=True)
class Job:
    name: str
    schedule: str
    """An EventBridge schedule expression (UTC)."""
    service: Callable[..., dict]
    """`service(deps, at, time_left)` runs the job once as of `at` and returns its summary;
    `time_left()` gives the seconds left of its budget (None: run to the end)."""
    continues_when: Callable[[dict], bool] | None = None
    """For a job that works to a time budget: whether a run's summary asks for a new
    invocation to go on. None: the job always finishes within one invocation."""
    budget_seconds: float = RUN_BUDGET_SECONDS
    """The time budget of one invocation of a job with `continues_when`."""
    exclusive: bool = False
    """Whether one run at a time: `run` takes the job's lease first (see above)."""


def _certificates_left(summary: dict) -> bool:
    # Work left and progress made: a run whose budget was spent before it sent a page must
    # not chain continuations forever; the next daily run goes on.
    return bool(summary["more"] and summary["enqueued"])


JOBS: dict[str, Job] = {job.name: job for job in (
    Job("sms-dispatch", "rate(1 minute)",
        lambda deps, at, time_left: outbox.dispatch(deps.outbox, deps.sms, at,
                                                    rate=deps.settings.sms_rate_per_second, time_left=time_left),
        # Texts left and some sent: a provider refusing everything waits for the next minute.
        continues_when=lambda summary: bool(summary["more"] and summary["sent"]),
        # A schedule minute's worth a run; its lease keeps the schedule and a continuation from overlapping.
        budget_seconds=55.0, exclusive=True),
    Job("window-tick", "rate(5 minutes)",
        lambda deps, at, time_left: window_jobs.window_tick(deps, at)),
    Job("issue-certificates", "cron(0 18 * * ? *)",  # 02:00 Beijing time
        lambda deps, at, time_left: certificates.enqueue_due(deps, at, time_left),
        continues_when=_certificates_left),
)}


@dataclass(frozen=True)
class Consumer:
    """An SQS consumer: the handler ("module:function") Lambda runs on batches from the queue of `kind`
    (`Settings.queue_name`), under the function name `name`."""
    kind: str
    handler: str
    batch_size: int
    name: str
    maximum_concurrency: int | None = None


QUEUES: tuple[Consumer, ...] = (
    Consumer("certificates", "chalicelib.handlers.queues:issue_certificates", 10, "issue_certificate",
             CERTIFICATE_CONCURRENCY),
    # One continuation a message: each runs a whole job to its time budget.
    Consumer("jobs", "chalicelib.handlers.jobs:continued", 1, "continue_job"),
)


def budget(seconds: float, remaining: TimeLeft | None = None) -> TimeLeft:
    """The `time_left` of a run of `seconds` from now that also stops TIMEOUT_MARGIN_SECONDS before
    `remaining()` (its function's own seconds left) runs out."""
    ends = time.monotonic() + seconds

    def time_left() -> float:
        left = ends - time.monotonic()
        return left if remaining is None else min(left, remaining() - TIMEOUT_MARGIN_SECONDS)
    return time_left


def run(job: Job, deps: Deps, at: datetime, time_left: TimeLeft | None = None) -> dict:
    """Run `job` once as of `at`; logs and returns its summary, `{"busy": True}` for an exclusive
    job whose lease another run holds. An exclusive job works to its budget even when the caller
    gives none (the CLI), so that it never outlives its lease."""
    if not job.exclusive:
        return _finished(job, job.service(deps, at, time_left))
    holder, now = deps.ids.new_id(), deps.clock.now()
    until = now + timedelta(seconds=job.budget_seconds + TIMEOUT_MARGIN_SECONDS)
    if not deps.job_leases.acquire(job.name, holder, until, now):
        logger.info("job busy: another run holds its lease", extra={"job": job.name})
        return {"busy": True}
    try:
        return _finished(job, job.service(deps, at, time_left or budget(job.budget_seconds)))
    finally:
        deps.job_leases.release(job.name, holder)


def _finished(job: Job, summary: dict) -> dict:
    logger.info("job finished", extra={"job": job.name, **summary})
    return summary
