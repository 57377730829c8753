"""What DynamoDB request units each step of an application costs: sign up, draft, submit; a
reviewer's claim and approval.

One real journey through the API (Chalice's test client over the whole app, DynamoDB Local, the
bench's own tables): every DynamoDB request any client makes (PynamoDB's and boto3's: a botocore
`before-parameter-build.dynamodb` hook on each client created) asks for
`ReturnConsumedCapacity=INDEXES` (the TOTAL figure, plus the table/index split), and the
`ConsumedCapacity` of its answer (a list for a transaction) is summed per step, with the items
each step writes. DynamoDB Local reports a transaction's units as the service bills them (2 per
KB written, 2 per 4 KB read), a single write's by the item's size (1 per KB), and each global
secondary index write 2 units per index entry changed: a key moved is 2 entries, 4 units; all
the application table's indexes project keys only), in `CapacityUnits` only.
Floor of a submit: its transaction's items at 1 KB each (2 units an item). Goal (the issue):
≤ 6 write units per submit.
Usage: .venv/bin/python bench/write_units.py   (`--quick`: the same, one journey)
"""
from __future__ import annotations

import json
import sys
import uuid
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import _stack

GOAL = 6
WRITES = {"PutItem", "UpdateItem", "DeleteItem"}
READS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}


class Meter:
    """Request units and written items of every DynamoDB request, per step (`step`)."""

    def __init__(self) -> None:
        import botocore.session
        self.step = "setup"
        self.units: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        original, meter = botocore.session.Session.create_client, self

        def create_client(session, service_name, *args, **kwargs):
            client = original(session, service_name, *args, **kwargs)
            if service_name == "dynamodb":
                client.meta.events.register("before-parameter-build.dynamodb", meter.ask)
                client.meta.events.register("after-call.dynamodb", meter.count)
            return client
        botocore.session.Session.create_client = create_client

    def ask(self, params, model, **_) -> None:
        if "ReturnConsumedCapacity" in model.input_shape.members:
            params["ReturnConsumedCapacity"] = "INDEXES"
        name, spent = model.name, self.units[self.step]
        spent["items"] += (len(params.get("TransactItems", ())) if name == "TransactWriteItems"
                           else sum(map(len, params.get("RequestItems", {}).values())) if name == "BatchWriteItem"
                           else 1 if name in WRITES else 0)
        spent["requests"] += 1

    def count(self, parsed, model, **_) -> None:
        """DynamoDB Local gives only `CapacityUnits` (no read/write split): the operation says which."""
        capacity = parsed.get("ConsumedCapacity") or []
        spent = self.units[self.step]
        for entry in capacity if isinstance(capacity, list) else [capacity]:
            spent["read" if model.name in READS else "write"] += float(entry.get("CapacityUnits", 0))
            spent["index"] += sum(float(index.get("CapacityUnits", 0))
                                  for index in entry.get("GlobalSecondaryIndexes", {}).values())


def item_size(value) -> int:
    """An item's size as DynamoDB counts it: names and values in UTF-8 bytes (maps and lists 3
    bytes each, a number about 1 byte per two digits)."""
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("S", "N", "B", "BOOL", "NULL", "M", "L",
                                                                               "SS", "NS"):
        kind, inner = next(iter(value.items()))
        if kind == "S":
            return len(inner.encode())
        if kind == "N":
            return len(inner.lstrip("-").replace(".", "")) // 2 + 1
        if kind in ("BOOL", "NULL"):
            return 1
        if kind == "M":
            return 3 + item_size(inner)
        if kind == "L":
            return 3 + sum(item_size(element) + 1 for element in inner)
        return sum(len(str(element).encode()) for element in inner)
    return sum(len(name.encode()) + item_size(attribute) for name, attribute in value.items())


def main() -> int:
    meter = Meter()  # before any client is created
    stack, deps = _stack.start()
    try:
        return journey(deps, meter)
    finally:
        stack.stop()


def journey(deps, meter: Meter) -> int:
    import boto3
    from chalice.test import Client

    from app import app
    from chalicelib.domain.levels import Level
    from chalicelib.domain.register import Practitioner
    from chalicelib.domain.windows import Window
    from tests.api.conftest import auth, sign_up, staff_token
    from tests.api.test_applicant_journey import _ready_everything

    now = datetime.now(timezone.utc)
    deps.windows.put(Window.create(now.year, now - timedelta(days=3), now + timedelta(days=20)))
    person = Practitioner(next(_stack.id_numbers(1, seed=uuid.uuid4().int % 10**6)), "周晓梅",
                          f"Z{uuid.uuid4().int % 10**9:09d}", Level.ASSISTANT, now.year - 1)
    deps.register.upsert_practitioners([person])
    table = deps.settings.table_prefix + "applications"
    dynamodb = boto3.client("dynamodb")
    sizes: dict[str, int] = {}

    def size_after(step: str) -> None:
        meter.step = "setup"
        sizes[step] = item_size(dynamodb.get_item(TableName=table, Key={"application_id": {"S": app_id}},
                                                  ConsistentRead=True)["Item"])

    with Client(app, stage_name="test", project_dir=str(_stack.ROOT)) as client:
        meter.step = "sign up"
        token, phone = sign_up(client, deps, person)
        meter.step = "draft"
        app_id = client.http.post("/applications", headers=auth(token),
                                  body=json.dumps({"type": "first"})).json_body["application_id"]
        client.http.patch(f"/applications/{app_id}", headers=auth(token), body=json.dumps({
            "phone": phone, "employer": "海淀区社会工作服务中心", "district": "海淀区", "education": "bachelor",
            "pickup_method": "electronic"}))
        meter.step = "upload URLs"
        kinds = ["id_photo", "id_card_front", "id_card_back", "qualification_cert"]
        for kind in kinds:
            client.http.post(f"/applications/{app_id}/materials/{kind}/upload", headers=auth(token))
        meter.step = "setup"
        _ready_everything(deps, app_id, kinds)  # stand-in for S3 and the photo pipeline
        size_after("draft")
        meter.step = "submit"
        submitted = client.http.post(f"/applications/{app_id}/submit", headers=auth(token),
                                     body=json.dumps({"declaration": True}))
        assert submitted.status_code == 200, submitted.body
        size_after("submitted")
        meter.step = "setup"
        reviewer = staff_token(client, deps, admin=False)
        meter.step = "claim"
        assert client.http.post(f"/review/applications/{app_id}/claim", headers=auth(reviewer)).status_code == 200
        size_after("claimed")
        meter.step = "decide approve"
        decided = client.http.post(f"/review/applications/{app_id}/decision", headers=auth(reviewer),
                                   body=json.dumps({"outcome": "approve"}))
        assert decided.status_code == 200, decided.body
        size_after("approved")
        meter.step = "setup"

    print("DynamoDB request units per step of one journey (DynamoDB Local, ReturnConsumedCapacity)")
    print(f"{'step':<16}{'requests':>9}{'items written':>15}{'read units':>12}{'write units':>13}"
          f"{'of them GSIs':>14}")
    for step, spent in meter.units.items():
        if step != "setup":
            print(f"{step:<16}{spent['requests']:>9.0f}{spent['items']:>15.0f}{spent['read']:>12.1f}"
                  f"{spent['write']:>13.1f}{spent['index']:>14.1f}")
    print("application item: " + ", ".join(f"{step} {size / 1024:.2f} KB" for step, size in sizes.items()))
    submit = meter.units["submit"]
    _stack.goal("write units per submit", submit["write"], 2 * submit["items"], "<=", GOAL)
    return 0


if __name__ == "__main__":
    _stack.sizes(full=(), quick=())
    sys.exit(main())
