"""The SMS outbox in DynamoDB: due rows through the `by_status` index, every move a conditional update.

One row per `domain.outbox.Sms`: `outbox_item` and `_sms` convert between the
two; a row keeps the SMS template and its parameters beside the rendered text.
`due_sort` is `<sortable time>#<outbox_id>`; its time means what `Sms.due_at`
says for the row's status, so one index answers both "PENDING rows due now"
and "SENDING rows whose lease ran out".
"""
from __future__ import annotations

from datetime import datetime, timezone

from chalicelib.adapters.dynamo import conditions
from chalicelib.adapters.dynamo.keys import sortable
from chalicelib.adapters.dynamo.models import OutboxItem
from chalicelib.domain.errors import ConcurrentUpdateError, NotFoundError
from chalicelib.domain.outbox import OutboxStatus, Sms, SmsContent

_SORTABLE = "%Y-%m-%dT%H:%M:%S.%fZ"


def _due_sort(at: datetime, outbox_id: str) -> str:
    return f"{sortable(at)}#{outbox_id}"


def _due_at(due_sort: str) -> datetime:
    return datetime.strptime(due_sort.split("#", 1)[0], _SORTABLE).replace(tzinfo=timezone.utc)


def outbox_item(sms: Sms) -> OutboxItem:
    """The row of a text: how a new one is queued in the transaction of the change it tells of."""
    return OutboxItem(sms.outbox_id, phone=sms.phone, text=sms.text, template=sms.content.template,
                      params=dict(sms.content.params), status=sms.status.value,
                      due_sort=_due_sort(sms.due_at, sms.outbox_id), attempts=sms.attempts,
                      created_at=sms.created_at, provider_message_id=sms.provider_message_id,
                      last_error=sms.last_error, lease_token=sms.lease_token, sent_at=sms.sent_at,
                      lease_until=sms.due_at if sms.status is OutboxStatus.SENDING else None)


def _sms(item: OutboxItem) -> Sms:
    # A row queued before templates has its text only: no template, which no provider knows.
    content = SmsContent(template=item.template or "", params=item.params or {}, text=item.text)
    return Sms(outbox_id=item.outbox_id, phone=item.phone, content=content,
               status=OutboxStatus(item.status), due_at=_due_at(item.due_sort),
               attempts=int(item.attempts or 0), created_at=item.created_at,
               lease_token=item.lease_token, provider_message_id=item.provider_message_id,
               last_error=item.last_error, sent_at=item.sent_at)


def _unleased():
    return [OutboxItem.lease_token.remove(), OutboxItem.lease_until.remove()]


class DynamoOutbox:
    """The outbox port (`OutboxRepository`) on DynamoDB."""

    def get(self, outbox_id: str) -> Sms:
        try:
            return _sms(OutboxItem.get(outbox_id, consistent_read=True))
        except OutboxItem.DoesNotExist:
            raise NotFoundError(details={"outbox_id": outbox_id}) from None

    def due(self, status: OutboxStatus, now: datetime, limit: int) -> list[Sms]:
        # "~" sorts after the "#" that ends every timestamp: rows due exactly at `now` count.
        items = OutboxItem.by_status.query(status.value, OutboxItem.due_sort <= f"{sortable(now)}~", limit=limit)
        return [_sms(item) for item in items]

    def list(self, status: OutboxStatus, limit: int) -> list[Sms]:
        return [_sms(item) for item in OutboxItem.by_status.query(status.value, limit=limit)]

    def claim(self, entry: Sms, token: str, lease_until: datetime) -> bool:
        # The index is eventually consistent: the condition re-checks, on the table
        # itself, that the row is still exactly what the index showed.
        unchanged = (OutboxItem.lease_token == entry.lease_token if entry.status is OutboxStatus.SENDING
                     else OutboxItem.due_sort == _due_sort(entry.due_at, entry.outbox_id))
        return self._move(entry.outbox_id, (OutboxItem.status == entry.status.value) & unchanged, [
            OutboxItem.status.set(OutboxStatus.SENDING.value),
            OutboxItem.lease_token.set(token),
            OutboxItem.lease_until.set(lease_until),
            OutboxItem.due_sort.set(_due_sort(lease_until, entry.outbox_id)),
            OutboxItem.attempts.add(1),
        ]) is not None

    def mark_sent(self, outbox_id: str, token: str, provider_message_id: str, sent_at: datetime) -> bool:
        return self._move(outbox_id, self._leased(token), [
            OutboxItem.status.set(OutboxStatus.SENT.value),
            OutboxItem.provider_message_id.set(provider_message_id),
            OutboxItem.sent_at.set(sent_at),
            OutboxItem.due_sort.set(_due_sort(sent_at, outbox_id)),
            *_unleased(),
        ]) is not None

    def release(self, outbox_id: str, token: str, status: OutboxStatus, due_at: datetime, error: str, *,
                refund_attempt: bool = False) -> bool:
        return self._move(outbox_id, self._leased(token), [
            OutboxItem.status.set(status.value),
            OutboxItem.due_sort.set(_due_sort(due_at, outbox_id)),
            OutboxItem.last_error.set(error),
            *([OutboxItem.attempts.add(-1)] if refund_attempt else []),
            *_unleased(),
        ]) is not None

    def requeue(self, entry: Sms, due_at: datetime) -> Sms:
        item = self._move(entry.outbox_id, (OutboxItem.status == entry.status.value)
                          & (OutboxItem.due_sort == _due_sort(entry.due_at, entry.outbox_id)), [
            OutboxItem.status.set(OutboxStatus.PENDING.value),
            OutboxItem.due_sort.set(_due_sort(due_at, entry.outbox_id)),
            OutboxItem.attempts.set(0),
            *_unleased(),
        ])
        if item is None:
            raise ConcurrentUpdateError(details={"outbox_id": entry.outbox_id})
        return _sms(item)

    @staticmethod
    def _leased(token: str):
        return (OutboxItem.status == OutboxStatus.SENDING.value) & (OutboxItem.lease_token == token)

    @staticmethod
    def _move(outbox_id: str, condition, actions) -> OutboxItem | None:
        """The updated row, or None when `condition` no longer holds."""
        item = OutboxItem(outbox_id)
        with conditions.checked() as write:
            item.update(actions=actions, condition=condition)
        return None if write.refused else item
