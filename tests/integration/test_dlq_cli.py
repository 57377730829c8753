"""`swreg jobs dlq list|redrive` on a queue of moto's server, with Lambda under botocore's Stubber; and
`--queue certificates|jobs` on the test stage's work queues, the redriven item then consumed.

What a redrive decides is tested on the fake queue (`tests/unit/services/test_dead_letters_service.py`)
and the adapter against it (`test_dead_letter_contract.py`); these tests show what an operator sees.
"""
from __future__ import annotations

import json

import pytest

from chalicelib import bootstrap
from chalicelib.cli import main
from chalicelib.domain.application import ApplicationStatus
from chalicelib.services import certificates
from tests import approvals
from tests.dead_letters import UPLOAD_ARN, SqsWithStubbedLambda, WorkQueueWithDlq, on_failure_record


@pytest.fixture
def queue(deps, swap, stack):
    """The stage's `dead_letters` on a fresh queue, `SWREG_DLQ_URL` set to it."""
    side = SqsWithStubbedLambda(f"http://127.0.0.1:{stack.s3_port}")
    swap(settings=deps.settings._replace(dlq_url=side.url), dead_letters=side.port)
    yield side
    side.close()


def test_list_shows_function_time_condition_attempts_and_the_event_with_phones_masked(queue, capsys):
    record = on_failure_record("uploads/0a1b2c/photo/1.jpg")
    record["responsePayload"] = {"errorType": "ValueError", "errorMessage": "bad row for 13912345678"}
    message_id = queue.add(record)
    queue.add("not a record")

    assert main(["--stage", "test", "jobs", "dlq", "list"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (f"{message_id}  2026-03-10T02:15:07+00:00  swreg-prod-on_upload  RetriesExhausted  "
                        "attempts 3  s3 ObjectCreated:Post swreg-prod-files/uploads/0a1b2c/photo/1.jpg  "
                        "error: ValueError: bad row for 139****5678")
    assert "(not a Lambda record)  unknown  attempts 0" in lines[1]
    assert lines[-1] == "2 failed invocation(s)"
    assert len(queue.port.hold(10, 60)) == 2  # listing took nothing away


def test_redrive_by_id_replays_that_invocation_and_deletes_only_it(queue, capsys):
    wanted = queue.add(on_failure_record("uploads/a/1.jpg"))
    other = queue.add(on_failure_record("uploads/b/2.jpg"))
    queue.expect_replay()

    assert main(["--stage", "test", "jobs", "dlq", "redrive", "--id", wanted]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"replayed {wanted}  ") and out[-1] == "1 replayed, 0 refused (left in the queue)"
    assert queue.replayed == [(UPLOAD_ARN, on_failure_record("uploads/a/1.jpg")["requestPayload"])]
    assert [item.message_id for item in queue.port.hold(10, 60)] == [other]


def test_redrive_all_leaves_what_lambda_refused_in_the_queue_and_says_so(queue, capsys):
    refused = queue.add(on_failure_record("uploads/a/1.jpg"))
    queue.add(on_failure_record("uploads/b/2.jpg"))
    queue.refuse_next("TooManyRequestsException", "Rate exceeded")
    queue.expect_replay()

    assert main(["--stage", "test", "jobs", "dlq", "redrive", "--all"]) == 1

    out = capsys.readouterr().out
    assert f"refused  {refused}  " in out and "refused: TooManyRequestsException: Rate exceeded" in out
    assert out.splitlines()[-1] == "1 replayed, 1 refused (left in the queue)"
    assert [item.message_id for item in queue.port.hold(10, 60)] == [refused]


def test_redrive_of_an_id_not_in_the_queue_says_so(queue, capsys):
    queue.add(on_failure_record())

    assert main(["--stage", "test", "jobs", "dlq", "redrive", "--id", "no-such-message"]) == 2
    assert "no-such-message: not in the queue" in capsys.readouterr().err


def test_the_dlq_commands_say_when_no_queue_is_configured(deps, capsys):
    assert deps.settings.dlq_url is None
    for command in (["list"], ["redrive", "--all"]):
        assert main(["--stage", "test", "jobs", "dlq", *command]) == 2
        assert "set SWREG_DLQ_URL to the infra stack's AsyncFailureQueueUrl output" in capsys.readouterr().err


def test_redrive_wants_an_id_or_all(deps, capsys):
    with pytest.raises(SystemExit):
        main(["--stage", "test", "jobs", "dlq", "redrive"])
    assert "one of the arguments --id --all is required" in capsys.readouterr().err


# --- a work queue's dead-letter queue (--queue certificates|jobs) ---------------------------------------------

@pytest.fixture
def certificate_queues(deps):
    """The test stage's certificates queue and its `-dlq` as `Stores.migrate` makes them, emptied."""
    stores = bootstrap.stores(deps.settings)
    for _ in stores.migrate():
        pass
    queues = WorkQueueWithDlq(stores.sqs, deps.settings.queue_name("certificates"))
    yield queues
    queues.close()


def test_a_certificate_item_failed_three_times_is_listed_redriven_to_its_queue_and_then_issued(
        deps, certificate_queues, capsys):
    window = approvals.spring_window(deps, 2056)
    application = approvals.approved(deps, window, "周晓梅")
    message_id = certificate_queues.fail({"application_id": application.application_id})

    assert main(["--stage", "test", "jobs", "dlq", "list", "--queue", "certificates"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"{message_id}  ") and out.splitlines()[0].endswith(
        f"  swreg-test-certificates  MaxReceiveCountExceeded  attempts 3  "
        f"certificate of application {application.application_id}")
    assert out.splitlines()[-1] == "1 failed work item(s)"
    assert application.id_number not in out and application.fields.phone not in out

    assert main(["--stage", "test", "jobs", "dlq", "redrive", "--queue", "certificates", "--all"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 replayed, 0 refused (left in the queue)"
    assert certificate_queues.dead() == 0
    [message] = certificate_queues.waiting()
    item = json.loads(message["Body"])
    assert certificates.issue_one(deps, item["application_id"], window.certificates_due_at) == "issued"
    assert deps.applications.get(application.application_id).status is ApplicationStatus.CERTIFIED


def test_a_job_continuation_is_redriven_by_its_id_to_the_jobs_queue(deps, capsys):
    stores = bootstrap.stores(deps.settings)
    for _ in stores.migrate():
        pass
    queues = WorkQueueWithDlq(stores.sqs, deps.settings.queue_name("jobs"))
    try:
        wanted = queues.fail({"continues": "issue-certificates"})
        queues.fail({"continues": "sms-dispatch"})

        assert main(["--stage", "test", "jobs", "dlq", "redrive", "--queue", "jobs", "--id", wanted]) == 0

        assert capsys.readouterr().out.splitlines()[0].startswith(f"replayed {wanted}  ")
        assert [json.loads(m["Body"]) for m in queues.waiting()] == [{"continues": "issue-certificates"}]
        assert queues.dead() == 1
    finally:
        queues.close()


def test_the_queue_is_one_of_the_work_queues_or_async(deps, capsys):
    with pytest.raises(SystemExit):
        main(["--stage", "test", "jobs", "dlq", "list", "--queue", "uploads"])
    assert "invalid choice: 'uploads' (choose from 'certificates', 'jobs', 'async')" in capsys.readouterr().err
