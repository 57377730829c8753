"""Issued e-certificates and the registration-number counters in DynamoDB.

A certificate item holds the printed facts as a JSON document (immutable once
issued) and, beside it, the two things that change: the revocation
(`revoked_at`, `revocation_reason`), by a conditional update, so two operators
revoking at once leave the first reason standing; and the replacement
(`replaced_by`, `replaced_at`), written in the transaction that stores the
reissued certificate, on condition that the old one is still as read (not
replaced, revocation unchanged), so two runs can never both replace it.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Sequence

from pynamodb.expressions.condition import Condition

from chalicelib.adapters.dynamo import codec, conditions
from chalicelib.adapters.dynamo.applications import application_item, save_in_transaction, written
from chalicelib.adapters.dynamo.keys import sortable
from chalicelib.adapters.dynamo.mailings import NEW_ONLY, mailing_item
from chalicelib.adapters.dynamo.models import CertificateItem, CounterItem
from chalicelib.adapters.dynamo.register import registration_item
from chalicelib.domain.application import Application
from chalicelib.domain.certificates import Certificate
from chalicelib.domain.errors import ConflictError, NotFoundError
from chalicelib.domain.mailing import Mailing
from chalicelib.domain.notifications import Message
from chalicelib.domain.outbox import Sms
from chalicelib.domain.register import Registration

_MUTABLE = {"revoked_at", "revocation_reason", "replaced_by", "replaced_at"}
HOLDER_LIMIT = 100  # one certificate per registration and per reissue: decades of them fit one page
BATCH_GET_LIMIT = 100  # BatchGetItem's own limit: batch verification asks at most this many


def _item(certificate: Certificate) -> CertificateItem:
    body = {k: v for k, v in codec.encode(certificate).items() if k not in _MUTABLE}
    return CertificateItem(certificate.registration_no, id_number=certificate.id_number,
                           issued_sort=f"{sortable(certificate.issued_at)}#{certificate.registration_no}",
                           body=body, revoked_at=certificate.revoked_at,
                           revocation_reason=certificate.revocation_reason,
                           replaced_by=certificate.replaced_by, replaced_at=certificate.replaced_at)


def _certificate(item: CertificateItem) -> Certificate:
    return replace(codec.decode(Certificate, item.body), revoked_at=item.revoked_at,
                   revocation_reason=item.revocation_reason, replaced_by=item.replaced_by,
                   replaced_at=item.replaced_at)


def _unchanged_since_read(certificate: Certificate) -> Condition:
    """The stored certificate is still current and its revocation is as `certificate` read it."""
    revocation = (CertificateItem.revoked_at.does_not_exist() if certificate.revoked_at is None
                  else CertificateItem.revoked_at == certificate.revoked_at)
    return CertificateItem.registration_no.exists() & CertificateItem.replaced_by.does_not_exist() & revocation


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

    def get_many(self, registration_nos: Sequence[str]) -> dict[str, Certificate]:
        """One BatchGetItem (PynamoDB retries the unprocessed keys) for at most 100 distinct
        numbers; unknown numbers are absent."""
        keys = list(dict.fromkeys(registration_nos))
        if len(keys) > BATCH_GET_LIMIT:
            raise ValueError(f"at most {BATCH_GET_LIMIT} numbers per batch read")
        return {item.registration_no: _certificate(item)
                for item in CertificateItem.batch_get(keys, consistent_read=True)} if keys else {}

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
              messages: Sequence[Message], sms: Sequence[Sms], now: datetime, *,
              replacing: Sequence[Certificate] = (), mailing: Mailing | None = None) -> None:
        """The certified application (conditional on its version), the certificate (conditional
        on its number being new), the registration record, the certificates it replaces (each
        conditional on being current and unrevoked as read), the mailing (conditional on being
        new) and the notices, all or nothing.
        Raises ConcurrentUpdateError when any condition fails."""
        item = application_item(application)
        also = [(_item(certificate), CertificateItem.registration_no.does_not_exist())]
        also += [(_item(old), _unchanged_since_read(old)) for old in replacing]
        if registration is not None:
            also.append((registration_item(registration, now), None))
        if mailing is not None:
            also.append((mailing_written := mailing_item(mailing), NEW_ONLY))
        save_in_transaction(self._region, item, messages, sms, also)
        written(application, item)
        if mailing is not None:
            mailing.version = int(mailing_written.version)

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
