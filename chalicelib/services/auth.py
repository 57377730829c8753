"""Sign-up, sign-in, password reset (SPEC §3 Auth): SMS codes, real-name binding, passwords, lockout, tokens.

Answers never reveal whether a phone, ID number or username has an account
beyond what the caller must be told to proceed: a locked account, a wrong
password and an unknown phone or username get the same 401 `BAD_CREDENTIALS`;
a code request answers the same 202 whether or not the phone has an account
(a `reset` code is sent only when it has one), and a reset for a phone without
an account is refused exactly like a wrong code. Only someone who has proved
they hold the phone (a right code) is told that it, or the ID number, already
has an account.

Every token carries the account's session version (`sv`) and its own session id
(`jti`); `Account.admits` decides whether it still holds (a reset or a change of
password or phone ends the earlier sessions, see `domain/accounts.py`).

Abuse limits, each a 429 with Retry-After, per client address first:
- failed logins per address per hour (`Settings.login_failures_per_ip_per_hour`),
  taken before the per-account lockout is even consulted;
- SMS codes per address per day, then per phone (cooldown and daily cap), then
  the whole service's SMS per hour (`Settings.sms_per_hour`), so a request the
  address limit refuses leaves the phone's allowance untouched, and only codes
  actually sent count against the budget.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Callable, TypeVar

from chalicelib.domain import credentials, texts
from chalicelib.domain.accounts import SESSION_VERSION_CLAIM, Account, Role, login_lock_key, phone_login, staff_login
from chalicelib.domain.commands import Login, RequestSmsCode, ResetPassword, Signup
from chalicelib.domain.errors import AuthenticationError, RateLimitedError, ValidationError
from chalicelib.domain.outbox import SmsContent
from chalicelib.domain.windows import SHANGHAI
from chalicelib.services.deps import Deps
from chalicelib.services.rate_limits import enforce_rate_limit, release_rate_limit

T = TypeVar("T")


def _next_midnight(now: datetime) -> datetime:
    local = now.astimezone(SHANGHAI)
    return datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=SHANGHAI)


def _hour_start(now: datetime) -> datetime:
    return now.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)


def code_key(purpose: credentials.SmsPurpose, phone: str, account: Account | None = None) -> str:
    """Where a code is kept: one live code per purpose and phone. A `change_phone` code is also
    bound to the account that asked for it, so nobody else can use or replace it."""
    key = f"{purpose.value}#{phone}"
    return key if account is None else f"{key}#{account.account_id}"


def request_sms_code(deps: Deps, command: RequestSmsCode, source_ip: str, now: datetime,
                     caller: Account | None = None) -> None:
    """Send a code at once through the SMS port (never the outbox), as the provider's
    verification-code template (`LoginCode`).

    Without `purpose` the code serves sign-up when no account holds the phone and
    login when one does; the caller is answered the same either way. A `reset`
    code is sent only when the phone has a usable account, and answered the same
    when not. A `change_phone` code goes to the signed-in `caller`'s new number
    (AuthenticationError MISSING_TOKEN without a caller, PHONE_UNCHANGED for the
    number it has). Limits, in this order, each counted only once the ones before it
    let the request through: a daily cap per source address, one code per phone per
    60 s, a daily cap per phone, the service's hourly SMS budget (a request it
    refuses, or a reset that sends nothing, gives the slots it does not use back).
    """
    phone, purpose = command.phone, command.purpose
    if purpose is credentials.SmsPurpose.CHANGE_PHONE:
        if caller is None:
            raise AuthenticationError(code="MISSING_TOKEN")
        refuse_unchanged_phone(caller, phone)
    day = now.astimezone(SHANGHAI).date().isoformat()
    enforce_rate_limit(deps, f"sms-ip#{source_ip}#{day}", credentials.SMS_DAILY_CAP_PER_IP, _next_midnight(now),
                       now, "SMS_IP_DAILY_CAP")
    phone_keys = (f"sms-cooldown#{phone}", f"sms-phone#{phone}#{day}")
    enforce_rate_limit(deps, phone_keys[0], 1, now + credentials.SMS_COOLDOWN, now, "SMS_TOO_FREQUENT")
    enforce_rate_limit(deps, phone_keys[1], credentials.SMS_DAILY_CAP_PER_PHONE, _next_midnight(now),
                       now, "SMS_PHONE_DAILY_CAP")
    hour = _hour_start(now)
    budget_key = f"sms-all#{hour:%Y%m%d%H}"
    try:
        enforce_rate_limit(deps, budget_key, deps.settings.sms_per_hour, hour + timedelta(hours=1), now,
                           "SMS_HOURLY_CAP")
    except RateLimitedError:
        for key in phone_keys:  # nothing was sent: the phone keeps its allowance
            release_rate_limit(deps, key, now)
        raise
    holder = deps.accounts.by_login(phone_login(phone)) if purpose in (None, credentials.SmsPurpose.RESET) else None
    if purpose is None:
        purpose = credentials.SmsPurpose.LOGIN if holder is not None else credentials.SmsPurpose.SIGNUP
    if purpose is credentials.SmsPurpose.RESET and (holder is None or holder.disabled):
        # The phone's slots stay taken, so a second request answers as it would for an account.
        release_rate_limit(deps, budget_key, now)
        return
    code = credentials.new_sms_code()
    bound_to = caller if purpose is credentials.SmsPurpose.CHANGE_PHONE else None
    deps.sms_codes.put(code_key(purpose, phone, bound_to), _code_hash(deps, phone, code, purpose),
                       now + credentials.SMS_CODE_TTL)
    deps.sms.send(phone, SmsContent.of("LoginCode", code=code))


def refuse_unchanged_phone(account: Account, new_phone: str, field: str = "phone") -> None:
    """ValidationError PHONE_UNCHANGED (naming `field`) when `new_phone` is the number the account has."""
    if new_phone == account.phone:
        raise ValidationError(code="PHONE_UNCHANGED", details={field: texts.reason("PHONE_UNCHANGED")})


def _check_code(deps: Deps, phone: str, code: str, purposes: tuple[credentials.SmsPurpose, ...], now: datetime) -> None:
    """Consume the phone's live code of the first purpose it matches; INVALID_CODE if none.
    A wrong code counts as a wrong try against each of those codes."""
    for purpose in purposes:
        if consume_code(deps, code_key(purpose, phone), phone, code, purpose, now):
            return
    raise AuthenticationError(code="INVALID_CODE")


def _code_hash(deps: Deps, phone: str, code: str, purpose: credentials.SmsPurpose) -> str:
    return credentials.hash_sms_code(code, phone, purpose, deps.keys.sms_codes)


def consume_code(deps: Deps, key: str, phone: str, code: str, purpose: credentials.SmsPurpose, now: datetime) -> bool:
    """True exactly once for the right live code kept under `key` (see `SmsCodeRepository.consume`)."""
    return deps.sms_codes.consume(key, _code_hash(deps, phone, code, purpose), now, credentials.SMS_CODE_MAX_ATTEMPTS)


def reset_password(deps: Deps, command: ResetPassword, source_ip: str, now: datetime) -> None:
    """A new password for the phone's account, proved by its `reset` code; every earlier
    session ends (the caller signs in again) and the password lockout is lifted.

    A phone without a usable account, a wrong, used, expired or other-purpose code all
    answer 401 INVALID_CODE, and each counts against the address's failed-login limit.
    The code is checked before the rules that need the account (its ID number), and
    consumed only once those pass: a refused password leaves it usable. Raises
    ConcurrentUpdateError when another reset or change won meanwhile.
    """
    behind_address_limit(deps, source_ip, now, lambda: _reset(deps, command, source_ip, now))


def _reset(deps: Deps, command: ResetPassword, source_ip: str, now: datetime) -> None:
    purpose, key = credentials.SmsPurpose.RESET, code_key(credentials.SmsPurpose.RESET, command.phone)
    proved = deps.sms_codes.matches(key, _code_hash(deps, command.phone, command.code, purpose), now,
                                    credentials.SMS_CODE_MAX_ATTEMPTS)
    account = deps.accounts.by_login(phone_login(command.phone))
    if not proved or account is None or account.disabled:
        raise AuthenticationError(code="INVALID_CODE")
    credentials.check_password_policy(command.new_password, phone=account.phone, id_number=account.id_number,
                                      field="new_password")
    if not consume_code(deps, key, command.phone, command.code, purpose, now):
        raise AuthenticationError(code="INVALID_CODE")  # a racing reset used it first
    account.change_password(credentials.hash_password(command.new_password), keep=None)
    deps.accounts.save_password(account)
    deps.accounts.clear_login_failures(login_lock_key(account, source_ip))


def signup(deps: Deps, command: Signup, now: datetime) -> dict:
    """A new applicant account bound to one ID number (real-name binding).

    A login code serves too: a client that asked for a code without `purpose` for a
    phone that already has an account is then told PHONE_ALREADY_REGISTERED (it has
    proved it holds the phone), not that its right code is wrong.
    """
    _check_code(deps, command.phone, command.code,
                (credentials.SmsPurpose.SIGNUP, credentials.SmsPurpose.LOGIN), now)
    practitioner = deps.register.get_practitioner(command.id_number)
    if practitioner is not None and practitioner.name != command.name:
        raise ValidationError(code="NAME_MISMATCH", details={"name": texts.reason("NAME_MISMATCH")})
    account = Account(account_id=deps.ids.new_id(), login_key=phone_login(command.phone), role=Role.APPLICANT,
                      password_hash=credentials.hash_password(command.password), created_at=now,
                      phone=command.phone, id_number=command.id_number)
    deps.accounts.create(account, {account.login_key: "PHONE_ALREADY_REGISTERED",
                                   f"identity#{account.id_number}": "ID_ALREADY_BOUND"})
    return _token(deps, account, now)


def login(deps: Deps, command: Login, source_ip: str, now: datetime) -> dict:
    """Phone + password, phone + code, or (staff) username + password.

    The command was checked at the edge (a 422 counts against nothing); the attempt
    runs behind the per-address limit on failed logins.
    """
    if command.username is not None:
        return behind_address_limit(deps, source_ip, now, lambda: _password_login(
            deps, deps.accounts.by_login(staff_login(command.username)), command.password, source_ip, now))
    if command.code is not None:
        return behind_address_limit(deps, source_ip, now,
                                    lambda: _code_login(deps, command.phone, command.code, now))
    return behind_address_limit(deps, source_ip, now, lambda: _password_login(
        deps, deps.accounts.by_login(phone_login(command.phone)), command.password, source_ip, now))


def behind_address_limit(deps: Deps, source_ip: str, now: datetime, attempt: Callable[[], T]) -> T:
    """Run one attempt at a secret (a login, a reset, a current password) under the per-address
    limit on failures (429 LOGIN_TOO_MANY_FAILURES once reached, until the hour is over). The
    slot is taken before the attempt, so parallel requests cannot overshoot the limit, and
    given back when the attempt succeeds: only failures count."""
    hour = _hour_start(now)
    key = f"login-ip#{source_ip}#{hour:%Y%m%d%H}"
    enforce_rate_limit(deps, key, deps.settings.login_failures_per_ip_per_hour, hour + timedelta(hours=1), now,
                       "LOGIN_TOO_MANY_FAILURES")
    answer = attempt()
    release_rate_limit(deps, key, now)
    return answer


def _code_login(deps: Deps, phone: str, code: str, now: datetime) -> dict:
    """Not subject to the password lockout: the phone's owner gets in even while someone
    else is guessing the password."""
    _check_code(deps, phone, code, (credentials.SmsPurpose.LOGIN,), now)
    account = deps.accounts.by_login(phone_login(phone))
    if account is None or account.disabled:
        raise AuthenticationError(code="NO_ACCOUNT")
    return _token(deps, account, now)


def _bad_credentials() -> AuthenticationError:
    """The one answer for a wrong password, an unknown or disabled account, and a locked one."""
    return AuthenticationError(code="BAD_CREDENTIALS", max_failures=credentials.LOGIN_MAX_FAILURES,
                               minutes=int(credentials.LOGIN_LOCKOUT.total_seconds() // 60))


def _password_login(deps: Deps, account: Account | None, password: str, source_ip: str, now: datetime) -> dict:
    """Every refusal costs one scrypt, like a real check, so the time taken does not tell a
    locked or unknown account from a wrong password."""
    if account is None or account.disabled:
        credentials.verify_password(password, credentials.DUMMY_HASH)
        raise _bad_credentials()
    if not password_try(deps, account, password, source_ip, now):
        raise _bad_credentials()
    return _token(deps, account, now)


def password_try(deps: Deps, account: Account, password: str, source_ip: str, now: datetime) -> bool:
    """Whether `password` is the account's, as one try under the password lockout: count the try
    (atomically, before checking anything), then check the password only if the count allows
    it; a right one clears the count, the try that reaches the limit locks. A lockout check
    costs one scrypt like a real check."""
    lock_key = login_lock_key(account, source_ip)
    attempt = credentials.LoginAttempt(deps.accounts.count_login_attempt(lock_key, now))
    if attempt.may_check_password and credentials.verify_password(password, account.password_hash):
        deps.accounts.clear_login_failures(lock_key)
        return True
    if not attempt.may_check_password:
        credentials.verify_password(password, credentials.DUMMY_HASH)
    if attempt.locks_when_refused:
        deps.accounts.lock_login(lock_key, attempt.lock_until(now), now)
    return False


def _token(deps: Deps, account: Account, now: datetime) -> dict:
    token = deps.tokens.issue(account.account_id, account.role.value, now,
                              **{SESSION_VERSION_CLAIM: account.session_version})
    return {"token": token, "expires_in": deps.tokens.expires_in, "role": account.role.value}
