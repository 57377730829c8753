"""Issued e-certificates and the registration-number counters in DynamoDB.

A certificate item holds the printed facts as a JSON document (immutable once
issued) and, beside it, the revocation (`revoked_at`, `revocation_reason`),
which is the one thing that changes — by a conditional update, so two
operators revoking at once leave the first reason standing.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Sequence

from chalicelib.adapters.dynamo import codec, conditions
from chalicelib.adapters.dynamo.applications import application_item, save_in_transaction
from chalicelib.adapters.dynamo.keys import sortable
from chalicelib.adapters.dynamo.models import CertificateItem, CounterItem
from chalicelib.adapters.dynamo.register import registration_item
from chalicelib.domain.application import Application
from chalicelib.domain.certificates import Certificate
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.notifications import Message
from chalicelib.domain.outbox import Sms
from chalicelib.domain.register import Registration

_MUTABLE = {"revoked_at", "revocation_reason"}
HOLDER_LIMIT = 100  # a holder gains one certificate per registration: decades of them fit one page


def _item(certificate: Certificate) -> CertificateItem:
    body = {k: v for k, v in codec.encode(certificate).items() if k not in _MUTABLE}
    return CertificateItem(certificate.registration_no, id_number=certificate.id_number,
                           issued_sort=f"{sortable(certificate.issued_at)}#{certificate.registration_no}",
                           body=body, revoked_at=certificate.revoked_at,
                           revocation_reason=certificate.revocation_reason)


def _certificate(item: CertificateItem) -> Certificate:
    return replace(codec.decode(Certificate, item.body), revoked_at=item.revoked_at,
                   revocation_reason=item.revocation_reason)


class DynamoCertificateRepository:
    def __init__(self, region: str) -> None:
        self._region = region

    def get(self, registration_no: str) -> Certificate | None:
        """One consistent key lookup, whether or not the number exists (verification
        answers unknown numbers in the same time as known ones)."""
        try:
            return _certificate(CertificateItem.get(registration_no, consistent_read=True))
        except CertificateItem.DoesNotExist:
            return None

    def of_holder(self, id_number: str) -> list[Certificate]:
        """Newest first."""
        return [_certificate(item) for item in CertificateItem.by_holder.query(
            id_number, scan_index_forward=False, limit=HOLDER_LIMIT)]

    def add(self, certificate: Certificate) -> bool:
        """Store a certificate issued outside the job (the demo's); False when the number exists."""
        with conditions.checked() as write:
            _item(certificate).save(condition=CertificateItem.registration_no.does_not_exist())
        return not write.refused

    def next_sequence(self, name: str) -> int:
        """An atomic ADD: concurrent callers never get the same value."""
        counter = CounterItem(name)
        counter.update(actions=[CounterItem.value.add(1)])
        return int(counter.value)

    def issue(self, application: Application, certificate: Certificate, registration: Registration | None,
              messages: Sequence[Message], sms: Sequence[Sms], now: datetime) -> None:
        """The certified application (conditional on its version), the certificate (conditional
        on its number being new), the registration record and the notices, all or nothing.
        Raises ConcurrentUpdateError when any condition fails."""
        item = application_item(application)
        also = [(_item(certificate), CertificateItem.registration_no.does_not_exist())]
        if registration is not None:
            also.append((registration_item(registration, now), None))
        save_in_transaction(self._region, item, messages, sms, also)
        application.version = int(item.version)

    def revoke(self, certificate: Certificate) -> None:
        """Store a revocation made by `Certificate.revoke`. Raises NotFoundError for an
        unknown number and ConflictError ALREADY_REVOKED when someone revoked it first."""
        with conditions.checked() as write:
            CertificateItem(certificate.registration_no).update(
                actions=[CertificateItem.revoked_at.set(certificate.revoked_at),
                         CertificateItem.revocation_reason.set(certificate.revocation_reason)],
                condition=CertificateItem.registration_no.exists() & CertificateItem.revoked_at.does_not_exist())
        if write.refused:
            if self.get(certificate.registration_no) is None:
                raise NotFoundError()
            raise ConflictError(code="ALREADY_REVOKED")
