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
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.texts import reason

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
# A failure counter nobody touched for this long is dropped (DynamoDB TTL, lazily):
# a typo a week does not add up to a lock.
LOGIN_COUNTER_KEPT = timedelta(days=1)

_SMS_CODE = re.compile(rf"[0-9]{{{SMS_CODE_DIGITS}}}")


class SmsPurpose(StrEnum):
    """What a code may be used for; a code serves only its own purpose (`hash_sms_code`)."""

    SIGNUP = "signup"
    LOGIN = "login"
    RESET = "reset"  # a forgotten password (POST /auth/password-reset)
    CHANGE_PHONE = "change_phone"  # sent to the new number of a signed-in applicant (POST /me/phone)


_PURPOSES = frozenset(purpose.value for purpose in SmsPurpose)


def parse_sms_purpose(raw: object) -> SmsPurpose | None:
    """The purpose a client asked a code for; None when it named none (the service then
    picks signup or login by whether the phone has an account)."""
    if raw is None:
        return None
    if isinstance(raw, str) and raw in _PURPOSES:
        return SmsPurpose(raw)
    raise ValidationError(code="SMS_CODE_REQUEST_INVALID", details={"purpose": reason("SMS_PURPOSE_UNKNOWN")})


def parse_sms_code(raw: object) -> str:
    """The six digits as typed (surrounding spaces dropped); else a ValidationError naming `code`."""
    code = raw.strip() if isinstance(raw, str) else ""
    if not _SMS_CODE.fullmatch(code):
        raise ValidationError(code="SMS_CODE_MALFORMED", details={"code": reason("SMS_CODE_SHAPE")})
    return code


def _refuse(field: str, name: str, **params: object) -> ValidationError:
    return ValidationError(code="PASSWORD_POLICY", details={field: reason(name, **params)})


# How much of the ID number a password may not contain: its last six (the part people use as a PIN).
ID_NUMBER_TAIL = 6


def _folded(text: str) -> str:
    # An ID number's check character is typed as x or X; a phone may be written with spaces.
    return unicodedata.normalize("NFKC", text).casefold().replace(" ", "")


def check_password_policy(password: object, *, phone: str | None = None, id_number: str | None = None,
                          field: str = "password") -> str:
    """The password itself when it keeps the rules; else one ValidationError `PASSWORD_POLICY` naming
    `field` with the rule it breaks (SPEC §2.9). The one place the rules live, applied at sign-up,
    reset and change (and to staff passwords, which have no phone or ID number):

    - 8 to 128 characters, with at least one letter (any script's) and one digit;
    - not containing the account's phone number, its ID number, or the ID number's last six
      characters (compared without case or spaces, so 11010519491231002x counts as the ID).

    `phone` and `id_number` are the account's, when known: a caller who cannot know them yet
    (a reset before the code is proved) checks again once it does.
    """
    if not isinstance(password, str) or not password:
        raise _refuse(field, "PASSWORD_REQUIRED")
    if len(password) < PASSWORD_MIN_LENGTH:
        raise _refuse(field, "PASSWORD_TOO_SHORT", min_length=PASSWORD_MIN_LENGTH)
    if len(password) > PASSWORD_MAX_LENGTH:
        raise _refuse(field, "PASSWORD_TOO_LONG", max_length=PASSWORD_MAX_LENGTH)
    if not any(char.isalpha() for char in password) or not any(char.isdecimal() for char in password):
        raise _refuse(field, "PASSWORD_LETTERS_AND_DIGITS")
    folded = _folded(password)
    if phone and _folded(phone) in folded:
        raise _refuse(field, "PASSWORD_CONTAINS_PHONE")
    if id_number and _folded(id_number)[-ID_NUMBER_TAIL:] in folded:  # the tail covers the whole number
        raise _refuse(field, "PASSWORD_CONTAINS_ID_NUMBER", tail=ID_NUMBER_TAIL)
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
class LoginAttempt:
    """One password try against one lock key, counted BEFORE the password is checked.

    The lockout lives in an atomic counter per lock key (see
    `accounts.login_lock_key`): each try adds one to it in a single conditional
    write that is refused while the key is locked, and that write returns the new
    count. `number` is that count, or None when the write was refused (locked).
    Every decision below is taken on `number` alone, never on a value read
    earlier, so tries sent in parallel cannot slip past the limit: between two
    successes at most LOGIN_MAX_FAILURES passwords are checked, then the key is
    locked for LOGIN_LOCKOUT. The lock write starts the count again from zero and
    is refused while a lock holds, so tries during a lock neither extend it nor
    count towards the next one, and a lock that has run out gives a fresh series.
    A success resets the count.
    """

    number: int | None

    @property
    def may_check_password(self) -> bool:
        """False while locked, and for tries beyond the limit that raced the one that locks."""
        return self.number is not None and self.number <= LOGIN_MAX_FAILURES

    @property
    def locks_when_refused(self) -> bool:
        """A refused try numbered LOGIN_MAX_FAILURES or later locks the key. The later numbers
        matter only if the try that reached the limit never wrote its lock (a crash): then the
        next one does, and the count cannot stay above the limit without a lock that runs out."""
        return self.number is not None and self.number >= LOGIN_MAX_FAILURES

    @staticmethod
    def lock_until(now: datetime) -> datetime:
        return now + LOGIN_LOCKOUT
