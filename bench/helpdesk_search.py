"""Does a helpdesk search cost the same with 1,000 and with 100,000 registrations?

Goal (the issue): search cost (read units) flat from 1k to 100k: the read units of a search at
100,000 no more than at 1,000 (ratio ≤ 1.0; 1.00 is also the floor: fewer units cannot be).

Fills DynamoDB Local with people as the register import and sign-up leave them (a register row,
a registration, an applicant account with its ID binding; batch-written), then searches one
person by each kind of key through the service (`services.helpdesk.search`, median of 7), beside
the floor measured in the same run: the key lookup alone, raw (one GetItem or index Query,
boto3, nothing decoded). Read units are the ConsumedCapacity DynamoDB reports for every read the
search makes (ReturnConsumedCapacity TOTAL, which PynamoDB asks for on every call), summed.
Usage: .venv/bin/python bench/helpdesk_search.py [SMALL LARGE]   (default 1,000 100,000;
`--quick`: 100 300, fewer runs, a few seconds)
"""
from __future__ import annotations

import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import _stack

GOAL = 1.0
NOW = datetime(2031, 5, 1, tzinfo=timezone.utc)
TARGET = 7  # the person searched for: among the first SMALL, so the same person at both sizes
KINDS = ("id_number", "phone", "registration_no", "certificate_no", "name")
_READS = {"GetItem", "Query", "BatchGetItem", "Scan"}
_CHUNK = 2_000


def name_of(n: int) -> str:
    """A distinct three-character name per person."""
    return f"欧{chr(0x4E00 + n % 20_000)}{chr(0x4E00 + n // 20_000 % 20_000)}"


def phone_of(n: int) -> str:
    return f"139{n:08d}"


def items(n: int, id_number: str) -> list:
    """Person `n`'s items, as `swreg import` and sign-up write them."""
    from chalicelib.adapters.dynamo.models import AccountItem, UniqueItem
    from chalicelib.adapters.dynamo.register import practitioner_item, registration_item
    from chalicelib.domain.accounts import Role, identity_key, phone_login
    from chalicelib.domain.levels import Level
    from chalicelib.domain.register import Practitioner, Registration
    account_id = f"{n:032x}"
    return [practitioner_item(Practitioner(id_number, name_of(n), f"Z{n:09d}", Level.INTERMEDIATE, 2016), NOW),
            registration_item(Registration(id_number, 2020, f"R{n:09d}"), NOW),
            AccountItem(account_id, login_key=phone_login(phone_of(n)), role=Role.APPLICANT.value,
                        phone=phone_of(n), id_number=id_number, password_hash="-", created_at=NOW),
            UniqueItem(identity_key(id_number), owner=account_id)]


def certify(deps, n: int, id_number: str) -> None:
    """Person `n` holds an e-certificate too, so a search reads a certificate and its mailing."""
    from chalicelib.domain.certificates import Certificate
    from chalicelib.domain.levels import Level
    deps.certificates.add(Certificate(f"BJ2031{n:06d}", id_number, f"{n:032x}", name_of(n), f"Z{n:09d}",
                                      Level.INTERMEDIATE, 2031, 2034, NOW, "p.pdf", "p.png"))


def fill(ids: list[str], start: int) -> None:
    """Batch-write people `start`… (BatchWriteItem per table, a few threads)."""
    def write(first: int) -> None:
        by_model: dict[type, list] = {}
        for n in range(first, min(first + _CHUNK, start + len(ids))):
            for item in items(n, ids[n - start]):
                by_model.setdefault(type(item), []).append(item)
        for model, rows in by_model.items():
            with model.batch_write() as batch:
                for row in rows:
                    batch.save(row)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(start, start + len(ids), _CHUNK)))


class ReadUnits:
    """The read units every DynamoDB read PynamoDB sends reports (it asks for TOTAL on each)."""

    def __init__(self) -> None:
        from pynamodb.connection.base import Connection
        self.total = 0.0
        original = Connection.dispatch
        meter = self

        def dispatch(connection, operation_name, operation_kwargs):
            data = original(connection, operation_name, operation_kwargs)
            if operation_name in _READS:
                meter.total += units(data.get("ConsumedCapacity"))
            return data
        Connection.dispatch = dispatch

    def of(self, action) -> float:
        before = self.total
        action()
        return self.total - before


def units(capacity) -> float:
    if capacity is None:
        return 0.0
    listed = capacity if isinstance(capacity, list) else [capacity]
    return sum(float(c.get("CapacityUnits", 0)) for c in listed)


def median_ms(action, runs: int) -> float:
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings) * 1000


def query_of(kind: str, n: int, id_number: str) -> str:
    return {"id_number": id_number, "phone": phone_of(n), "registration_no": f"R{n:09d}",
            "certificate_no": f"Z{n:09d}", "name": name_of(n)}[kind]


def raw_lookup(deps, client, kind: str, q: str) -> float:
    """The floor: the key lookup alone, raw; returns its read units."""
    prefix = deps.settings.table_prefix
    if kind == "id_number":
        answer = client.get_item(TableName=prefix + "practitioners", Key={"id_number": {"S": q}},
                                 ReturnConsumedCapacity="TOTAL")
        return units(answer["ConsumedCapacity"])
    table, index, attribute, value = {
        "phone": ("accounts", "by_login", "login_key", f"phone#{q}"),
        "registration_no": ("registrations", "by_registration_no", "registration_no", q),
        "certificate_no": ("practitioners", "by_certificate_no", "certificate_no", q),
        "name": ("practitioners", "by_name", "name", q)}[kind]
    answer = client.query(TableName=prefix + table, IndexName=index, KeyConditionExpression="#k = :v",
                          ExpressionAttributeNames={"#k": attribute}, ExpressionAttributeValues={":v": {"S": value}},
                          ReturnConsumedCapacity="TOTAL")
    return units(answer["ConsumedCapacity"])


def measure(deps, meter: ReadUnits, target_id: str, label: str, warm_up: int, runs: int) -> dict[str, float]:
    """Per kind of key: the search's read units (printed beside latency and the floor's)."""
    import boto3
    from chalicelib.domain.accounts import Account, Role
    from chalicelib.domain.helpdesk_search import SearchQuery
    from chalicelib.services import helpdesk
    client = boto3.client("dynamodb", region_name=deps.settings.region)
    admin = Account(account_id="b" * 32, login_key="staff#bench", role=Role.ADMIN, password_hash="-",
                    created_at=NOW, username="bench")
    results = {}
    for kind in KINDS:
        q = query_of(kind, TARGET, target_id)
        query = SearchQuery.from_query({"q": q})

        def search():
            found = helpdesk.search(deps, admin, query, NOW)
            assert [p.id_number for p in found.people] == [target_id], (kind, found.people)
        for _ in range(warm_up):
            search()
        search_units = meter.of(search)
        took = median_ms(search, runs)
        floor = median_ms(lambda: raw_lookup(deps, client, kind, q), runs)
        floor_units = raw_lookup(deps, client, kind, q)
        results[kind] = search_units
        print(f"{label:>8} {kind:<16} search {took:6.1f} ms  {search_units:5.1f} read units   "
              f"floor (the key lookup alone) {floor:5.1f} ms  {floor_units:4.1f} read units")
    return results


def short(count: int) -> str:
    return f"{count // 1000}k" if count >= 1000 and count % 1000 == 0 else f"{count:,}"


def main() -> int:
    quick, (small, large) = _stack.sizes(full=(1_000, 100_000), quick=(100, 300))
    stack, deps = _stack.start()
    try:
        meter = ReadUnits()
        ids = list(_stack.id_numbers(large))
        warm_up, runs = (2, 3) if quick else (20, 7)
        started = time.perf_counter()
        fill(ids[:small], 0)
        certify(deps, TARGET, ids[TARGET])
        print(f"(filled {small:,} people in {time.perf_counter() - started:.0f} s)")
        before = measure(deps, meter, ids[TARGET], f"{small:,}", warm_up, runs)
        started = time.perf_counter()
        fill(ids[small:], small)
        print(f"(filled to {large:,} in {time.perf_counter() - started:.0f} s)")
        after = measure(deps, meter, ids[TARGET], f"{large:,}", warm_up, runs)
    finally:
        stack.stop()
    for kind in KINDS:
        print(f"  {kind:<16} read units {after[kind] / before[kind]:4.2f}×")
    _stack.goal(f"search read units at {short(large)} ÷ at {short(small)}",
                sum(after.values()) / sum(before.values()), 1.0, "<=", GOAL, "×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
