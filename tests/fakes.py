"""In-memory stand-ins for the ports, for service tests without I/O.

`tests/integration/test_repository_contract.py` runs the same assertions on
these and on the DynamoDB repositories, so they cannot drift apart.
"""
from __future__ import annotations

import copy
import uuid
from typing import Sequence

from chalicelib.adapters.dynamo.keys import sortable
from chalicelib.adapters.dynamo.register import ce_record_key
from chalicelib.domain.errors import ConcurrentUpdateError, ConflictError, NotFoundError
from chalicelib.domain.ports import AuditEntry, Page, UpsertCounts


def _page(keyed: list[tuple[str, object]], position: str | None, limit: int, newest_first: bool) -> Page:
    """Pages by sort key the way a DynamoDB query does: start after `position`, and the
    position of a page is its last item's key (None when nothing follows)."""
    ordered = sorted(keyed, key=lambda pair: pair[0], reverse=newest_first)
    if position is not None:
        ordered = [pair for pair in ordered if (pair[0] < position if newest_first else pair[0] > position)]
    page = ordered[:limit]
    return Page([copy.deepcopy(item) for _, item in page], page[-1][0] if len(ordered) > limit else None)


def _upsert(store: dict, rows: Sequence, key) -> UpsertCounts:
    counts = UpsertCounts()
    latest = {key(row): row for row in rows}
    for k, row in latest.items():
        before = store.get(k)
        if before == row:
            counts += UpsertCounts(unchanged=1)
            continue
        store[k] = row
        counts += UpsertCounts(imported=1) if before is None else UpsertCounts(updated=1)
    return counts


class FakeRegisterRepository:
    def __init__(self) -> None:
        self.practitioners, self.registrations, self.ce_records = {}, {}, {}

    def get_practitioner(self, id_number):
        return self.practitioners.get(id_number)

    def registrations_of(self, id_number):
        return sorted((r for (i, _), r in self.registrations.items() if i == id_number),
                      key=lambda r: r.registration_year)

    def ce_records_of(self, id_number):
        return [r for (i, _), r in sorted(self.ce_records.items()) if i == id_number]

    def upsert_practitioners(self, rows):
        return _upsert(self.practitioners, rows, lambda r: r.id_number)

    def upsert_registrations(self, rows):
        return _upsert(self.registrations, rows, lambda r: (r.id_number, r.registration_year))

    def upsert_ce_records(self, rows):
        return _upsert(self.ce_records, rows, lambda r: (r.id_number, ce_record_key(r)))


class FakeWindowRepository:
    def __init__(self) -> None:
        self.windows = {}

    def get(self, year):
        return self.windows.get(year)

    def put(self, window):
        created = window.year not in self.windows
        self.windows[window.year] = window
        return created

    def around(self, year):
        return [self.windows[y] for y in (year, year + 1) if y in self.windows]


class FakeApplicationRepository:
    def __init__(self) -> None:
        self.items: dict[str, object] = {}
        self.live: dict[tuple[str, int], str] = {}

    def get(self, application_id):
        if application_id not in self.items:
            raise NotFoundError()
        return copy.deepcopy(self.items[application_id])

    def add(self, application):
        live_key = (application.id_number, application.window_year)
        if live_key in self.live or application.application_id in self.items:
            raise ConflictError(code="LIVE_APPLICATION_EXISTS")
        self.live[live_key] = application.application_id
        application.version = 1
        self.items[application.application_id] = copy.deepcopy(application)

    def save(self, application):
        stored = self.items.get(application.application_id)
        if stored is None or stored.version != application.version:
            raise ConcurrentUpdateError()
        application.version += 1
        self.items[application.application_id] = copy.deepcopy(application)

    def list_for_applicant(self, id_number, position, limit):
        mine = [(f"{sortable(a.created_at)}#{a.application_id}", a)
                for a in self.items.values() if a.id_number == id_number]
        return _page(mine, position, limit, newest_first=True)

    def queue_page(self, year, status, kind, position, limit):
        queued = [(f"{sortable(a.submitted_at or a.created_at)}#{a.application_id}", a)
                  for a in self.items.values()
                  if a.window_year == year and a.status is status and (kind is None or a.type is kind)]
        return _page(queued, position, limit, newest_first=False)


class FakeAuditLog:
    def __init__(self) -> None:
        self.entries: dict[str, list[tuple[str, AuditEntry]]] = {}

    def record(self, subject, actor, action, at):
        key = f"{sortable(at)}#{uuid.uuid4().hex[:8]}"
        self.entries.setdefault(subject, []).append((key, AuditEntry(at, actor, action)))

    def page(self, subject, position, limit):
        return _page(self.entries.get(subject, []), position, limit, newest_first=True)


class FakeAccountRepository:
    def __init__(self) -> None:
        self.created: dict[str, object] = {}

    def create(self, account, unique):
        if account.login_key in self.created:
            raise ConflictError(code=unique.get(account.login_key, "ACCOUNT_EXISTS"))
        self.created[account.login_key] = account
