"""Claims on applications in review (SPEC §2.6, §2.10): the holder releases one, an admin reassigns one.

Each move is one write of the application conditional on the version read: of two admins
reassigning at once, or a holder releasing while another reviewer claims, exactly one wins and the
other gets ConcurrentUpdateError (409) or the claim's own refusal, never a lost update. Every move
is audited under the application's id, after it is saved.
"""
from __future__ import annotations

from datetime import datetime

from chalicelib.domain import texts
from chalicelib.domain.accounts import Account, Role, staff_login
from chalicelib.domain.application import Application
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.staff_actions import Reassign
from chalicelib.services.deps import Deps


def release(deps: Deps, account: Account, application_id: str, now: datetime) -> Application:
    """The holder of a live lease gives it up: in review → submitted, back in the queue at its place.

    Raises NotFoundError, InvalidTransitionError (not in review), ConflictError CLAIM_NOT_HELD
    (another's lease, or the caller's ran out), ConcurrentUpdateError (saved meanwhile)."""
    application = deps.applications.get(application_id)
    application.release(account.username, now)
    deps.applications.save(application)
    deps.audit.record(application_id, account.username, "claim released", now)
    return application


def reassign(deps: Deps, admin: Account, application_id: str, command: Reassign, now: datetime) -> Application:
    """An admin moves the claim of a submitted or in-review application to `command.reviewer`, an
    active reviewer's (or admin's) username, with a fresh lease; audited with who held it before.

    Raises ValidationError REASSIGN_INVALID naming `reviewer` for an unknown, disabled or applicant
    account, NotFoundError, InvalidTransitionError (neither submitted nor in review),
    ConcurrentUpdateError (saved meanwhile)."""
    reviewer = deps.accounts.by_login(staff_login(command.reviewer))
    if reviewer is None or reviewer.disabled or reviewer.role not in (Role.REVIEWER, Role.ADMIN):
        raise ValidationError(code="REASSIGN_INVALID", details={"reviewer": texts.reason("REVIEWER_UNKNOWN")})
    application = deps.applications.get(application_id)
    before = application.lease.reviewer if application.lease is not None else None
    application.reassign(reviewer.username, now, actor=admin.username)
    deps.applications.save(application)
    deps.audit.record(application_id, admin.username,
                      f"claim reassigned: {before or '-'} -> {reviewer.username}", now)
    return application
