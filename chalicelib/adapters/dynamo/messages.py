"""In-app messages (我的消息) and SMS outbox rows in DynamoDB."""
from __future__ import annotations

from chalicelib.adapters.dynamo.keys import decode_cursor, encode_cursor, sortable
from chalicelib.adapters.dynamo.models import MessageItem, OutboxItem
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.notifications import Message, Sms
from chalicelib.domain.ports import Page

PENDING = "PENDING"


def message_item(message: Message) -> MessageItem:
    return MessageItem(message.owner, message.message_id, message_id=message.message_id,
                       title=message.title, body=message.body, application_id=message.application_id,
                       read=message.read, created_at=message.created_at)


def outbox_item(sms: Sms) -> OutboxItem:
    return OutboxItem(sms.outbox_id, phone=sms.phone, text=sms.text, status=PENDING,
                      due_sort=f"{sortable(sms.due_at)}#{sms.outbox_id}", created_at=sms.due_at)


def _message(item: MessageItem) -> Message:
    return Message(owner=item.owner, message_id=item.message_id, title=item.title, body=item.body,
                   created_at=item.created_at, application_id=item.application_id, read=bool(item.read))


class DynamoMessageRepository:
    def list(self, owner: str, cursor: str | None, limit: int) -> Page:
        """Newest first."""
        items = MessageItem.query(owner, scan_index_forward=False, limit=limit,
                                  last_evaluated_key=decode_cursor(cursor))
        page = [_message(item) for item in items]
        return Page(page, encode_cursor(items.last_evaluated_key))

    def unread_count(self, owner: str) -> int:
        return MessageItem.count(owner, filter_condition=MessageItem.read == False)  # noqa: E712

    def mark_read(self, owner: str, message_id: str) -> Message:
        try:
            item = MessageItem.get(owner, message_id)
        except MessageItem.DoesNotExist:
            raise NotFoundError("消息不存在") from None
        if not item.read:
            item.update(actions=[MessageItem.read.set(True)])
        return _message(item)
