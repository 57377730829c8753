"""infra/stateful.yaml cannot drift from the PynamoDB models, the `prod` stage config, the functions Chalice
deploys or the metrics the code emits, and lints clean."""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.decode.cfn_yaml import load as load_cfn_yaml
from pynamodb.attributes import TTLAttribute

from chalicelib.adapters.dynamo.models import MODELS
from chalicelib.domain.object_keys import UPLOADS_PREFIX

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
TEMPLATE = load_cfn_yaml(str(INFRA / "stateful.yaml"))
RESOURCES = TEMPLATE["Resources"]
PARAMETERS = TEMPLATE["Parameters"]
KEY_TYPES = {"S", "N", "B"}


def _resources(kind: str) -> dict[str, dict]:
    return {name: res for name, res in RESOURCES.items() if res["Type"] == kind}


def _table_name(base_name: str) -> dict:
    # `!Sub "${TablePrefix}<base_name>"` as cfn-lint's loader returns it.
    return {"Fn::Sub": "${TablePrefix}" + base_name}


def _tables_by_name() -> dict[str, dict]:
    tables = {}
    for logical_id, resource in _resources("AWS::DynamoDB::Table").items():
        sub = resource["Properties"]["TableName"]
        assert isinstance(sub, dict) and set(sub) == {"Fn::Sub"} and isinstance(sub["Fn::Sub"], str) \
            and sub["Fn::Sub"].startswith("${TablePrefix}"), \
            f"{logical_id}: TableName must be !Sub \"${{TablePrefix}}<base_name>\", got {sub!r}"
        base_name = sub["Fn::Sub"].removeprefix("${TablePrefix}")
        assert base_name not in tables, f"two tables named {base_name!r}"
        tables[base_name] = resource
    return tables


TABLES = _tables_by_name()


def _keys(key_schema: list[dict]) -> dict[str, str]:
    """{"HASH": attr, "RANGE": attr} from either PynamoDB's or CloudFormation's key schema."""
    keys = {}
    for element in key_schema:
        assert element["KeyType"] not in keys, f"duplicate {element['KeyType']} key in {key_schema}"
        keys[element["KeyType"]] = element["AttributeName"]
    return keys


def _model_indexes(indexes: list[dict]) -> dict[str, tuple]:
    return {index["index_name"]: (_keys(index["key_schema"]),
                                  index["projection"]["ProjectionType"],
                                  sorted(index["projection"].get("NonKeyAttributes", [])))
            for index in indexes}


def _template_indexes(indexes: list[dict]) -> dict[str, tuple]:
    return {index["IndexName"]: (_keys(index["KeySchema"]),
                                 index["Projection"]["ProjectionType"],
                                 sorted(index["Projection"].get("NonKeyAttributes", [])))
            for index in indexes}


def _ttl_attribute_name(model) -> str | None:
    names = [attr.attr_name for attr in model.get_attributes().values() if isinstance(attr, TTLAttribute)]
    return names[0] if names else None


MODEL_IDS = [model.Meta.base_name for model in MODELS]


def _table_for(model) -> dict:
    base_name = model.Meta.base_name
    if base_name not in TABLES:
        pytest.fail(f"no AWS::DynamoDB::Table with TableName !Sub \"${{TablePrefix}}{base_name}\" for model "
                    f"{model.__name__}; the template has {sorted(TABLES)}")
    return TABLES[base_name]["Properties"]


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_every_model_has_a_table_named_after_its_base_name(model):
    assert _table_for(model)["TableName"] == _table_name(model.Meta.base_name)


def test_every_table_in_the_template_belongs_to_a_model():
    assert sorted(TABLES) == sorted(model.Meta.base_name for model in MODELS)


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_table_key_schema_matches_the_model_with_the_hash_key_first(model):
    table = _table_for(model)
    assert _keys(table["KeySchema"]) == _keys(model._get_schema()["key_schema"])
    assert table["KeySchema"][0]["KeyType"] == "HASH"


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_table_attribute_definitions_are_exactly_the_model_key_attributes_and_types(model):
    table = _table_for(model)
    declared = [(d["AttributeName"], d["AttributeType"]) for d in table["AttributeDefinitions"]]
    assert len(declared) == len(dict(declared)), f"duplicate attribute definitions: {declared}"
    expected = {d["AttributeName"]: d["AttributeType"] for d in model._get_schema()["attribute_definitions"]}
    assert dict(declared) == expected
    assert set(expected.values()) <= KEY_TYPES


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_table_global_secondary_indexes_match_the_model_indexes(model):
    table = _table_for(model)
    schema = model._get_schema()
    assert _template_indexes(table.get("GlobalSecondaryIndexes", [])) == \
        _model_indexes(schema["global_secondary_indexes"])
    for index in table.get("GlobalSecondaryIndexes", []):
        assert index["KeySchema"][0]["KeyType"] == "HASH", index["IndexName"]


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_table_local_secondary_indexes_match_the_model_indexes(model):
    table = _table_for(model)
    assert _template_indexes(table.get("LocalSecondaryIndexes", [])) == \
        _model_indexes(model._get_schema()["local_secondary_indexes"])


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_table_time_to_live_is_on_exactly_when_the_model_has_a_ttl_attribute(model):
    ttl = _table_for(model).get("TimeToLiveSpecification")
    expected = _ttl_attribute_name(model)
    if expected is None:
        assert ttl is None or ttl.get("Enabled") is False, f"TTL on a table whose model has none: {ttl}"
    else:
        assert ttl == {"AttributeName": expected, "Enabled": True}


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_table_is_on_demand_with_point_in_time_recovery_and_kms_encryption(model):
    table = _table_for(model)
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    sse = table["SSESpecification"]
    assert sse["SSEEnabled"] is True and sse["SSEType"] == "KMS"
    assert sse["KMSMasterKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}
    assert table["DeletionProtectionEnabled"] is True


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_table_is_retained_when_the_stack_deletes_or_replaces_it(model):
    resource = TABLES[model.Meta.base_name]
    assert (resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy")) == ("Retain", "Retain")


def test_the_data_key_rotates():
    assert RESOURCES["DataKey"]["Type"] == "AWS::KMS::Key"
    assert RESOURCES["DataKey"]["Properties"]["EnableKeyRotation"] is True


def test_parameter_defaults_match_the_prod_stage_of_chalice_config():
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    prod = config["stages"]["prod"]["environment_variables"]
    assert PARAMETERS["TablePrefix"]["Default"] == prod["SWREG_TABLE_PREFIX"]
    assert PARAMETERS["BucketName"]["Default"] == prod["SWREG_BUCKET"]
    assert PARAMETERS["Stage"]["Default"] == prod["SWREG_STAGE"]


def _bucket() -> dict:
    buckets = _resources("AWS::S3::Bucket")
    assert list(buckets) == ["FilesBucket"]
    assert buckets["FilesBucket"]["Properties"]["BucketName"] == {"Ref": "BucketName"}
    return buckets["FilesBucket"]["Properties"]


def test_raw_uploads_expire_after_one_day():
    rules = _bucket()["LifecycleConfiguration"]["Rules"]
    uploads = [rule for rule in rules
               if (rule.get("Prefix") or rule.get("Filter", {}).get("Prefix")) == UPLOADS_PREFIX]
    assert len(uploads) == 1, rules
    assert uploads[0]["Status"] == "Enabled"
    assert uploads[0]["ExpirationInDays"] == 1
    assert any(rule.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation") == 1
               and rule["Status"] == "Enabled" for rule in rules)


def test_bucket_blocks_every_kind_of_public_access_and_is_kms_encrypted():
    bucket = _bucket()
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True,
        "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    (encryption,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert encryption["BucketKeyEnabled"] is True


def test_bucket_cors_allows_browser_post_uploads_from_the_origins_the_api_allows():
    (rule,) = _bucket()["CorsConfiguration"]["CorsRules"]
    assert {"POST", "GET", "PUT"} <= set(rule["AllowedMethods"])
    assert rule["AllowedOrigins"] == {"Fn::Split": [",", {"Ref": "AllowedOrigins"}]}
    origins = PARAMETERS["AllowedOrigins"]
    assert "Default" not in origins, "no '*' default: the operator names the real site(s)"
    pattern = re.compile(origins["AllowedPattern"])
    for refused in ("*", "https://zhengshu.swreg.gov.cn/", "https://a.gov.cn, https://b.gov.cn", "zhengshu.swreg.gov.cn"):
        assert not pattern.fullmatch(refused), refused
    assert pattern.fullmatch("https://zhengshu.swreg.gov.cn,https://m.swreg.gov.cn:8443")
    parameter = RESOURCES["AllowedOriginsParameter"]["Properties"]
    assert parameter["Name"] == {"Fn::Sub": "/swreg/${Stage}/allowed-origins"}
    assert parameter["Value"] == {"Ref": "AllowedOrigins"}
    stage = PARAMETERS["Stage"]["Default"]
    assert PROD["environment_variables"]["SWREG_CORS_ORIGINS_PARAMETER"] == f"/swreg/{stage}/allowed-origins"


def test_bucket_policy_denies_requests_without_tls():
    (policy,) = _resources("AWS::S3::BucketPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
               for s in statements)


def test_outputs_are_exported_under_the_stack_name():
    outputs = TEMPLATE["Outputs"]
    table_ids = {logical_id for logical_id, res in RESOURCES.items() if res["Type"] == "AWS::DynamoDB::Table"}
    exported_values = [output["Value"] for output in outputs.values()]
    for logical_id in table_ids | {"FilesBucket", "AlarmTopic", "AsyncFailureQueue", "VerifyBaseUrlParameter"}:
        assert {"Ref": logical_id} in exported_values, f"no output for {logical_id}"
    assert {"Fn::GetAtt": ["DataKey", "Arn"]} in exported_values
    for name, output in outputs.items():
        assert output["Export"]["Name"]["Fn::Sub"].startswith("${AWS::StackName}-"), name


def _cfn_lint() -> Path:
    return Path(sys.executable).parent / "cfn-lint"


def test_infra_templates_pass_cfn_lint():
    cfn_lint = _cfn_lint()
    assert cfn_lint.exists(), f"cfn-lint is not installed next to {sys.executable} (requirements-dev.txt)"
    templates = sorted(str(path) for path in INFRA.glob("*.yaml"))
    assert templates, "no templates under infra/"
    result = subprocess.run([str(cfn_lint), "--", *templates], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def _prod_policy_resources() -> set[str]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    prod = config["stages"]["prod"]
    assert prod["autogen_policy"] is False
    policy = json.loads((ROOT / ".chalice" / prod["iam_policy_file"]).read_text())
    resources = set()
    for statement in policy["Statement"]:
        listed = statement["Resource"]
        resources.update([listed] if isinstance(listed, str) else listed)
    return resources


@pytest.mark.parametrize("model", MODELS, ids=MODEL_IDS)
def test_prod_iam_policy_covers_the_stack_table_of_every_model_and_its_indexes(model):
    resources = _prod_policy_resources()
    table = f"arn:*:dynamodb:*:*:table/{PARAMETERS['TablePrefix']['Default']}{model.Meta.base_name}"
    assert table in resources
    for index in _table_for(model).get("GlobalSecondaryIndexes", []):
        assert f"{table}/index/{index['IndexName']}" in resources


def test_prod_iam_policy_covers_the_stack_bucket_parameters_and_async_failure_queue():
    resources = _prod_policy_resources()
    stage = PARAMETERS["Stage"]["Default"]
    assert f"arn:*:s3:::{PARAMETERS['BucketName']['Default']}" in resources
    assert f"arn:*:ssm:*:*:parameter/swreg/{stage}/verify-base-url" in resources
    queue = RESOURCES["AsyncFailureQueue"]["Properties"]["QueueName"]["Fn::Sub"].replace("${Stage}", stage)
    assert f"arn:*:sqs:*:*:{queue}" in resources


# --- the functions' alarms, derived from the app as Chalice deploys it ------------------------------------

def _deployed_function_names() -> list[str]:
    """The Lambda function names `chalice deploy --stage prod` creates, from Chalice's own application
    graph of `app.py` (the API handler, the S3 handler, one per schedule of the job registry)."""
    from chalice.config import Config
    from chalice.deploy.appgraph import ApplicationGraphBuilder, DependencyBuilder
    from chalice.deploy.models import LambdaFunction

    from app import app

    config = Config(chalice_stage="prod", user_provided_params={"chalice_app": app, "project_dir": str(ROOT)},
                    config_from_disk=CHALICE_CONFIG)
    graph = ApplicationGraphBuilder().build(config, "prod")
    return sorted(resource.function_name for resource in DependencyBuilder().build_dependencies(graph)
                  if isinstance(resource, LambdaFunction))


CHALICE_CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text())
PROD = CHALICE_CONFIG["stages"]["prod"]
FUNCTIONS = _deployed_function_names()
ALARMS = {logical_id: res["Properties"] for logical_id, res in _resources("AWS::CloudWatch::Alarm").items()}


def _as_template_name(function_name: str) -> dict:
    """`swreg-prod-x` as the template writes it: `!Sub "swreg-${Stage}-x"`."""
    prefix = f"{CHALICE_CONFIG['app_name']}-{PARAMETERS['Stage']['Default']}"
    assert function_name.startswith(prefix), function_name
    return {"Fn::Sub": CHALICE_CONFIG["app_name"] + "-${Stage}" + function_name.removeprefix(prefix)}


def _lambda_alarms(metric: str) -> dict:
    """{FunctionName as written in the template: alarm} of the AWS/Lambda alarms on `metric`."""
    found = {}
    for alarm in ALARMS.values():
        if alarm.get("Namespace") == "AWS/Lambda" and alarm.get("MetricName") == metric:
            (dimension,) = alarm["Dimensions"]
            assert dimension["Name"] == "FunctionName"
            found[json.dumps(dimension["Value"], sort_keys=True)] = alarm
    return found


def test_the_deployed_functions_are_the_api_the_upload_handler_every_job_and_every_queue_consumer():
    from chalicelib.services.jobs import JOBS, QUEUES
    assert len(FUNCTIONS) == 2 + len(JOBS) + len(QUEUES)
    assert {f"swreg-prod-{name}" for name in [*JOBS, *(c.name for c in QUEUES)]} <= set(FUNCTIONS)


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
@pytest.mark.parametrize("function_name", FUNCTIONS)
def test_every_deployed_function_has_an_errors_and_a_throttles_alarm(function_name, metric):
    alarms = _lambda_alarms(metric)
    key = json.dumps(_as_template_name(function_name), sort_keys=True)
    assert key in alarms, f"no AWS/Lambda {metric} alarm on {function_name}"
    alarm = alarms[key]
    assert (alarm["Statistic"], alarm["ComparisonOperator"], alarm["Threshold"]) == \
        ("Sum", "GreaterThanThreshold", 0)


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_no_function_alarm_watches_a_function_chalice_does_not_deploy(metric):
    deployed = {json.dumps(_as_template_name(name), sort_keys=True) for name in FUNCTIONS}
    assert set(_lambda_alarms(metric)) <= deployed


def test_every_alarm_notifies_the_alarm_topic_when_raised_and_cleared():
    for logical_id, alarm in ALARMS.items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], logical_id
        assert alarm["OKActions"] == [{"Ref": "AlarmTopic"}], logical_id
        assert alarm["TreatMissingData"] == "notBreaching", logical_id


def test_the_api_5xx_rate_alarm_watches_the_rest_api_and_stage_chalice_deploys():
    alarm = ALARMS["Api5xxRateAlarm"]
    stats = {query["Id"]: query["MetricStat"] for query in alarm["Metrics"] if "MetricStat" in query}
    assert {stat["Metric"]["MetricName"] for stat in stats.values()} == {"5XXError", "Count"}
    for stat in stats.values():
        metric = stat["Metric"]
        assert metric["Namespace"] == "AWS/ApiGateway"
        assert {d["Name"]: d["Value"] for d in metric["Dimensions"]} == \
            {"ApiName": CHALICE_CONFIG["app_name"], "Stage": PROD["api_gateway_stage"]}
    (rate,) = [query for query in alarm["Metrics"] if query.get("ReturnData")]
    assert "errors / requests" in rate["Expression"]
    assert 0 < alarm["Threshold"] < 1


# --- the queue of failed asynchronous invocations -----------------------------------------------------------

def test_the_async_failure_queue_keeps_messages_fourteen_days_encrypted():
    queue = RESOURCES["AsyncFailureQueue"]
    assert queue["Type"] == "AWS::SQS::Queue"
    properties = queue["Properties"]
    assert properties["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert properties.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in properties


def test_the_async_failure_queue_arn_and_url_are_exported_for_the_deploy_path():
    outputs = TEMPLATE["Outputs"]
    assert outputs["AsyncFailureQueueArn"]["Value"] == {"Fn::GetAtt": ["AsyncFailureQueue", "Arn"]}
    assert outputs["AsyncFailureQueueUrl"]["Value"] == {"Ref": "AsyncFailureQueue"}
    for name in ("AsyncFailureQueueArn", "AsyncFailureQueueUrl"):
        assert outputs[name]["Export"]["Name"] == {"Fn::Sub": "${AWS::StackName}-" + name}


def _queue_alarms(metric: str) -> dict[str, dict]:
    """{logical id of the queue: its AWS/SQS alarm on `metric`}."""
    found = {}
    for alarm in ALARMS.values():
        if alarm.get("Namespace") == "AWS/SQS" and alarm.get("MetricName") == metric:
            (dimension,) = alarm["Dimensions"]
            assert dimension["Name"] == "QueueName" and dimension["Value"]["Fn::GetAtt"][1] == "QueueName"
            assert alarm["Statistic"] == "Maximum" and alarm["ComparisonOperator"] == "GreaterThanThreshold"
            found[dimension["Value"]["Fn::GetAtt"][0]] = alarm
    return found


def test_an_alarm_fires_when_a_failed_invocation_or_a_certificate_item_waits_too_long():
    ages = _queue_alarms("ApproximateAgeOfOldestMessage")
    assert set(ages) == {"AsyncFailureQueue", "CertificateQueue"}
    assert ages["CertificateQueue"]["Threshold"] == 30 * 60  # the goal: a window's certificates in 30 minutes


# --- the work queues (certificates, job continuations) and their dead-letter queues -------------------------

WORK_QUEUES = {"certificates": ("CertificateQueue", "CertificateDeadLetterQueue"),
               "jobs": ("JobQueue", "JobDeadLetterQueue")}


@pytest.mark.parametrize("kind", WORK_QUEUES)
def test_a_work_queue_is_named_as_the_app_subscribes_and_redrives_to_its_dlq_after_three_receives(kind):
    from chalicelib.bootstrap import MAX_RECEIVES
    queue, dead = (RESOURCES[logical_id]["Properties"] for logical_id in WORK_QUEUES[kind])
    assert queue["QueueName"] == {"Fn::Sub": "swreg-${Stage}-" + kind}  # Settings.queue_name, prefix swreg-<stage>-
    assert dead["QueueName"] == {"Fn::Sub": "swreg-${Stage}-" + kind + "-dlq"}
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [WORK_QUEUES[kind][1], "Arn"]},
                                      "maxReceiveCount": MAX_RECEIVES}
    assert dead["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert queue["SqsManagedSseEnabled"] is True and dead["SqsManagedSseEnabled"] is True


def test_an_alarm_fires_as_soon_as_a_work_item_lands_in_a_dlq():
    visible = _queue_alarms("ApproximateNumberOfMessagesVisible")
    assert set(visible) == {dead for _, dead in WORK_QUEUES.values()}
    assert all(alarm["Threshold"] == 0 for alarm in visible.values())


def test_the_work_queues_are_exported():
    values = [output["Value"] for output in TEMPLATE["Outputs"].values()]
    for queue, dead in WORK_QUEUES.values():
        assert {"Ref": queue} in values and {"Fn::GetAtt": [queue, "Arn"]} in values and {"Ref": dead} in values


# --- the service's own metrics ---------------------------------------------------------------------------------

def _emitted_metric_names() -> set[str]:
    """Every metric name the code emits: the literal first argument of `count(...)` (chalicelib.observability)
    and the literal `name=` of Powertools' `add_metric(...)`, found by reading chalicelib's source."""
    names = set()
    for path in (ROOT / "chalicelib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            function = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if function == "count" and node.args and isinstance(node.args[0], ast.Constant):
                names.add(node.args[0].value)
            elif function == "add_metric":
                names.update(keyword.value.value for keyword in node.keywords
                             if keyword.arg == "name" and isinstance(keyword.value, ast.Constant))
    return names


EMITTED = _emitted_metric_names()
SERVICE_ALARMS = {alarm["MetricName"]: alarm for alarm in ALARMS.values() if alarm.get("Namespace") == "swreg"}


@pytest.mark.parametrize("metric", ["SmsDead", "CertificateRunFailures"])
def test_the_code_emits_each_metric_an_operator_is_alarmed_on(metric):
    assert metric in EMITTED, f"nothing in chalicelib emits {metric}; emitted: {sorted(EMITTED)}"
    alarm = SERVICE_ALARMS[metric]
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "swreg"}]
    assert (alarm["Statistic"], alarm["ComparisonOperator"], alarm["Threshold"]) == \
        ("Sum", "GreaterThanThreshold", 0)


def test_no_alarm_watches_a_metric_the_code_never_emits():
    assert set(SERVICE_ALARMS) <= EMITTED


def test_the_metrics_namespace_and_service_are_what_the_alarms_watch():
    from chalicelib.observability import metrics
    assert metrics.namespace == "swreg" and metrics.service == "swreg"


# --- settings that exist only once the stack does -----------------------------------------------------------

def test_the_stack_writes_the_verify_base_url_parameter_the_prod_stage_reads():
    parameter = RESOURCES["VerifyBaseUrlParameter"]
    assert parameter["Type"] == "AWS::SSM::Parameter"
    assert parameter["Properties"]["Name"] == {"Fn::Sub": "/swreg/${Stage}/verify-base-url"}
    assert parameter["Properties"]["Value"] == {"Ref": "PublicBaseUrl"}
    stage = PARAMETERS["Stage"]["Default"]
    variables = PROD["environment_variables"]
    assert variables["SWREG_VERIFY_BASE_URL_PARAMETER"] == f"/swreg/{stage}/verify-base-url"
    assert "SWREG_VERIFY_BASE_URL" not in variables
    assert TEMPLATE["Outputs"]["VerifyBaseUrlParameterName"]["Value"] == {"Ref": "VerifyBaseUrlParameter"}


def test_the_public_base_url_has_no_default_and_refuses_placeholders():
    parameter = PARAMETERS["PublicBaseUrl"]
    assert "Default" not in parameter, "a default would be a placeholder; the operator must give the real URL"
    pattern = re.compile(parameter["AllowedPattern"])
    for placeholder in ("https://zhengshu.swreg.example/verify/", "https://example.com/verify/",
                        "https://CHANGEME/verify/", "http://zhengshu.swreg.gov.cn/verify/", ""):
        assert not pattern.fullmatch(placeholder), placeholder
    assert pattern.fullmatch("https://zhengshu.swreg.gov.cn/verify/")


def test_the_prod_stage_names_the_jwt_key_parameters_of_the_stage():
    stage = PARAMETERS["Stage"]["Default"]
    variables = PROD["environment_variables"]
    assert variables["SWREG_JWT_KEY_PARAMETER"] == f"/swreg/{stage}/jwt-signing-key"
    assert variables["SWREG_JWT_PREVIOUS_KEY_PARAMETER"] == f"/swreg/{stage}/jwt-signing-key-previous"


def test_prod_sends_sms_through_tencent_with_the_app_signature_and_templates_the_stack_writes():
    parameter = RESOURCES["SmsProviderParameter"]
    assert parameter["Properties"]["Name"] == {"Fn::Sub": "/swreg/${Stage}/sms-provider"}
    stage = PARAMETERS["Stage"]["Default"]
    variables = PROD["environment_variables"]
    assert variables["SWREG_SMS_SINK"] == "tencent", "Amazon SNS sends no SMS in the China regions"
    assert variables["SWREG_SMS_PROVIDER_PARAMETER"] == f"/swreg/{stage}/sms-provider"
    assert variables["SWREG_SMS_CREDENTIALS_PARAMETER"] == f"/swreg/{stage}/sms-credentials"
    assert TEMPLATE["Outputs"]["SmsProviderParameterName"]["Value"] == {"Ref": "SmsProviderParameter"}
    value = parameter["Properties"]["Value"]["Fn::Sub"]
    filled = value.replace("${SmsAppId}", "1400000001").replace("${SmsSignName}", "北京社工登记").replace(
        "${SmsTemplateIds}", json.dumps({"LoginCode": "2000001"}))
    assert json.loads(filled) == {"app_id": "1400000001", "sign_name": "北京社工登记",
                                  "templates": {"LoginCode": "2000001"}}
    for name, good, bad in (("SmsAppId", "1400000001", "CHANGEME"), ("SmsSignName", "北京社工登记", 'a"b'),
                            ("SmsTemplateIds", '{"LoginCode": "1"}', "CHANGEME")):
        assert "Default" not in PARAMETERS[name]
        pattern = re.compile(PARAMETERS[name]["AllowedPattern"])
        assert pattern.fullmatch(good) and not pattern.fullmatch(bad), name
