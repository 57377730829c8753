"""Reconsideration (复核, SPEC §2.6): the applicant's request, the reviewers' queue, a second reviewer's decision.

Each status change is saved with its history entry, in-app message and SMS outbox row in one
write, conditional on the version read (`save_with_notices`): of two reviewers deciding at once,
one wins and the other gets ConcurrentUpdateError (409), never a second decision.
"""
from __future__ import annotations

from datetime import datetime

from chalicelib.domain.accounts import Account
from chalicelib.domain.application import Application
from chalicelib.domain.commands import ReconsiderationDecision, RequestReconsideration
from chalicelib.domain.ports import Page
from chalicelib.services.applicant import get_application, save_with_notices
from chalicelib.services.deps import Deps

PAGE_SIZE = 25


def request(deps: Deps, account: Account, application_id: str, command: RequestReconsideration,
            now: datetime) -> Application:
    """The applicant asks, once, within RECONSIDERATION_DAYS of the application expiring after a
    rejection (`Application.request_reconsideration` says what it refuses). Someone else's
    application is not found, as an unknown id."""
    application = get_application(deps, account, application_id)
    application.request_reconsideration(command.reason, now, actor=account.account_id)
    save_with_notices(deps, application, phone=application.fields.phone or account.phone)
    return application


def queue(deps: Deps, position: str | None = None) -> Page:
    """Pending requests of every window, oldest request first; one index query per page."""
    return deps.applications.reconsideration_page(position, PAGE_SIZE)


def decide(deps: Deps, account: Account, application_id: str, decision: ReconsiderationDecision,
           now: datetime) -> Application:
    """Uphold, overturn or reopen (with a fix period of `Settings.fix_days`), by a reviewer other
    than the one who rejected (PermissionDeniedError otherwise). Raises NotFoundError,
    InvalidTransitionError when nothing is pending (decided already included) and
    ConcurrentUpdateError when another decision was saved first."""
    application = deps.applications.get(application_id)
    application.decide_reconsideration(account.username, decision.outcome, decision.opinion, now,
                                       fix_days=deps.settings.fix_days)
    save_with_notices(deps, application, phone=application.fields.phone)
    return application
