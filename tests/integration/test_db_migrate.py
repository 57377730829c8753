"""`swreg db migrate` on DynamoDB Local: tables an older version wrote gain what this version reads.

The test runs on a DynamoDB Local of its own (the suite's shared one, after hours of other
tests' tables, once left a new index CREATING for good), so the "older version" (registrations
and outbox tables without their `by_registration_no` and `by_status` indexes, no other table)
is made from scratch; the session's tables stay bound to everyone else.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import boto3
import pytest

from chalicelib.adapters.dynamo import tables
from chalicelib.adapters.dynamo.models import MODELS, OutboxItem, RegistrationItem
from chalicelib.cli import main

UPDATED = datetime(2024, 1, 2, tzinfo=timezone.utc)


@pytest.fixture
def own_dynamodb(deps, monkeypatch, tmp_path):
    """A DynamoDB Local of this test's own, which DynamoDB calls go to until the test ends."""
    from devstack import dynamodb_local, processes
    from devstack.ports import free_port
    port = free_port()
    local = dynamodb_local.start(port, log_path=str(tmp_path / "dynamodb-local.log"))
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", f"http://127.0.0.1:{port}")
    try:
        yield
    finally:
        monkeypatch.undo()
        tables.bind(deps.settings)  # new connections, to the suite's DynamoDB Local again
        processes.stop(local)


@pytest.fixture
def older_version(deps, own_dynamodb):
    """Settings of a stack whose only tables are an older version's registrations table, holding two rows,
    and outbox table, both without their index."""
    settings = deps.settings._replace(table_prefix=f"migrate-{uuid.uuid4().hex[:8]}-")
    tables.bind(settings)
    try:
        for model in (RegistrationItem, OutboxItem):
            _create_without_indexes(model)
        for year, number in ((2021, "BJ2021000007"), (2024, "BJ2024000007")):
            RegistrationItem(id_number="110101199003070012", registration_year=year, registration_no=number,
                             updated_at=UPDATED).save()
        yield settings
    finally:
        tables.bind(deps.settings)


def _create_without_indexes(model) -> None:
    keys = sorted(model._get_schema()["key_schema"], key=lambda key: key["KeyType"])
    boto3.client("dynamodb", region_name=model.Meta.region).create_table(
        TableName=model.Meta.table_name, KeySchema=keys, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[definition for definition in model._get_schema()["attribute_definitions"]
                              if definition["AttributeName"] in {key["AttributeName"] for key in keys}])


def _index_names(model) -> set[str]:
    return {index["IndexName"] for index in model.describe_table().get("GlobalSecondaryIndexes", [])}


def test_db_migrate_adds_what_an_older_version_lacks_keeps_its_rows_and_a_second_run_changes_nothing(
        older_version, swap, capsys):
    swap(settings=older_version)

    assert main(["--stage", "test", "db", "migrate"]) == 0

    printed = capsys.readouterr().out.splitlines()
    registrations, outbox = RegistrationItem.Meta.table_name, OutboxItem.Meta.table_name
    assert [line.split(" (back-filled, ACTIVE after ")[0] for line in printed if line.startswith("index ")] == [
        f"index by_registration_no added to {registrations}", f"index by_status added to {outbox}"]
    assert sorted(line for line in printed if line.startswith("table ")) == sorted(
        f"table {model.Meta.table_name} created" for model in MODELS if model not in (RegistrationItem, OutboxItem))
    assert printed[-1] == f"{older_version.table_prefix}* tables: {len(printed) - 1} change(s)"
    found = list(RegistrationItem.by_registration_no.query("BJ2024000007"))
    assert [(row.id_number, row.registration_year) for row in found] == [("110101199003070012", 2024)]
    assert RegistrationItem.get("110101199003070012", 2021).registration_no == "BJ2021000007"

    # the next `make run` runs it again: nothing left to change
    indexes = {model.Meta.table_name: _index_names(model) for model in MODELS}
    assert main(["--stage", "test", "db", "migrate"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{older_version.table_prefix}* tables: nothing to do, every table, index and the bucket are current"]
    assert {model.Meta.table_name: _index_names(model) for model in MODELS} == indexes


def test_swreg_db_migrate_refuses_tables_in_aws_which_the_infra_stack_owns(deps, monkeypatch, capsys):
    for name in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)

    assert main(["--stage", "test", "db", "migrate"]) == 2
    assert "in AWS the infra stack owns the tables" in capsys.readouterr().err
