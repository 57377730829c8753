"""`swreg db migrate`: the tables of a stack we own (DynamoDB Local) brought up to this version.

`make run` runs it on every start, so a `.local/` written by an older version
gains the tables and indexes it lacks instead of failing on the first query.
In AWS the infra stack owns the tables, so the command refuses to touch them there.
"""
from __future__ import annotations

import os
import sys


def add_commands(commands):
    """Adds `db` and its `migrate`; returns the `db` sub-commands, for the other `db` commands."""
    parser = commands.add_parser("db", help="the stage's tables")
    actions = parser.add_subparsers(dest="db_command", required=True)
    migrate = actions.add_parser(
        "migrate", help="create missing tables, indexes and the bucket (local stacks; idempotent)")
    migrate.set_defaults(handler=run_migrate)
    upgrade = actions.add_parser(
        "upgrade-items", help="bring items an older version wrote up to this one (any stage, AWS included; "
                              "idempotent): run after `swreg deploy stack`")
    upgrade.set_defaults(handler=run_upgrade_items)
    return actions


def _stack_we_own() -> bool:
    """An endpoint override means DynamoDB Local or an emulator, never the infra stack's tables."""
    return bool(os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL"))


def run_migrate(args, deps) -> int:
    from chalicelib import bootstrap
    if not _stack_we_own():
        print("swreg: db migrate upgrades local stacks only (no AWS_ENDPOINT_URL_DYNAMODB is set); in AWS the "
              "infra stack owns the tables: update it with `swreg deploy stack`", file=sys.stderr)
        return 2
    changes = 0
    for line in bootstrap.stores(deps.settings).migrate():
        print(line, flush=True)
        changes += 1
    prefix = deps.settings.table_prefix
    print(f"{prefix}* tables: {changes} change(s)" if changes else
          f"{prefix}* tables: nothing to do, every table, index and the bucket are current")
    return 0


def run_upgrade_items(args, deps) -> int:
    """Unlike `migrate`, this touches no table definition, so it runs in AWS too, where the
    infra stack adds the indexes and this command the values older items lack."""
    from chalicelib import bootstrap
    changes = 0
    for line in bootstrap.stores(deps.settings).upgrade_items():
        print(line, flush=True)
        changes += 1
    if not changes:
        print(f"{deps.settings.table_prefix}* items: nothing to do, every item is current")
    return 0
