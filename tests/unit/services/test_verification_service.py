"""Public verification on the fakes: one number with or without its code, paper-era registrations,
batches of up to 100 in the order asked, each with its own per-address rate limit; nothing personal
in the logs."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.certificates import Certificate, CertificateStatus
from chalicelib.domain.errors import NotFoundError, RateLimitedError, ValidationError
from chalicelib.domain.levels import Level
from chalicelib.domain.register import Registration
from chalicelib.domain.verification import VerifyBatch, printed_code, verification_code
from chalicelib.domain.windows import SHANGHAI
from chalicelib.observability import logger
from chalicelib.services import verification
from tests.certificate_run import issue_due
from tests.ids import make_id
from tests.unit.services.world import YEAR

NOW = datetime(YEAR, 6, 1, 10, tzinfo=SHANGHAI)
IP = "203.0.113.7"


def _certificate(fakes, number: str, *, valid_until: int = YEAR + 2, name: str = "周晓梅", **changes) -> Certificate:
    certificate = replace(Certificate(number, make_id(), "app-" + number, name, "Z1", Level.INTERMEDIATE,
                                      valid_until - 3, valid_until, datetime(YEAR - 1, 4, 15, tzinfo=SHANGHAI),
                                      "p", "q"), **changes)
    assert fakes.certificates.add(certificate)
    # issuing writes the registration's register row beside the certificate
    fakes.register.upsert_registrations([Registration(certificate.id_number, certificate.registration_year, number)])
    return certificate


def _paper(fakes, number: str, year: int) -> Registration:
    row = Registration(make_id(), year, number)
    fakes.register.upsert_registrations([row])
    return row


def _code(fakes, number: str) -> str:
    return verification_code(fakes.keys.verification, number)


# --- one number ----------------------------------------------------------------------------------

def test_without_a_code_an_issued_certificate_shows_only_its_status(fakes):
    _certificate(fakes, "BJ2025000001")
    answer = verification.verify(fakes, "BJ2025000001", None, IP, NOW)
    assert (answer.code_verified, answer.verification.status, answer.verification.paper) == (
        False, CertificateStatus.VALID, False)


def test_with_the_code_printed_under_the_qr_the_caller_proves_they_hold_the_certificate(fakes):
    _certificate(fakes, "BJ2025000002")
    answer = verification.verify(fakes, "BJ2025000002", printed_code(_code(fakes, "BJ2025000002")).lower(), IP, NOW)
    assert answer.code_verified and answer.verification.masked_name == "周*"


def test_the_code_the_certificate_run_prints_is_the_one_verification_accepts(world, fakes):
    reviewer = world.reviewer()
    world.approved(world.applicant("李雷"), reviewer, world.window.opens_at + timedelta(days=1))
    due = world.window.certificates_due_at
    assert issue_due(fakes, due)["issued"] == 1
    (number, url), = fakes.renderer.rendered
    assert url.endswith(f"/{number}?code={fakes.renderer.codes[number]}")
    assert verification.verify(fakes, number, fakes.renderer.codes[number], IP, due).code_verified


def test_a_wrong_code_is_refused_naming_the_code(fakes):
    _certificate(fakes, "BJ2025000003")
    with pytest.raises(ValidationError) as refused:
        verification.verify(fakes, "BJ2025000003", _code(fakes, "BJ2025000004"), IP, NOW)
    assert refused.value.code == "VERIFICATION_CODE_WRONG" and set(refused.value.details) == {"code"}


def test_an_unknown_number_is_not_found_with_or_without_a_code(fakes):
    for code in (None, _code(fakes, "BJ2025999999")):
        with pytest.raises(NotFoundError):
            verification.verify(fakes, "BJ2025999999", code, IP, NOW)
    with pytest.raises(NotFoundError):
        verification.verify(fakes, "' OR 1=1 --", None, IP, NOW)


def test_a_number_typed_in_lower_case_or_with_spaces_is_found(fakes):
    _certificate(fakes, "BJ2025000005")
    assert verification.verify(fakes, "bj2025 000005", None, IP, NOW).verification.registration_no == "BJ2025000005"


@pytest.mark.parametrize("year, status", [(YEAR - 3, CertificateStatus.VALID), (YEAR - 4, CertificateStatus.EXPIRED)])
def test_a_paper_era_registration_verifies_by_its_registration_year(fakes, year, status):
    _paper(fakes, f"PAPER-{year}", year)
    found = verification.verify(fakes, f"PAPER-{year}", None, IP, NOW).verification
    assert (found.status, found.paper, found.registration_year, found.valid_until) == (status, True, year, year + 3)


def test_a_paper_era_registration_has_no_code_to_check(fakes):
    _paper(fakes, "PAPER-X1", YEAR - 1)
    answer = verification.verify(fakes, "PAPER-X1", "WRONGCODE", IP, NOW)
    assert (answer.verification.paper, answer.code_verified) == (True, False)


def test_a_revoked_certificate_is_revoked_though_its_register_row_is_still_there(fakes):
    _certificate(fakes, "BJ2025000006", revoked_at=NOW - timedelta(days=1), revocation_reason="错发")
    found = verification.verify(fakes, "BJ2025000006", None, IP, NOW).verification
    assert (found.status, found.paper) == (CertificateStatus.REVOKED, False)


def test_an_address_may_verify_thirty_times_a_minute(fakes):
    for _ in range(verification.VERIFY_LIMIT_PER_MINUTE):
        with pytest.raises(NotFoundError):
            verification.verify(fakes, "BJ2026000001", None, IP, NOW)
    with pytest.raises(RateLimitedError) as limited:
        verification.verify(fakes, "BJ2026000001", None, IP, NOW)
    assert limited.value.code == "VERIFY_TOO_FREQUENT" and limited.value.retry_after >= 1
    with pytest.raises(NotFoundError):
        verification.verify(fakes, "BJ2026000001", None, "198.51.100.1", NOW)  # another address's own count
    with pytest.raises(NotFoundError):
        verification.verify(fakes, "BJ2026000001", None, IP, NOW + timedelta(minutes=1))  # the next minute


# --- a batch -------------------------------------------------------------------------------------

def _every_kind(fakes) -> list[str]:
    """Numbers that verify valid, expired, revoked, replaced, paper (valid), paper (expired), unknown."""
    _certificate(fakes, "BJ2025000101")
    _certificate(fakes, "BJ2020000102", valid_until=YEAR - 1)
    _certificate(fakes, "BJ2025000103", revoked_at=NOW, revocation_reason="错发")
    _certificate(fakes, "BJ2025000104", replaced_by="BJ2025000101", replaced_at=NOW)
    _paper(fakes, "OLD-0105", YEAR - 2)
    _paper(fakes, "OLD-0106", YEAR - 9)
    return ["BJ2025000101", "BJ2020000102", "BJ2025000103", "BJ2025000104", "OLD-0105", "OLD-0106", "BJ2025999107"]


def test_a_batch_answers_every_number_in_the_order_asked_with_its_status(fakes):
    numbers = _every_kind(fakes)
    asked = list(reversed(numbers)) + ["BJ2025000101", "=cmd|' /C calc'!A0"]
    answers = verification.verify_batch(fakes, VerifyBatch(tuple(asked)), IP, NOW)
    assert [a.registration_no for a in answers] == asked
    assert [(a.status_value, a.paper) for a in answers] == [
        ("unknown", False), ("expired", True), ("valid", True), ("replaced", False), ("revoked", False),
        ("expired", False), ("valid", False), ("valid", False), ("unknown", False)]
    valid = answers[6]
    assert (valid.masked_name, valid.level, valid.valid_until) == ("周*", Level.INTERMEDIATE, YEAR + 2)
    paper = answers[2]
    assert (paper.masked_name, paper.level, paper.valid_until) == (None, None, YEAR + 1)


def test_a_batch_of_a_hundred_is_answered_whole(fakes):
    numbers = [f"BJ2025{n:06d}" for n in range(200, 300)]
    for number in numbers[::2]:
        _certificate(fakes, number)
    answers = verification.verify_batch(fakes, VerifyBatch(tuple(numbers)), IP, NOW)
    assert [a.status_value for a in answers] == ["valid", "unknown"] * 50


def test_an_address_may_send_ten_batches_a_minute_on_a_count_of_its_own(fakes):
    batch = VerifyBatch(("BJ2025000001",))
    for _ in range(verification.BATCH_LIMIT_PER_MINUTE):
        verification.verify_batch(fakes, batch, IP, NOW)
    with pytest.raises(RateLimitedError) as limited:
        verification.verify_batch(fakes, batch, IP, NOW)
    assert limited.value.code == "VERIFY_BATCH_TOO_FREQUENT" and 1 <= limited.value.retry_after <= 60
    with pytest.raises(NotFoundError):  # single checks keep their own count
        verification.verify(fakes, "BJ2025000001", None, IP, NOW)


def test_a_batch_logs_how_many_numbers_and_results_but_no_name_number_or_id(fakes, caplog):
    certificate = _certificate(fakes, "BJ2025000301", name="欧阳娜娜")
    paper = _paper(fakes, "OLD-0302", YEAR - 1)
    with caplog.at_level(logging.INFO, logger=logger.name):
        verification.verify_batch(fakes, VerifyBatch(("BJ2025000301", "OLD-0302", "BJ2025000303")), IP, NOW)
    record, = [r for r in caplog.records if r.getMessage() == "batch verification"]
    assert (record.numbers, record.results) == (3, {"valid": 2, "unknown": 1})
    logged = " ".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    for secret in ("欧阳", certificate.id_number, paper.id_number, "BJ2025000301", "OLD-0302"):
        assert secret not in logged


def test_verification_reads_no_clock_but_the_one_it_is_given(fakes):
    _certificate(fakes, "BJ2025000401", valid_until=YEAR)
    after = datetime(YEAR + 1, 1, 1, tzinfo=SHANGHAI)
    assert verification.verify(fakes, "BJ2025000401", None, IP, after).verification.status_value == "expired"
    at_new_year_utc = datetime(YEAR, 12, 31, 16, 0, tzinfo=timezone.utc)  # 00:00 on 1 January in Beijing
    assert verification.verify(fakes, "BJ2025000401", None, "198.51.100.2", at_new_year_utc
                               ).verification.status_value == "expired"
