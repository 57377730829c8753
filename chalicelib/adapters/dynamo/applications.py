"""Applications in DynamoDB: one item per application, the aggregate as a JSON document.

Beside the document the item carries what its indexes need (applicant and
creation time for `by_applicant`; window#status and submission time for
`by_queue`) and a PynamoDB `VersionAttribute` for optimistic locking.
"One live application per practitioner and window" is a `uniques` item put in
the same transaction as the application, conditional on not existing, and
deleted in the same transaction as the status change when a draft is discarded.

The review stats are counters (`domain/tally.py`: STATS_SHARDS items per window in the
`counters` table, one number per status and type) updated in the same transaction as
every write that changes an application's (window, status, type): from the key it had
when loaded (`Application.stored_key`) to its key now, so they are exact under races by
construction (the version condition and the counter update commit together or not at
all), and `counts` is one BatchGetItem whatever the window's size. Not a DynamoDB
stream: an aggregator would need to be idempotent under the stream's at-least-once
delivery to stay exact, and nothing runs a stream consumer locally. The cost, on
transitions only: one small item more in the transaction (+2 write units), and a
transition saved without notices (a claim, a release) becomes a transaction, which bills
its application item twice; a save that keeps the key (a draft's edits, a renewed lease)
writes no counter and stays one conditional put. `recount_one` and `correct_counts` are
`swreg stats recount`'s: there, COUNT queries are the truth.
"""
from __future__ import annotations

from typing import Sequence

from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import codec, conditions, transactions
from chalicelib.adapters.dynamo.keys import bounded, id_in, sortable, start_key
from chalicelib.adapters.dynamo.messages import message_item
from chalicelib.adapters.dynamo.models import ApplicationItem, StatsShardItem, UniqueItem
from chalicelib.adapters.dynamo.outbox import outbox_item
from chalicelib.domain import tally
from chalicelib.domain.application import Application, ApplicationStatus
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.domain.errors import ConcurrentUpdateError, ConflictError, NotFoundError
from chalicelib.domain.notifications import Message
from chalicelib.domain.outbox import Sms
from chalicelib.domain.ports import Page

_NOT_STORED = {"events", "stored_key"}
# The `by_queue` partition of pending reconsiderations: a queue across windows (no year in it).
RECONSIDERATION_QUEUE = "reconsideration_requested"


def queue_key(year: int, status: ApplicationStatus, kind: RegistrationType | None = None) -> str:
    return f"{year}#{status.value}" + (f"#{kind.value}" if kind else "")


def live_key(application: Application) -> str:
    return f"live-application#{application.id_number}#{application.window_year}"


def application_item(application: Application) -> ApplicationItem:
    body = {k: v for k, v in codec.encode(application).items() if k not in _NOT_STORED | {"version"}}
    since = application.submitted_at or application.created_at
    queued = queue_key(application.window_year, application.status)
    if application.status is ApplicationStatus.RECONSIDERATION_REQUESTED:
        # One `by_queue` partition for every window's requests, oldest request first.
        queued, since = RECONSIDERATION_QUEUE, application.reconsideration.requested_at
    item = ApplicationItem(
        application.application_id,
        id_number=application.id_number,
        created_sort=f"{sortable(application.created_at)}#{application.application_id}",
        queue_key=queued,
        queue_type_key=queue_key(application.window_year, application.status, application.type),
        queue_sort=f"{sortable(since)}#{application.application_id}",
        body=body,
    )
    if application.version:
        item.version = application.version
    item.counter_changes = tally.changes(application.application_id, application.stored_key,
                                         tally.key_of(application))
    return item


def _application(item: ApplicationItem) -> Application:
    application = codec.decode(Application, item.body)
    application.version = int(item.version)
    application.stored_key = tally.key_of(application)
    return application


def written(application: Application, item: ApplicationItem) -> None:
    """What a successful write of `item` makes true of the application: its version and stored key
    (a writer of its own transaction, like `certificates.issue`, calls it after `save_in_transaction`)."""
    application.version = int(item.version)
    application.stored_key = tally.key_of(application)


def _add(attribute: str, amount: int) -> Action:
    return getattr(StatsShardItem, attribute).add(amount)


def _count(transaction: TransactWrite, item: ApplicationItem) -> None:
    """The counter updates of `item`'s write (none when its key is unchanged); added last, after the
    items whose failed conditions callers read by position (`conditions.Outcome.failed_items`)."""
    for name, moves in item.counter_changes.items():
        transaction.update(StatsShardItem(name), actions=[_add(a, n) for a, n in moves.items()])


def save_in_transaction(region: str, item: ApplicationItem, messages: Sequence[Message] = (),
                        sms: Sequence[Sms] = (), also: Sequence[tuple[Model, Condition | None]] = ()) -> None:
    """Write an application item (conditional on its version), its notices, `also`
    (other items with their put conditions) and its counters all or nothing. Any failed condition
    is a ConcurrentUpdateError: the caller reloads and looks again (see
    `transactions.write` for conflicts and throttling)."""
    def build(transaction: TransactWrite) -> None:
        transaction.save(item)
        for extra, condition in also:
            transaction.save(extra, condition=condition)
        for message in messages:
            transaction.save(message_item(message))
        for text in sms:
            transaction.save(outbox_item(text))
        _count(transaction, item)

    with conditions.checked(on_refusal=ConcurrentUpdateError):
        transactions.write(region, build)


class DynamoApplicationRepository:
    def __init__(self, region: str) -> None:
        self._region = region

    def get(self, application_id: str) -> Application:
        try:
            return _application(ApplicationItem.get(application_id, consistent_read=True))
        except ApplicationItem.DoesNotExist:
            raise NotFoundError() from None

    def add(self, application: Application) -> None:
        item = application_item(application)
        guard = UniqueItem(live_key(application), owner=application.application_id)
        def build(transaction: TransactWrite) -> None:
            transaction.save(item, condition=ApplicationItem.application_id.does_not_exist())
            transaction.save(guard, condition=UniqueItem.key.does_not_exist())
            _count(transaction, item)

        with conditions.checked(on_refusal=lambda: ConflictError(code="LIVE_APPLICATION_EXISTS")):
            transactions.write(self._region, build)
        written(application, item)

    def save(self, application: Application, messages: Sequence[Message] = (),
             sms: Sequence[Sms] = ()) -> None:
        item = application_item(application)
        if not messages and not sms and not item.counter_changes:  # one conditional put
            with conditions.checked(on_refusal=ConcurrentUpdateError):
                item.save()
        else:
            save_in_transaction(self._region, item, messages, sms)
        written(application, item)

    def save_discarded(self, application: Application) -> None:
        """The discarded draft (conditional on its version) and the release of its live guard in
        one transaction. The guard goes only if it is this application's (or is already gone):
        another application's guard is never released."""
        item = application_item(application)
        guard = UniqueItem(live_key(application))
        mine = UniqueItem.key.does_not_exist() | (UniqueItem.owner == application.application_id)

        def build(transaction: TransactWrite) -> None:
            transaction.save(item)
            transaction.delete(guard, condition=mine)
            _count(transaction, item)

        with conditions.checked(on_refusal=ConcurrentUpdateError):
            transactions.write(self._region, build)
        written(application, item)

    def save_reopened(self, application: Application, messages: Sequence[Message] = (),
                      sms: Sequence[Sms] = ()) -> None:
        """The reopened application (conditional on its version), its notices and its window's live
        guard put back as its own (if the guard is its own or gone) in one transaction."""
        item = application_item(application)
        guard = UniqueItem(live_key(application), owner=application.application_id)

        def build(transaction: TransactWrite) -> None:
            transaction.save(item)
            transaction.save(guard, condition=UniqueItem.key.does_not_exist()
                             | (UniqueItem.owner == application.application_id))
            for message in messages:
                transaction.save(message_item(message))
            for text in sms:
                transaction.save(outbox_item(text))
            _count(transaction, item)

        with conditions.checked() as write:
            transactions.write(self._region, build)
        if write.refused:  # the application item first, then the guard
            failed = write.failed_items(["application", "guard"])
            raise ConflictError(code="LIVE_APPLICATION_EXISTS") if "guard" in failed else ConcurrentUpdateError()
        written(application, item)

    def list_for_applicant(self, id_number: str, position: str | None, limit: int) -> Page:
        """Newest first. `position` is a `created_sort` value (time#application_id); the
        partition value, the ID number, is the caller's and never travels in it."""
        start = start_key(application_id=id_in(position), id_number=id_number,
                          created_sort=position) if position else None
        keys = ApplicationItem.by_applicant.query(id_number, scan_index_forward=False, limit=limit + 1,
                                                  last_evaluated_key=start)
        return self._page(*bounded(keys, limit, lambda k: k.created_sort))

    def queue_page(self, year: int, status: ApplicationStatus, kind: RegistrationType | None,
                   position: str | None, limit: int) -> Page:
        """Oldest submission first: one query on `by_queue` (or `by_queue_type` with a type).
        `position` is a `queue_sort` value (time#application_id)."""
        if status is ApplicationStatus.RECONSIDERATION_REQUESTED:
            raise ValueError("reconsideration requests are one queue across windows: reconsideration_page")
        index, hash_name = ((ApplicationItem.by_queue_type, "queue_type_key") if kind
                            else (ApplicationItem.by_queue, "queue_key"))
        start = start_key(application_id=id_in(position), queue_sort=position,
                          **{hash_name: queue_key(year, status, kind)}) if position else None
        keys = index.query(queue_key(year, status, kind), limit=limit + 1, last_evaluated_key=start)
        return self._page(*bounded(keys, limit, lambda k: k.queue_sort))

    def reconsideration_page(self, position: str | None, limit: int) -> Page:
        """Oldest request first: one query on `by_queue`'s RECONSIDERATION_QUEUE partition.
        `position` is a `queue_sort` value (request time#application_id)."""
        start = start_key(application_id=id_in(position), queue_sort=position,
                          queue_key=RECONSIDERATION_QUEUE) if position else None
        keys = ApplicationItem.by_queue.query(RECONSIDERATION_QUEUE, limit=limit + 1, last_evaluated_key=start)
        return self._page(*bounded(keys, limit, lambda k: k.queue_sort))

    @staticmethod
    def _page(keys: list, position: str | None) -> Page:
        ids = [k.application_id for k in keys]
        found = {item.application_id: _application(item) for item in ApplicationItem.batch_get(ids)}
        return Page([found[i] for i in ids if i in found], position)

    def counts(self, year: int) -> dict[tuple[ApplicationStatus, RegistrationType], int]:
        """Applications per (status, type) in a window: the counters, one BatchGetItem of its shards
        (PynamoDB asks again for any key DynamoDB left unprocessed)."""
        return tally.totals([{name: getattr(item, name) for name in tally.ATTRIBUTES}
                             for item in StatsShardItem.batch_get(tally.item_names(year))])

    def recount_one(self, year: int, status: ApplicationStatus, kind: RegistrationType) -> int:
        """The window's applications of a status and type counted from the data: a COUNT query on
        `by_queue_type` (paged by PynamoDB), never a table scan, and not the counters."""
        return ApplicationItem.by_queue_type.count(queue_key(year, status, kind))

    def correct_counts(self, year: int, drift: dict[tuple[ApplicationStatus, RegistrationType], int]) -> None:
        """Add `drift` to the window's counters: one atomic ADD on its DRIFT_SHARD item."""
        if drift:
            StatsShardItem(tally.item_name(year, tally.DRIFT_SHARD)).update(
                actions=[_add(tally.attribute(status, kind), n) for (status, kind), n in drift.items()])
