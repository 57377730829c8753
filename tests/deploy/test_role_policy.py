"""The functions' role policy (.chalice/policy-prod.json) against what the code does to AWS
(`devstack.rehearsal.code_access`), and the rules the rehearsal holds every policy to."""
from __future__ import annotations

import copy
import json

import pytest

from chalicelib.cli.environment import ROOT, stage_variables
from devstack.rehearsal import STAGE, RehearsalError, check_policy

POLICY = json.loads((ROOT / ".chalice" / "policy-prod.json").read_text())


def _with(statement: dict) -> dict:
    policy = copy.deepcopy(POLICY)
    policy["Statement"].append(statement)
    return policy


def test_the_prod_policy_allows_everything_the_code_does_and_nothing_wider(prod_access):
    check_policy(POLICY, prod_access)


def test_a_policy_missing_an_action_the_code_needs_is_refused(prod_access):
    policy = copy.deepcopy(POLICY)
    tables = next(s for s in policy["Statement"] if s["Sid"] == "Tables")
    tables["Action"].remove("dynamodb:BatchWriteItem")
    with pytest.raises(RehearsalError, match="does not allow dynamodb:BatchWriteItem"):
        check_policy(policy, prod_access)


def test_a_wildcard_over_table_names_is_refused_as_too_wide(prod_access):
    wide = {"Sid": "Wide", "Effect": "Allow", "Action": ["dynamodb:GetItem"],
            "Resource": f"arn:*:dynamodb:*:*:table/swreg-{STAGE}-*"}
    with pytest.raises(RehearsalError, match="wide pattern"):
        check_policy(_with(wide), prod_access)


def test_a_grant_the_code_never_uses_is_refused(prod_access):
    unused = {"Sid": "Unused", "Effect": "Allow", "Action": ["s3:PutBucketPolicy"],
              "Resource": f"arn:*:s3:::{stage_variables(STAGE)['SWREG_BUCKET']}"}
    with pytest.raises(RehearsalError, match="never does"):
        check_policy(_with(unused), prod_access)


def test_resource_star_is_refused_for_anything_but_sms_to_phone_numbers(prod_access):
    star = {"Sid": "Star", "Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "*"}
    with pytest.raises(RehearsalError, match="wide pattern"):
        check_policy(_with(star), prod_access)


def test_a_wildcard_action_is_refused(prod_access):
    star = {"Sid": "Star", "Effect": "Allow", "Action": ["ssm:Get*"],
            "Resource": f"arn:*:ssm:*:*:parameter/swreg/{STAGE}/jwt-signing-key"}
    with pytest.raises(RehearsalError, match="wildcard action"):
        check_policy(_with(star), prod_access)
