"""Verification by the public and employers (SPEC §2.10): the code under an e-certificate's QR,
and what a registration number verifies as.

Registration numbers are sequential, so a number alone proves nothing about who holds it. The
e-certificate's QR code therefore carries a verification code: 8 characters of an HMAC-SHA256 of
the number under a key only the service holds (`Keys.verification`), printed under the QR as
`ABCD-EFGH` so a person can type it. Its alphabet leaves out 0/O and 1/I, which a reader mixes
up; 8 symbols of 32 are 40 bits, against at most 30 guesses a minute per address. With the
right code verification shows the masked name, the level and the validity; without one only
the status (is this number a valid certificate?).

A number verifies as one of:
- an e-certificate this service issued: valid, expired, revoked or replaced (`Certificate.status`);
- a paper-era registration imported from the old register (`swreg import registrations`) that has
  no e-certificate: valid or expired by the same rule of validity (through registration year + 3),
  with no name or level (the register row names the person by ID number only);
- unknown.
An issued certificate's registration also has a register row (issuing writes one): the
certificate wins, so a revoked or replaced certificate never verifies as a valid paper one.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from chalicelib.domain import texts
from chalicelib.domain.certificates import Certificate, CertificateStatus, validity_status
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.levels import Level
from chalicelib.domain.register import Registration

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: no 0/O, no 1/I
CODE_LENGTH = 8
CODE_MAX_LENGTH = 32  # what `?code=` may carry: the code written with spaces or hyphens
NUMBER_MAX_LENGTH = 40
BATCH_MAX = 100
# Issued numbers are BJ + year + sequence; imported ones letters, digits and "-" (domain/register.py).
PLAUSIBLE_NUMBER = re.compile(r"[A-Za-z0-9-]{1,40}")
_IGNORED_IN_CODE = re.compile(r"[\s\-\u2010-\u2015\uff0d]")  # spaces and hyphens (ASCII, Unicode, full-width)


def verification_code(key: bytes, registration_no: str) -> str:
    """The 8-character code of `registration_no` under `key`: its HMAC-SHA256, the first 40 bits
    written 5 bits a symbol in CODE_ALPHABET. The same number and key always give the same code."""
    digest = hmac.new(key, registration_no.encode("utf-8"), hashlib.sha256).digest()
    value = int.from_bytes(digest[:5], "big")
    return "".join(CODE_ALPHABET[(value >> (5 * (CODE_LENGTH - 1 - i))) & 0x1F] for i in range(CODE_LENGTH))


def printed_code(code: str) -> str:
    """The code as the certificate prints it: two groups of four (`ABCD-EFGH`)."""
    return f"{code[:4]}-{code[4:]}"


def code_matches(key: bytes, registration_no: str, given: str) -> bool:
    """Whether `given` is the number's code, compared in constant time; case, spaces and hyphens
    do not matter. Anything longer than CODE_MAX_LENGTH is wrong without a comparison."""
    if not isinstance(given, str) or len(given) > CODE_MAX_LENGTH:
        return False
    typed = _IGNORED_IN_CODE.sub("", given).upper().encode("utf-8")
    return hmac.compare_digest(verification_code(key, registration_no).encode("ascii"), typed)


def normalize_number(raw: str) -> str:
    """A number as typed or pasted, as stored: whitespace removed, upper-cased (issued numbers are
    `BJ…`, and the register's import stores its numbers this way, `register.parse_code`)."""
    return "".join(raw.split()).upper()


def is_plausible_number(registration_no: str) -> bool:
    """Whether the text can be a registration number at all (else it is unknown without a lookup)."""
    return isinstance(registration_no, str) and PLAUSIBLE_NUMBER.fullmatch(registration_no) is not None


@dataclass(frozen=True)
class Verification:
    """What one number verifies as. `status` None: no certificate and no register row has it.
    `masked_name` and `level` are set for an issued certificate only (a paper-era row has none)."""

    registration_no: str
    status: CertificateStatus | None
    paper: bool = False
    registration_year: int | None = None
    valid_until: int | None = None
    masked_name: str | None = None
    level: Level | None = None

    @property
    def known(self) -> bool:
        return self.status is not None

    @property
    def valid(self) -> bool:
        return self.status is CertificateStatus.VALID

    @property
    def status_value(self) -> str:
        """The wire value: the certificate status, or `unknown`."""
        return self.status.value if self.status is not None else "unknown"

    @property
    def status_text(self) -> str:
        return self.status.chinese if self.status is not None else texts.VERIFICATION_LABELS["unknown"]


def of_certificate(certificate: Certificate, now: datetime) -> Verification:
    return Verification(certificate.registration_no, certificate.status(now), paper=False,
                        registration_year=certificate.registration_year, valid_until=certificate.valid_until,
                        masked_name=certificate.masked_name, level=certificate.level)


def of_registration(registration: Registration, now: datetime) -> Verification:
    """A paper-era registration: valid through registration year + 3, like an e-certificate."""
    return Verification(registration.registration_no, validity_status(registration.valid_until, now), paper=True,
                        registration_year=registration.registration_year, valid_until=registration.valid_until)


def unknown(registration_no: str) -> Verification:
    return Verification(registration_no, None)


def verdict(registration_no: str, certificate: Certificate | None, registration: Registration | None,
            now: datetime) -> Verification:
    """What `registration_no` verifies as: its certificate if one was issued (it wins over the
    register row issuing wrote beside it), else its paper-era register row, else unknown."""
    if certificate is not None:
        return of_certificate(certificate, now)
    if registration is not None:
        return of_registration(registration, now)
    return unknown(registration_no)


@dataclass(frozen=True)
class VerifyBatch:
    """Up to BATCH_MAX registration numbers to verify at once, in the order asked (duplicates kept:
    each is answered where it was asked), each normalised (`normalize_number`)."""

    registration_nos: tuple[str, ...]

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> VerifyBatch:
        raw = body.get("registration_nos") if isinstance(body, Mapping) else None
        if not isinstance(raw, list) or not raw or len(raw) > BATCH_MAX:
            raise ValidationError(code="VERIFY_BATCH_INVALID", details={
                "registration_nos": texts.reason("VERIFY_NUMBERS_REQUIRED", limit=BATCH_MAX)})
        not_text = {f"registration_nos[{i}]": texts.reason("VERIFY_NUMBER_NOT_TEXT")
                    for i, number in enumerate(raw) if not isinstance(number, str)}
        if not_text:
            raise ValidationError(code="VERIFY_BATCH_INVALID", details=dict(list(not_text.items())[:20]))
        return cls(tuple(normalize_number(number) for number in raw))
