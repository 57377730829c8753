"""`swreg deploy stack|finish` and `swreg db restore` against moto's server on loopback
(the rehearsal runs the happy path of the deploy; these the rest)."""
from __future__ import annotations

import json

import boto3
import pytest

from chalicelib.cli import build_parser, deploy, index_rollout
from chalicelib.domain import texts
from devstack import moto_server
from devstack.rehearsal import REGION, STACK_PARAMETERS, moto_template


@pytest.fixture(scope="module")
def moto():
    server = moto_server.start()
    try:
        yield server
    finally:
        moto_server.stop(server)


@pytest.fixture
def aws(moto, monkeypatch):
    """boto3, as the commands build it, pointed at moto (never at the suite's DynamoDB Local)."""
    for name in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    return lambda service: boto3.client(service)


def swreg(*argv: str) -> int:
    """A deploy-path command as `main` runs it, minus `environment.apply` (it would export the
    prod stage's variables into the suite's process)."""
    args = build_parser().parse_args(list(argv))
    assert args.needs_deps is False
    return args.handler(args)


def test_deploy_stack_creates_the_stack_then_updates_it_in_place_keeping_the_parameters_not_given(
        aws, tmp_path, capsys):
    parameters = [f"--parameter={key}={value}" for key, value in STACK_PARAMETERS.items()]
    template = str(moto_template(tmp_path))
    assert swreg("--stage", "prod", "deploy", "stack", "--template", template, *parameters) == 0
    assert swreg("deploy", "stack", "--stage", "prod", "--template", template) == 0
    out = capsys.readouterr().out
    assert "stack swreg-prod: creating" in out and "CREATE_COMPLETE" in out
    assert "UPDATE_COMPLETE" in out or "up to date" in out  # AWS: "No updates are to be performed"
    stack = aws("cloudformation").describe_stacks(StackName="swreg-prod")["Stacks"][0]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}.items() >= {
        "Stage": "prod", "TablePrefix": "swreg-prod-", "BucketName": "swreg-prod-files", **STACK_PARAMETERS}.items()
    assert "swreg-prod-applications" in aws("dynamodb").list_tables()["TableNames"]


def test_deploy_stack_refuses_a_parameter_without_a_value(aws, capsys):
    assert swreg("deploy", "stack", "--stage", "prod", "--parameter", "PublicBaseUrl") == 2
    assert "expected KEY=VALUE" in capsys.readouterr().err


def test_deploy_finish_before_chalice_deploy_says_what_to_run_first(aws, tmp_path, capsys):
    (tmp_path / ".chalice").mkdir()
    assert swreg("deploy", "finish", "--stage", "prod", "--project-dir", str(tmp_path)) == 1
    assert "run `chalice deploy --stage prod` first" in capsys.readouterr().err


def test_the_infra_template_fits_what_cloudformation_takes_inline():
    assert len(deploy.template_body(deploy.TEMPLATE).encode()) <= deploy.MAX_TEMPLATE_BODY


def test_gateway_responses_carry_the_api_error_shape_with_the_chinese_message():
    for response_type, (status, code, params) in deploy.GATEWAY_RESPONSES.items():
        body = json.loads(deploy.gateway_body(code, params))
        assert body == {"error": {"code": code, "message": texts.error_message(code, **params), "details": {}}}
    assert deploy.GATEWAY_RESPONSES["MISSING_AUTHENTICATION_TOKEN"][:2] == (404, "NOT_FOUND")


def test_db_restore_copies_a_table_to_a_new_name(aws, capsys):
    dynamodb = aws("dynamodb")
    if "swreg-prod-windows" not in dynamodb.list_tables()["TableNames"]:  # the stack test may have made it
        dynamodb.create_table(TableName="swreg-prod-windows", BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "year", "AttributeType": "N"}],
                              KeySchema=[{"AttributeName": "year", "KeyType": "HASH"}])
    dynamodb.put_item(TableName="swreg-prod-windows", Item={"year": {"N": "2026"}})
    assert swreg("--stage", "prod", "db", "restore", "windows", "--to", "swreg-prod-windows-restored") == 0
    assert "restoring swreg-prod-windows to swreg-prod-windows-restored" in capsys.readouterr().out
    restored = dynamodb.get_item(TableName="swreg-prod-windows-restored", Key={"year": {"N": "2026"}})
    assert restored["Item"] == {"year": {"N": "2026"}}


def test_db_restore_names_the_tables_when_given_an_unknown_one(aws, capsys):
    assert swreg("--stage", "prod", "db", "restore", "applicatons", "--to", "x") == 2
    assert "tables: accounts, applications" in capsys.readouterr().err


def test_db_restore_wants_a_time_with_its_offset(aws, capsys):
    assert swreg("--stage", "prod", "db", "restore", "windows", "--to", "x", "--time", "2026-03-01T09:30") == 2
    assert "with its offset" in capsys.readouterr().err


class _RecordingStackUpdates:
    """The CloudFormation client, recording the template of every stack update it sends on."""

    def __init__(self, client) -> None:
        self._client = client
        self.templates: list[dict] = []

    def update_stack(self, **request):
        self.templates.append(json.loads(request["TemplateBody"]))
        return self._client.update_stack(**request)

    def __getattr__(self, name):
        return getattr(self._client, name)


def test_an_update_adding_two_indexes_to_a_table_sends_one_new_index_per_table_per_stack_update(aws, tmp_path):
    """CloudFormation refuses an update creating two indexes on one table. (moto applies no index
    change to a table through a stack, so this checks what is sent, not DynamoDB's answer.)"""
    release = json.loads(moto_template(tmp_path).read_text())
    older = index_rollout.with_indexes(release, {"PractitionersTable": set(), "AuditTable": set()})
    parameters = {"Stage": "rollout", "TablePrefix": "swreg-rollout-", "BucketName": "swreg-rollout-files",
                  "AlarmEmail": "oncall@rehearsal.invalid", **STACK_PARAMETERS}
    cfn = _RecordingStackUpdates(aws("cloudformation"))
    created = list(deploy.deploy_stack(cfn, "rollout", json.dumps(older), parameters, dynamodb=aws("dynamodb")))
    lines = list(deploy.deploy_stack(cfn, "rollout", json.dumps(release), parameters, dynamodb=aws("dynamodb")))
    assert "stack swreg-rollout: CREATE_COMPLETE" in created
    assert "stack swreg-rollout: step 1 of 2, at most one new index per table" in lines
    assert [_index_names(template) for template in cfn.templates] == [
        {"PractitionersTable": ["by_certificate_no"], "AuditTable": ["by_actor"]},
        {"PractitionersTable": ["by_certificate_no", "by_name"], "AuditTable": ["by_actor", "by_feed"]}]
    assert cfn.templates[-1] == release


def _index_names(template: dict) -> dict[str, list[str]]:
    return {table: [index["IndexName"] for index in
                    template["Resources"][table]["Properties"].get("GlobalSecondaryIndexes", [])]
            for table in ("PractitionersTable", "AuditTable")}
