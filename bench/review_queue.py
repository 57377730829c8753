"""Do a review-queue page and the review stats cost the same with 1,000 and with 100,000 applications?

Goals (the issues): page latency and read units at 100,000 within 1.2× of those at 1,000; the
stats (`/review/stats`: `applications.counts`) read the same units at both sizes, in ≤ 2 requests.

Fills DynamoDB Local with applications spread over the statuses (each driven there through
the domain, its items written in batches), then times the first and a middle page of
the queue (`queue_page`, median of 7) beside the floor measured in the same run: the same
page read raw (the index query plus the BatchGetItem, boto3, nothing decoded), which also
counts the read units the page consumes (ReturnConsumedCapacity).
The batch fill writes no stats counters (a transaction per application, as the repository's
`add`, is too slow for 100,000): after each fill `swreg stats recount`'s service initialises
them from COUNT queries, as an operator does for data older than the counters. The stats call
is then timed, and its requests and read units counted by a botocore hook on the adapter's
own client (ReturnConsumedCapacity added to each request), beside what the COUNT queries the
counters replaced read (the recount's).
Usage: .venv/bin/python bench/review_queue.py [SMALL LARGE]   (default 1,000 100,000;
`--quick`: 100 300, fewer runs, a few seconds)
"""
from __future__ import annotations

import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

import _stack

GOAL = 1.2
YEAR = 2030
PAGE = 25
NOW = datetime(YEAR, 3, 10, tzinfo=timezone.utc)
FORM = {"employer": "西城社工", "district": "西城区", "education": "bachelor", "pickup_method": "electronic"}
STATUSES = ("draft", "submitted", "in_review", "approved", "rejected")


def application(n: int, id_number: str, window):
    """Applicant `n`'s application, driven through the domain to `STATUSES[n % 5]`,
    submitted (if it got that far) `n` seconds after the first."""
    from chalicelib.domain.application import Application
    from chalicelib.domain.eligibility import evaluate
    from chalicelib.domain.levels import Level
    from chalicelib.domain.register import Practitioner
    person = Practitioner(id_number, "周晓梅", f"Z{n:09d}", Level.ASSISTANT, YEAR - 1)
    at = NOW + timedelta(seconds=n)
    app = Application.start(uuid.uuid4().hex, person, evaluate(person, [], [], window).verdict("first"),
                            window, at, actor="applicant")
    status = STATUSES[n % len(STATUSES)]
    if status == "draft":
        return app
    app.update_fields({"phone": f"139{n:08d}", **FORM}, at, window)
    for material in app.required_materials:
        app.start_upload(material, f"u-{material.value}", at)
        app.record_material_ready(material, f"u-{material.value}", width=413, height=626, size_bytes=1,
                                  sha256="0" * 64, object_key=f"materials/{app.application_id}/{material.value}",
                                  now=at)
    app.submit(at, window, declaration=True, actor="applicant")
    if status != "submitted":
        app.claim("rev1", at)
    if status == "approved":
        app.approve("rev1", at)
    elif status == "rejected":
        app.reject("rev1", at, "材料不清晰")
    app.pull_events()
    return app


def fill(deps, window, ids: list[str], start: int) -> None:
    """Store applicants `start`… (one per ID number): BatchWriteItem of the items the
    repository stores (its `add` is a transaction per application: too slow for 100,000)."""
    from chalicelib.adapters.dynamo.applications import application_item
    from chalicelib.adapters.dynamo.models import ApplicationItem
    with ApplicationItem.batch_write() as batch:
        for n, id_number in enumerate(ids, start):
            app = application(n, id_number, window)
            app.version = 1
            batch.save(application_item(app))


def median_ms(action, runs: int) -> float:
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings) * 1000


def raw_page(deps, client, position: str | None) -> float:
    """The floor: the page's index query and BatchGetItem, raw; returns the read units consumed."""
    from chalicelib.adapters.dynamo.applications import queue_key
    from chalicelib.adapters.dynamo.keys import id_in, start_key
    from chalicelib.domain.application import ApplicationStatus
    table = deps.settings.table_prefix + "applications"
    key = queue_key(YEAR, ApplicationStatus.SUBMITTED)
    query = {"TableName": table, "IndexName": "by_queue", "Limit": PAGE + 1, "ReturnConsumedCapacity": "TOTAL",
             "KeyConditionExpression": "queue_key = :k", "ExpressionAttributeValues": {":k": {"S": key}}}
    if position:
        query["ExclusiveStartKey"] = start_key(application_id=id_in(position), queue_key=key, queue_sort=position)
    page = client.query(**query)
    units = page["ConsumedCapacity"]["CapacityUnits"]
    keys = [{"application_id": item["application_id"]} for item in page["Items"][:PAGE]]
    got = client.batch_get_item(RequestItems={table: {"Keys": keys}}, ReturnConsumedCapacity="TOTAL")
    return units + sum(c["CapacityUnits"] for c in got["ConsumedCapacity"])


class Capacity:
    """Requests and read units of one PynamoDB model's client: a botocore hook asks each request for
    its ConsumedCapacity and adds it up."""

    def __init__(self, model) -> None:
        events = model._get_connection().connection.client.meta.events
        events.register("before-parameter-build.dynamodb", self._ask)
        events.register("after-call.dynamodb", self._add)
        self.requests, self.units = 0, 0.0

    @staticmethod
    def _ask(params, **_) -> None:
        params["ReturnConsumedCapacity"] = "TOTAL"

    def _add(self, parsed, **_) -> None:
        consumed = parsed.get("ConsumedCapacity", [])
        self.requests += 1
        self.units += sum(c["CapacityUnits"] for c in (consumed if isinstance(consumed, list) else [consumed]))

    def during(self, action) -> tuple[int, float]:
        """(requests, read units) of `action()`."""
        self.requests, self.units = 0, 0.0
        action()
        return self.requests, self.units


def measure_stats(deps, size: int, runs: int, counters: Capacity, queries: Capacity) -> tuple[int, float]:
    """(requests, read units) of a stats call on `size` applications: the counters initialised by a
    recount first (the batch fill wrote none), then read as `/review/stats` does."""
    from chalicelib.services import stats
    began = time.perf_counter()
    _, recount_units = queries.during(lambda: stats.recount(deps, YEAR, lambda *_: None))
    recount_s = time.perf_counter() - began
    counts = deps.applications.counts(YEAR)
    assert sum(counts.values()) == size, counts  # every application counted, once
    took = median_ms(lambda: deps.applications.counts(YEAR), runs)
    requests, units = counters.during(lambda: deps.applications.counts(YEAR))
    print(f"{size:>8,} stats        median {took:6.1f} ms   {requests} request(s), read units {units:5.1f}"
          f"   (its COUNT queries read {recount_units:,.1f} units; the recount took {recount_s:.1f} s)")
    return requests, units


def measure(deps, label: str, warm_up: int, runs: int) -> dict[str, tuple[float, float, float]]:
    """Per page: (queue_page ms, floor ms, read units)."""
    import boto3
    from chalicelib.domain.application import ApplicationStatus
    client = boto3.client("dynamodb", region_name=deps.settings.region)

    def page(position):
        return deps.applications.queue_page(YEAR, ApplicationStatus.SUBMITTED, None, position, PAGE)
    for _ in range(warm_up):  # warm the JVM's JIT so the first size measured is not penalised
        first = page(None)
    cursor = first.position
    for _ in range(3):  # a middle page (1,000 applications hold 8 pages of submitted ones)
        cursor = page(cursor).position or cursor
    results = {}
    for name, start in (("first page", None), ("middle page", cursor)):
        took = median_ms(lambda: page(start), runs)
        floor = median_ms(lambda: raw_page(deps, client, start), runs)
        units = raw_page(deps, client, start)
        results[name] = (took, floor, units)
        print(f"{label:>8} {name:<12} median {took:6.1f} ms   floor (raw query + batch get) {floor:6.1f} ms"
              f" = {took / floor:4.2f}×   read units {units:5.1f}")
    return results


def main() -> int:
    quick, (small, large) = _stack.sizes(full=(1_000, 100_000), quick=(100, 300))
    stack, deps = _stack.start()
    try:
        from chalicelib.domain.windows import Window
        window = Window.create(YEAR, NOW - timedelta(days=5), NOW + timedelta(days=25))
        deps.windows.put(window)
        ids = list(_stack.id_numbers(large))
        warm_up, runs = (3, 3) if quick else (50, 7)
        started = time.perf_counter()
        fill(deps, window, ids[:small], 0)
        print(f"(filled {small:,} in {time.perf_counter() - started:.0f} s)")
        from chalicelib.adapters.dynamo.models import ApplicationItem, StatsShardItem
        counters, queries = Capacity(StatsShardItem), Capacity(ApplicationItem)
        before = measure(deps, f"{small:,}", warm_up, runs)
        stats_before = measure_stats(deps, small, runs, counters, queries)
        started = time.perf_counter()
        fill(deps, window, ids[small:], small)
        print(f"(filled to {large:,} in {time.perf_counter() - started:.0f} s)")
        after = measure(deps, f"{large:,}", warm_up, runs)
        stats_after = measure_stats(deps, large, runs, counters, queries)
    finally:
        stack.stop()
    for name, (took, floor, units) in before.items():
        _stack.goal(f"{name} latency at {large:,} vs {small:,}", after[name][0] / took, after[name][1] / floor,
                    "<=", GOAL, unit="×")
        _stack.goal(f"{name} read units at {large:,} vs {small:,}", after[name][2] / units, 1.0, "<=", GOAL, unit="×")
    _stack.goal(f"stats read units at {large:,} vs {small:,}", stats_after[1] / stats_before[1], 1.0, "<=", 1.0,
                unit="×")
    _stack.goal(f"stats requests per call at {large:,}", stats_after[0], f"{stats_before[0]} at {small:,}",
                "<=", 2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
