"""Binds the PynamoDB models to a stage's tables, and creates or upgrades them where we own the stack.

`migrate` brings tables written by an older version up to the models: a missing
table is created, a missing global secondary index is added to its table (DynamoDB
back-fills it from the items already there). In AWS the infra/ stack owns the
tables; this is for DynamoDB Local (`make run`, tests, benches).
"""
from __future__ import annotations

import time
from typing import Iterator

from pynamodb.models import Model

from chalicelib.adapters.dynamo.models import AUDIT_FEED, MODELS, AuditItem
from chalicelib.settings import Settings

# `swreg db migrate` runs on stacks we own (DynamoDB Local builds an index in seconds); a stuck
# index should fail the command, not hang `make run`.
INDEX_WAIT_SECONDS = 120


def bind(settings: Settings) -> None:
    """Point every model at `<prefix><base_name>` in the settings' region.

    PynamoDB caches one connection per model class; dropping it makes the next
    call pick up the new name (tests bind each session to fresh tables).
    """
    for model in MODELS:
        model.Meta.table_name = settings.table_prefix + model.Meta.base_name
        model.Meta.region = settings.region
        model._connection = None


def create_missing() -> list[str]:
    """Create the tables that do not exist yet. Returns the names created."""
    created = []
    for model in MODELS:
        if not model.exists():
            model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
            created.append(model.Meta.table_name)
    return created


def migrate() -> Iterator[str]:
    """Create the missing tables, then add each model's missing global secondary indexes to its
    table, one at a time, each waited for until ACTIVE. Yields a line per change as it is made;
    nothing when every table is current, so running it twice changes nothing the second time."""
    for name in create_missing():
        yield f"table {name} created"
    for model in MODELS:
        for index in _missing_indexes(model):
            started = time.monotonic()
            _add_index(model, index)
            yield (f"index {index['index_name']} added to {model.Meta.table_name} "
                   f"(back-filled, ACTIVE after {time.monotonic() - started:.1f} s)")
    yield from upgrade_items()


def upgrade_items() -> Iterator[str]:
    """Bring items an older version wrote up to the models, on any stack (in AWS, after the infra
    stack added the indexes): audit entries written before the `by_feed` index have no `feed`, so
    DynamoDB's back-fill leaves them out of the index (and of the whole-log listing); they get the
    constant. A scan, in operator commands only, never on a request path; with none left, nothing
    is said or written."""
    stale = 0
    for item in AuditItem.scan(AuditItem.feed.does_not_exist()):  # operator commands only, never a request path
        item.update(actions=[AuditItem.feed.set(AUDIT_FEED)])
        stale += 1
    if stale:
        yield f"{stale} audit entries added to index by_feed of {AuditItem.Meta.table_name}"


def _missing_indexes(model: type[Model]) -> list[dict]:
    """The model's global secondary indexes (PynamoDB schema) its existing table lacks."""
    existing = {index["IndexName"] for index in model.describe_table().get("GlobalSecondaryIndexes", [])}
    return [index for index in model._get_schema()["global_secondary_indexes"]
            if index["index_name"] not in existing]


def _add_index(model: type[Model], index: dict) -> None:
    """UpdateTable with one GSI Create (DynamoDB takes one per call), then wait for it."""
    client = _client(model)
    name = model.Meta.table_name
    client.update_table(
        TableName=name,
        AttributeDefinitions=index["attribute_definitions"],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": index["index_name"],
            "KeySchema": sorted(index["key_schema"], key=lambda key: key["KeyType"]),  # HASH, then RANGE
            "Projection": index["projection"],
        }}])
    deadline = time.monotonic() + INDEX_WAIT_SECONDS
    while not _active(client.describe_table(TableName=name)["Table"], index["index_name"]):
        if time.monotonic() > deadline:
            raise TimeoutError(f"index {index['index_name']} on {name} not ACTIVE after {INDEX_WAIT_SECONDS} s")
        time.sleep(1)


def _active(table: dict, index_name: str) -> bool:
    statuses = {index["IndexName"]: index.get("IndexStatus") for index in table.get("GlobalSecondaryIndexes", [])}
    return table.get("TableStatus") == "ACTIVE" and statuses.get(index_name) == "ACTIVE"


def _client(model: type[Model]):
    """A DynamoDB client for the model's region. PynamoDB's own `update_table` can change an index's
    throughput but not create one; boto3 honours the same `AWS_ENDPOINT_URL_DYNAMODB`. Imported
    here: the API's cold start binds the tables but never migrates them."""
    import boto3
    return boto3.client("dynamodb", region_name=model.Meta.region)


def delete_all() -> None:
    """Drop every bound table (test teardown)."""
    for model in MODELS:
        if model.exists():
            model.delete_table()


def probe() -> None:
    """One cheap data-plane read; raises when DynamoDB or the table is unreachable."""
    first: type[Model] = MODELS[0]
    first.count(hash_key="__health__")
