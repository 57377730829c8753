"""The `window-tick` job: expire what a closed window left unsubmitted; remind before a window closes.

Expiry (SPEC §2.6): once `now >= closes_at`, every `draft` and `rejected`
application of that window becomes `expired`, saved with its history entry,
in-app message and SMS outbox row in one transaction (`save_with_notices`) —
except a rejected one still in its fix period (`Application.in_fix_period`):
it is passed over, without a write, until its `fix_until` has passed too.
Reminders (beyond the SPEC): while a window is open and less than 7, 3 or 1
days (by elapsed time: 168, 72 or 24 hours, not calendar days) remain before
`closes_at`, every draft or rejected application (but a rejection with its own fix
period, told its own date) gets one SMS + message per threshold naming, in Chinese, what still stands between it and submitting.
Only the tightest threshold due is sent, so an application started two days
before the close gets the 3-day reminder, not the 7-day one as well.

Both passes read the window's applications with `queue_page` (the `by_queue`
index, per status: never a table scan), at most `max_pages` pages of `page_size` per
status and at most `max_changes` writes per run, so a run stays well inside
the function's timeout. Work left over is found by the next run:

- resumable: an expired application leaves the draft/rejected query, so the
  next run's first page holds the ones still to do; a reminded one, or a
  rejected one in its fix period, stays in it but is passed over without a
  write (its threshold is in `reminders_sent`; its `fix_until` is ahead);
- idempotent: a second run finds nothing to expire and every reminder
  already recorded, so it writes nothing;
- safe under races: every write is conditional on the version read (optimistic
  lock), so an application the applicant or another run changed meanwhile
  raises ConcurrentUpdateError; it is counted as `skipped`, left alone, and
  looked at again by the next run. A stale index entry (already submitted or
  expired) is passed over.

The SMS goes to the phone on the application's form; a draft without one gets
the in-app message only (applicant accounts are not looked up by ID number).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from chalicelib.domain.application import Application, ApplicationStatus
from chalicelib.domain.errors import ConcurrentUpdateError
from chalicelib.domain.windows import SHANGHAI, Window
from chalicelib.observability import logger
from chalicelib.services.applicant import save_with_notices
from chalicelib.services.deps import Deps

REMINDER_DAYS = (7, 3, 1)
AWAITING = (ApplicationStatus.DRAFT, ApplicationStatus.REJECTED)
PAGE_SIZE = 100  # one batch_get
MAX_PAGES = 20  # per status and window per run: reads stay cheap when most were already reminded
MAX_CHANGES = 200  # transactional writes per run: a few seconds, well inside the 30 s timeout


def due_reminder(window: Window, now: datetime) -> int | None:
    """The tightest threshold in REMINDER_DAYS that is due: the window is open and less than
    that many days (×24 h) remain before `closes_at`. None when no reminder is due."""
    if not window.is_open(now):
        return None
    left = window.closes_at - now
    due = [days for days in REMINDER_DAYS if left < timedelta(days=days)]
    return min(due) if due else None


class _Run:
    """One run's tally and its write budget."""

    def __init__(self, max_changes: int) -> None:
        self.summary = {"expired": 0, "reminded": 0, "skipped": 0}
        self.budget = max_changes

    @property
    def exhausted(self) -> bool:
        return self.budget <= 0


def window_tick(deps: Deps, now: datetime, *, page_size: int = PAGE_SIZE, max_pages: int = MAX_PAGES,
                max_changes: int = MAX_CHANGES) -> dict[str, int]:
    """Expire the leftovers of this year's and last year's windows if closed; remind if one closes soon.

    Returns {"expired", "reminded", "skipped"} counts for this run; `skipped` ones
    (concurrent updates) are retried by the next run. Raises nothing for a single
    application's conflict; repository failures other than that propagate.
    """
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    run = _Run(max_changes)
    year = now.astimezone(SHANGHAI).year
    for window in (deps.windows.get(y) for y in (year - 1, year)):
        if window is None:
            continue
        if window.has_closed(now):
            change, outcome = (lambda app: _expire(app, now)), "expired"
        elif (days := due_reminder(window, now)) is not None:
            change, outcome = (lambda app, d=days, w=window: app.remind(d, now, w.closes_at)), "reminded"
        else:
            continue
        for status in AWAITING:
            if run.exhausted:
                return run.summary
            _sweep(deps, window, status, change, outcome, run, page_size, max_pages)
    return run.summary


def _expire(application: Application, now: datetime) -> bool:
    """Expire it, unless it is a rejection whose fix period outlasts the window (False: no write)."""
    if application.in_fix_period(now):
        return False
    application.expire(now, actor="system")
    return True


def _sweep(deps: Deps, window: Window, status: ApplicationStatus, change: Callable[[Application], bool],
           outcome: str, run: _Run, page_size: int, max_pages: int) -> None:
    position = None  # the repository's own, never sealed: it does not leave the process
    for _ in range(max_pages):
        page = deps.applications.queue_page(window.year, status, None, position, page_size)
        for application in page.items:
            if run.exhausted:
                logger.info("window-tick write budget spent; the next run continues",
                            extra={"window": window.year, "status": status.value})
                return
            if application.status not in AWAITING or not change(application):
                continue
            run.budget -= 1
            try:
                save_with_notices(deps, application, phone=application.fields.phone)
            except ConcurrentUpdateError:
                run.summary["skipped"] += 1
                logger.info("window-tick skipped a concurrently updated application",
                            extra={"application_id": application.application_id, "window": window.year})
                continue
            run.summary[outcome] += 1
        logger.info("window-tick page done", extra={"window": window.year, "status": status.value,
                                                    "outcome": outcome, **run.summary})
        position = page.position
        if position is None:
            return
    logger.info("window-tick page limit reached; the next run continues",
                extra={"window": window.year, "status": status.value})
