"""E-certificates (SPEC §2.8): what one holds, its registration number, and what verification shows.

Registration numbers issued by this service read `BJ` + the registration
year + a six-digit sequence of that year, e.g. `BJ2026000123` (12 ASCII
characters: safe in a URL and a QR code, distinct from the register's imported
numbers, which never start with `BJ` followed by twelve digits). The sequence
comes from an atomic counter, so numbers are unique but may have gaps (a
number drawn by a run that then lost a race is not reused).

A registration (holder and registration year) has one current certificate.
A reissue (补证) for a lost or damaged certificate keeps the registration, so
its certificate replaces the one issued before for that registration: the old
number then verifies as `replaced` (已换发), never as valid.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Iterable

from chalicelib.domain import texts
from chalicelib.domain.application import Application
from chalicelib.domain.errors import ConflictError, ValidationError
from chalicelib.domain.identity import gender_of, mask_name
from chalicelib.domain.levels import Level
from chalicelib.domain.object_keys import certificate_keys
from chalicelib.domain.register import Registration
from chalicelib.domain.windows import SHANGHAI

ISSUING_AUTHORITY = "北京市民政局"
REGISTRATION_NO = re.compile(r"BJ(?P<year>[0-9]{4})(?P<seq>[0-9]{6})")
MAX_SEQUENCE = 999_999
REVOCATION_REASON_MAX = 200


def registration_number(year: int, sequence: int) -> str:
    """The `sequence`-th number of `year`; raises ValueError past the six digits of a year."""
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"registration sequence {sequence} out of range for {year}")
    return f"BJ{year:04d}{sequence:06d}"


def sequence_name(year: int) -> str:
    """The counter that numbers `year`'s certificates."""
    return f"registration-no#{year}"


class CertificateStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    REPLACED = "replaced"

    @property
    def chinese(self) -> str:
        return {"valid": "有效", "expired": "已过期", "revoked": "已注销", "replaced": "已换发"}[self.value]


def validity_status(valid_until: int, now: datetime) -> CertificateStatus:
    """Valid through the whole of year `valid_until`, Beijing time; expired after. The one rule
    for an e-certificate and for a paper-era registration alike (`domain/verification.py`)."""
    if now.astimezone(SHANGHAI).year > valid_until:
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID


@dataclass(frozen=True)
class Certificate:
    """One issued e-certificate: the facts printed on it and where its files are."""

    registration_no: str
    id_number: str
    application_id: str
    name: str
    certificate_no: str
    level: Level
    registration_year: int
    valid_until: int
    issued_at: datetime
    pdf_key: str
    png_key: str
    revoked_at: datetime | None = None
    revocation_reason: str | None = None
    replaced_by: str | None = None  # the registration number of the certificate that replaced this one
    replaced_at: datetime | None = None

    @property
    def gender(self) -> str:
        return gender_of(self.id_number)

    @property
    def gender_chinese(self) -> str:
        return "男" if self.gender == "male" else "女"

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    def status(self, now: datetime) -> CertificateStatus:
        """Revoked wins, then replaced; otherwise valid through the whole of year `valid_until`,
        Beijing time."""
        if self.revoked_at is not None:
            return CertificateStatus.REVOKED
        if self.replaced_by is not None:
            return CertificateStatus.REPLACED
        return validity_status(self.valid_until, now)

    def revoke(self, reason: object, now: datetime) -> "Certificate":
        """A revoked copy; revoking twice is a ConflictError (the first reason stands)."""
        text = reason.strip() if isinstance(reason, str) else ""
        if not text or len(text) > REVOCATION_REASON_MAX:
            raise ValidationError(details={
                "reason": texts.reason("REVOCATION_REASON_REQUIRED", max_length=REVOCATION_REASON_MAX)})
        if self.revoked_at is not None:
            raise ConflictError(code="ALREADY_REVOKED",
                                details={"revoked_at": self.revoked_at.isoformat()})
        return replace(self, revoked_at=now, revocation_reason=text)


def replaced_by_successor(held: Iterable[Certificate], successor: Certificate) -> list[Certificate]:
    """The holder's current certificates of `successor`'s registration (same holder, same
    registration year, not yet replaced), each as replaced by `successor`. Usually one, for
    a reissue; none for a new registration, or for one imported from the old register, whose
    paper certificate this service did not issue. More than one only for reissues issued
    before replacement existed: all of them stop being current, so the registration is left
    with exactly one."""
    return [replace(c, replaced_by=successor.registration_no, replaced_at=successor.issued_at)
            for c in held
            if c.id_number == successor.id_number and c.registration_year == successor.registration_year
            and c.replaced_by is None and c.registration_no != successor.registration_no]


TITLE = "社会工作者登记证书"
SUBTITLE = "电子证书"
VERIFY_HINT = "扫码核验真伪"


def printed_fields(certificate: Certificate) -> list[tuple[str, str]]:
    """(label, value) in the order they are printed (SPEC §2.8)."""
    issued_on = certificate.issued_at.astimezone(SHANGHAI)
    return [
        ("姓名", certificate.name),
        ("性别", certificate.gender_chinese),
        ("身份证号", certificate.id_number),
        ("职业水平", certificate.level.chinese),
        ("职业水平证书管理号", certificate.certificate_no),
        ("登记证书编号", certificate.registration_no),
        ("登记年度", f"{certificate.registration_year}年"),
        ("有效期至", f"{certificate.valid_until}年"),
        ("发证机关", ISSUING_AUTHORITY),
        ("发证日期", f"{issued_on.year}年{issued_on.month}月{issued_on.day}日"),
    ]


def registration_for(application: Application) -> Registration | None:
    """The register record a certificate adds: a registration of its year, except for a
    reissue that replaces a lost or damaged certificate (the registration it replaces stands)."""
    number = application.reserved_registration_no
    if number is None:
        raise ValueError("reserve a registration number before issuing")
    if application.certificate_registration_year != application.window_year:
        return None
    return Registration(application.id_number, application.window_year, number)


def certificate_for(application: Application, now: datetime) -> Certificate:
    """The certificate an approved application earns, under the number reserved on it."""
    number = application.reserved_registration_no
    if number is None:
        raise ValueError("reserve a registration number before issuing")
    pdf_key, png_key = certificate_keys(number)
    return Certificate(
        registration_no=number, id_number=application.id_number,
        application_id=application.application_id, name=application.name,
        certificate_no=application.certificate_no, level=application.level,
        registration_year=application.certificate_registration_year,
        valid_until=application.certificate_valid_until, issued_at=now, pdf_key=pdf_key, png_key=png_key)
