"""Accounts: applicants sign in by phone, staff (reviewers, admins) by username."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


# The token claim naming the session version it was issued under (`Account.session_version`).
SESSION_VERSION_CLAIM = "sv"


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

    Sessions (SPEC §2.9: a reset or change revokes every earlier session): a token carries
    the `session_version` it was issued under and its own session id (`jti`). A reset or a
    change of password or phone raises the version by one, which ends every session issued
    before it; a change keeps the caller's own session working by naming it `kept_session`
    (a reset keeps none). The repository stores each raise conditionally on the version it
    was loaded with, so two racing changes cannot both win.
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
    session_version: int = 0
    kept_session: str | None = None

    def admits(self, session_version: object, session_id: object) -> bool:
        """Whether a token issued under `session_version` for session `session_id` still holds."""
        if self.kept_session is not None and session_id == self.kept_session:
            return True
        return type(session_version) is int and session_version == self.session_version

    def change_password(self, password_hash: str, *, keep: str | None) -> None:
        """A new password, and every session but `keep` (None after a reset: none) ends."""
        self.password_hash = password_hash
        self._revoke_sessions(keep)

    def change_phone(self, phone: str, *, keep: str | None) -> None:
        """Sign in with `phone` from now on; every session but the caller's (`keep`) ends."""
        self.phone = phone
        self.login_key = phone_login(phone)
        self._revoke_sessions(keep)

    def _revoke_sessions(self, keep: str | None) -> None:
        self.session_version += 1
        self.kept_session = keep


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
