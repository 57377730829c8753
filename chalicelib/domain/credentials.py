"""Credentials: the password policy and hashing, one-time SMS codes, and the login lockout rule.

Pure functions and constants only; the services decide when to call them and
the repositories store what they return. Passwords go through scrypt (memory
hard, in the standard library, so no native wheel to build for Lambda) and are
stored as `scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>`, so the cost can be raised
later without breaking the hashes already stored.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.domain.errors import ValidationError

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128

# scrypt cost: 16 MiB and ~50 ms per hash, affordable on a 512 MB Lambda and
# slow enough that an offline guesser gets tens of tries per second per core.
SCRYPT_N = 2 ** 14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_DKLEN = 32
SCRYPT_SALT_BYTES = 16
_SCRYPT_MAXMEM = 64 * 1024 * 1024
# A stored value names its own cost; these bounds keep a tampered row from
# turning one login into minutes of CPU or gigabytes of memory.
_SCRYPT_MAX_N = 2 ** 20
_SCRYPT_MAX_R = 32
_SCRYPT_MAX_P = 4

# scrypt of a random password nobody kept: `verify_password(pw, DUMMY_HASH)` costs
# what a real check costs, so a login for an unknown account is not answered faster.
DUMMY_HASH = "scrypt$16384$8$1$/mjTy1zuxT9km0LDUe3Eqw==$LpQol4Ozqj+xBCHXFAOrBJA8paOIvn903GKsoEgxI3g="

SMS_CODE_DIGITS = 6
SMS_CODE_TTL = timedelta(minutes=5)
SMS_CODE_MAX_ATTEMPTS = 5
SMS_COOLDOWN = timedelta(seconds=60)
SMS_DAILY_CAP_PER_PHONE = 10
SMS_DAILY_CAP_PER_IP = 50

LOGIN_MAX_FAILURES = 5
LOGIN_LOCKOUT = timedelta(minutes=15)


class SmsPurpose(StrEnum):
    SIGNUP = "signup"
    LOGIN = "login"


def _refuse(reason: str) -> ValidationError:
    return ValidationError(reason, details={"password": reason})


def check_password_policy(password: object) -> str:
    """The password itself when acceptable; else one ValidationError naming `password`.

    Deliberately short: length carries most of the strength, and the two
    refusals catch what people pick when told "at least 8" (12345678, aaaaaaaa).
    """
    if not isinstance(password, str) or not password:
        raise _refuse("请填写密码")
    if len(password) < PASSWORD_MIN_LENGTH:
        raise _refuse(f"密码至少{PASSWORD_MIN_LENGTH}位")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise _refuse(f"密码不能超过{PASSWORD_MAX_LENGTH}位")
    if password.isdigit():
        raise _refuse("密码不能全部是数字，请加入字母或符号")
    if len(set(password)) == 1:
        raise _refuse("密码不能由同一个字符重复组成")
    return password


def _password_bytes(password: str) -> bytes:
    # The same password typed on a phone and on a PC may arrive in different
    # Unicode forms (composed or not); NFC makes them hash alike.
    return unicodedata.normalize("NFC", password).encode("utf-8")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(_password_bytes(password), salt=salt, n=n, r=r, p=p, dklen=dklen,
                          maxmem=_SCRYPT_MAXMEM)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str) -> str:
    """A fresh salt each call, so two accounts with one password store different strings."""
    salt = secrets.token_bytes(SCRYPT_SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_DKLEN)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True only for the right password; a malformed or tampered stored value is simply False."""
    if not isinstance(password, str) or not isinstance(stored, str):
        return False
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt" or not all(part.isascii() and part.isdigit() for part in parts[1:4]):
        return False
    n, r, p = (int(part) for part in parts[1:4])
    try:
        salt = base64.b64decode(parts[4], validate=True)
        expected = base64.b64decode(parts[5], validate=True)
    except (binascii.Error, ValueError):
        return False
    if (not salt or not expected or not 1 < n <= _SCRYPT_MAX_N or not 1 <= r <= _SCRYPT_MAX_R
            or not 1 <= p <= _SCRYPT_MAX_P):
        return False
    try:
        actual = _scrypt(password, salt, n, r, p, len(expected))
    except ValueError:  # n not a power of two, or more memory than maxmem
        return False
    return hmac.compare_digest(actual, expected)


def new_sms_code() -> str:
    """Six digits, leading zeros kept: every code from 000000 to 999999 equally likely."""
    return f"{secrets.randbelow(10 ** SMS_CODE_DIGITS):0{SMS_CODE_DIGITS}d}"


def hash_sms_code(code: str, phone: str, purpose: SmsPurpose | str, pepper: bytes) -> str:
    """What is stored instead of the code. Keyed (a table dump cannot be brute-forced
    over the million codes without the pepper) and bound to the phone and purpose,
    so a sign-up code cannot log in, nor one phone's code serve another."""
    message = f"{phone}|{SmsPurpose(purpose).value}|{code}".encode("utf-8")
    return hmac.new(pepper, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class LoginState:
    """Consecutive password failures of one account and the lock they earned.

    After LOGIN_MAX_FAILURES consecutive failures the account is locked for
    LOGIN_LOCKOUT; a success resets the count. The lock is not extended by
    tries made while it holds, so an attacker cannot keep an account locked
    longer than one period per burst.
    """

    failures: int = 0
    locked_until: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def after_failure(self, now: datetime) -> "LoginState":
        if self.is_locked(now):
            return self
        # A lock that has run out gives a fresh series of tries.
        failures = (0 if self.locked_until is not None else self.failures) + 1
        if failures >= LOGIN_MAX_FAILURES:
            return LoginState(failures, now + LOGIN_LOCKOUT)
        return LoginState(failures, None)

    def after_success(self) -> "LoginState":
        return LoginState()
