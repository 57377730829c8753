"""What the prod stage's functions do to AWS (`devstack.rehearsal.code_access`), offline: the
function names from the app, the failure queue's ARN from the infra template."""
from __future__ import annotations

import pytest
from cfnlint.decode.cfn_yaml import load

from chalicelib.cli.environment import ROOT, stage_variables
from devstack.rehearsal import PARTITION, REGION, STAGE, code_access

ACCOUNT = "123456789012"


def _functions() -> list[str]:
    import app
    return [f"swreg-{STAGE}"] + [f"swreg-{STAGE}-{source.name}" for source in app.app.event_sources]


def _failure_queue_arn() -> str:
    template = load(str(ROOT / "infra" / "stateful.yaml"))
    name = template["Resources"]["AsyncFailureQueue"]["Properties"]["QueueName"]["Fn::Sub"]
    return f"arn:{PARTITION}:sqs:{REGION}:{ACCOUNT}:{name.replace('${Stage}', STAGE)}"


@pytest.fixture(scope="session")
def prod_access() -> list[tuple[str, str]]:
    return code_access(stage_variables(STAGE), _functions(), _failure_queue_arn(), ACCOUNT)
