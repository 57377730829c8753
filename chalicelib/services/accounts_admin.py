"""An admin disables, enables or unbinds an account (SPEC §2.10, §3 Admin).

Each action needs a note, ends every session of the account (its session version is raised in
the same conditional write, as a password change does: `Account.disable`, `.enable`, `.unbind`)
and is audited under `account#<id>` with the note, ID and phone numbers masked. Of two admins
acting on one account at once exactly one wins; the other gets ConcurrentUpdateError (409).

Unbinding frees the phone and the ID number for a person who bound the ID number with the wrong
phone; their applications, certificates and messages are keyed by the ID number, so they find
them again after signing up with the right phone. The unbound account stays, disabled for good
(see `Account.unbind`).
"""
from __future__ import annotations

from datetime import datetime

from chalicelib.domain.accounts import Account
from chalicelib.domain.errors import NotFoundError, RuleViolationError
from chalicelib.domain.identity import mask_pii
from chalicelib.domain.staff_actions import AccountAction
from chalicelib.services.deps import Deps


def disable(deps: Deps, admin: Account, account_id: str, command: AccountAction, now: datetime) -> Account:
    """Nobody signs in to the account any more (a login answers as a wrong password) and its tokens
    fail. Raises NotFoundError, RuleViolationError ACCOUNT_IS_YOURS (the admin's own), ConflictError
    ACCOUNT_ALREADY_UNBOUND, ConcurrentUpdateError."""
    account = _other(deps, admin, account_id)
    account.disable()
    deps.accounts.save_status(account)
    _audit(deps, admin, account, "disabled", command, now)
    return account


def enable(deps: Deps, admin: Account, account_id: str, command: AccountAction, now: datetime) -> Account:
    """Undo `disable`; tokens issued before stay dead. Raises NotFoundError, ConflictError
    ACCOUNT_ALREADY_UNBOUND (an unbound account stays disabled), ConcurrentUpdateError."""
    account = _found(deps, account_id)
    account.enable()
    deps.accounts.save_status(account)
    _audit(deps, admin, account, "enabled", command, now)
    return account


def unbind(deps: Deps, admin: Account, account_id: str, command: AccountAction, now: datetime) -> Account:
    """Free the applicant account's phone and ID number in one transaction with the account, which
    is disabled for good. Raises NotFoundError, RuleViolationError ACCOUNT_NOT_UNBINDABLE (a staff
    account), ConflictError ACCOUNT_ALREADY_UNBOUND, ConcurrentUpdateError."""
    account = _other(deps, admin, account_id)
    previous_login_key = account.unbind()
    deps.accounts.unbind(account, previous_login_key)
    _audit(deps, admin, account, "unbound", command, now)
    return account


def _found(deps: Deps, account_id: str) -> Account:
    account = deps.accounts.get(account_id)
    if account is None:
        raise NotFoundError()
    return account


def _other(deps: Deps, admin: Account, account_id: str) -> Account:
    if account_id == admin.account_id:
        raise RuleViolationError(code="ACCOUNT_IS_YOURS")
    return _found(deps, account_id)


def _audit(deps: Deps, admin: Account, account: Account, action: str, command: AccountAction,
           now: datetime) -> None:
    deps.audit.record(f"account#{account.account_id}", admin.username, f"account {action}: {mask_pii(command.note)}",
                      now)
