"""Sign-up and sign-in (SPEC §3 Auth): SMS codes, real-name binding, passwords, lockout, tokens.

Answers never reveal whether a phone, ID number or username has an account
beyond what the caller must be told to proceed (a taken ID on sign-up).
"""
from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, time, timedelta

from chalicelib.domain import credentials
from chalicelib.domain.accounts import Account, Role, phone_login, staff_login
from chalicelib.domain.errors import AuthenticationError, RateLimitedError, ValidationError
from chalicelib.domain.identity import normalize_name, parse_id_number, parse_mobile
from chalicelib.domain.windows import SHANGHAI
from chalicelib.services.rate_limits import enforce_rate_limit

SMS_CODE_TEXT = "【北京社工登记】您的验证码是{code}，5分钟内有效。请勿告诉他人。"


def _next_midnight(now: datetime) -> datetime:
    local = now.astimezone(SHANGHAI)
    return datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=SHANGHAI)


def _code_key(purpose: credentials.SmsPurpose, phone: str) -> str:
    return f"{purpose.value}#{phone}"


def request_sms_code(deps, body: dict, source_ip: str, now: datetime) -> None:
    """Send a login/sign-up code at once through the SMS port (never the outbox).

    The same 202 whether or not the phone has an account. Limits: one code per
    phone per 60 s, a daily cap per phone and per source IP (429 + Retry-After).
    """
    phone = parse_mobile(body.get("phone"))
    purpose_raw = body.get("purpose", credentials.SmsPurpose.LOGIN.value)
    try:
        purpose = credentials.SmsPurpose(purpose_raw)
    except ValueError:
        raise ValidationError("bad purpose", details={"purpose": "用途只能是 login 或 signup"}) from None
    day = now.astimezone(SHANGHAI).date().isoformat()
    enforce_rate_limit(deps, f"sms-cooldown#{phone}", 1, now + credentials.SMS_COOLDOWN, now, "SMS_TOO_FREQUENT")
    enforce_rate_limit(deps, f"sms-phone#{phone}#{day}", credentials.SMS_DAILY_CAP_PER_PHONE, _next_midnight(now), now,
             "SMS_PHONE_DAILY_CAP")
    enforce_rate_limit(deps, f"sms-ip#{source_ip}#{day}", credentials.SMS_DAILY_CAP_PER_IP, _next_midnight(now), now,
             "SMS_IP_DAILY_CAP")
    code = credentials.new_sms_code()
    deps.sms_codes.put(_code_key(purpose, phone), credentials.hash_sms_code(code, phone, purpose, deps.pepper),
                       now + credentials.SMS_CODE_TTL)
    deps.sms.send(phone, SMS_CODE_TEXT.format(code=code))


def _check_code(deps, phone: str, code: object, purpose: credentials.SmsPurpose, now: datetime) -> None:
    if not isinstance(code, str) or not code.strip().isdigit():
        raise ValidationError("bad code", details={"code": "请填写6位短信验证码"})
    code_hash = credentials.hash_sms_code(code.strip(), phone, purpose, deps.pepper)
    if not deps.sms_codes.consume(_code_key(purpose, phone), code_hash, now, credentials.SMS_CODE_MAX_ATTEMPTS):
        raise AuthenticationError("验证码错误或已失效", code="INVALID_CODE")


def signup(deps, body: dict, now: datetime) -> dict:
    """A new applicant account bound to one ID number (real-name binding)."""
    problems, values = {}, {}
    for field, parse in (("phone", parse_mobile), ("name", normalize_name), ("id_number", parse_id_number),
                         ("password", credentials.check_password_policy)):
        try:
            values[field] = parse(body.get(field))
        except ValidationError as exc:
            problems.update(exc.details)
    if not isinstance(body.get("code"), str):
        problems["code"] = "请填写6位短信验证码"
    if problems:
        raise ValidationError("注册信息填写有误", details=problems)
    _check_code(deps, values["phone"], body["code"], credentials.SmsPurpose.SIGNUP, now)
    practitioner = deps.register.get_practitioner(values["id_number"])
    if practitioner is not None and practitioner.name != values["name"]:
        raise ValidationError("name mismatch", details={"name": "姓名与身份证号不一致"})
    account = Account(account_id=uuid.uuid4().hex, login_key=phone_login(values["phone"]), role=Role.APPLICANT,
                      password_hash=credentials.hash_password(values["password"]), created_at=now,
                      phone=values["phone"], id_number=values["id_number"])
    deps.accounts.create(account, {account.login_key: "PHONE_ALREADY_REGISTERED",
                                   f"identity#{account.id_number}": "ID_ALREADY_BOUND"})
    return _token(deps, account, now)


def login(deps, body: dict, now: datetime) -> dict:
    """Phone + password, phone + code, or (staff) username + password."""
    if body.get("username") is not None:
        username = body.get("username")
        if not isinstance(username, str) or not username.strip():
            raise ValidationError("bad username", details={"username": "请填写用户名"})
        account = deps.accounts.by_login(staff_login(username.strip()))
        return _password_login(deps, account, body.get("password"), now)
    phone = parse_mobile(body.get("phone"))
    if body.get("code") is not None:
        _check_code(deps, phone, body.get("code"), credentials.SmsPurpose.LOGIN, now)
        account = deps.accounts.by_login(phone_login(phone))
        if account is None or account.disabled:
            raise AuthenticationError("该手机号尚未注册", code="NO_ACCOUNT")
        return _token(deps, account, now)
    return _password_login(deps, deps.accounts.by_login(phone_login(phone)), body.get("password"), now)


def _password_login(deps, account: Account | None, password: object, now: datetime) -> dict:
    if not isinstance(password, str) or not password:
        raise ValidationError("bad password", details={"password": "请填写密码"})
    if account is None or account.disabled:
        credentials.verify_password(password, credentials.DUMMY_HASH)  # same time as a real check
        raise AuthenticationError("账号或密码错误", code="BAD_CREDENTIALS")
    state = credentials.LoginState(account.failures, account.locked_until)
    if state.is_locked(now):
        retry = int((state.locked_until - now).total_seconds()) + 1
        raise RateLimitedError("登录失败次数过多，账号已暂时锁定", retry_after=retry, code="ACCOUNT_LOCKED")
    if not credentials.verify_password(password, account.password_hash):
        state = state.after_failure(now)
        deps.accounts.record_login(replace(account, failures=state.failures, locked_until=state.locked_until))
        raise AuthenticationError("账号或密码错误", code="BAD_CREDENTIALS")
    if account.failures or account.locked_until:
        deps.accounts.record_login(replace(account, failures=0, locked_until=None))
    return _token(deps, account, now)


def _token(deps, account: Account, now: datetime) -> dict:
    token = deps.tokens.issue(account.account_id, account.role.value, now)
    return {"token": token, "expires_in": deps.tokens.expires_in, "role": account.role.value}
