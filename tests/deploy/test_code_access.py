"""Every AWS call the service's code makes is in `code_access`, the list the rehearsal holds the
functions' role policy to: that list is derived from the code, not only written next to it.

The adapters' contract tests, which drive the service's code over DynamoDB Local and the S3
emulator, run once more with a recorder of botocore calls
(tests/deploy/aws_calls.py); each call, its resource renamed from the test stage to prod, must be
in `code_access`. What no test here can record is in the list by reason: presigned S3 uploads and
downloads (the browser's request is signed with the function's role), Lambda's poller receiving and
deleting the consumers' batches (with the role), the on-failure destination (Lambda sends to SQS
with the role), the
SSM reads of the prod keys and settings (the test stage reads files). The SNS adapter's calls count
only where the stage sends SMS through SNS: prod, in a China region, sends through Tencent.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

from chalicelib.cli.environment import ROOT, stage_variables
from devstack.rehearsal import PARTITION, REGION, STAGE
from tests.deploy.conftest import ACCOUNT

# The contract tests drive every method of every port the functions use against its real adapter
# (tests/unit/test_ports_have_fakes.py demands one per port). Not the dead-letter port's: only
# operators use it, from `swreg jobs dlq` on their own credentials.
RECORDED_TESTS = [str(path.relative_to(ROOT))
                  for path in sorted((ROOT / "tests" / "integration").glob("test_*_contract.py"))
                  if path.name != "test_dead_letter_contract.py"]
# The API operation → the IAM action that authorises it, where the names differ.
IAM_ACTIONS = {"ListObjectsV2": "ListBucket", "HeadObject": "GetObject",
               "SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage"}
# The object store's contract writes under keys of its own; the prefixes the service uses
# (domain/object_keys.py) are what `code_access` lists, so a recorded object stands for any.
OBJECT = "<any object>"
# Likewise the work queue's contract sends to a queue of its own: it stands for any work queue.
QUEUE = "<any queue>"


def _prod_arn(service: str, resource: str, test: dict[str, str], prod: dict[str, str]) -> str:
    if service == "dynamodb":
        assert resource.startswith(test["SWREG_TABLE_PREFIX"]), resource
        table = prod["SWREG_TABLE_PREFIX"] + resource.removeprefix(test["SWREG_TABLE_PREFIX"])
        return f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{table}"
    if service == "sqs":  # the stage's queues are named like its tables (Settings.queue_name)
        if not resource.startswith(test["SWREG_TABLE_PREFIX"]):
            return f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT}:{QUEUE}"
        return f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT}:" + prod["SWREG_TABLE_PREFIX"] + \
            resource.removeprefix(test["SWREG_TABLE_PREFIX"])
    if service == "s3":
        bucket, _, key = resource.partition("/")
        assert bucket == test["SWREG_BUCKET"], resource
        return f"arn:{PARTITION}:s3:::{prod['SWREG_BUCKET']}" + (f"/{OBJECT}" if key else "")
    return resource


def _listed(action: str, arn: str, access: list[tuple[str, str]]) -> bool:
    if arn.endswith(f"/{OBJECT}"):  # any object: the contract tests write under their own keys
        bucket = arn.removesuffix(OBJECT)
        return any(a == action and r.startswith(bucket) for a, r in access)
    if arn.endswith(f":{QUEUE}"):
        return any(a == action and r.startswith(arn.removesuffix(QUEUE)) for a, r in access)
    return (action, arn) in access


def test_every_aws_call_the_service_code_makes_is_in_the_list_the_role_policy_is_checked_against(
        tmp_path, prod_access):
    record = tmp_path / "calls.json"
    env = {name: value for name, value in os.environ.items() if not name.startswith(("SWREG_", "AWS_"))}
    env["AWS_CALLS_FILE"] = str(record)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "tests.deploy.aws_calls",
                             *RECORDED_TESTS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    calls = json.loads(record.read_text())
    assert {service for service, _, _ in calls} >= {"dynamodb", "s3", "sns", "sqs"}, calls
    test, prod = stage_variables("test"), stage_variables(STAGE)
    outside = []
    for service, operation, resource in calls:
        if service == "sns" and prod["SWREG_SMS_SINK"] != "sns":
            continue
        action = f"{service}:{IAM_ACTIONS.get(operation, operation)}"
        arn = _prod_arn(service, resource, test, prod)
        if not _listed(action, arn, prod_access):
            outside.append(f"{action} on {arn} (recorded {operation} on {resource})")
    assert not outside, "calls the rehearsal's code_access does not list:\n" + "\n".join(outside)
    recorded = {f"{service}:{IAM_ACTIONS.get(operation, operation)}" for service, operation, _ in calls}
    declared = {action for action, _ in prod_access if action.startswith(("dynamodb:", "s3:"))}
    assert declared <= recorded, f"code_access lists actions the code never makes: {sorted(declared - recorded)}"
