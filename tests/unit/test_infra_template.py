"""infra/stateful.yaml cannot drift from the PynamoDB models or the `prod` stage config, and lints clean."""
from __future__ import annotations

import json
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


def test_bucket_cors_allows_browser_post_uploads():
    (rule,) = _bucket()["CorsConfiguration"]["CorsRules"]
    assert {"POST", "GET", "PUT"} <= set(rule["AllowedMethods"])
    assert rule["AllowedOrigins"] == {"Ref": "AllowedOrigins"}
    assert PARAMETERS["AllowedOrigins"]["Type"] == "CommaDelimitedList"


def test_bucket_policy_denies_requests_without_tls():
    (policy,) = _resources("AWS::S3::BucketPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
               for s in statements)


def test_outputs_are_exported_under_the_stack_name():
    outputs = TEMPLATE["Outputs"]
    table_ids = {logical_id for logical_id, res in RESOURCES.items() if res["Type"] == "AWS::DynamoDB::Table"}
    exported_values = [output["Value"] for output in outputs.values()]
    for logical_id in table_ids | {"FilesBucket", "AlarmTopic"}:
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


def test_prod_iam_policy_covers_the_stage_tables_and_bucket():
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    prod = config["stages"]["prod"]
    assert prod["autogen_policy"] is False
    policy = (ROOT / ".chalice" / prod["iam_policy_file"]).read_text()
    variables = prod["environment_variables"]
    assert f"table/{variables['SWREG_TABLE_PREFIX']}*" in policy
    assert f"table/{variables['SWREG_TABLE_PREFIX']}*/index/*" in policy
    assert f":::{variables['SWREG_BUCKET']}/*" in policy
