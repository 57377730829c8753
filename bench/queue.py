"""Does a review-queue page cost the same with 1,000 and with 100,000 applications?

Fills DynamoDB Local with applications spread over statuses and types, then
times the first and a middle page of the queue (`queue_page`) and counts the
read capacity the same page consumes (the index query plus the BatchGetItem,
with ReturnConsumedCapacity). Usage: .venv/bin/python bench/queue.py [SMALL LARGE]
"""
from __future__ import annotations

import importlib.util
import os
import sys

# This file is named like the stdlib's `queue`, which urllib3 imports: take the
# bench folder off the import path before anything else is imported.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or ".") != _HERE]

import statistics  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import datetime, timedelta, timezone  # noqa: E402

_spec = importlib.util.spec_from_file_location("_stack", os.path.join(_HERE, "_stack.py"))
_stack = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_stack)

STATUSES = ("draft", "submitted", "in_review", "approved", "rejected")
TYPES = ("first", "renewal", "late", "reissue")


def fill(deps, count: int, start: int) -> None:
    """Write `count` applications (raw batch writes of real serialised items)."""
    import boto3
    from chalicelib.adapters.dynamo.applications import application_item as _item
    from chalicelib.domain.application import Application, ApplicationStatus
    from chalicelib.domain.eligibility import RegistrationType, evaluate
    from chalicelib.domain.levels import Level
    from chalicelib.domain.register import Practitioner
    from chalicelib.domain.windows import Window
    now = datetime(2030, 3, 10, tzinfo=timezone.utc)
    window = Window.create(2030, now - timedelta(days=5), now + timedelta(days=25))
    person = Practitioner("110105199003077715", "周晓梅", "Z1", Level.ASSISTANT, 2029)
    template = Application.start("x", person, evaluate(person, [], [], window).verdict("first"), window, now, "a")
    client = boto3.client("dynamodb", region_name=deps.settings.region)
    table = deps.settings.table_prefix + "applications"
    requests = []
    for n in range(start, start + count):
        template.application_id = uuid.uuid4().hex
        template.status = ApplicationStatus(STATUSES[n % len(STATUSES)])
        template.type = RegistrationType(TYPES[(n // 5) % len(TYPES)])
        template.submitted_at = now + timedelta(seconds=n)
        item = _item(template)
        item.version = 1
        requests.append({"PutRequest": {"Item": item.serialize()}})
        if len(requests) == 25:
            _flush(client, table, requests)
            requests = []
    if requests:
        _flush(client, table, requests)


def _flush(client, table, requests) -> None:
    while requests:
        response = client.batch_write_item(RequestItems={table: requests})
        requests = response.get("UnprocessedItems", {}).get(table, [])


def measure(deps, label: str) -> None:
    import boto3
    from chalicelib.adapters.dynamo.keys import id_in
    from chalicelib.domain.application import ApplicationStatus
    client = boto3.client("dynamodb", region_name=deps.settings.region)
    table = deps.settings.table_prefix + "applications"
    for _ in range(50):  # warm the JVM's JIT so the first size measured is not penalised
        first = deps.applications.queue_page(2030, ApplicationStatus.SUBMITTED, None, None, 25)
    cursor = first.position
    for _ in range(3):  # a middle page (1,000 applications hold 8 pages of submitted ones)
        cursor = deps.applications.queue_page(2030, ApplicationStatus.SUBMITTED, None, cursor, 25).position
    for name, start in (("first page", None), ("middle page", cursor)):
        timings = []
        for _ in range(7):
            began = time.perf_counter()
            deps.applications.queue_page(2030, ApplicationStatus.SUBMITTED, None, start, 25)
            timings.append(time.perf_counter() - began)
        query = {"TableName": table, "IndexName": "by_queue", "Limit": 25, "ReturnConsumedCapacity": "TOTAL",
                 "KeyConditionExpression": "queue_key = :k", "ExpressionAttributeValues": {":k": {"S": "2030#submitted"}}}
        if start:
            query["ExclusiveStartKey"] = {"application_id": {"S": id_in(start)}, "queue_key": {"S": "2030#submitted"},
                                          "queue_sort": {"S": start}}
        page = client.query(**query)
        units = page["ConsumedCapacity"]["CapacityUnits"]
        keys = [{"application_id": item["application_id"]} for item in page["Items"]]
        got = client.batch_get_item(RequestItems={table: {"Keys": keys}}, ReturnConsumedCapacity="TOTAL")
        units += sum(c["CapacityUnits"] for c in got["ConsumedCapacity"])
        print(f"{label:>8} {name:<12} median {statistics.median(timings) * 1000:6.1f} ms   read units {units:5.1f}")


def main() -> None:
    small, large = (int(a) for a in sys.argv[1:3]) if len(sys.argv) > 2 else (1_000, 100_000)
    stack, deps = _stack.start()
    try:
        fill(deps, small, 0)
        measure(deps, f"{small:,}")
        started = time.perf_counter()
        fill(deps, large - small, small)
        print(f"(filled to {large:,} in {time.perf_counter() - started:.0f} s)")
        measure(deps, f"{large:,}")
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
