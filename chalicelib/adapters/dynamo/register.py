"""The register in DynamoDB: practitioners, registrations and CE records.

Imports write in chunks: one BatchGetItem to learn which rows are new,
changed or identical, then BatchWriteItem for the new and changed ones only —
so re-running an import costs reads, not writes, and changes nothing. Every
item is put whole; a failed request raises, leaving earlier chunks written and
no row half-written.

`practitioner_item` and `registration_item` are the one way a register row
becomes an item: the import's batches use them, and so do the transactions
that write a row beside other changes (a certificate's registration, an
accepted correction request).
"""
from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Callable, Sequence

from chalicelib.adapters.dynamo.models import CeRecordItem, PractitionerItem, RegistrationItem
from chalicelib.domain.levels import Level
from chalicelib.domain.ports import UpsertCounts
from chalicelib.domain.register import CeRecord, Practitioner, Registration

_CHUNK = 100  # BatchGetItem's limit
_WORKERS = 4


def ce_record_key(record: CeRecord) -> str:
    """Stable per (date, course, provider): the same CE row imported twice is one item."""
    digest = hashlib.sha256(f"{record.course}\x1f{record.provider}".encode()).hexdigest()[:16]
    return f"{record.completed_on.isoformat()}#{digest}"


def practitioner_item(row: Practitioner, now: datetime) -> PractitionerItem:
    return PractitionerItem(row.id_number, name=row.name, certificate_no=row.certificate_no,
                            level=row.level.value, qualification_year=row.qualification_year,
                            updated_at=now)


def _practitioner(item: PractitionerItem) -> Practitioner:
    return Practitioner(id_number=item.id_number, name=item.name, certificate_no=item.certificate_no,
                        level=Level(item.level), qualification_year=int(item.qualification_year))


def registration_item(row: Registration, now: datetime) -> RegistrationItem:
    return RegistrationItem(row.id_number, row.registration_year,
                            registration_no=row.registration_no, updated_at=now)


def _registration(item: RegistrationItem) -> Registration:
    return Registration(id_number=item.id_number, registration_year=int(item.registration_year),
                        registration_no=item.registration_no)


def _ce_item(row: CeRecord, now: datetime) -> CeRecordItem:
    return CeRecordItem(row.id_number, ce_record_key(row), completed_on=row.completed_on.isoformat(),
                        hours=str(row.hours), course=row.course, provider=row.provider, updated_at=now)


def _ce_record(item: CeRecordItem) -> CeRecord:
    return CeRecord(id_number=item.id_number, completed_on=date.fromisoformat(item.completed_on),
                    hours=Decimal(item.hours), course=item.course, provider=item.provider)


class DynamoRegisterRepository:
    def get_practitioner(self, id_number: str) -> Practitioner | None:
        try:
            return _practitioner(PractitionerItem.get(id_number))
        except PractitionerItem.DoesNotExist:
            return None

    def registrations_of(self, id_number: str) -> list[Registration]:
        return [_registration(item) for item in RegistrationItem.query(id_number)]

    def ce_records_of(self, id_number: str) -> list[CeRecord]:
        return [_ce_record(item) for item in CeRecordItem.query(id_number)]

    # --- helpdesk look-ups: one query on an ALL-projected index each ---
    def registration_by_no(self, registration_no: str) -> Registration | None:
        for item in RegistrationItem.by_registration_no.query(registration_no, limit=1):
            return _registration(item)
        return None

    def practitioners_by_certificate_no(self, certificate_no: str, limit: int) -> list[Practitioner]:
        return [_practitioner(item) for item in PractitionerItem.by_certificate_no.query(certificate_no, limit=limit)]

    def practitioners_named(self, name: str, limit: int) -> list[Practitioner]:
        return [_practitioner(item) for item in PractitionerItem.by_name.query(name, limit=limit)]

    def upsert_practitioners(self, rows: Sequence[Practitioner]) -> UpsertCounts:
        return _upsert(PractitionerItem, rows, practitioner_item, _practitioner,
                       key=lambda item: item.id_number)

    def upsert_registrations(self, rows: Sequence[Registration]) -> UpsertCounts:
        return _upsert(RegistrationItem, rows, registration_item, _registration,
                       key=lambda item: (item.id_number, int(item.registration_year)))

    def upsert_ce_records(self, rows: Sequence[CeRecord]) -> UpsertCounts:
        return _upsert(CeRecordItem, rows, _ce_item, _ce_record,
                       key=lambda item: (item.id_number, item.record_key))


def _upsert(model, rows, to_item: Callable, to_domain: Callable, key: Callable) -> UpsertCounts:
    """Write the rows that are new or differ from what is stored. A key given twice: last wins.

    Chunks of 100 keys (one BatchGetItem, up to four BatchWriteItems) run on a
    few threads: DynamoDB answers one chunk while we prepare the next.
    """
    now = datetime.now(timezone.utc)
    latest = {}
    for row in rows:
        item = to_item(row, now)
        latest[key(item)] = (row, item)
    keys = list(latest)
    chunks = [keys[start:start + _CHUNK] for start in range(0, len(keys), _CHUNK)]

    def upsert_chunk(chunk: list) -> UpsertCounts:
        stored = {key(item): to_domain(item) for item in model.batch_get(chunk)}
        counts = UpsertCounts()
        with model.batch_write() as batch:
            for item_key in chunk:
                row, item = latest[item_key]
                before = stored.get(item_key)
                if before == row:
                    counts += UpsertCounts(unchanged=1)
                    continue
                batch.save(item)
                counts += UpsertCounts(imported=1) if before is None else UpsertCounts(updated=1)
        return counts

    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        return sum(pool.map(upsert_chunk, chunks), UpsertCounts())
