"""How long does the post office's batch file take for a window of 100,000 mailed certificates?

Goal (the issue): the export's time reported beside the batch-read floor. The first export writes every
row once (marked printed), so its floor is the raw index read plus a raw batch write of as many rows;
target: the first export within 2× that floor, a re-export (reads only) within 3× the read floor.

Fills DynamoDB Local with one window's mailings, all `to_print` (BatchWriteItem of the items the
repository stores: its `add` is a conditional put per mailing, too slow to fill 100,000; the fill's
time is the write floor), then times:
- the read floor: the same rows read raw through the `by_window_state` index (boto3 queries, pages of
  1 MB, nothing decoded, no CSV, no marking), with the read units they consume;
- the first export (`services.mailings.export`: the rows read and decoded, the CSV written, the rows
  marked printed in transactions of 100);
- the export again with the same arguments (the same file; nothing left to mark).
The reads (floors, re-export) are timed best of 3: the machine is shared.
Usage: .venv/bin/python bench/mailing_export.py [COUNT]   (default 100,000; `--quick`: 300, seconds)
"""
from __future__ import annotations

import hashlib
import io
import sys
import time
import uuid
from datetime import datetime, timezone

import _stack

YEAR = 2033
NOW = datetime(YEAR, 6, 1, 2, tzinfo=timezone.utc)
TARGET_FIRST = 2.0   # × (read floor + write floor)
TARGET_AGAIN = 3.0   # × read floor
RUNS = 3             # reads are timed best of RUNS (the first export only once: it marks)


def fill(count: int) -> None:
    from chalicelib.adapters.dynamo.mailings import mailing_item
    from chalicelib.adapters.dynamo.models import MailingItem
    from chalicelib.domain.levels import Level
    from chalicelib.domain.mailing import Mailing
    with MailingItem.batch_write() as batch:
        for n, id_number in enumerate(_stack.id_numbers(count), 1):
            mailing = Mailing.start(
                registration_no=f"BJ{YEAR}{n:06d}", application_id=uuid.uuid4().hex, id_number=id_number,
                window_year=YEAR, level=Level.INTERMEDIATE, recipient="周晓梅", phone=f"139{n:08d}",
                address=f"北京市西城区西长安街{n}号院{n % 30 + 1}号楼", postal_code="100032",
                notify_phone=f"139{n:08d}", now=NOW)
            mailing.version = 1
            batch.save(mailing_item(mailing))


def floor(deps, state: str) -> tuple[float, int, float]:
    """(seconds, rows, read units): the window's rows of `state` read raw through the index."""
    import boto3
    client = boto3.client("dynamodb", region_name=deps.settings.region)
    query = {"TableName": deps.settings.table_prefix + "mailings", "IndexName": "by_window_state",
             "KeyConditionExpression": "window_state = :k", "ReturnConsumedCapacity": "TOTAL",
             "ExpressionAttributeValues": {":k": {"S": f"{YEAR}#{state}"}}}
    began, rows, units = time.perf_counter(), 0, 0.0
    while True:
        page = client.query(**query)
        rows += len(page["Items"])
        units += page["ConsumedCapacity"]["CapacityUnits"]
        if "LastEvaluatedKey" not in page:
            return time.perf_counter() - began, rows, units
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def export(deps) -> tuple[float, str, object]:
    """(seconds, the file's digest, the report) of one default export."""
    from chalicelib.services import mailings
    out = io.StringIO()
    began = time.perf_counter()
    report = mailings.export(deps, YEAR, None, out, "bench", NOW)
    return time.perf_counter() - began, hashlib.sha256(out.getvalue().encode()).hexdigest()[:12], report


def main() -> int:
    quick, (count,) = _stack.sizes(full=(100_000,), quick=(300,))
    stack, deps = _stack.start()
    try:
        started = time.perf_counter()
        fill(count)
        write_s = time.perf_counter() - started
        print(f"write floor (raw batch write of {count:,} rows, the fill): {write_s:7.2f} s")
        floor(deps, "to_print")  # warm the JVM's JIT and the index
        floor_s, rows, units = min(floor(deps, "to_print") for _ in range(RUNS))
        print(f"floor (raw index read of {rows:,} rows, no CSV, no marking): {floor_s:7.2f} s, read units {units:,.0f}")
        first_s, first_digest, first = export(deps)
        print(f"first export: {first_s:7.2f} s = {first_s / (floor_s + write_s):5.2f}× (read + write floor)   "
              f"({first.written:,} rows written, {first.marked:,} marked printed; {first.written / first_s:,.0f} rows/s)")
        again_floor_s = min(floor(deps, "printed")[0] for _ in range(RUNS))
        again_s, again_digest, again = min((export(deps) for _ in range(RUNS)), key=lambda run: run[0])
        print(f"re-export:    {again_s:7.2f} s = {again_s / again_floor_s:5.1f}× floor ({again_floor_s:.2f} s)   "
              f"({again.written:,} rows, {again.marked} marked; same file: {again_digest == first_digest})")
    finally:
        stack.stop()
    assert rows == count and first.written == count == first.marked and again_digest == first_digest
    _stack.goal(f"first export of {count:,} mailings ÷ (read + write floor)", first_s / (floor_s + write_s), 1.0,
                "<=", TARGET_FIRST, "×")
    _stack.goal(f"re-export of {count:,} mailings ÷ read floor", again_s / again_floor_s, 1.0,
                "<=", TARGET_AGAIN, "×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
