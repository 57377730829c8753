"""`swreg jobs dlq`'s service on the fake queue: listing leaves everything in place, a redrive
deletes a message only once its function took the replay, and an event reads as one short line."""
from __future__ import annotations

from chalicelib.services import dead_letters
from tests.dead_letters import UPLOAD_ARN, on_failure_record

SCHEDULE_ARN = "arn:aws-cn:lambda:cn-north-1:123456789012:function:swreg-prod-sms_dispatch"


def _scheduled_record(**event) -> dict:
    record = on_failure_record(function=SCHEDULE_ARN)
    record["requestPayload"] = {"version": "0", "detail-type": "Scheduled Event", "source": "aws.events",
                                "time": "2026-03-10T02:15:00Z", "detail": {},
                                "resources": ["arn:aws-cn:events:cn-north-1:123456789012:rule/swreg-prod-sms_dispatch"],
                                **event}
    return record


def test_peeking_lists_every_failed_invocation_and_leaves_them_all_in_the_queue(fakes):
    queue = fakes.dead_letters
    ids = {queue.add(on_failure_record(f"uploads/{n}/1.jpg")) for n in range(13)}

    listed = dead_letters.peek(queue, limit=50)

    assert {item.message_id for item in listed} == ids
    assert queue.held == {}
    assert len(dead_letters.peek(queue, limit=50)) == 13


def test_peeking_stops_at_the_limit(fakes):
    for n in range(13):
        fakes.dead_letters.add(on_failure_record(f"uploads/{n}/1.jpg"))

    assert len(dead_letters.peek(fakes.dead_letters, limit=11)) == 11
    assert fakes.dead_letters.held == {}


def test_redriving_everything_replays_each_event_to_its_own_function_and_empties_the_queue(fakes):
    queue = fakes.dead_letters
    queue.add(on_failure_record("uploads/a/1.jpg"))
    queue.add(_scheduled_record())

    result = dead_letters.redrive(queue)

    assert len(result.replayed) == 2 and result.refused == []
    assert queue.replayed == [(UPLOAD_ARN, on_failure_record("uploads/a/1.jpg")["requestPayload"]),
                              (SCHEDULE_ARN, _scheduled_record()["requestPayload"])]
    assert queue.messages == {}


def test_a_refused_replay_keeps_its_message_and_the_others_still_go(fakes):
    queue = fakes.dead_letters
    kept = queue.add(on_failure_record("uploads/a/1.jpg"))
    queue.add(on_failure_record("uploads/b/2.jpg"))
    queue.refuse_next("TooManyRequestsException", "Rate exceeded")

    result = dead_letters.redrive(queue)

    assert [(item.message_id, reason) for item, reason in result.refused] == [
        (kept, "TooManyRequestsException: Rate exceeded")]
    assert len(result.replayed) == 1
    assert list(queue.messages) == [kept] and queue.held == {}


def test_redriving_one_id_replays_only_that_one_and_gives_the_rest_back(fakes):
    queue = fakes.dead_letters
    others = [queue.add(on_failure_record(f"uploads/{n}/1.jpg")) for n in range(12)]
    wanted = queue.add(on_failure_record("uploads/wanted/1.jpg"))

    result = dead_letters.redrive(queue, wanted)

    assert result.found and [item.message_id for item in result.replayed] == [wanted]
    assert queue.replayed == [(UPLOAD_ARN, on_failure_record("uploads/wanted/1.jpg")["requestPayload"])]
    assert list(queue.messages) == others and queue.held == {}


def test_redriving_an_id_that_is_not_there_replays_nothing(fakes):
    queue = fakes.dead_letters
    queue.add(on_failure_record())

    result = dead_letters.redrive(queue, "no-such-message")

    assert (result.found, result.replayed, queue.replayed) == (False, [], [])
    assert len(queue.messages) == 1 and queue.held == {}


def test_a_message_that_is_no_lambda_record_is_refused_not_lost(fakes):
    queue = fakes.dead_letters
    garbage = queue.add("{not json")

    result = dead_letters.redrive(queue)

    assert [item.message_id for item, _ in result.refused] == [garbage]
    assert list(queue.messages) == [garbage]


def test_an_upload_event_reads_as_its_decoded_object_key():
    event = on_failure_record("uploads/0a1b/id%2Bphoto/%E7%85%A7%E7%89%87+1.jpg")["requestPayload"]
    event["Records"].append(event["Records"][0])

    assert dead_letters.event_summary(event) == (
        "s3 ObjectCreated:Post swreg-prod-files/uploads/0a1b/id+photo/照片 1.jpg (+1 more)")


def test_a_scheduled_event_reads_as_its_rule():
    assert dead_letters.event_summary(_scheduled_record()["requestPayload"]) == (
        "schedule swreg-prod-sms_dispatch at 2026-03-10T02:15:00Z")


def test_any_other_event_reads_as_its_first_field_names():
    assert dead_letters.event_summary({"b": 1, "a": 2}) == "event with a, b"
    assert dead_letters.event_summary({}) == "event with no fields"


def test_the_function_is_named_without_its_arn_or_qualifier(fakes):
    fakes.dead_letters.add(on_failure_record())
    fakes.dead_letters.add("garbage")
    names = [dead_letters.function_name(item) for item in dead_letters.peek(fakes.dead_letters, 10)]

    assert names == ["swreg-prod-on_upload", "(not a Lambda record)"]


def test_a_work_item_reads_as_its_application_or_its_job():
    assert dead_letters.event_summary({"application_id": "0a1b2c"}) == "certificate of application 0a1b2c"
    assert dead_letters.event_summary({"continues": "sms-dispatch"}) == "continuation of sms-dispatch"
