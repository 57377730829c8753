"""Scheduled jobs: each reads the clock, runs one service, and logs what it did.

`JOBS` is the one list of job names; the schedules in `app.py` and
`swreg jobs run NAME [--now ISO]` both go through `run`. A job given
`time_left` stops starting new work when its budget runs low and says so
with `more` in its summary; the CLI passes none and runs to the end.
"""
from __future__ import annotations

import time
from datetime import datetime
from typing import Callable

from chalicelib import bootstrap
from chalicelib.handlers.requests import now
from chalicelib.observability import logger
from chalicelib.services import certificates, outbox, window_jobs

TimeLeft = Callable[[], float]
JOBS: dict[str, Callable[[bootstrap.Deps, datetime, TimeLeft | None], dict]] = {
    "sms-dispatch": lambda deps, at, time_left: outbox.dispatch(deps.outbox, deps.sms, at),
    "window-tick": lambda deps, at, time_left: window_jobs.window_tick(deps, at),
    "issue-certificates": lambda deps, at, time_left: certificates.issue_due(deps, at, time_left),
}
RUN_BUDGET_SECONDS = 600.0  # per invocation: far from Lambda's 15-minute limit (the function gets 900 s)
TIMEOUT_MARGIN_SECONDS = 60.0


def run(name: str, deps: bootstrap.Deps, at: datetime, time_left: TimeLeft | None = None) -> dict:
    """Run job `name` once as of `at`; returns its summary."""
    summary = JOBS[name](deps, at, time_left)
    logger.info("job finished", extra={"job": name, **summary})
    return summary


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


def sms_dispatch(event) -> dict:
    """Every minute: send what is due in the SMS outbox."""
    return run("sms-dispatch", bootstrap.deps(), now())


def window_tick(event) -> dict:
    """Every five minutes: expire what closed windows left unsubmitted; remind before a window closes."""
    return run("window-tick", bootstrap.deps(), now())


def issue_certificates(event) -> dict:
    """Daily: certify what is due. A run that spent its budget with work left (and made
    progress) hands the rest to a continuation, so 40,000 approvals never meet the timeout."""
    deps = bootstrap.deps()
    summary = run("issue-certificates", deps, now(), budget(event.context))
    if summary["more"] and summary["issued"]:
        deps.continuation.request("issue-certificates", event.context)
    return summary
