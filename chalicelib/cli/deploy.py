"""`swreg deploy stack|package|finish` and `swreg db restore`: the steps of a deploy around `chalice deploy`.

The order (docs/operations.md): `swreg deploy stack` creates or updates the
stateful stack (infra/stateful.yaml), `swreg deploy package` builds Chalice's
deployment packages with precompiled bytecode (Chalice reuses them),
`chalice deploy --stage S` the functions
and the API, then `swreg deploy finish` sets what Chalice cannot: an on-failure
destination (the stack's AsyncFailureQueue) for every asynchronously invoked
function (the S3 upload handler and the schedules), the retention of the API
function's own log group (Chalice sets it on a group of another name), and
API Gateway's own answers (unknown path, throttling, too large, any other
4xx/5xx it gives before our code runs) in the API's error shape with the
Chinese message. Both are idempotent, and `make deploy-rehearsal` runs them.
These commands talk to AWS through boto3's usual configuration (profile,
region, `AWS_ENDPOINT_URL`), never to the service's stores.
"""
from __future__ import annotations

import argparse
import compileall
import json
import py_compile
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Iterator

from chalicelib.cli.environment import ROOT, stage_variables
from chalicelib.domain import texts

TEMPLATE = ROOT / "infra" / "stateful.yaml"
MAX_TEMPLATE_BODY = 51_200  # bytes CloudFormation takes inline; a larger template would need an S3 upload
# AWS retries a failed asynchronous invocation twice; then the event goes to the destination.
ASYNC_RETRIES = 2
# API Gateway's own answers (it gives them before any function runs): response type →
# (status, or None to keep the gateway's, error code of texts.ERRORS, its template's parameters).
GATEWAY_RESPONSES: dict[str, tuple[int | None, str, dict[str, Any]]] = {
    # A path no route has: API Gateway says 403 "Missing Authentication Token"; it is a 404.
    "MISSING_AUTHENTICATION_TOKEN": (404, "NOT_FOUND", {}),
    "THROTTLED": (429, "RATE_LIMITED", {}),
    "REQUEST_TOO_LARGE": (413, "PAYLOAD_TOO_LARGE", {"max_kb": 10 * 1024}),  # API Gateway's 10 MB cap
    "DEFAULT_4XX": (None, "DOMAIN_ERROR", {}),
    "DEFAULT_5XX": (None, "INTERNAL_ERROR", {}),
}


class DeployError(RuntimeError):
    """A deploy step cannot go on (no stack, no `chalice deploy` record, a failed stack)."""


def stack_name(stage: str) -> str:
    return f"swreg-{stage}"


def gateway_body(code: str, params: dict[str, Any]) -> str:
    """The API's error shape (SPEC §3) as a gateway response template."""
    return json.dumps({"error": {"code": code, "message": texts.error_message(code, **params), "details": {}}},
                      ensure_ascii=False)


# --- swreg deploy stack ------------------------------------------------------------------------

def stack_parameters(stage: str, overrides: dict[str, str]) -> dict[str, str]:
    """The stack's parameters for `stage`: the names the Chalice stage uses, then `overrides`."""
    variables = stage_variables(stage)
    return {"Stage": stage, "TablePrefix": variables["SWREG_TABLE_PREFIX"],
            "BucketName": variables["SWREG_BUCKET"], **overrides}


def template_body(path: Path) -> str:
    """The template as compact JSON: CloudFormation takes at most 51,200 bytes inline, and the
    YAML's comments and indentation are most of it. Short-form tags (`!Sub`) become `Fn::Sub`."""
    from cfnlint.decode.cfn_yaml import load
    body = json.dumps(load(str(path)), separators=(",", ":"))
    if len(body.encode()) > MAX_TEMPLATE_BODY:
        raise DeployError(f"{path.name} is {len(body.encode())} bytes as JSON, over CloudFormation's "
                          f"{MAX_TEMPLATE_BODY} for a template sent inline")
    return body


def deploy_stack(cfn, stage: str, body: str, parameters: dict[str, str], dynamodb=None) -> Iterator[str]:
    """Create the stage's stack, or update it (a parameter not given keeps its value); waits until
    CloudFormation is done. With `dynamodb`, an update that adds several indexes to one table goes
    through the intermediate templates of `index_rollout` first, one index per table each."""
    name = stack_name(stage)
    request = {"StackName": name, "TemplateBody": body,
               "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(parameters.items())],
               "Tags": [{"Key": "project", "Value": "swreg"}, {"Key": "stage", "Value": stage}]}
    existing = _stack(cfn, name)
    if existing is None:
        cfn.create_stack(**request, EnableTerminationProtection=True)
        yield f"stack {name}: creating"
        yield from _wait(cfn, name, "stack_create_complete")
        return
    kept = [{"ParameterKey": p["ParameterKey"], "UsePreviousValue": True}
            for p in existing.get("Parameters", []) if p["ParameterKey"] not in parameters]
    request["Parameters"] += kept
    if dynamodb is not None:
        from chalicelib.cli.index_rollout import deployed_indexes, staged_templates
        steps = staged_templates(json.loads(body), deployed_indexes(cfn, dynamodb, name))
        for number, step in enumerate(steps, start=1):
            yield f"stack {name}: step {number} of {len(steps) + 1}, at most one new index per table"
            yield from _update(cfn, name, {**request, "TemplateBody": json.dumps(step, separators=(",", ":"))})
    yield from _update(cfn, name, request)


def _update(cfn, name: str, request: dict) -> Iterator[str]:
    try:
        cfn.update_stack(**request)
    except cfn.exceptions.ClientError as exc:  # CloudFormation tells this only in a ValidationError's text
        if "No updates are to be performed" not in str(exc):
            raise
        yield f"stack {name}: up to date"
        return
    yield f"stack {name}: updating"
    yield from _wait(cfn, name, "stack_update_complete")


def _wait(cfn, name: str, waiter: str) -> Iterator[str]:
    from botocore.exceptions import WaiterError
    try:
        cfn.get_waiter(waiter).wait(StackName=name, WaiterConfig={"Delay": 5, "MaxAttempts": 360})
    except WaiterError as exc:  # the waiter's own message says little; the stack's status says why
        stack = _stack(cfn, name) or {}
        raise DeployError(f"stack {name}: {stack.get('StackStatus')} {stack.get('StackStatusReason', '')}") from exc
    yield f"stack {name}: {_stack(cfn, name)['StackStatus']}"


def _stack(cfn, name: str) -> dict | None:
    try:
        return cfn.describe_stacks(StackName=name)["Stacks"][0]
    except cfn.exceptions.ClientError as exc:  # a ValidationError whose text alone says "does not exist"
        if "does not exist" in str(exc):
            return None
        raise


def stack_outputs(cfn, stage: str) -> dict[str, str]:
    stack = _stack(cfn, stack_name(stage))
    if stack is None:
        raise DeployError(f"no stack {stack_name(stage)}: run `swreg deploy stack --stage {stage}` first")
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


# --- swreg deploy finish -----------------------------------------------------------------------

def deployed_resources(project_dir: Path, stage: str) -> list[dict]:
    """What `chalice deploy` recorded for `stage` (.chalice/deployed/<stage>.json)."""
    record = project_dir / ".chalice" / "deployed" / f"{stage}.json"
    if not record.exists():
        raise DeployError(f"no {record.relative_to(project_dir)}: run `chalice deploy --stage {stage}` first")
    return json.loads(record.read_text())["resources"]


def asynchronous_functions(resources: list[dict], events) -> list[str]:
    """ARNs of the functions AWS invokes asynchronously: the S3 event handlers and the
    targets of the schedules' rules."""
    arns = {res["lambda_arn"] for res in resources if res["resource_type"] == "s3_event"}
    for res in resources:
        if res["resource_type"] == "cloudwatch_event":
            arns.update(target["Arn"] for target in events.list_targets_by_rule(Rule=res["rule_name"])["Targets"])
    return sorted(arns)


def rest_api_id(resources: list[dict]) -> str | None:
    return next((res["rest_api_id"] for res in resources if res["resource_type"] == "rest_api"), None)


def chalice_setting(project_dir: Path, stage: str, key: str, function: str | None = None, default=None):
    """A setting of .chalice/config.json as Chalice resolves it: the function's, the stage's, the app's."""
    config = json.loads((project_dir / ".chalice" / "config.json").read_text())
    stage_config = config["stages"][stage]
    for scope in (stage_config.get("lambda_functions", {}).get(function or "", {}), stage_config, config):
        if key in scope:
            return scope[key]
    return default


def set_log_retention(logs, resources: list[dict], project_dir: Path, stage: str) -> Iterator[str]:
    """Each function's own log group, `/aws/lambda/<function name>`, kept `log_retention_in_days`.
    Chalice 1.34 sets the retention itself, but names the API handler's group after the
    resource (`swreg-prod-api_handler`) while Lambda writes to its function's (`swreg-prod`)."""
    for res in resources:
        if res["resource_type"] != "lambda_function":
            continue
        days = chalice_setting(project_dir, stage, "log_retention_in_days", res["name"])
        if days is None:
            continue
        group = "/aws/lambda/" + res["lambda_arn"].rsplit(":", 1)[-1]
        try:
            logs.create_log_group(logGroupName=group)
        except logs.exceptions.ResourceAlreadyExistsException:
            pass
        logs.put_retention_policy(logGroupName=group, retentionInDays=days)
        yield f"{group}: kept {days} days"


def finish(stage: str, project_dir: Path, *, cfn, lambda_, events, apigateway, logs) -> Iterator[str]:
    """Everything `chalice deploy` cannot set, set again from scratch (idempotent)."""
    resources = deployed_resources(project_dir, stage)
    yield from set_log_retention(logs, resources, project_dir, stage)
    failure_queue = stack_outputs(cfn, stage).get("AsyncFailureQueueArn")
    if failure_queue is None:
        raise DeployError(f"stack {stack_name(stage)} has no AsyncFailureQueueArn output: "
                          f"run `swreg deploy stack --stage {stage}`")
    for arn in asynchronous_functions(resources, events):
        lambda_.put_function_event_invoke_config(
            FunctionName=arn, MaximumRetryAttempts=ASYNC_RETRIES,
            DestinationConfig={"OnFailure": {"Destination": failure_queue}})
        yield f"{arn.rsplit(':', 1)[-1]}: failed asynchronous invocations go to {failure_queue.rsplit(':', 1)[-1]}"
    api_id = rest_api_id(resources)
    if api_id is not None:
        for response_type, (status, code, params) in GATEWAY_RESPONSES.items():
            request = {"restApiId": api_id, "responseType": response_type,
                       "responseTemplates": {"application/json": gateway_body(code, params)}}
            if status is not None:
                request["statusCode"] = str(status)
            apigateway.put_gateway_response(**request)
        stage_name = chalice_setting(project_dir, stage, "api_gateway_stage", default="api")
        apigateway.create_deployment(restApiId=api_id, stageName=stage_name)  # the responses go live
        yield f"API {api_id}: gateway responses {', '.join(GATEWAY_RESPONSES)} in the API's error shape"


# --- swreg deploy package ----------------------------------------------------------------------

def build_packages(project_dir: Path, stage: str) -> list[tuple[Path, int]]:
    """Chalice's deployment packages of `stage` (the app's, and with `automatic_layer` the managed
    layer's), built where `chalice deploy` and `chalice package` look them up (.chalice/deployments/,
    named by a hash of the code and the requirements, so they reuse them), each then given bytecode;
    returns each package with how many modules it holds precompiled.

    The hash covers the `__pycache__` folders under chalicelib/: they are brought up to date
    first, or the import `chalice deploy` does would write some and change the name."""
    from chalice.config import Config
    from chalice.constants import DEFAULT_LAMBDA_ARCHITECTURE
    from chalice.deploy import packager
    from chalice.utils import UI, OSUtils
    compileall.compile_file(str(project_dir / "app.py"), quiet=2)
    compileall.compile_dir(str(project_dir / "chalicelib"), quiet=2)
    architecture = chalice_setting(project_dir, stage, "lambda_architecture", default=DEFAULT_LAMBDA_ARCHITECTURE)
    osutils, ui = OSUtils(), UI()
    builder = packager.DependencyBuilder(osutils, architecture=architecture)
    kinds = ((packager.LayerDeploymentPackager, packager.AppOnlyDeploymentPackager)
             if chalice_setting(project_dir, stage, "automatic_layer", default=False)
             else (packager.LambdaDeploymentPackager,))
    # Chalice packages for the Python it runs on; so is the bytecode compiled here.
    python_version = Config.create().lambda_python_version
    archives = [Path(kind(osutils, builder, ui, architecture).create_deployment_package(str(project_dir),
                                                                                         python_version))
                for kind in kinds]
    return [(archive, add_bytecode(archive)) for archive in archives]


def add_bytecode(archive: Path) -> int:
    """Put in `archive` the bytecode of each of its modules, in place of any `__pycache__` it holds
    (Chalice ships the working tree's, stale on Lambda); returns how many compiled.

    Lambda's code folders (/var/task, /opt) are read-only, so without it every cold start compiles
    every module it imports. The bytecode is unchecked-hash: loaded without a look at the source's
    time stamp, which unzipping does not keep, or at its hash; source and bytecode ship together."""
    with tempfile.TemporaryDirectory() as scratch:
        tree = Path(scratch) / "tree"
        with zipfile.ZipFile(archive) as zipped:
            kept = [info for info in zipped.infolist() if "__pycache__/" not in info.filename]
            zipped.extractall(tree, [info for info in kept if info.filename.endswith(".py")])
            compileall.compile_dir(str(tree), quiet=2, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            compiled = sorted(tree.rglob("*.pyc"))
            rebuilt = Path(scratch) / archive.name
            with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as out:
                for info in kept:
                    out.writestr(info, zipped.read(info))
                for path in compiled:
                    entry = zipfile.ZipInfo(path.relative_to(tree).as_posix())  # 1980-01-01, like Chalice's
                    entry.external_attr = 0o644 << 16
                    out.writestr(entry, path.read_bytes(), zipfile.ZIP_DEFLATED)
        shutil.move(rebuilt, archive)
    return len(compiled)


# --- swreg db restore --------------------------------------------------------------------------

def restore_table(dynamodb, source: str, target: str, restore_time) -> str:
    """Start a point-in-time restore of `source` into the new table `target` (latest restorable
    time when `restore_time` is None); returns the new table's status."""
    request: dict[str, Any] = {"SourceTableName": source, "TargetTableName": target}
    if restore_time is None:
        request["UseLatestRestorableTime"] = True
    else:
        request["RestoreDateTime"] = restore_time
    return dynamodb.restore_table_to_point_in_time(**request)["TableDescription"]["TableStatus"]


# --- the commands ------------------------------------------------------------------------------

def add_commands(commands) -> None:
    parser = commands.add_parser("deploy", help="the deploy steps around `chalice deploy` (docs/operations.md)")
    actions = parser.add_subparsers(dest="deploy_command", required=True)
    stack = actions.add_parser("stack", help="create or update the stage's infra stack (infra/stateful.yaml)")
    _stage_option(stack)
    stack.add_argument("--parameter", action="append", default=[], metavar="KEY=VALUE",
                       help="a stack parameter, e.g. PublicBaseUrl=https://.../verify/ (repeatable)")
    stack.add_argument("--template", type=Path, default=TEMPLATE,
                       help="the template (default: infra/stateful.yaml; the rehearsal passes its emulator's copy)")
    stack.set_defaults(handler=run_stack, needs_deps=False)
    package = actions.add_parser("package", help="before `chalice deploy`: its deployment packages, with bytecode")
    _stage_option(package)
    package.add_argument("--project-dir", type=Path, default=ROOT, help="where `chalice deploy` runs (default: here)")
    package.set_defaults(handler=run_package, needs_deps=False)
    done = actions.add_parser("finish", help="after `chalice deploy`: on-failure destinations, gateway responses")
    _stage_option(done)
    done.add_argument("--project-dir", type=Path, default=ROOT, help="where `chalice deploy` ran (default: here)")
    done.set_defaults(handler=run_finish, needs_deps=False)


def add_restore_command(db_actions) -> None:
    """`swreg db restore`, for the `db` command group."""
    restore = db_actions.add_parser("restore", help="restore a table from point-in-time recovery to a new table")
    restore.add_argument("table", help="the table's base name, e.g. applications (the stage's prefix is added)")
    restore.add_argument("--to", required=True, dest="target", help="the new table's full name")
    restore.add_argument("--time", help="ISO time with its offset to restore to, e.g. 2026-03-01T09:30+08:00 "
                                        "(default: the latest restorable time)")
    restore.set_defaults(handler=run_restore, needs_deps=False)


def _stage_option(parser) -> None:
    # SUPPRESS: without it, the subcommand's default would overwrite `swreg --stage S deploy ...`.
    parser.add_argument("--stage", default=argparse.SUPPRESS, help="the stage (as `swreg --stage`)")


def _client(service: str):
    import boto3
    return boto3.client(service)


def run_stack(args) -> int:
    overrides = {}
    for pair in args.parameter:
        key, sep, value = pair.partition("=")
        if not sep:
            print(f"swreg: --parameter {pair!r}: expected KEY=VALUE", file=sys.stderr)
            return 2
        overrides[key] = value
    try:
        body = template_body(args.template)
        for line in deploy_stack(_client("cloudformation"), args.stage, body, stack_parameters(args.stage, overrides),
                                 dynamodb=_client("dynamodb")):
            print(line)
    except DeployError as exc:
        print(f"swreg: {exc}", file=sys.stderr)
        return 1
    return 0


def run_package(args) -> int:
    for archive, compiled in build_packages(args.project_dir, args.stage):
        print(f"{archive}: {compiled} modules precompiled")
    return 0


def run_finish(args) -> int:
    try:
        for line in finish(args.stage, args.project_dir, cfn=_client("cloudformation"), lambda_=_client("lambda"),
                           events=_client("events"), apigateway=_client("apigateway"), logs=_client("logs")):
            print(line)
    except DeployError as exc:
        print(f"swreg: {exc}", file=sys.stderr)
        return 1
    return 0


def run_restore(args) -> int:
    from datetime import datetime
    from chalicelib.adapters.dynamo.models import MODELS
    tables = sorted(model.Meta.base_name for model in MODELS)
    if args.table not in tables:
        print(f"swreg: no table {args.table!r}; tables: {', '.join(tables)}", file=sys.stderr)
        return 2
    source = stage_variables(args.stage)["SWREG_TABLE_PREFIX"] + args.table
    try:
        at = datetime.fromisoformat(args.time) if args.time else None
    except ValueError:
        at = None
    if args.time and (at is None or at.tzinfo is None):
        print(f"swreg: --time {args.time!r}: expected an ISO time with its offset", file=sys.stderr)
        return 2
    status = restore_table(_client("dynamodb"), source, args.target, at)
    print(f"restoring {source} to {args.target}: {status}")
    return 0
