"""Accounts: applicants sign in by phone, staff (reviewers, admins) by username."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chalicelib.domain.errors import ConflictError, RuleViolationError


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


def unbound_login(account_id: str) -> str:
    """The login key of an account an admin unbound: no login asks for it."""
    return f"unbound#{account_id}"


def identity_key(id_number: str) -> str:
    """The unique key that binds an ID number to one applicant account (real-name binding)."""
    return f"identity#{id_number}"


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

    # --- the helpdesk (SPEC §2.10): an admin disables, enables or unbinds an account -----------
    # Each ends every session of the account (none is kept: the admin is not its holder).

    @property
    def is_unbound(self) -> bool:
        """Unbound by an admin (`unbind`): its phone and ID number freed, for good."""
        return self.login_key == unbound_login(self.account_id)

    def disable(self) -> None:
        """Nobody signs in to it any more (a login answers as a wrong password does) and every
        token it has fails. ConflictError ACCOUNT_ALREADY_UNBOUND for an unbound account."""
        self._refuse_unbound()
        self.disabled = True
        self._revoke_sessions(None)

    def enable(self) -> None:
        """Undo `disable`; earlier tokens stay dead (the holder signs in again).
        ConflictError ACCOUNT_ALREADY_UNBOUND for an unbound account: it stays disabled."""
        self._refuse_unbound()
        self.disabled = False
        self._revoke_sessions(None)

    def unbind(self) -> str:
        """Free the account's phone and ID number, for a person who bound the ID number with the
        wrong phone: they sign up again with the right phone and the same ID number, and find
        their applications, certificates and messages, which belong to the ID number, not the
        account. The unbound account is kept as a record (its phone and ID number stay on it) but
        is disabled for good: its login key becomes `unbound#<id>`, so its phone no longer finds it,
        it cannot be enabled again, and every session ends. Returns the login key it gave up (the
        repository releases it and the ID number's key in the same write).

        Raises RuleViolationError ACCOUNT_NOT_UNBINDABLE for a staff account (nothing bound),
        ConflictError ACCOUNT_ALREADY_UNBOUND for one unbound before."""
        if self.role is not Role.APPLICANT:
            raise RuleViolationError(code="ACCOUNT_NOT_UNBINDABLE")
        self._refuse_unbound()
        previous = self.login_key
        self.login_key = unbound_login(self.account_id)
        self.disabled = True
        self._revoke_sessions(None)
        return previous

    def _refuse_unbound(self) -> None:
        if self.is_unbound:
            raise ConflictError(code="ACCOUNT_ALREADY_UNBOUND")

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
