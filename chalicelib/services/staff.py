"""Staff accounts (reviewers, admins), created and disabled by operators."""
from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import datetime

from chalicelib.domain import credentials
from chalicelib.domain.accounts import Account, Role, staff_login
from chalicelib.domain.errors import NotFoundError, ValidationError

_USERNAME = re.compile(r"[a-z][a-z0-9._-]{2,31}")


def add_staff(deps, username: str, password: str, *, admin: bool, now: datetime) -> Account:
    username = (username or "").strip().lower()
    if not _USERNAME.fullmatch(username):
        raise ValidationError("bad username", details={"username": "用户名为3到32位小写字母、数字、.、_、-，以字母开头"})
    credentials.check_password_policy(password)
    account = Account(account_id=uuid.uuid4().hex, login_key=staff_login(username),
                      role=Role.ADMIN if admin else Role.REVIEWER,
                      password_hash=credentials.hash_password(password), created_at=now, username=username)
    deps.accounts.create(account, {account.login_key: "USERNAME_TAKEN"})
    return account


def disable_staff(deps, username: str) -> None:
    account = deps.accounts.by_login(staff_login((username or "").strip().lower()))
    if account is None:
        raise NotFoundError(f"no staff account {username!r}")
    deps.accounts.save_credentials(replace(account, disabled=True))
