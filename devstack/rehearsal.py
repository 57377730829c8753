"""The deploy rehearsal: the whole prod deploy against moto on loopback, and what it must have created.

`make deploy-rehearsal` (and tests/deploy in `make test`) runs `python -m devstack.rehearsal`:
moto's server (devstack/moto_server.py, with its fixes), then the runbook's
commands in order: `swreg deploy stack` (infra/stateful.yaml, cn-north-1, so
every ARN is `aws-cn`), `swreg deploy package`, `chalice deploy --stage prod`,
`swreg deploy finish`, a redeploy of all, the checks below (among them that
every function runs the app package with bytecode that the swreg step built),
`chalice delete`, and a check that nothing of the app is left. No network:
Chalice runs on a copy of the project with a stand-in for its managed layer,
which `swreg deploy package` reuses as well (moto cannot run a function, and
tests/packaging builds the real layer from PyPI).

Every expectation comes from the app's own definition, so it cannot drift:
the tables from the PynamoDB models, the functions (with their reserved
concurrency), routes, S3 event, schedules and SQS subscriptions from the Chalice
app and `.chalice/config.json` as Chalice reads them, the work queues' redrive to
their `-dlq` from `Settings.queue_name`,
the schedules from the job registry, and the role's policy from `code_access`,
the list of what the code does to AWS (tests/deploy/test_code_access.py holds
it to the adapters' botocore calls), and KMS from the data key's policy. moto
keeps no PITR, TTL, SSE, CORS, lifecycle or public-access settings:
tests/unit/test_infra_template.py checks those in the template.
"""
from __future__ import annotations

import base64
import fnmatch
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Callable, Iterator

from chalicelib.domain.texts import SMS_TEMPLATES
from devstack import moto_server

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
STAGE = "prod"
REGION = "cn-north-1"
PARTITION = "aws-cn"
# The stack's parameters without a default; any real-looking values will do here.
STACK_PARAMETERS = {"PublicBaseUrl": "https://zhengshu.rehearsal.invalid/verify/", "SmsAppId": "1400000001",
                    "AllowedOrigins": "https://zhengshu.rehearsal.invalid,https://m.rehearsal.invalid",
                    "SmsSignName": "北京社工登记",
                    "SmsTemplateIds": json.dumps({name: str(2000001 + n) for n, name in enumerate(SMS_TEMPLATES)})}
ASYNC_FAILURE_OUTPUT = "AsyncFailureQueueArn"


class RehearsalError(AssertionError):
    """A check of the rehearsal failed; the message says what differs."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise RehearsalError(message)


# --- the project Chalice deploys ---------------------------------------------------------------

def stage_project(workdir: Path) -> Path:
    """A copy of what `chalice deploy` reads, so its records (.chalice/deployed/, deployments/)
    stay out of the working tree, with a stand-in managed layer under the name Chalice looks for."""
    from chalice.deploy.packager import LayerDeploymentPackager
    from chalice.utils import UI, OSUtils
    project = workdir / "project"
    project.mkdir()
    shutil.copy(ROOT / "app.py", project)
    shutil.copy(ROOT / "requirements.txt", project)
    shutil.copytree(ROOT / "chalicelib", project / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / ".chalice", project / ".chalice", ignore=shutil.ignore_patterns("deployments", "deployed"))
    packager = LayerDeploymentPackager(OSUtils(), None, UI(), "x86_64")
    layer = Path(packager.deployment_package_filename(str(project), "python3.11"))
    layer.parent.mkdir(parents=True)
    with zipfile.ZipFile(layer, "w") as archive:
        archive.writestr("python/lib/python3.11/site-packages/swreg_rehearsal_layer.txt",
                         "stand-in: tests/packaging builds the real layer\n")
    return project


def moto_template(workdir: Path) -> Path:
    from cfnlint.decode.cfn_yaml import load
    path = workdir / "stateful-for-moto.json"
    path.write_text(json.dumps(moto_server.template_for_moto(load(str(ROOT / "infra" / "stateful.yaml")))))
    return path


def aws_environment(endpoint_url: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("SWREG_", "AWS_"))}
    env.update(AWS_ENDPOINT_URL=endpoint_url, AWS_ACCESS_KEY_ID="rehearsal", AWS_SECRET_ACCESS_KEY="rehearsal",
               AWS_REGION=REGION, AWS_DEFAULT_REGION=REGION)
    return env


def command(argv: list[str], env: dict[str, str], cwd: Path = ROOT) -> str:
    result = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    check(result.returncode == 0, f"{' '.join(argv[:4])} failed ({result.returncode}):\n"
                                  f"{result.stdout[-4000:]}{result.stderr[-4000:]}")
    return result.stdout


# --- what the code does to AWS -----------------------------------------------------------------

# A transaction is authorised item by item (PutItem, UpdateItem, ...): no action of its own.
TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                 "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem")
INDEX_ACTIONS = ("dynamodb:Query",)
OBJECT_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:DeleteObject")
BUCKET_ACTIONS = ("s3:ListBucket",)
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
# Lambda's poller receives a consumer's batches and deletes them with the function's role (the
# AWSLambdaSQSQueueExecutionRole actions); a consumer deletes the handled part of a batch that
# partly failed itself (WorkQueue.done).
CONSUMER_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
# WorkQueue.send, to a queue it finds by name.
SENDER_ACTIONS = ("sqs:SendMessage", "sqs:GetQueueUrl")


def code_access(env: dict[str, str], function_names: list[str], failure_queue_arn: str,
                account: str) -> list[tuple[str, str]]:
    """(IAM action, resource ARN) for everything the deployed functions do to AWS, from the stage's
    environment and the code's own definitions. `*` only where AWS has no ARN (SMS to a phone)."""
    from chalicelib.adapters.dynamo.models import MODELS
    from chalicelib.domain import object_keys
    from chalicelib.services.jobs import QUEUES
    from chalicelib.settings import Settings
    arn = f"arn:{PARTITION}:{{service}}:{REGION}:{account}:{{resource}}"
    access = []
    for model in MODELS:
        table = arn.format(service="dynamodb", resource=f"table/{env['SWREG_TABLE_PREFIX']}{model.Meta.base_name}")
        access += [(action, table) for action in TABLE_ACTIONS]
        access += [(action, f"{table}/index/{index['index_name']}")
                   for index in model._get_schema().get("global_secondary_indexes", []) for action in INDEX_ACTIONS]
    bucket = f"arn:{PARTITION}:s3:::{env['SWREG_BUCKET']}"
    access += [(action, bucket) for action in BUCKET_ACTIONS]
    for prefix in (object_keys.UPLOADS_PREFIX, object_keys.MATERIALS_PREFIX, object_keys.CERTIFICATES_PREFIX,
                   object_keys.EVIDENCE_PREFIX):
        access += [(action, f"{bucket}/{prefix}any-key") for action in OBJECT_ACTIONS]
    if env.get("SWREG_SMS_SINK") == "sns":
        access.append(("sns:Publish", "*"))
    access += [("ssm:GetParameter", arn.format(service="ssm", resource=f"parameter{value}"))
               for name, value in sorted(env.items()) if name.startswith("SWREG_") and name.endswith("_PARAMETER")]
    settings = Settings.from_env({**env, "AWS_REGION": REGION})
    queue = {consumer.kind: arn.format(service="sqs", resource=settings.queue_name(consumer.kind))
             for consumer in QUEUES}
    access += [(action, queue[kind]) for kind in queue for action in CONSUMER_ACTIONS]
    # The certificate run enqueues its work items; a job out of time budget its continuation.
    sent = ["certificates"] + (["jobs"] if settings.continuation == "sqs" else [])
    access += [(action, queue[kind]) for kind in sent for action in SENDER_ACTIONS]
    access.append(("sqs:SendMessage", failure_queue_arn))  # the on-failure destination, with the function's role
    for name in function_names:
        access += [(action, arn.format(service="logs", resource=f"log-group:/aws/lambda/{name}:log-stream:any"))
                   for action in LOG_ACTIONS]
    return access


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _grants(policy: dict) -> Iterator[tuple[str, str]]:
    for statement in policy["Statement"]:
        check(statement["Effect"] == "Allow" and "NotAction" not in statement and "NotResource" not in statement,
              f"policy statement {statement.get('Sid')}: only plain Allow statements are expected")
        for action in _as_list(statement["Action"]):
            for resource in _as_list(statement["Resource"]):
                yield action, resource


def _matches(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value, pattern)


def _wildcard_is_narrow(action: str, resource: str) -> bool:
    """A `*` may stand for the partition, region or account, for the keys under an S3 prefix, a
    table's indexes or a log group's streams (a fixed part ending in "/" or ":") — never for part
    of a table, bucket, queue, function, parameter or log group name. Resource "*" only for SNS
    SMS, which has no ARN."""
    if resource == "*":
        return action == "sns:Publish"
    fields = resource.split(":", 5)
    if len(fields) < 6:
        return False
    name = fields[5]
    return "*" not in name or (name.count("*") == 1 and name.endswith(("/*", ":*")))


def check_policy(policy: dict, access: list[tuple[str, str]]) -> None:
    grants = list(_grants(policy))
    for action, resource in grants:
        check("*" not in action, f"policy grants a wildcard action {action}")
        check(_wildcard_is_narrow(action, resource), f"policy grants {action} on the wide pattern {resource}")
        check(any(_matches(action, a) and _matches(resource, r) for a, r in access),
              f"policy grants {action} on {resource}, which the code never does")
    for action, resource in access:
        check(any(_matches(a, action) and _matches(r, resource) for a, r in grants),
              f"policy does not allow {action} on {resource}, which the code does")


# --- the checks --------------------------------------------------------------------------------

class Aws:
    """boto3 clients at moto."""

    def __init__(self, endpoint_url: str) -> None:
        import boto3
        session = boto3.Session(aws_access_key_id="rehearsal", aws_secret_access_key="rehearsal", region_name=REGION)
        for service in ("cloudformation", "dynamodb", "lambda", "apigateway", "s3", "events", "iam", "logs", "kms",
                        "sqs"):
            setattr(self, service.replace("lambda", "lambda_"), session.client(service, endpoint_url=endpoint_url))


def load_app(project: Path):
    """The Chalice app and config as `chalice deploy` reads them (the stage's variables set)."""
    from chalice.cli.factory import CLIFactory
    config = CLIFactory(str(project), environ=os.environ).create_config_obj(chalice_stage_name=STAGE)
    return config.chalice_app, config


def expected_functions(app, config) -> dict[str, object]:
    """Deployed function name → its scoped Chalice config: one per event source, one for the API."""
    from chalice.app import S3EventConfig, ScheduledEventConfig, SQSEventConfig
    functions = {f"{app.app_name}-{STAGE}": config.scope(STAGE, "api_handler")}
    for source in app.event_sources:
        check(isinstance(source, (S3EventConfig, ScheduledEventConfig, SQSEventConfig)),
              f"the rehearsal does not know the event source {type(source).__name__}")
        functions[f"{app.app_name}-{STAGE}-{source.name}"] = config.scope(STAGE, source.name)
    return functions


def check_tables(aws: Aws, prefix: str) -> str:
    from chalicelib.adapters.dynamo.models import MODELS
    names = {prefix + model.Meta.base_name for model in MODELS}
    listed = set(aws.dynamodb.list_tables()["TableNames"])
    check(listed == names,
          f"tables differ from the models: missing {sorted(names - listed)}, extra {sorted(listed - names)}")
    for model in MODELS:
        table = aws.dynamodb.describe_table(TableName=prefix + model.Meta.base_name)["Table"]
        schema = model._get_schema()
        check(_keys(table["KeySchema"]) == _keys(schema["key_schema"]),
              f"{table['TableName']}: keys {table['KeySchema']} differ from the model's {schema['key_schema']}")
        deployed = {index["IndexName"]: _keys(index["KeySchema"]) for index in table.get("GlobalSecondaryIndexes", [])}
        declared = {index["index_name"]: _keys(index["key_schema"])
                    for index in schema.get("global_secondary_indexes", [])}
        check(deployed == declared, f"{table['TableName']}: indexes {deployed} differ from the model's {declared}")
        check(table["TableArn"].startswith(f"arn:{PARTITION}:dynamodb:{REGION}:"), f"ARN {table['TableArn']}")
    return f"{len(MODELS)} tables with the models' keys and GSIs"


def _keys(schema: list[dict]) -> dict[str, str]:
    return {element["KeyType"]: element["AttributeName"] for element in schema}


def check_functions(aws: Aws, functions: dict) -> str:
    deployed = {f["FunctionName"]: f for f in aws.lambda_.list_functions()["Functions"]}
    check(set(deployed) == set(functions), f"functions {sorted(deployed)}, expected {sorted(functions)}")
    layers = aws.lambda_.list_layer_versions(LayerName=f"swreg-{STAGE}-managed-layer")["LayerVersions"]
    check(bool(layers), "no managed layer")
    latest_layer = max(layers, key=lambda layer: layer["Version"])["LayerVersionArn"]
    for name, scoped in functions.items():
        function = deployed[name]
        check(function["Environment"]["Variables"] == scoped.environment_variables,
              f"{name}: environment {function['Environment']['Variables']} is not the stage's")
        check(function["MemorySize"] == scoped.lambda_memory_size, f"{name}: memory {function['MemorySize']}")
        check(function["Timeout"] == scoped.lambda_timeout, f"{name}: timeout {function['Timeout']}")
        reserved = aws.lambda_.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")
        check(reserved == scoped.reserved_concurrency,
              f"{name}: reserved concurrency {reserved}, expected {scoped.reserved_concurrency}")
        check([layer["Arn"] for layer in function.get("Layers", [])] == [latest_layer],
              f"{name}: layers {function.get('Layers')}, expected {latest_layer}")
        groups = aws.logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}")["logGroups"]
        group = next((g for g in groups if g["logGroupName"] == f"/aws/lambda/{name}"), {})
        check(group.get("retentionInDays") == scoped.log_retention_in_days,
              f"{name}: log retention {group.get('retentionInDays')}, expected {scoped.log_retention_in_days}")
    return (f"{len(functions)} functions with the stage's environment, memory, timeout, reserved concurrency, "
            f"layer and {scoped.log_retention_in_days}-day log retention")


def check_api(aws: Aws, app, config, api_id: str) -> list[str]:
    from chalicelib.cli.deploy import GATEWAY_RESPONSES, gateway_body
    api = aws.apigateway.get_rest_api(restApiId=api_id)
    check(api["endpointConfiguration"]["types"] == [config.api_gateway_endpoint_type] == ["REGIONAL"],
          f"endpoint types {api['endpointConfiguration']['types']}, expected REGIONAL")
    resources = aws.apigateway.get_resources(restApiId=api_id, limit=500)["items"]
    deployed = {(res["path"], method) for res in resources for method in res.get("resourceMethods", {})}
    declared = {(path, method) for path, methods in app.routes.items() for method in methods}
    check(declared <= deployed, f"routes missing on the API: {sorted(declared - deployed)}")
    check({method for _, method in deployed - declared} <= {"OPTIONS"},
          f"methods on the API the app does not have: {sorted(deployed - declared)}")
    check(all(entry.authorizer is None for methods in app.routes.values() for entry in methods.values()),
          "a route has a gateway authorizer: the app checks tokens itself (handlers/guard.py)")
    check(not aws.apigateway.get_authorizers(restApiId=api_id)["items"], "the API has authorizers")
    for res in resources:
        for method in res.get("resourceMethods", {}):
            got = aws.apigateway.get_method(restApiId=api_id, resourceId=res["id"], httpMethod=method)
            check(got.get("authorizationType", "NONE") == "NONE",
                  f"{method} {res['path']}: authorization {got.get('authorizationType')}")
    for response_type, (status, code, params) in GATEWAY_RESPONSES.items():
        got = aws.apigateway.get_gateway_response(restApiId=api_id, responseType=response_type)
        check(status is None or got.get("statusCode") == str(status),
              f"{response_type}: status {got.get('statusCode')}")
        body = json.loads(got["responseTemplates"]["application/json"])
        check(body == json.loads(gateway_body(code, params)), f"{response_type}: body {body}")
    return [f"{len(declared)} routes on a REGIONAL REST API, none with an authorizer",
            f"gateway responses {', '.join(GATEWAY_RESPONSES)} in the API's error shape"]


def check_events(aws: Aws, app, bucket: str, async_functions: set[str], failure_queue: str) -> list[str]:
    from chalice.app import S3EventConfig, ScheduledEventConfig
    from chalicelib.services.jobs import JOBS
    function_arn = {f["FunctionName"]: f["FunctionArn"] for f in aws.lambda_.list_functions()["Functions"]}
    notification = aws.s3.get_bucket_notification_configuration(Bucket=bucket)
    lambdas = notification.get("LambdaFunctionConfigurations", [])
    uploads = [s for s in app.event_sources if isinstance(s, S3EventConfig)]
    check(len(lambdas) == len(uploads) == 1, f"S3 notifications {lambdas} for {len(uploads)} S3 handler(s)")
    rule = {r["Name"].lower(): r["Value"] for r in lambdas[0]["Filter"]["Key"]["FilterRules"]}
    check(lambdas[0]["LambdaFunctionArn"] == function_arn[f"{app.app_name}-{STAGE}-{uploads[0].name}"]
          and rule.get("prefix") == uploads[0].prefix and lambdas[0]["Events"] == uploads[0].events,
          f"S3 notification {lambdas[0]} is not {uploads[0].prefix} → {uploads[0].name}")
    schedules = {s.name: s for s in app.event_sources if isinstance(s, ScheduledEventConfig)}
    check(set(schedules) == set(JOBS), f"schedules {sorted(schedules)} differ from the job registry {sorted(JOBS)}")
    for job in JOBS.values():
        rule_name = f"{app.app_name}-{STAGE}-{job.name}-event"
        got = aws.events.describe_rule(Name=rule_name)
        check(got["ScheduleExpression"] == job.schedule == schedules[job.name].schedule_expression,
              f"{rule_name}: {got['ScheduleExpression']}, expected {job.schedule}")
        targets = [t["Arn"] for t in aws.events.list_targets_by_rule(Rule=rule_name)["Targets"]]
        check(targets == [function_arn[f"{app.app_name}-{STAGE}-{job.name}"]], f"{rule_name}: targets {targets}")
    for name, arn in function_arn.items():
        try:
            invoke = aws.lambda_.get_function_event_invoke_config(FunctionName=arn)
        except aws.lambda_.exceptions.ResourceNotFoundException:
            invoke = None
        if name in async_functions:
            check(invoke is not None and invoke["DestinationConfig"]["OnFailure"]["Destination"] == failure_queue
                  and invoke["MaximumRetryAttempts"] == 2, f"{name}: on-failure destination {invoke}")
        else:
            check(invoke is None, f"{name} is invoked synchronously but has an invoke config {invoke}")
    return [f"S3 notification on {uploads[0].prefix} → {uploads[0].name}",
            f"{len(JOBS)} schedules as in the job registry, each a rule with its expression and target",
            f"on-failure destination AsyncFailureQueue for {', '.join(sorted(async_functions))}"]


def check_queues(aws: Aws, app, functions: dict) -> list[str]:
    """Each SQS consumer subscribed to its queue (from the infra stack) as the app declares it:
    batch size and maximum concurrency; the queue hides a received message longer than its
    consumer runs (Lambda refuses the subscription otherwise) and moves it to its `-dlq` after
    MAX_RECEIVES receives."""
    from chalice.app import SQSEventConfig
    from chalicelib.bootstrap import MAX_RECEIVES
    function_arn = {f["FunctionName"]: f["FunctionArn"] for f in aws.lambda_.list_functions()["Functions"]}
    mappings = aws.lambda_.list_event_source_mappings()["EventSourceMappings"]
    consumers = [s for s in app.event_sources if isinstance(s, SQSEventConfig)]
    check(len(mappings) == len(consumers), f"event source mappings {mappings} for {len(consumers)} SQS consumer(s)")
    for source in consumers:
        name = f"{app.app_name}-{STAGE}-{source.name}"
        queue = _queue_attributes(aws, source.queue)
        mapping = next((m for m in mappings if m["FunctionArn"] == function_arn[name]), {})
        check(mapping.get("EventSourceArn") == queue["QueueArn"] and mapping.get("BatchSize") == source.batch_size
              and (mapping.get("ScalingConfig") or {}).get("MaximumConcurrency") == source.maximum_concurrency,
              f"{name}: subscription {mapping}, expected {source.queue}, batch {source.batch_size}, "
              f"maximum concurrency {source.maximum_concurrency}")
        check(int(queue["VisibilityTimeout"]) >= functions[name].lambda_timeout,
              f"{source.queue}: visibility timeout {queue['VisibilityTimeout']} s, under {name}'s timeout")
        redrive = json.loads(queue.get("RedrivePolicy") or "{}")
        dead = _queue_attributes(aws, f"{source.queue}-dlq")["QueueArn"]
        check(redrive.get("deadLetterTargetArn") == dead and int(redrive.get("maxReceiveCount", 0)) == MAX_RECEIVES,
              f"{source.queue}: redrive policy {redrive}, expected {dead} after {MAX_RECEIVES} receives")
    return [f"{len(consumers)} SQS consumers subscribed as declared ("
            + ", ".join(f"{s.name} ← {s.queue}" for s in consumers)
            + f"), each queue redriving to its -dlq after {MAX_RECEIVES} receives"]


def _queue_attributes(aws: Aws, name: str) -> dict[str, str]:
    url = aws.sqs.get_queue_url(QueueName=name)["QueueUrl"]
    return aws.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def check_bytecode(aws: Aws, functions: dict, app_package: Path) -> str:
    """Every function runs the app package `swreg deploy package` built (`chalice deploy` reused
    it), which holds unchecked-hash bytecode (flags 0b01) for app.py and each chalicelib module."""
    digest = base64.b64encode(hashlib.sha256(app_package.read_bytes()).digest()).decode()
    deployed = {f["FunctionName"]: f["CodeSha256"] for f in aws.lambda_.list_functions()["Functions"]}
    other = sorted(name for name in functions if deployed[name] != digest)
    check(not other, f"{other} run other code than {app_package.name}, which `swreg deploy package` built")
    with zipfile.ZipFile(app_package) as zipped:
        names = set(zipped.namelist())
        bytecode = {name: importlib.util.cache_from_source(name) for name in names
                    if name == "app.py" or (name.startswith("chalicelib/") and name.endswith(".py"))}
        missing = sorted(name for name, pyc in bytecode.items()
                         if pyc not in names or zipped.read(pyc)[4:8] != b"\x01\0\0\0")
    check(not missing, f"{app_package.name}: no unchecked-hash bytecode for {missing[:5]}")
    return (f"every function runs {app_package.name} as `swreg deploy package` built it, with unchecked-hash "
            f"bytecode for app.py and {len(bytecode) - 1} chalicelib modules")


def check_roles(aws: Aws, functions: dict, access: list[tuple[str, str]]) -> str:
    policy_files = set()
    for name in functions:
        role = aws.lambda_.get_function_configuration(FunctionName=name)["Role"].rsplit("/", 1)[-1]
        policy_names = aws.iam.list_role_policies(RoleName=role)["PolicyNames"]
        check(len(policy_names) == 1, f"{role}: inline policies {policy_names}")
        document = aws.iam.get_role_policy(RoleName=role, PolicyName=policy_names[0])["PolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        check_policy(document, access)
        policy_files.add(functions[name].iam_policy_file)
    return (f"the roles' policy ({', '.join(sorted(policy_files))}) allows the {len(access)} (action, resource) "
            "pairs the code needs and nothing wider")


def check_data_key(aws: Aws, key_arn: str) -> str:
    """KMS: the tables and the bucket are encrypted with the stack's key, whose policy lets the
    account's principals use it through DynamoDB and S3 only, so the role needs (and has) no KMS grant."""
    policy = aws.kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"]
    policy = json.loads(policy) if isinstance(policy, str) else policy  # moto hands back the template's object
    for service in ("dynamodb", "s3"):
        actions = {action for statement in policy["Statement"] if statement["Effect"] == "Allow"
                   and str(statement.get("Condition", {}).get("StringEquals", {}).get("kms:ViaService", ""))
                   .startswith(f"{service}.{REGION}.")
                   for action in _as_list(statement["Action"])}
        check({"kms:Decrypt", "kms:GenerateDataKey*"} <= actions,
              f"the data key's policy does not let {service} use it for the functions: {sorted(actions)}")
    return "the data key is usable through DynamoDB and S3 only; the role holds no KMS grant"


def check_nothing_left(aws: Aws, bucket: str) -> str:
    prefix = f"swreg-{STAGE}"
    left = [f["FunctionName"] for f in aws.lambda_.list_functions()["Functions"]]
    left += [api["name"] for api in aws.apigateway.get_rest_apis()["items"]]
    left += [r["RoleName"] for r in aws.iam.list_roles()["Roles"] if r["RoleName"].startswith(prefix)]
    left += [r["Name"] for r in aws.events.list_rules()["Rules"] if r["Name"].startswith(prefix)]
    left += [layer["LayerName"] for layer in aws.lambda_.list_layers()["Layers"]]
    left += [f"subscription to {m['EventSourceArn']}"
             for m in aws.lambda_.list_event_source_mappings()["EventSourceMappings"]]
    left += [f"notification {n}" for n in aws.s3.get_bucket_notification_configuration(Bucket=bucket)
             .get("LambdaFunctionConfigurations", [])]
    check(not left, f"`chalice delete` left {left}")
    # Chalice keeps the log groups on purpose (and drops their retention): said, not refused.
    groups = [g["logGroupName"] for g in aws.logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{prefix}")
              ["logGroups"]]
    return ("`chalice delete` left no function, API, role, rule, layer, SQS subscription or S3 notification; "
            f"it keeps {len(groups)} log groups, without retention (delete them by hand to decommission)")


# --- the round ---------------------------------------------------------------------------------

def rehearse(workdir: Path, say: Callable[[str], None] = print) -> list[str]:
    """The whole round; returns what was checked. RehearsalError on the first difference.
    Points this process's AWS variables at moto: run it as its own process (`main`)."""
    from chalice.app import SQSEventConfig
    started = time.monotonic()
    server = moto_server.start(log_path=str(workdir / "moto.log"))
    try:
        env = aws_environment(server.url)
        os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
        aws = Aws(server.url)
        project = stage_project(workdir)
        swreg, chalice = str(BIN / "swreg"), str(BIN / "chalice")
        stack = [swreg, "--stage", STAGE, "deploy", "stack", "--template", str(moto_template(workdir))]
        stack += [f"--parameter={key}={value}" for key, value in STACK_PARAMETERS.items()]
        package = [swreg, "--stage", STAGE, "deploy", "package", "--project-dir", str(project)]
        deploy = [chalice, "--project-dir", str(project), "deploy", "--stage", STAGE]
        finish = [swreg, "--stage", STAGE, "deploy", "finish", "--project-dir", str(project)]
        for round_ in ("deploy", "redeploy"):
            for argv in (stack, package, deploy, finish):
                shown = " ".join([Path(argv[0]).name, *argv[1:]]).replace(str(workdir), "$WORK")
                say(f"[{time.monotonic() - started:5.1f} s] {round_}: {shown}")
                printed = command(argv, env)
                if argv is package:  # it prints each package it built: `<path>: <n> modules precompiled`
                    app_package = next(Path(line.rpartition(": ")[0]) for line in printed.splitlines()
                                       if Path(line.rpartition(": ")[0]).name.startswith("appcode-"))
        outputs = {o["OutputKey"]: o["OutputValue"]
                   for o in aws.cloudformation.describe_stacks(StackName=f"swreg-{STAGE}")["Stacks"][0]["Outputs"]}
        failure_queue = outputs[ASYNC_FAILURE_OUTPUT]
        app, config = load_app(project)
        functions = expected_functions(app, config)
        stage_env = config.environment_variables
        account = failure_queue.split(":")[4]
        api_id = next(r["rest_api_id"] for r in json.loads(
            (project / ".chalice" / "deployed" / f"{STAGE}.json").read_text())["resources"]
            if r["resource_type"] == "rest_api")
        # AWS invokes the S3 handler and the schedules asynchronously; the API and the SQS
        # consumers (Lambda's poller) synchronously.
        async_functions = {f"{app.app_name}-{STAGE}-{source.name}" for source in app.event_sources
                           if not isinstance(source, SQSEventConfig)}
        access = code_access(stage_env, sorted(functions), failure_queue, account)
        checked = [check_tables(aws, stage_env["SWREG_TABLE_PREFIX"]), check_functions(aws, functions)]
        checked += check_api(aws, app, config, api_id)
        checked += check_events(aws, app, stage_env["SWREG_BUCKET"], async_functions, failure_queue)
        checked += check_queues(aws, app, functions)
        checked.append(check_bytecode(aws, functions, app_package))
        checked.append(check_roles(aws, functions, access))
        checked.append(check_data_key(aws, outputs["DataKeyArn"]))
        say(f"[{time.monotonic() - started:5.1f} s] chalice delete")
        command([chalice, "--project-dir", str(project), "delete", "--stage", STAGE], env)
        checked.append(check_nothing_left(aws, stage_env["SWREG_BUCKET"]))
        for line in checked:
            say(f"  ok  {line}")
        say(f"[{time.monotonic() - started:5.1f} s] rehearsal passed")
        return checked
    finally:
        moto_server.stop(server)


def main() -> int:
    # This process stands for the operator's shell: no stage variables, AWS at moto (set in `rehearse`).
    for name in [name for name in os.environ if name.startswith(("SWREG_", "AWS_"))]:
        del os.environ[name]
    with tempfile.TemporaryDirectory(prefix="swreg-rehearsal-") as workdir:
        try:
            rehearse(Path(workdir))
        except RehearsalError as exc:
            print(f"rehearsal FAILED: {exc}", file=sys.stderr)
            log = Path(workdir) / "moto.log"
            if log.exists():
                print("--- moto log (last lines) ---\n" + "\n".join(log.read_text().splitlines()[-30:]),
                      file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
