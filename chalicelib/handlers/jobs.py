"""Scheduled jobs: each reads the clock, runs one service, and logs what it did.

`JOBS` is the one list of job names; the schedules in `app.py` and
`swreg jobs run NAME [--now ISO]` both go through `run`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from chalicelib import bootstrap
from chalicelib.handlers.requests import now
from chalicelib.observability import logger
from chalicelib.services import outbox, window_jobs

JOBS: dict[str, Callable[[bootstrap.Deps, datetime], dict]] = {
    "sms-dispatch": lambda deps, at: outbox.dispatch(deps.outbox, deps.sms, at),
    "window-tick": lambda deps, at: window_jobs.window_tick(deps, at),
}


def run(name: str, deps: bootstrap.Deps, at: datetime) -> dict:
    """Run job `name` once as of `at`; returns its summary."""
    summary = JOBS[name](deps, at)
    logger.info("job finished", extra={"job": name, **summary})
    return summary


def sms_dispatch(event) -> dict:
    """Every minute: send what is due in the SMS outbox."""
    return run("sms-dispatch", bootstrap.deps(), now())


def window_tick(event) -> dict:
    """Every five minutes: expire what closed windows left unsubmitted; remind before a window closes."""
    return run("window-tick", bootstrap.deps(), now())
