"""`swreg db migrate` (and `make run`) create the stage's work queues on the local stack the way
infra/stateful.yaml creates them in AWS: each with its `-dlq`, the redrive after 3 receives and
the template's visibility timeout."""
from __future__ import annotations

import json
from contextlib import suppress
from pathlib import Path

import pytest
from cfnlint.decode.cfn_yaml import load as load_cfn_yaml

from chalicelib import bootstrap
from chalicelib.bootstrap import MAX_RECEIVES, QUEUE_VISIBILITY_SECONDS
from chalicelib.services.jobs import QUEUES

TEMPLATE = load_cfn_yaml(str(Path(__file__).resolve().parents[2] / "infra" / "stateful.yaml"))


@pytest.fixture
def stores(deps):
    return bootstrap.stores(deps.settings)


def _attributes(sqs, name: str) -> dict:
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_migrate_creates_each_missing_queue_with_its_dead_letter_queue_once(stores):
    sqs, settings = stores.sqs, stores.settings
    for kind in QUEUE_VISIBILITY_SECONDS:  # start from none, whatever ran before
        for name in (settings.queue_name(kind), settings.queue_name(kind) + "-dlq"):
            with suppress(sqs.exceptions.QueueDoesNotExist):
                sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"])
    lines = list(stores.migrate())
    assert [line.split()[1] for line in lines if line.startswith("queue ")] == [
        name for kind in QUEUE_VISIBILITY_SECONDS for name in (settings.queue_name(kind) + "-dlq",
                                                              settings.queue_name(kind))]
    for kind, visibility in QUEUE_VISIBILITY_SECONDS.items():
        queue = _attributes(sqs, settings.queue_name(kind))
        dead = _attributes(sqs, settings.queue_name(kind) + "-dlq")
        assert int(queue["VisibilityTimeout"]) == visibility
        assert json.loads(queue["RedrivePolicy"]) == {"deadLetterTargetArn": dead["QueueArn"],
                                                      "maxReceiveCount": MAX_RECEIVES}
    assert [line for line in stores.migrate() if line.startswith("queue ")] == []


def test_every_consumers_queue_is_created_as_infra_defines_it():
    assert {consumer.kind for consumer in QUEUES} == set(QUEUE_VISIBILITY_SECONDS)
    queues = {resource["Properties"]["QueueName"]["Fn::Sub"]: resource["Properties"]
              for resource in TEMPLATE["Resources"].values() if resource["Type"] == "AWS::SQS::Queue"}
    for kind, visibility in QUEUE_VISIBILITY_SECONDS.items():
        defined = queues["swreg-${Stage}-" + kind]
        assert (defined["VisibilityTimeout"], defined["RedrivePolicy"]["maxReceiveCount"]) == (visibility, MAX_RECEIVES)
        assert "swreg-${Stage}-" + kind + "-dlq" in queues
