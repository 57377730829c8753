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


def test_every_per_function_setting_names_a_function_the_app_deploys():
    """Chalice ignores a `lambda_functions` key that names no handler: a typo would drop a limit."""
    import app
    handlers = {"api_handler"} | {source.name for source in app.app.event_sources}
    assert set(PROD["lambda_functions"]) <= handlers


def test_the_certificate_consumers_reserved_concurrency_is_its_event_sources_maximum():
    """The bound on parallel certificate workers (sized for DynamoDB on demand and S3: infra/README.md)
    is one figure: the reserved concurrency and the subscription's maximum concurrency, which keeps
    Lambda's poller from being throttled by the reservation."""
    from chalicelib.services.jobs import CERTIFICATE_CONCURRENCY, QUEUES
    (consumer,) = [c for c in QUEUES if c.kind == "certificates"]
    settings = PROD["lambda_functions"][consumer.name]
    assert settings["reserved_concurrency"] == consumer.maximum_concurrency == CERTIFICATE_CONCURRENCY


def _timeout(function: str) -> int:
    return PROD["lambda_functions"].get(function, {}).get("lambda_timeout", PROD["lambda_timeout"])


def test_the_sms_dispatcher_is_exclusive_through_its_lease_and_its_timeout_fits_its_budget():
    """One dispatcher at a time, so that it alone paces the provider's rate: its lease, which also keeps
    a continuation (the `continue_job` function) out, not a reserved concurrency of 1, which would not,
    and would throttle the schedule (and fire its alarm) whenever a run overlaps the next minute."""
    from chalicelib.services.jobs import JOBS
    assert JOBS["sms-dispatch"].exclusive
    assert "reserved_concurrency" not in PROD["lambda_functions"]["sms-dispatch"]


def test_every_job_that_works_to_a_budget_has_its_budget_and_the_margin_on_each_function_running_it():
    """The schedule's own function and `continue_job`, which runs any job's continuation: with less,
    the budget left would be cut to what the timeout allows, or (the stage's 30 s) be negative."""
    from chalicelib.services.jobs import JOBS, TIMEOUT_MARGIN_SECONDS
    for name, job in JOBS.items():
        if job.continues_when is not None:
            needed = job.budget_seconds + TIMEOUT_MARGIN_SECONDS
            assert _timeout(name) >= needed and _timeout("continue_job") >= needed, name


def test_each_work_queue_hides_a_message_longer_than_its_consumer_runs_and_locally_as_in_aws():
    """Lambda refuses to subscribe a function to a queue whose visibility timeout is shorter than the
    function's timeout; the certificate queue keeps AWS's advised six times (throttled batches are
    retried in time). `Stores.migrate` creates the local queues with the same figures."""
    from cfnlint.decode.cfn_yaml import load

    from chalicelib.bootstrap import QUEUE_VISIBILITY_SECONDS
    from chalicelib.services.jobs import QUEUES
    resources = load(str(ROOT / "infra" / "stateful.yaml"))["Resources"]
    visibility = {res["Properties"]["QueueName"]["Fn::Sub"].removeprefix("swreg-${Stage}-"):
                  res["Properties"].get("VisibilityTimeout") for res in resources.values()
                  if res["Type"] == "AWS::SQS::Queue"}
    timeout = {c.kind: PROD["lambda_functions"][c.name]["lambda_timeout"] for c in QUEUES}
    assert visibility["certificates"] == 6 * timeout["certificates"]
    assert visibility["jobs"] > timeout["jobs"]
    assert {kind: visibility[kind] for kind in timeout} == QUEUE_VISIBILITY_SECONDS
