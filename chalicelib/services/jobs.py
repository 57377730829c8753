"""The scheduled jobs, in one registry: each job's name, the service it runs, its schedule and its budget.

`app.py` registers one Chalice schedule per job (the Lambda handler comes from
`handlers.jobs`), `swreg jobs run NAME` offers exactly these names, and the
local event runner fires the app's schedules: a job added here is deployed,
runnable by hand and run by `make run` with nothing else to change.

No job holds a lock, because each is safe when two runs overlap (a duplicated
EventBridge delivery, a continuation meeting the next schedule, an operator's
`jobs run`): the SMS dispatcher leases each row, the window tick and the
certificate run write under each application's optimistic lock, and a
certificate is added only if its number is new. What bounds a run is its
budget: the dispatcher's batch and the window tick's write budget live in
their services; a job with `continues_when` works to a time budget on Lambda
and hands what is left to a new invocation (see `handlers.jobs`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from chalicelib.observability import logger
from chalicelib.services import certificates, outbox, window_jobs
from chalicelib.services.deps import Deps

TimeLeft = Callable[[], float]


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


def _certificates_left(summary: dict) -> bool:
    # Work left and progress made: a run where every certificate failed (say S3 is down)
    # must not chain invocations forever; the next daily run retries.
    return bool(summary["more"] and summary["issued"])


JOBS: dict[str, Job] = {job.name: job for job in (
    Job("sms-dispatch", "rate(1 minute)",
        lambda deps, at, time_left: outbox.dispatch(deps.outbox, deps.sms, at)),
    Job("window-tick", "rate(5 minutes)",
        lambda deps, at, time_left: window_jobs.window_tick(deps, at)),
    Job("issue-certificates", "cron(0 18 * * ? *)",  # 02:00 Beijing time
        lambda deps, at, time_left: certificates.issue_due(deps, at, time_left),
        continues_when=_certificates_left),
)}


def run(job: Job, deps: Deps, at: datetime, time_left: TimeLeft | None = None) -> dict:
    """Run `job` once as of `at`; logs and returns its summary."""
    summary = job.service(deps, at, time_left)
    logger.info("job finished", extra={"job": job.name, **summary})
    return summary
