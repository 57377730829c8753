"""E-certificate rules: registration numbers, validity by Beijing year, revocation, masking, what is printed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.application import Application
from chalicelib.domain.certificates import (
    REGISTRATION_NO,
    Certificate,
    CertificateStatus,
    certificate_for,
    printed_fields,
    registration_for,
    registration_number,
)
from chalicelib.domain.eligibility import RegistrationType, evaluate
from chalicelib.domain.errors import ConflictError, InvalidTransitionError, ValidationError
from chalicelib.domain.levels import Level
from chalicelib.domain.register import Practitioner, Registration
from chalicelib.domain.windows import SHANGHAI, Window
from tests.ids import make_id

WINDOW = Window.create(2026, datetime(2026, 3, 1, 9, tzinfo=SHANGHAI), datetime(2026, 4, 1, tzinfo=SHANGHAI))
AT = WINDOW.opens_at + timedelta(days=1)


def _certificate(**changes) -> Certificate:
    values = dict(registration_no="BJ2026000001", id_number=make_id(), application_id="a1", name="周晓梅",
                  certificate_no="Z1", level=Level.ASSISTANT, registration_year=2026, valid_until=2029,
                  issued_at=datetime(2026, 4, 15, tzinfo=timezone.utc), pdf_key="p", png_key="q")
    return Certificate(**{**values, **changes})


def test_registration_numbers_are_bj_year_and_six_digits():
    assert registration_number(2026, 123) == "BJ2026000123"
    assert REGISTRATION_NO.fullmatch(registration_number(2026, 999_999))
    for bad in (0, 1_000_000):
        with pytest.raises(ValueError):
            registration_number(2026, bad)


def test_a_certificate_is_valid_through_the_last_day_of_its_valid_until_year_in_beijing():
    certificate = _certificate(valid_until=2029)
    new_year = datetime(2030, 1, 1, tzinfo=SHANGHAI)
    assert certificate.status(new_year - timedelta(seconds=1)) is CertificateStatus.VALID
    assert certificate.status(new_year) is CertificateStatus.EXPIRED
    assert certificate.status(datetime(2029, 12, 31, 16, 0, tzinfo=timezone.utc)) is CertificateStatus.EXPIRED


def test_revocation_needs_a_reason_wins_over_validity_and_happens_once():
    certificate = _certificate()
    with pytest.raises(ValidationError):
        certificate.revoke("  ", AT)
    revoked = certificate.revoke(" 证书遗失声明作废 ", AT)
    assert (revoked.revocation_reason, revoked.revoked_at) == ("证书遗失声明作废", AT)
    assert revoked.status(AT) is CertificateStatus.REVOKED
    with pytest.raises(ConflictError):
        revoked.revoke("again", AT)


def _approved(kind=RegistrationType.FIRST, registrations=(), qualified=2025) -> Application:
    person = Practitioner(make_id(), "王䶮", "Z9", Level.INTERMEDIATE, qualified)
    verdict = evaluate(person, registrations, [], WINDOW).verdict(kind)
    application = Application.start("a1", person, verdict, WINDOW, AT, actor="me")
    application.status = application.status.APPROVED  # the review path is tested elsewhere
    return application


def test_the_reserved_number_is_kept_and_certifying_with_another_is_refused():
    application = _approved()
    assert application.reserve_registration_no("BJ2026000007") == "BJ2026000007"
    assert application.reserve_registration_no("BJ2026000008") == "BJ2026000007"
    with pytest.raises(ConflictError):
        application.certify("BJ2026000008", AT)
    application.certify("BJ2026000007", AT)
    assert application.registration_no == "BJ2026000007"
    with pytest.raises(InvalidTransitionError):
        application.reserve_registration_no("BJ2026000009")


def test_a_first_registration_adds_a_registration_of_the_window_year():
    application = _approved()
    application.reserve_registration_no("BJ2026000001")
    assert registration_for(application) == Registration(application.id_number, 2026, "BJ2026000001")
    certificate = certificate_for(application, AT)
    assert (certificate.registration_year, certificate.valid_until, certificate.pdf_key) == (
        2026, 2029, "certificates/BJ2026000001.pdf")


def test_a_reissue_for_a_lost_certificate_adds_no_registration_and_keeps_the_old_validity():
    person_id = make_id()
    application = _approved(RegistrationType.REISSUE, [Registration(person_id, 2024, "OLD1")], qualified=2020)
    application.reserve_registration_no("BJ2024000001")
    assert registration_for(application) is None
    assert (certificate_for(application, AT).registration_year, certificate_for(application, AT).valid_until) == (
        2024, 2027)


def test_the_certificate_prints_every_spec_field_with_the_date_in_beijing():
    fields = dict(printed_fields(_certificate(issued_at=datetime(2026, 4, 14, 17, tzinfo=timezone.utc))))
    assert set(fields) == {"姓名", "性别", "身份证号", "职业水平", "职业水平证书管理号", "登记证书编号", "登记年度",
                           "有效期至", "发证机关", "发证日期"}
    assert (fields["发证日期"], fields["有效期至"], fields["发证机关"]) == ("2026年4月15日", "2029年", "北京市民政局")
