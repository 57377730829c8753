"""Stack updates that add several indexes to one table, one index per update.

CloudFormation (DynamoDB's UpdateTable underneath) creates at most one global
secondary index per table in one stack update; an update that adds two to the
same table fails and rolls back. A release that adds two indexes to a table
(the helpdesk's `by_certificate_no` and `by_name` on practitioners) therefore
reaches an existing stack through intermediate templates: each is the release's
template with every table holding its deployed indexes plus one more of the
new ones. A new stack, or a table that gains at most one index, needs none.
"""
from __future__ import annotations

import copy
from typing import Mapping

TABLE = "AWS::DynamoDB::Table"


def staged_templates(template: dict, deployed: Mapping[str, set[str]]) -> list[dict]:
    """The templates to deploy, in order, before `template` itself. `deployed` maps a table's
    logical id to the index names its live table has; a table missing from it is new (created
    with all its indexes at once)."""
    pending = {name: _new_indexes(resource, deployed[name])
               for name, resource in _tables(template) if name in deployed}
    steps = max((len(new) for new in pending.values()), default=0)
    return [with_indexes(template, {name: deployed[name] | set(new[:step]) for name, new in pending.items()})
            for step in range(1, steps)]


def _tables(template: dict):
    return [(name, resource) for name, resource in template.get("Resources", {}).items()
            if resource.get("Type") == TABLE]


def _new_indexes(resource: dict, live: set[str]) -> list[str]:
    return [index["IndexName"] for index in resource["Properties"].get("GlobalSecondaryIndexes", [])
            if index["IndexName"] not in live]


def with_indexes(template: dict, kept: Mapping[str, set[str]]) -> dict:
    """`template` with each table of `kept` holding only the indexes named there, and only the
    attribute definitions its keys still use (CloudFormation refuses unused ones)."""
    staged = copy.deepcopy(template)
    for name, indexes in kept.items():
        properties = staged["Resources"][name]["Properties"]
        chosen = [index for index in properties.get("GlobalSecondaryIndexes", []) if index["IndexName"] in indexes]
        if chosen:
            properties["GlobalSecondaryIndexes"] = chosen
        else:
            properties.pop("GlobalSecondaryIndexes", None)
        used = {key["AttributeName"] for key in properties["KeySchema"]}
        for index in chosen + properties.get("LocalSecondaryIndexes", []):
            used |= {key["AttributeName"] for key in index["KeySchema"]}
        properties["AttributeDefinitions"] = [d for d in properties["AttributeDefinitions"]
                                              if d["AttributeName"] in used]
    return staged


def deployed_indexes(cfn, dynamodb, stack: str) -> dict[str, set[str]]:
    """Logical id → index names of every table the stack has deployed."""
    pages = cfn.get_paginator("list_stack_resources").paginate(StackName=stack)
    tables = {resource["LogicalResourceId"]: resource["PhysicalResourceId"]
              for page in pages for resource in page["StackResourceSummaries"]
              if resource.get("ResourceType") == TABLE}
    return {name: {index["IndexName"] for index in
                   dynamodb.describe_table(TableName=table)["Table"].get("GlobalSecondaryIndexes", [])}
            for name, table in tables.items()}
