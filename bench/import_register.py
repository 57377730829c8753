"""How fast `swreg import practitioners` loads 100,000 rows into DynamoDB Local.

Goal (the issue): at least 0.7× the floor's rate, and the whole import within 60 s on this machine.

Floor: boto3 `batch_write_item` of the same rows (25 per request, no
validation, no reads; each item the adapter's `PractitionerItem`, serialised) into an
identical table (its indexes too), in the same run, after a warm-up write so neither side pays for
the JVM's JIT.
Usage: .venv/bin/python bench/import_register.py [ROWS]   (default 100,000; `--quick`: 1,000)
"""
from __future__ import annotations

import csv
import io
import sys
import time
from datetime import datetime, timezone

import _stack

GOAL_RATIO, GOAL_SECONDS = 0.7, 60.0

LEVELS = ("assistant", "intermediate", "senior", "助理社会工作师", "社会工作师")


def make_csv(rows: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "id_number", "certificate_no", "level", "qualification_year"])
    for i, id_number in enumerate(_stack.id_numbers(rows)):
        writer.writerow([f"张{'伟芳娜秀英敏静丽强磊'[i % 10]}{'·' if i % 50 == 0 else ''}{'华明'[i % 2]}",
                         id_number, f"Z{2008 + i % 15}{i:07d}", LEVELS[i % len(LEVELS)], 2008 + i % 15])
    return out.getvalue()


def floor(deps, text: str, table: str = "floor") -> float:
    """Raw batch_write_item of the same rows into a copy of the practitioners table."""
    import boto3
    from chalicelib.adapters.dynamo.models import PractitionerItem
    client = boto3.client("dynamodb", region_name=deps.settings.region)
    table = deps.settings.table_prefix + table
    schema = PractitionerItem._get_schema()  # the same key and indexes (`by_certificate_no`, `by_name`)
    client.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=schema["attribute_definitions"], KeySchema=schema["key_schema"],
                        GlobalSecondaryIndexes=[{"IndexName": index["index_name"], "KeySchema": index["key_schema"],
                                                 "Projection": index["projection"]}
                                                for index in schema["global_secondary_indexes"]])
    rows = list(csv.DictReader(io.StringIO(text)))
    now = datetime.now(timezone.utc)
    started = time.perf_counter()
    for start in range(0, len(rows), 25):
        requests = [{"PutRequest": {"Item": PractitionerItem(
            r["id_number"], name=r["name"], certificate_no=r["certificate_no"], level=r["level"],
            qualification_year=int(r["qualification_year"]), updated_at=now).serialize()}}
            for r in rows[start:start + 25]]
        while requests:
            response = client.batch_write_item(RequestItems={table: requests})
            requests = response.get("UnprocessedItems", {}).get(table, [])
    return time.perf_counter() - started


def main() -> int:
    _, (rows,) = _stack.sizes(full=(100_000,), quick=(1_000,))
    stack, deps = _stack.start()
    try:
        from chalicelib.services import imports
        text = make_csv(rows)
        floor(deps, make_csv(min(rows, 20_000)), table="warmup")  # warm the JVM's JIT first
        floor_s = floor(deps, text)
        started = time.perf_counter()
        report = imports.import_csv("practitioners", io.StringIO(text), deps.register)
        import_s = time.perf_counter() - started
        started = time.perf_counter()
        again = imports.import_csv("practitioners", io.StringIO(text), deps.register)
        again_s = time.perf_counter() - started
        assert not report.refused, report.refused[:3]
        print(f"rows: {rows}")
        print(f"floor  (boto3 batch_write_item): {floor_s:7.1f} s  {rows / floor_s:8.0f} rows/s")
        print(f"import (swreg, first run):       {import_s:7.1f} s  {rows / import_s:8.0f} rows/s"
              f"  = {floor_s / import_s:.2f} x floor   [{report.summary()}]")
        print(f"import (same file again):        {again_s:7.1f} s  {rows / again_s:8.0f} rows/s"
              f"  [{again.summary()}]")
    finally:
        stack.stop()
    _stack.goal("import rate ÷ batch_write_item floor", floor_s / import_s, 1.0, ">=", GOAL_RATIO, "×")
    _stack.goal(f"import of {rows:,} rows", import_s, floor_s, "<=", GOAL_SECONDS, " s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
