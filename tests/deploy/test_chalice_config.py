"""The prod stage's Chalice settings a China-region deploy depends on."""
from __future__ import annotations

import json

from chalicelib.cli.environment import ROOT

PROD = json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]["prod"]


def test_the_prod_api_is_regional_because_china_regions_have_no_edge_optimized_apis():
    assert PROD["api_gateway_endpoint_type"] == "REGIONAL"


def test_prod_function_logs_are_kept_90_days():
    assert PROD["log_retention_in_days"] == 90
    assert all("log_retention_in_days" not in settings for settings in PROD.get("lambda_functions", {}).values())


def test_prod_functions_run_with_the_reviewed_policy_file_not_a_generated_one():
    assert PROD["autogen_policy"] is False and PROD["iam_policy_file"] == "policy-prod.json"
