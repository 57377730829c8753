"""Correction requests (反馈) in DynamoDB: one item per request, the request as a JSON document.

Beside the document the item carries what its indexes need (the person and the
creation time for `by_owner`; the status and creation time for `by_status`) and a
`VersionAttribute` for optimistic locking. "One open request per person and field"
is a `uniques` item put in the same transaction as the request, conditional on not
existing, and deleted in the decision's transaction. A decision writes, all or
nothing: the request (conditional on its version and on still being open), the
register row an acceptance writes (built by the import's own `practitioner_item` /
`registration_item`), the audit entry, the notices and the released guard.
"""
from __future__ import annotations

import uuid
from typing import Sequence

from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import codec, conditions, transactions
from chalicelib.adapters.dynamo.keys import bounded, id_in, sortable, start_key
from chalicelib.adapters.dynamo.messages import message_item
from chalicelib.adapters.dynamo.models import AuditItem, CorrectionItem, UniqueItem
from chalicelib.adapters.dynamo.outbox import outbox_item
from chalicelib.adapters.dynamo.register import practitioner_item, registration_item
from chalicelib.domain.corrections import Correction, CorrectionStatus
from chalicelib.domain.errors import ConcurrentUpdateError, ConflictError, NotFoundError
from chalicelib.domain.notifications import Message
from chalicelib.domain.outbox import Sms
from chalicelib.domain.ports import AuditEntry, Page
from chalicelib.domain.register import Practitioner, Registration


def open_key(correction: Correction) -> str:
    """The guard that makes a person's open request for a field unique."""
    return f"open-correction#{correction.id_number}#{correction.field.value}"


def audit_subject(correction_id: str) -> str:
    return f"correction#{correction_id}"


def _item(correction: Correction) -> CorrectionItem:
    body = {k: v for k, v in codec.encode(correction).items() if k != "version"}
    item = CorrectionItem(correction.correction_id, id_number=correction.id_number, status=correction.status.value,
                          created_sort=f"{sortable(correction.created_at)}#{correction.correction_id}", body=body)
    if correction.version:
        item.version = correction.version
    return item


def _correction(item: CorrectionItem) -> Correction:
    correction = codec.decode(Correction, item.body)
    correction.version = int(item.version)
    return correction


class DynamoCorrectionRepository:
    def __init__(self, region: str) -> None:
        self._region = region

    def get(self, correction_id: str) -> Correction:
        try:
            return _correction(CorrectionItem.get(correction_id, consistent_read=True))
        except CorrectionItem.DoesNotExist:
            raise NotFoundError() from None

    def add(self, correction: Correction) -> None:
        item = _item(correction)
        guard = UniqueItem(open_key(correction), owner=correction.correction_id)

        def build(transaction: TransactWrite) -> None:
            transaction.save(item, condition=CorrectionItem.correction_id.does_not_exist())
            transaction.save(guard, condition=UniqueItem.key.does_not_exist())

        with conditions.checked(on_refusal=lambda: ConflictError(
                code="CORRECTION_ALREADY_OPEN", details={"field": correction.field.value},
                field=correction.field.label)):
            transactions.write(self._region, build)
        correction.version = int(item.version)

    def save(self, correction: Correction) -> None:
        item = _item(correction)
        with conditions.checked(on_refusal=ConcurrentUpdateError):
            item.save()
        correction.version = int(item.version)

    def decide(self, correction: Correction, row: Practitioner | Registration | None, audit: AuditEntry,
               messages: Sequence[Message], sms: Sequence[Sms]) -> None:
        item = _item(correction)
        entry = AuditItem(audit_subject(correction.correction_id), f"{sortable(audit.at)}#{uuid.uuid4().hex[:8]}",
                          actor=audit.actor, action=audit.action, at=audit.at)
        guard = UniqueItem(open_key(correction), owner=correction.correction_id)

        def build(transaction: TransactWrite) -> None:
            # The version condition PynamoDB adds, and: it was open when this decision was made.
            transaction.save(item, condition=CorrectionItem.status == CorrectionStatus.OPEN.value)
            if isinstance(row, Practitioner):
                transaction.save(practitioner_item(row, audit.at))
            elif isinstance(row, Registration):
                transaction.save(registration_item(row, audit.at))
            transaction.save(entry)
            transaction.delete(guard, condition=UniqueItem.owner == correction.correction_id)
            for message in messages:
                transaction.save(message_item(message))
            for text in sms:
                transaction.save(outbox_item(text))

        with conditions.checked(on_refusal=ConcurrentUpdateError):
            transactions.write(self._region, build)
        correction.version = int(item.version)

    def list_for_applicant(self, id_number: str, position: str | None, limit: int) -> Page:
        """Newest first. `position` is a `created_sort` value (time#correction_id); the partition
        value, the ID number, is the caller's and never travels in it."""
        start = start_key(correction_id=id_in(position), id_number=id_number,
                          created_sort=position) if position else None
        items = CorrectionItem.by_owner.query(id_number, scan_index_forward=False, limit=limit + 1,
                                              last_evaluated_key=start)
        page, after = bounded(items, limit, lambda item: item.created_sort)
        return Page([_correction(item) for item in page], after)

    def queue_page(self, status: CorrectionStatus, position: str | None, limit: int) -> Page:
        """One query on `by_status`: open requests oldest first, decided ones newest first."""
        start = start_key(correction_id=id_in(position), status=status.value,
                          created_sort=position) if position else None
        items = CorrectionItem.by_status.query(status.value, scan_index_forward=status is CorrectionStatus.OPEN,
                                               limit=limit + 1, last_evaluated_key=start)
        page, after = bounded(items, limit, lambda item: item.created_sort)
        return Page([_correction(item) for item in page], after)
