"""Accounts: applicants sign in by phone, staff (reviewers, admins) by username."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    APPLICANT = "applicant"
    REVIEWER = "reviewer"
    ADMIN = "admin"


def phone_login(phone: str) -> str:
    return f"phone#{phone}"


def staff_login(username: str) -> str:
    return f"staff#{username}"


@dataclass
class Account:
    """`id_number` binds an applicant to one register row (real-name binding, unique).

    `lock_epoch` names the current generation of the account's password-lockout
    counters (see `login_lock_key`); raising it lifts every lock at once.
    """

    account_id: str
    login_key: str
    role: Role
    password_hash: str
    created_at: datetime
    phone: str | None = None
    id_number: str | None = None
    username: str | None = None
    disabled: bool = False
    lock_epoch: int = 0


def login_lock_key(account: Account, source_ip: str) -> str:
    """What repeated wrong passwords lock (SPEC §3: lockout after repeated failures).

    - An applicant: the whole account, whatever the address. This cannot be used
      to keep the phone's owner out: password lockout does not block SMS-code login.
    - Staff (no SMS login): the account from one client address only, so failures
      sent from elsewhere cannot lock a reviewer out of the office. Failures spread
      over many addresses are held back by the per-address limit in front.

    The counters are keyed by the account's `lock_epoch`: `swreg reviewer unlock`
    raises the epoch, which leaves every earlier counter (of any address) behind
    without having to find them.
    """
    key = f"{account.account_id}#{account.lock_epoch}"
    return key if account.role is Role.APPLICANT else f"{key}#{source_ip}"
