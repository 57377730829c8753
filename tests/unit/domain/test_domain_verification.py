"""Verification codes (made and checked) and what a number verifies as: an e-certificate, a paper-era
registration valid through registration year + 3, or unknown; and the batch command."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from chalicelib.domain.certificates import Certificate, CertificateStatus
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.levels import Level
from chalicelib.domain.register import Registration
from chalicelib.domain.verification import (
    BATCH_MAX,
    CODE_ALPHABET,
    CODE_LENGTH,
    VerifyBatch,
    code_matches,
    of_registration,
    printed_code,
    verdict,
    verification_code,
)
from chalicelib.domain.windows import SHANGHAI

KEY = b"a verification key of thirty-two bytes"
OTHER_KEY = b"another verification key, thirty-two"


def _certificate(number: str = "BJ2026000123", valid_until: int = 2029) -> Certificate:
    return Certificate(number, "110105199003077715", "app-1", "周晓梅", "Z1", Level.SENIOR, valid_until - 3,
                       valid_until, datetime(2026, 4, 15, tzinfo=timezone.utc), "p", "q")


# --- the code ---------------------------------------------------------------------------------

def test_the_alphabet_leaves_out_the_characters_a_reader_mixes_up():
    assert len(CODE_ALPHABET) == len(set(CODE_ALPHABET)) == 32
    assert not set("0O1I") & set(CODE_ALPHABET)


def test_a_code_is_eight_characters_of_the_alphabet_and_the_same_for_the_same_number_and_key():
    code = verification_code(KEY, "BJ2026000123")
    assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
    assert verification_code(KEY, "BJ2026000123") == code


def test_a_code_is_the_first_forty_bits_of_the_numbers_hmac_sha256():
    digest = hmac.new(KEY, b"BJ2026000123", hashlib.sha256).digest()
    bits = f"{int.from_bytes(digest[:5], 'big'):040b}"
    assert verification_code(KEY, "BJ2026000123") == "".join(
        CODE_ALPHABET[int(bits[i:i + 5], 2)] for i in range(0, 40, 5))


def test_another_number_or_another_key_gives_another_code():
    codes = {verification_code(KEY, f"BJ2026{n:06d}") for n in range(1, 1001)}
    assert len(codes) == 1000  # sequential numbers do not give guessable codes
    assert verification_code(OTHER_KEY, "BJ2026000123") != verification_code(KEY, "BJ2026000123")


def test_the_printed_code_reads_as_two_groups_of_four():
    assert printed_code("K7MX2QPA") == "K7MX-2QPA"


@pytest.mark.parametrize("typed", [
    lambda c: c, lambda c: c.lower(), lambda c: printed_code(c), lambda c: f" {c[:4]} {c[4:]} ",
    lambda c: printed_code(c).lower(), lambda c: f"{c[:2]}-{c[2:5]} {c[5:]}", lambda c: f"{c[:4]}－{c[4:]}",
])
def test_the_right_code_matches_whatever_its_case_spaces_and_hyphens(typed):
    code = verification_code(KEY, "BJ2026000123")
    assert code_matches(KEY, "BJ2026000123", typed(code))


@pytest.mark.parametrize("typed", [
    "", "ABCDEFGH", "K7MX2QP", "A" * 33, "核验码", None, 12345678,
])
def test_a_wrong_short_long_or_non_text_code_does_not_match(typed):
    assert not code_matches(KEY, "BJ2026000123", typed)


def test_a_code_matches_only_its_own_number_and_key():
    code = verification_code(KEY, "BJ2026000123")
    assert not code_matches(KEY, "BJ2026000124", code)
    assert not code_matches(OTHER_KEY, "BJ2026000123", code)


# --- what a number verifies as ----------------------------------------------------------------

@pytest.mark.parametrize("year, moment, status", [
    (2023, datetime(2026, 12, 31, 23, 59, tzinfo=SHANGHAI), CertificateStatus.VALID),  # through 2023 + 3
    (2023, datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc), CertificateStatus.EXPIRED),  # 2027 in Beijing
    (2023, datetime(2027, 1, 1, tzinfo=SHANGHAI), CertificateStatus.EXPIRED),
    (2026, datetime(2026, 3, 1, tzinfo=SHANGHAI), CertificateStatus.VALID),
])
def test_a_paper_era_registration_is_valid_through_its_registration_year_plus_three(year, moment, status):
    found = of_registration(Registration("110105199003077715", year, "JSD2023-0456"), moment)
    assert (found.status, found.paper, found.registration_year, found.valid_until) == (status, True, year, year + 3)
    assert (found.masked_name, found.level) == (None, None)  # the register row names no one


def test_an_issued_certificate_wins_over_the_register_row_issuing_wrote_beside_it():
    certificate = replace(_certificate(), revoked_at=datetime(2026, 5, 1, tzinfo=timezone.utc))
    row = Registration(certificate.id_number, certificate.registration_year, certificate.registration_no)
    found = verdict(certificate.registration_no, certificate, row, datetime(2026, 6, 1, tzinfo=SHANGHAI))
    assert (found.status, found.paper, found.masked_name, found.level) == (
        CertificateStatus.REVOKED, False, "周*", Level.SENIOR)
    assert (found.status_value, found.status_text, found.valid) == ("revoked", "已注销", False)


def test_a_number_with_neither_certificate_nor_register_row_is_unknown():
    found = verdict("BJ2026999999", None, None, datetime(2026, 6, 1, tzinfo=SHANGHAI))
    assert (found.known, found.status_value, found.status_text, found.paper) == (False, "unknown", "未查到", False)


# --- the batch command ---------------------------------------------------------------------------

def test_a_batch_keeps_the_order_and_the_duplicates_asked_and_normalises_each_number():
    command = VerifyBatch.from_json({"registration_nos": [" BJ2026000002", "bj 2026 000001 ", "BJ2026000002"]})
    assert command.registration_nos == ("BJ2026000002", "BJ2026000001", "BJ2026000002")


@pytest.mark.parametrize("body", [{}, {"registration_nos": []}, {"registration_nos": "BJ2026000001"},
                                  {"registration_nos": ["BJ2026000001"] * (BATCH_MAX + 1)}])
def test_a_batch_needs_one_to_a_hundred_numbers(body):
    with pytest.raises(ValidationError) as refused:
        VerifyBatch.from_json(body)
    assert refused.value.code == "VERIFY_BATCH_INVALID" and "registration_nos" in refused.value.details


def test_a_batch_names_each_number_that_is_not_text():
    with pytest.raises(ValidationError) as refused:
        VerifyBatch.from_json({"registration_nos": ["BJ2026000001", 7, None]})
    assert set(refused.value.details) == {"registration_nos[1]", "registration_nos[2]"}
