"""A pytest plugin that records the AWS calls the service's own code makes while tests run.

Every botocore call (boto3 clients and PynamoDB both go through
`BaseClient._make_api_call`) made with a frame of `chalicelib/` on the stack
is written, as (service, operation, resource), to the JSON file named by
`AWS_CALLS_FILE` when the session ends. Calls that only operators or the
local stack make are left out: the CLI (`chalicelib/cli/`) and provisioning
(`Stores.migrate` and `migrate_queues`, the tables' `create_missing`/`migrate`). Used by
test_code_access.py: `pytest -p tests.deploy.aws_calls ...`.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE = str(ROOT / "chalicelib") + os.sep
OPERATOR_CODE = str(ROOT / "chalicelib" / "cli") + os.sep
PROVISIONING = {"migrate", "migrate_queues", "create_missing", "provision"}
_calls: set[tuple[str, str, str]] = set()


def _from_the_service() -> bool:
    frame, seen = sys._getframe(2), False
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(CODE):
            if filename.startswith(OPERATOR_CODE) or frame.f_code.co_name in PROVISIONING:
                return False
            seen = True
        frame = frame.f_back
    return seen


def _targets(service: str, operation: str, params: dict) -> list[tuple[str, str]]:
    """(operation as IAM sees it, resource) pairs of one call."""
    if service == "dynamodb":
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [(operation, table) for table in params["RequestItems"]]
        if operation == "TransactWriteItems":  # IAM checks each item's own action
            return [({"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                      "ConditionCheck": "ConditionCheckItem"}[kind], body["TableName"])
                    for item in params["TransactItems"] for kind, body in item.items()]
        if operation == "TransactGetItems":
            return [("GetItem", item["Get"]["TableName"]) for item in params["TransactItems"]]
        index = params.get("IndexName")
        return [(operation, params["TableName"] + (f"/index/{index}" if index else ""))]
    if service == "s3":
        if operation == "DeleteObjects":
            return [("DeleteObject", f"{params['Bucket']}/{obj['Key']}") for obj in params["Delete"]["Objects"]]
        return [(operation, f"{params['Bucket']}/{params['Key']}" if "Key" in params else params["Bucket"])]
    if service == "sqs":  # a queue by its name, also when the call names it by URL
        return [(operation, params.get("QueueName") or params["QueueUrl"].rsplit("/", 1)[-1])]
    name = params.get("Name") or params.get("FunctionName") or params.get("TopicArn") or "*"
    return [(operation, name)]


def pytest_configure(config) -> None:
    import botocore.client
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):
        if _from_the_service():
            service = self.meta.service_model.service_name
            for operation, resource in _targets(service, operation_name, api_params):
                _calls.add((service, operation, resource))
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = recording


def pytest_unconfigure(config) -> None:
    Path(os.environ["AWS_CALLS_FILE"]).write_text(json.dumps(sorted(_calls)))
