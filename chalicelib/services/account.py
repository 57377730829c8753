"""A signed-in applicant's own account (SPEC §2.9, §3 Applicant): change the password, change the phone.

Both end every other session and keep the caller's (`Account.change_password`,
`Account.change_phone`), in one write conditional on the session version the
account was loaded with: of two racing changes exactly one wins, the other is
refused with ConcurrentUpdateError (409) and changes nothing.
"""
from __future__ import annotations

from datetime import datetime

from chalicelib.domain import credentials, texts
from chalicelib.domain.accounts import Account
from chalicelib.domain.commands import ChangePassword, ChangePhone
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.outbox import Sms, SmsContent
from chalicelib.services import auth
from chalicelib.services.deps import Deps


def change_password(deps: Deps, account: Account, session_id: str | None, command: ChangePassword,
                    source_ip: str, now: datetime) -> None:
    """A new password for `account`, which keeps session `session_id` (the caller's token) and
    ends every other.

    The new password is held to the rules first (422 PASSWORD_POLICY, counting nothing). A wrong
    current password is one try under the same lockout and per-address limit as a login, so a
    stolen token cannot be used to guess the password: 422 CURRENT_PASSWORD_WRONG (also while
    the lockout holds, answered alike), 429 once the address's limit is reached.
    """
    credentials.check_password_policy(command.new_password, phone=account.phone, id_number=account.id_number,
                                      field="new_password")
    auth.behind_address_limit(deps, source_ip, now,
                              lambda: _current_password(deps, account, command.current_password, source_ip, now))
    account.change_password(credentials.hash_password(command.new_password), keep=session_id)
    deps.accounts.save_password(account)


def _current_password(deps: Deps, account: Account, password: str, source_ip: str, now: datetime) -> None:
    if not auth.password_try(deps, account, password, source_ip, now):
        raise ValidationError(code="CURRENT_PASSWORD_WRONG",
                              details={"current_password": texts.reason("CURRENT_PASSWORD_WRONG")},
                              max_failures=credentials.LOGIN_MAX_FAILURES,
                              minutes=int(credentials.LOGIN_LOCKOUT.total_seconds() // 60))


def change_phone(deps: Deps, account: Account, session_id: str | None, command: ChangePhone,
                 now: datetime) -> Account:
    """Sign in with `command.new_phone` from now on, proved by the `change_phone` code this account
    asked for it. The login key moves in one transaction with the account and an SMS to the old
    number (`PhoneChanged`, through the outbox); every session but `session_id` ends.

    Raises ValidationError PHONE_UNCHANGED (the number it has), INVALID_CODE (a wrong, used,
    expired code, or one of another purpose or account: 422 naming `code`, since the caller's
    token is fine), ConflictError PHONE_TAKEN (another account's number; whose is not said),
    ConcurrentUpdateError (another change won meanwhile).
    """
    auth.refuse_unchanged_phone(account, command.new_phone, "new_phone")
    purpose = credentials.SmsPurpose.CHANGE_PHONE
    if not auth.consume_code(deps, auth.code_key(purpose, command.new_phone, account), command.new_phone,
                             command.code, purpose, now):
        raise ValidationError(code="INVALID_CODE", details={"code": texts.reason("CODE_WRONG")})
    previous_phone, previous_login_key = account.phone, account.login_key
    account.change_phone(command.new_phone, keep=session_id)
    deps.accounts.move_phone(account, previous_login_key,
                             Sms.queue(previous_phone, SmsContent.of("PhoneChanged"), now))
    return account
