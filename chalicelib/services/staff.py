"""Staff accounts (reviewers, admins), created, disabled and unlocked by operators."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from chalicelib.domain import credentials, texts
from chalicelib.domain.accounts import Account, Role, staff_login
from chalicelib.domain.errors import NotFoundError, ValidationError
from chalicelib.services.deps import Deps

_USERNAME = re.compile(r"[a-z][a-z0-9._-]{2,31}")


def add_staff(deps: Deps, username: str, password: str, *, admin: bool, now: datetime) -> Account:
    username = (username or "").strip().lower()
    if not _USERNAME.fullmatch(username):
        raise ValidationError(code="STAFF_USERNAME_INVALID",
                              details={"username": texts.reason("USERNAME_SHAPE")})
    credentials.check_password_policy(password)
    account = Account(account_id=deps.ids.new_id(), login_key=staff_login(username),
                      role=Role.ADMIN if admin else Role.REVIEWER,
                      password_hash=credentials.hash_password(password), created_at=now, username=username)
    deps.accounts.create(account, {account.login_key: "USERNAME_TAKEN"})
    return account


def _staff(deps: Deps, username: str) -> Account:
    account = deps.accounts.by_login(staff_login((username or "").strip().lower()))
    if account is None:
        raise NotFoundError(code="STAFF_NOT_FOUND")
    return account


def disable_staff(deps: Deps, username: str) -> None:
    deps.accounts.save_credentials(replace(_staff(deps, username), disabled=True))


def unlock_staff(deps: Deps, username: str) -> None:
    """Lift the password lockout of a staff account from every client address at once
    (`swreg reviewer unlock`). Staff are locked per account and address
    (`accounts.login_lock_key`); unlocking raises the account's lock epoch, which
    leaves all of its lockout counters behind."""
    deps.accounts.lift_login_locks(_staff(deps, username).account_id)
