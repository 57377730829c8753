"""`swreg db migrate` on an audit table an older version wrote: the new indexes are added and the entries
written before `by_feed` existed join the whole-log listing; a second run changes nothing."""
from __future__ import annotations

import uuid

import boto3
import pytest

from chalicelib.adapters.dynamo import tables
from chalicelib.adapters.dynamo.audit import DynamoAuditLog
from chalicelib.adapters.dynamo.models import AuditItem
from chalicelib.cli import main
from tests.integration.test_db_migrate import _create_without_indexes, own_dynamodb  # noqa: F401  (a fixture)


@pytest.fixture
def older_audit(deps, own_dynamodb):  # noqa: F811
    """Settings of a stack whose only table is an older version's audit table (no indexes), holding two
    entries without `feed`, written raw as that version wrote them."""
    settings = deps.settings._replace(table_prefix=f"migrate-audit-{uuid.uuid4().hex[:8]}-")
    tables.bind(settings)
    try:
        _create_without_indexes(AuditItem)
        client = boto3.client("dynamodb", region_name=AuditItem.Meta.region)
        for minute, actor in ((1, "rev1"), (2, "adm1")):
            at = f"2024-01-02T10:0{minute}:00.000000"
            client.put_item(TableName=AuditItem.Meta.table_name, Item={
                "subject": {"S": "app-1"}, "entry_key": {"S": f"{at}Z#0000000{minute}"}, "actor": {"S": actor},
                "action": {"S": "viewed"}, "at": {"S": f"{at}+0000"}})
        yield settings
    finally:
        tables.bind(deps.settings)


def test_entries_an_older_version_wrote_join_the_whole_log_and_a_second_run_changes_nothing(older_audit):
    first = list(tables.migrate())
    assert f"2 audit entries added to index by_feed of {AuditItem.Meta.table_name}" in first
    assert any(line.startswith(f"index by_feed added to {AuditItem.Meta.table_name}") for line in first)
    log = DynamoAuditLog()
    assert [(e.actor, e.subject) for e in log.newest(None, 5).items] == [("adm1", "app-1"), ("rev1", "app-1")]
    assert [e.actor for e in log.by_actor("rev1", None, 5).items] == ["rev1"]
    assert list(tables.migrate()) == []


def test_swreg_db_upgrade_items_gives_older_entries_their_feed_without_touching_a_table_and_then_has_nothing_to_do(
        older_audit, swap, capsys):
    """The command an AWS stage runs after `swreg deploy stack` (where `migrate` refuses to run)."""
    swap(settings=older_audit)

    assert main(["--stage", "test", "db", "upgrade-items"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"2 audit entries added to index by_feed of {AuditItem.Meta.table_name}"]
    assert AuditItem.describe_table().get("GlobalSecondaryIndexes") is None  # the infra stack's business

    assert main(["--stage", "test", "db", "upgrade-items"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{older_audit.table_prefix}* items: nothing to do, every item is current"]
