"""Public verification (SPEC §2.10): one registration number, with or without the code printed
under the certificate's QR (GET /verify/{registration_no}[?code=]), and up to 100 numbers at once
for employers (POST /verify/batch). What a number verifies as is `domain/verification.py`'s.

Each is rate limited per address and minute, on counters of its own. The logs name the result
and, for one number, the number (it is on the certificate, and it is how an abuse report is
traced); never a name or an ID number, and a batch logs only how many numbers and results.
"""
from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

from chalicelib.domain import texts
from chalicelib.domain.errors import NotFoundError, ValidationError
from chalicelib.domain.register import Registration
from chalicelib.domain.verification import (
    Verification,
    VerifyBatch,
    code_matches,
    is_plausible_number,
    normalize_number,
    unknown,
    verdict,
)
from chalicelib.observability import logger
from chalicelib.services.deps import Deps
from chalicelib.services.rate_limits import enforce_rate_limit

VERIFY_LIMIT_PER_MINUTE = 30
BATCH_LIMIT_PER_MINUTE = 10  # 1,000 numbers a minute per address: an employer's whole staff list
_INDEX_WORKERS = 8  # concurrent index queries for a batch's numbers without an e-certificate


@dataclass(frozen=True)
class Answer:
    """One number's verification and whether the caller proved the code (then the masked name,
    level and validity may be shown)."""

    verification: Verification
    code_verified: bool


def verify(deps: Deps, registration_no: str, code: str | None, source_ip: str, now: datetime) -> Answer:
    """What one number (normalised: `normalize_number`) verifies as. `code` (None: not given) must
    be the number's verification code when the number is an issued e-certificate, or
    ValidationError VERIFICATION_CODE_WRONG; a paper-era registration has no code, so one given
    is not checked. NotFoundError for a number neither issued nor imported; RateLimitedError
    past VERIFY_LIMIT_PER_MINUTE."""
    _take(deps, "verify", source_ip, VERIFY_LIMIT_PER_MINUTE, now, "VERIFY_TOO_FREQUENT")
    registration_no = normalize_number(registration_no)
    plausible = is_plausible_number(registration_no)
    certificate = deps.certificates.get(registration_no) if plausible else None
    registration = (deps.register.registration_by_no(registration_no)
                    if plausible and certificate is None else None)
    found = verdict(registration_no, certificate, registration, now)
    checked = certificate is not None and code is not None
    right = checked and code_matches(deps.keys.verification, registration_no, code)
    logger.info("certificate verification", extra={
        "registration_no": registration_no[:40], "result": found.status_value, "paper": found.paper,
        "code": ("right" if right else "wrong") if checked else "none", "source_ip": source_ip})
    if not found.known:
        raise NotFoundError()
    if checked and not right:
        raise ValidationError(code="VERIFICATION_CODE_WRONG",
                              details={"code": texts.reason("VERIFICATION_CODE_MISMATCH")})
    return Answer(found, right)


def verify_batch(deps: Deps, command: VerifyBatch, source_ip: str, now: datetime) -> list[Verification]:
    """Each asked number's verification, in the order asked (a number asked twice is answered
    twice, looked up once): one batch read of the certificates, then an index query per number
    without one (at most 100). RateLimitedError past BATCH_LIMIT_PER_MINUTE."""
    _take(deps, "verify-batch", source_ip, BATCH_LIMIT_PER_MINUTE, now, "VERIFY_BATCH_TOO_FREQUENT")
    distinct = [n for n in dict.fromkeys(command.registration_nos) if is_plausible_number(n)]
    certificates = deps.certificates.get_many(distinct) if distinct else {}
    registrations = _registrations(deps, [n for n in distinct if n not in certificates])
    found = {n: verdict(n, certificates.get(n), registrations.get(n), now) for n in distinct}
    answers = [found.get(n) or unknown(n) for n in command.registration_nos]
    logger.info("batch verification", extra={"numbers": len(answers), "source_ip": source_ip,
                                              "results": dict(Counter(a.status_value for a in answers))})
    return answers


def _registrations(deps: Deps, numbers: Sequence[str]) -> dict[str, Registration]:
    """The register rows of `numbers` (paper-era registrations), by number; absent when none."""
    if not numbers:
        return {}
    with ThreadPoolExecutor(max_workers=min(_INDEX_WORKERS, len(numbers))) as pool:
        rows = list(pool.map(deps.register.registration_by_no, numbers))
    return {number: row for number, row in zip(numbers, rows) if row is not None}


def _take(deps: Deps, purpose: str, source_ip: str, limit: int, now: datetime, code: str) -> None:
    minute = now.replace(second=0, microsecond=0)
    enforce_rate_limit(deps, f"{purpose}#{source_ip}#{minute:%Y%m%d%H%M}", limit,
                       minute + timedelta(minutes=1), now, code)
