"""A reissue replaces the certificate of the same registration (SPEC §2.6): which one, and what it then reads."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chalicelib.domain.certificates import Certificate, CertificateStatus, replaced_by_successor
from chalicelib.domain.levels import Level
from tests.ids import make_id

HOLDER = make_id()
ISSUED = datetime(2025, 4, 15, tzinfo=timezone.utc)
REISSUED = datetime(2026, 4, 15, tzinfo=timezone.utc)


def _certificate(number: str, *, registration_year: int = 2025, id_number: str = HOLDER,
                 issued_at: datetime = ISSUED, **changes) -> Certificate:
    return Certificate(registration_no=number, id_number=id_number, application_id="a1", name="周晓梅",
                       certificate_no="Z1", level=Level.ASSISTANT, registration_year=registration_year,
                       valid_until=registration_year + 3, issued_at=issued_at, pdf_key="p", png_key="q", **changes)


def test_a_reissue_replaces_the_current_certificate_of_the_same_registration_only():
    old = _certificate("BJ2025000001")
    other_year = _certificate("BJ2022000001", registration_year=2022)
    someone_else = _certificate("BJ2025000002", id_number=make_id(seq=7))
    new = _certificate("BJ2025000003", issued_at=REISSUED)
    replaced, = replaced_by_successor([new, old, other_year, someone_else], new)
    assert (replaced.registration_no, replaced.replaced_by, replaced.replaced_at) == (
        "BJ2025000001", "BJ2025000003", REISSUED)
    assert replaced.status(REISSUED) is CertificateStatus.REPLACED
    assert replaced.status(REISSUED).chinese == "已换发"
    assert new.status(REISSUED) is CertificateStatus.VALID


def test_a_first_certificate_of_a_registration_replaces_nothing():
    assert replaced_by_successor([_certificate("BJ2022000001", registration_year=2022)],
                                 _certificate("BJ2025000001")) == []
    assert replaced_by_successor([], _certificate("BJ2025000001")) == []


def test_a_certificate_already_replaced_is_not_replaced_again():
    first = _certificate("BJ2025000001", replaced_by="BJ2025000002", replaced_at=ISSUED + timedelta(days=30))
    second = _certificate("BJ2025000002", issued_at=ISSUED + timedelta(days=30))
    third = _certificate("BJ2025000003", issued_at=REISSUED)
    assert [c.registration_no for c in replaced_by_successor([first, second], third)] == ["BJ2025000002"]


def test_every_current_certificate_of_the_registration_is_replaced_so_one_stays_current():
    """Two current ones exist only if reissued before replacement existed: both stop being current."""
    earlier = [_certificate("BJ2025000001"), _certificate("BJ2025000002", issued_at=ISSUED + timedelta(days=30))]
    new = _certificate("BJ2025000003", issued_at=REISSUED)
    assert {c.registration_no for c in replaced_by_successor(earlier, new)} == {"BJ2025000001", "BJ2025000002"}


def test_replaced_wins_over_expired_and_revoked_wins_over_replaced():
    replaced = _certificate("BJ2025000001", replaced_by="BJ2025000002", replaced_at=REISSUED)
    assert replaced.status(datetime(2040, 1, 1, tzinfo=timezone.utc)) is CertificateStatus.REPLACED
    assert replaced.revoke("遗失声明作废", REISSUED).status(REISSUED) is CertificateStatus.REVOKED


def test_a_revoked_certificate_of_the_registration_is_marked_replaced_but_still_reads_revoked():
    revoked = _certificate("BJ2025000001").revoke("遗失声明作废", ISSUED + timedelta(days=1))
    replaced, = replaced_by_successor([revoked], _certificate("BJ2025000002", issued_at=REISSUED))
    assert replaced.replaced_by == "BJ2025000002" and replaced.status(REISSUED) is CertificateStatus.REVOKED
