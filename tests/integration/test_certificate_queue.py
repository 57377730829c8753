"""The certificate fan-out end to end on this machine: the schedule's `enqueue_due` sends to a queue of moto's
SQS, messages are received from it as Lambda's poller would, and the `issue_certificate` function runs on
them through `chalice.test.Client`, against DynamoDB Local and S3. Each test has its own queue (and
dead-letter queue, redriving after 3 receives, as infra/ and `Stores.migrate` make them), swapped into
the app's `Deps`.

SQS delivers at least once: the same message twice, or to two consumers at once, must still make one
certificate, one SMS and one mailing; a batch with a failure deletes what succeeded and raises, so only
the failure comes back, and after its third receive it waits in the dead-letter queue.
"""
from __future__ import annotations

import json
import random
import threading
import uuid

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.queues import SqsWorkQueue
from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.outbox import OutboxStatus
from chalicelib.handlers.queues import CertificateBatchFailed
from chalicelib.services import certificates
from tests import approvals

# Years no other test's window has (tests/api/test_fix_period.py, tests/integration/test_export_cli.py and
# test_dlq_cli.py hold the others from 2052); every application here ends certified, for the later tests'
# runs that look at their window and the two before.
_YEARS = iter(random.sample([2053, 2059, 2062, 2065, 2068, 2071], 6))
ADDRESS = {"recipient": "周晓梅", "phone": "13912345678", "address": "北京市西城区西长安街7号", "postal_code": "100032"}
MAX_RECEIVES = 3


@pytest.fixture
def window(deps):
    return approvals.spring_window(deps, next(_YEARS))


@pytest.fixture
def queue(deps, swap):
    """A fresh certificates queue and its `-dlq` on the stack's SQS, in the app's `Deps`."""
    sqs = bootstrap.stores(deps.settings).sqs
    name = f"{deps.settings.queue_name('certificates')}-{uuid.uuid4().hex[:8]}"
    dead = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": arn, "maxReceiveCount": MAX_RECEIVES})})
    port = SqsWorkQueue(sqs, name)
    swap(certificate_queue=port)
    return port


def _receive(queue, visibility: int = 60) -> list[dict]:
    """Every message visible now, hidden for `visibility` seconds, as the records of an SQS event
    (with no `visibility`, one receive: the messages stay visible and would come again)."""
    sqs, held = bootstrap.stores(bootstrap.deps().settings).sqs, []
    while True:
        messages = sqs.receive_message(QueueUrl=queue.url, MaxNumberOfMessages=10, VisibilityTimeout=visibility,
                                       AttributeNames=["All"]).get("Messages", [])
        if not messages:
            return held
        held += [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                  "attributes": m.get("Attributes", {}), "messageAttributes": {}, "md5OfBody": m["MD5OfBody"],
                  "eventSource": "aws:sqs", "eventSourceARN": f"arn:aws:sqs:cn-north-1:000000000000:{queue.name}",
                  "awsRegion": "cn-north-1"} for m in messages]
        if not visibility:
            return held


def _consume(client, records: list[dict]):
    return client.lambda_.invoke("issue_certificate", {"Records": records}).payload


def _outcome(deps, application):
    """(status, certificates held, certificate SMS, mailings) of `application` now."""
    stored = deps.applications.get(application.application_id)
    held = deps.certificates.of_holder(application.id_number)
    texts = [sms for sms in deps.outbox.list(OutboxStatus.PENDING, 10_000)
             if sms.phone == application.fields.phone and stored.registration_no
             and stored.registration_no in sms.text]
    mailed = [deps.mailings.get(c.registration_no) for c in held]
    return stored.status, len(held), len(texts), len([m for m in mailed if m is not None])


def test_the_schedule_enqueues_and_the_consumer_issues_each_once(client, deps, window, queue):
    apps = [approvals.approved(deps, window) for _ in range(3)]
    sent = certificates.enqueue_due(bootstrap.deps(), window.certificates_due_at)
    records = _receive(queue)
    # the two windows before may hold another test's approved applications: they are issued too
    assert sent == {"enqueued": len(records), "more": False}
    assert {a.application_id for a in apps} <= {json.loads(r["body"])["application_id"] for r in records}

    assert _consume(client, records) == {"issued": len(records), "skipped": 0, "failed": 0, "dropped": 0}
    assert {_outcome(deps, a) for a in apps} == {(ApplicationStatus.CERTIFIED, 1, 1, 0)}


def test_a_message_delivered_twice_makes_one_certificate_one_sms_one_mailing(client, deps, window, queue):
    application = approvals.approve(deps, approvals.practitioner(deps, window), window,
                                    fields={"pickup_method": "mail", "mailing_address": ADDRESS})
    queue.send([{"application_id": application.application_id}])
    first, = _receive(queue, visibility=0)
    again, = _receive(queue)  # the same message, a second receive
    assert first["messageId"] == again["messageId"] and first["receiptHandle"] != again["receiptHandle"]

    assert _consume(client, [first])["issued"] == 1
    assert _consume(client, [again])["skipped"] == 1
    assert _outcome(deps, application) == (ApplicationStatus.CERTIFIED, 1, 1, 1)


def test_two_consumers_given_the_same_message_at_once_make_one_certificate(client, deps, window, queue):
    apps = [approvals.approve(deps, approvals.practitioner(deps, window), window,
                              fields={"pickup_method": "mail", "mailing_address": ADDRESS}) for _ in range(3)]
    queue.send([{"application_id": a.application_id} for a in apps])
    records = _receive(queue)
    start, payloads = threading.Barrier(2), []

    def consumer():
        start.wait()
        try:
            payloads.append(_consume(client, records))
        except CertificateBatchFailed:  # what it issued is in the outcome below
            payloads.append({})
    threads = [threading.Thread(target=consumer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # A consumer that lost a write while the application was still approved (the other one's number
    # reservation, say) raised: its messages come back, and their next delivery finds nothing to do.
    again = _consume(client, records)
    assert again["failed"] == 0 and again["issued"] + sum(p.get("issued", 0) for p in payloads) <= 3
    assert {_outcome(deps, a) for a in apps} == {(ApplicationStatus.CERTIFIED, 1, 1, 1)}
    numbers = {deps.applications.get(a.application_id).registration_no for a in apps}
    assert len(numbers) == 3


def test_a_batch_with_a_failure_deletes_the_rest_and_raises_so_only_the_failure_comes_back(
        client, deps, window, queue):
    fine, broken = approvals.approved(deps, window), approvals.approved(deps, window)
    for material in broken.materials.values():
        deps.files.delete(material.object_key)
    queue.send([{"application_id": fine.application_id}, {"application_id": broken.application_id},
                {"certificate": "not a work item"}])
    records = _receive(queue)
    bootstrap.stores(deps.settings).sqs.send_message(QueueUrl=queue.url, MessageBody="{not json")
    records += _receive(queue)

    with pytest.raises(CertificateBatchFailed, match="1 of 4"):
        _consume(client, records)

    assert deps.applications.get(fine.application_id).status is ApplicationStatus.CERTIFIED
    _release(queue, records)
    records = _receive(queue)
    assert [json.loads(r["body"]) for r in records] == [{"application_id": broken.application_id}]
    _mend(deps, broken)
    assert _consume(client, records)["issued"] == 1


def test_an_item_failing_three_receives_waits_in_the_dead_letter_queue(client, deps, window, queue):
    broken = approvals.approved(deps, window)
    for material in broken.materials.values():
        deps.files.delete(material.object_key)
    queue.send([{"application_id": broken.application_id}])
    for _ in range(MAX_RECEIVES):
        records = _receive(queue, visibility=0)
        assert len(records) == 1
        with pytest.raises(CertificateBatchFailed):
            _consume(client, records)

    assert _receive(queue) == []
    sqs = bootstrap.stores(deps.settings).sqs
    dead = sqs.get_queue_url(QueueName=f"{queue.name}-dlq")["QueueUrl"]
    [message] = sqs.receive_message(QueueUrl=dead, MaxNumberOfMessages=10).get("Messages", [])
    assert json.loads(message["Body"]) == {"application_id": broken.application_id}
    assert deps.applications.get(broken.application_id).status is ApplicationStatus.APPROVED
    _mend(deps, broken)  # and an operator's redrive (tests/integration/test_dlq_cli.py) then issues it
    assert certificates.issue_one(deps, broken.application_id, window.certificates_due_at) == "issued"


def _mend(deps, application) -> None:
    """Put back the photos a test deleted: no application of these windows stays approved for a later test."""
    for material in application.materials.values():
        deps.files.write(material.object_key, approvals.id_photo_jpeg(), "image/jpeg")


def _release(queue, records) -> None:
    """Make held messages visible again (those deleted are gone: SQS ignores their handles)."""
    sqs = bootstrap.stores(bootstrap.deps().settings).sqs
    for record in records:
        try:
            sqs.change_message_visibility(QueueUrl=queue.url, ReceiptHandle=record["receiptHandle"],
                                          VisibilityTimeout=0)
        except sqs.exceptions.ClientError:
            pass
