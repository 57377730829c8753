"""One set of assertions on the outbox port, run on `tests.fakes.FakeOutbox` and on the DynamoDB outbox.

The dispatcher's own tests run on the fake (`tests/unit/services/test_outbox_dispatch.py`);
these keep the fake honest: every move holds only on the text as the caller saw
it, and a refused move fails the same way on both.

On DynamoDB every test works in its own stretch of the past (`era`): its texts
are due then and its clocks are set then. Each era lies 30 days before the
previous one, from 2000 back, so what an earlier test left PENDING or SENDING
is never due in a later test's era, and no other test leaves texts due that early.
"""
from __future__ import annotations

import itertools
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.adapters.dynamo.outbox import outbox_item
from chalicelib.domain.errors import ConcurrentUpdateError, NotFoundError
from chalicelib.domain.outbox import LEASE, OutboxStatus, Sms, SmsContent
from tests.fakes import FakeOutbox

_ERAS = itertools.count()
SECOND = timedelta(seconds=1)
# A text with parameters, so reading one back whole covers its template and parameters too.
ISSUED = SmsContent.of("CertificateIssued", registration_no="BJ2026000042", valid_until=2029)


class Outbox:
    """The port under test, and how a text gets into it (what a notice's transaction writes)."""

    def __init__(self, port, add) -> None:
        self.port, self.add = port, add

    def queue(self, due_at: datetime, **changes) -> Sms:
        sms = replace(Sms.queue(f"135{uuid.uuid4().int % 10**8:08d}", ISSUED, due_at), **changes)
        self.add(sms)
        return sms


@pytest.fixture(params=["fake", "dynamodb"])
def outbox(request) -> Outbox:
    if request.param == "fake":
        fake = FakeOutbox()
        return Outbox(fake, fake.add)
    return Outbox(request.getfixturevalue("deps").outbox, lambda sms: outbox_item(sms).save())


@pytest.fixture
def era() -> datetime:
    """A month of its own for each test, before 1990, the first year a window may have: the SMS other
    tests queue (at their windows' clocks, 1990 onwards) are never due in it."""
    return datetime(1989, 1, 1, 9, 30, tzinfo=timezone.utc) - timedelta(days=30 * next(_ERAS))


def _ids(texts: list[Sms]) -> list[str]:
    return [sms.outbox_id for sms in texts]


def test_a_queued_text_reads_back_whole_and_an_unknown_one_is_not_found(outbox, era):
    sms = outbox.queue(era)
    assert outbox.port.get(sms.outbox_id) == sms
    with pytest.raises(NotFoundError):
        outbox.port.get(uuid.uuid4().hex)


def test_a_row_queued_before_templates_reads_back_with_its_text_and_no_template(deps, era):
    sms = Sms.queue("13500000000", SmsContent("", {}, "【北京社工登记】您的登记申请已提交"), era)
    item = outbox_item(sms)
    item.template = item.params = None
    item.save()
    assert deps.outbox.get(sms.outbox_id).content == SmsContent("", {}, "【北京社工登记】您的登记申请已提交")


def test_due_texts_are_those_of_the_status_due_by_now_oldest_first_up_to_the_limit(outbox, era):
    second, first, later = outbox.queue(era + SECOND), outbox.queue(era), outbox.queue(era + 2 * SECOND)
    assert _ids(outbox.port.due(OutboxStatus.PENDING, era + SECOND, 10)) == _ids([first, second])
    assert _ids(outbox.port.due(OutboxStatus.PENDING, era + SECOND, 1)) == _ids([first])
    assert outbox.port.due(OutboxStatus.SENDING, era + SECOND, 10) == []
    assert later.outbox_id in _ids(outbox.port.due(OutboxStatus.PENDING, era + 2 * SECOND, 10))


def test_a_claim_leases_the_text_only_as_it_was_seen(outbox, era):
    seen = outbox.queue(era)
    assert outbox.port.claim(seen, "first", era + LEASE)
    assert not outbox.port.claim(seen, "second", era + LEASE)
    leased = outbox.port.get(seen.outbox_id)
    assert (leased.status, leased.lease_token, leased.attempts, leased.due_at) == (
        OutboxStatus.SENDING, "first", 1, era + LEASE)

    assert outbox.port.due(OutboxStatus.SENDING, era + LEASE - SECOND, 10) == []
    expired, = outbox.port.due(OutboxStatus.SENDING, era + LEASE, 10)
    assert expired == leased
    assert outbox.port.claim(expired, "third", era + 2 * LEASE)
    assert not outbox.port.claim(expired, "fourth", era + 2 * LEASE)
    assert (outbox.port.get(seen.outbox_id).lease_token, outbox.port.get(seen.outbox_id).attempts) == ("third", 2)
    assert not outbox.port.claim(replace(seen, outbox_id=uuid.uuid4().hex), "fifth", era + LEASE)


def test_racing_claims_on_a_text_leave_exactly_one_winner(outbox, era):
    texts = [outbox.queue(era) for _ in range(10)]
    start = threading.Barrier(4)

    def claim_all(token: str) -> list[bool]:
        start.wait()
        return [outbox.port.claim(sms, token, era + LEASE) for sms in texts]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(claim_all, ["a", "b", "c", "d"]))
    assert [sum(won) for won in zip(*results)] == [1] * len(texts)
    assert {outbox.port.get(sms.outbox_id).attempts for sms in texts} == {1}


def test_only_the_lease_holder_marks_a_text_sent(outbox, era):
    seen = outbox.queue(era)
    assert outbox.port.claim(seen, "mine", era + LEASE)
    assert not outbox.port.mark_sent(seen.outbox_id, "theirs", "provider-1", era + SECOND)
    assert outbox.port.mark_sent(seen.outbox_id, "mine", "provider-1", era + SECOND)
    sent = outbox.port.get(seen.outbox_id)
    assert (sent.status, sent.provider_message_id, sent.sent_at, sent.due_at, sent.lease_token) == (
        OutboxStatus.SENT, "provider-1", era + SECOND, era + SECOND, None)
    assert not outbox.port.mark_sent(seen.outbox_id, "mine", "provider-2", era + 2 * SECOND)
    assert not outbox.port.release(seen.outbox_id, "mine", OutboxStatus.PENDING, era, "late")
    assert outbox.port.get(seen.outbox_id) == sent


def test_only_the_lease_holder_puts_a_text_back_to_pending_or_dead(outbox, era):
    seen = outbox.queue(era)
    assert outbox.port.claim(seen, "mine", era + LEASE)
    assert not outbox.port.release(seen.outbox_id, "theirs", OutboxStatus.PENDING, era + 60 * SECOND, "x")
    assert outbox.port.release(seen.outbox_id, "mine", OutboxStatus.PENDING, era + 60 * SECOND, "Timeout: slow")
    retrying = outbox.port.get(seen.outbox_id)
    assert (retrying.status, retrying.due_at, retrying.attempts, retrying.last_error, retrying.lease_token) == (
        OutboxStatus.PENDING, era + 60 * SECOND, 1, "Timeout: slow", None)

    assert outbox.port.claim(retrying, "again", era + 60 * SECOND + LEASE)
    assert outbox.port.release(seen.outbox_id, "again", OutboxStatus.DEAD, era + 61 * SECOND, "Refused")
    dead = outbox.port.get(seen.outbox_id)
    assert (dead.status, dead.due_at, dead.attempts, dead.last_error) == (
        OutboxStatus.DEAD, era + 61 * SECOND, 2, "Refused")
    assert outbox.port.due(OutboxStatus.PENDING, era + 61 * SECOND, 10) == []


def test_a_release_after_throttling_takes_back_the_attempt_its_claim_counted(outbox, era):
    seen = outbox.queue(era)
    assert outbox.port.claim(seen, "mine", era + LEASE)
    assert outbox.port.release(seen.outbox_id, "mine", OutboxStatus.PENDING, era + 5 * SECOND, "Throttled",
                               refund_attempt=True)
    throttled = outbox.port.get(seen.outbox_id)
    assert (throttled.status, throttled.due_at, throttled.attempts) == (OutboxStatus.PENDING, era + 5 * SECOND, 0)


def test_a_requeue_holds_only_on_the_text_as_it_was_seen_and_resets_its_attempts(outbox, era):
    seen = outbox.queue(era)
    assert outbox.port.claim(seen, "mine", era + LEASE)
    assert outbox.port.release(seen.outbox_id, "mine", OutboxStatus.DEAD, era + SECOND, "Refused")
    dead = outbox.port.get(seen.outbox_id)
    with pytest.raises(ConcurrentUpdateError):
        outbox.port.requeue(seen, era + 2 * SECOND)

    again = outbox.port.requeue(dead, era + 2 * SECOND)
    assert (again.status, again.due_at, again.attempts, again.last_error, again.lease_token) == (
        OutboxStatus.PENDING, era + 2 * SECOND, 0, "Refused", None)
    assert outbox.port.get(seen.outbox_id) == again
    with pytest.raises(ConcurrentUpdateError):
        outbox.port.requeue(dead, era + 3 * SECOND)


def test_a_status_is_listed_oldest_due_first(outbox, era):
    newer, older = outbox.queue(era + SECOND, status=OutboxStatus.DEAD), outbox.queue(era, status=OutboxStatus.DEAD)
    mine = {newer.outbox_id, older.outbox_id}
    assert [sms.outbox_id for sms in outbox.port.list(OutboxStatus.DEAD, 1000) if sms.outbox_id in mine] == [
        older.outbox_id, newer.outbox_id]
    assert len(outbox.port.list(OutboxStatus.DEAD, 1)) == 1
    assert mine.isdisjoint(_ids(outbox.port.list(OutboxStatus.PENDING, 1000)))
