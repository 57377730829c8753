"""In-memory stand-ins for the ports, for service tests without I/O.

`tests/integration/test_repository_contract.py` runs the same assertions on
these and on the DynamoDB repositories, so they cannot drift apart.
"""
from __future__ import annotations

import copy
from typing import Sequence

from chalicelib.adapters.dynamo.register import ce_record_key
from chalicelib.domain.errors import ConcurrentUpdateError, ConflictError, NotFoundError
from chalicelib.domain.ports import Page, UpsertCounts


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
            raise NotFoundError("申请不存在")
        return copy.deepcopy(self.items[application_id])

    def add(self, application):
        live_key = (application.id_number, application.window_year)
        if live_key in self.live or application.application_id in self.items:
            raise ConflictError("本年度已有登记申请", code="LIVE_APPLICATION_EXISTS")
        self.live[live_key] = application.application_id
        application.version = 1
        self.items[application.application_id] = copy.deepcopy(application)

    def save(self, application):
        stored = self.items.get(application.application_id)
        if stored is None or stored.version != application.version:
            raise ConcurrentUpdateError("申请已被他人修改，请刷新后重试")
        application.version += 1
        self.items[application.application_id] = copy.deepcopy(application)

    def list_for_applicant(self, id_number, cursor, limit):
        mine = sorted((a for a in self.items.values() if a.id_number == id_number),
                      key=lambda a: (a.created_at, a.application_id), reverse=True)
        start = int(cursor or 0)
        page = [copy.deepcopy(a) for a in mine[start:start + limit]]
        more = start + limit < len(mine)
        return Page(page, str(start + limit) if more else None)


class FakeAccountRepository:
    def __init__(self) -> None:
        self.created: dict[str, object] = {}

    def create(self, account, unique):
        if account.login_key in self.created:
            raise ConflictError("账号已存在", code=unique.get(account.login_key, "ACCOUNT_EXISTS"))
        self.created[account.login_key] = account
