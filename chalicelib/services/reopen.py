"""An admin reopens an expired or rejected application with a fix period (SPEC §2.6, §2.10).

The application, its history entry, the applicant's message and SMS and its window's
one-live-application guard are one write (`ApplicationRepository.save_reopened`), conditional on
the version read; the action is audited under the application's id, its note with ID and phone
numbers masked. A repeat of the reopen that made the application what it is (a double click, the
same note and fix period) changes and sends nothing, also when the two race: the loser of the
conditional write re-reads, finds the winner's reopen, and answers with it.
"""
from __future__ import annotations

from datetime import datetime

from chalicelib.domain.accounts import Account
from chalicelib.domain.application import Application
from chalicelib.domain.errors import ConcurrentUpdateError
from chalicelib.domain.identity import mask_pii
from chalicelib.domain.staff_actions import Reopen
from chalicelib.services.applicant import notices_of
from chalicelib.services.deps import Deps


def reopen(deps: Deps, admin: Account, application_id: str, command: Reopen, now: datetime) -> Application:
    """Expired or rejected → rejected, resubmittable until `command.fix_until`; the applicant is told.
    A repeat of the reopen already made returns the application as it is: nothing saved, sent or audited.

    Raises NotFoundError, InvalidTransitionError (any other status), RuleViolationError
    REOPEN_ROUNDS_EXHAUSTED (its review rounds are used up), ValidationError (a note or a
    `fix_until` the rules refuse), ConflictError LIVE_APPLICATION_EXISTS (the person has another
    live application in the window), ConcurrentUpdateError (saved meanwhile, by other than the same reopen)."""
    application = deps.applications.get(application_id)
    if not application.reopen(command.note, command.fix_until, now, actor=admin.username):
        return application
    messages, texts = notices_of(application, application.fields.phone or _account_phone(deps, application))
    try:
        deps.applications.save_reopened(application, messages=messages, sms=texts)
    except ConcurrentUpdateError:
        current = deps.applications.get(application_id)
        if current.is_reopened_as(command.note, command.fix_until):  # the same reopen won: told once
            return current
        raise
    deps.audit.record(application_id, admin.username,
                      f"reopened until {command.fix_until.isoformat()}: {mask_pii(command.note)}", now)
    return application


def _account_phone(deps: Deps, application: Application) -> str | None:
    """The phone of the account bound to the applicant, for an application whose form has none (a
    draft that expired before its phone was filled in)."""
    account = deps.accounts.bound_to(application.id_number)
    return account.phone if account is not None and not account.disabled else None
