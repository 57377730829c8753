"""In-app messages (我的消息) in DynamoDB."""
from __future__ import annotations

from chalicelib.adapters.dynamo.keys import bounded, start_key
from chalicelib.adapters.dynamo.models import MessageItem
from chalicelib.domain.errors import NotFoundError
from chalicelib.domain.notifications import Message
from chalicelib.domain.ports import Page


def message_item(message: Message) -> MessageItem:
    return MessageItem(message.owner, message.message_id, message_id=message.message_id,
                       title=message.title, body=message.body, application_id=message.application_id,
                       read=message.read, created_at=message.created_at)


def _message(item: MessageItem) -> Message:
    return Message(owner=item.owner, message_id=item.message_id, title=item.title, body=item.body,
                   created_at=item.created_at, application_id=item.application_id, read=bool(item.read))


class DynamoMessageRepository:
    def list(self, owner: str, position: str | None, limit: int) -> Page:
        """Newest first. `position` is the last page's final message key (no owner in it:
        the owner, an ID number, comes from the caller)."""
        start = start_key(owner=owner, message_key=position) if position else None
        items = MessageItem.query(owner, scan_index_forward=False, limit=limit + 1, last_evaluated_key=start)
        page, after = bounded(items, limit, lambda item: item.message_key)
        return Page([_message(item) for item in page], after)

    def unread_count(self, owner: str) -> int:
        """Reads every message of one person: bounded, a few per application and year."""
        return MessageItem.count(owner, filter_condition=MessageItem.read == False)  # noqa: E712

    def mark_read(self, owner: str, message_id: str) -> Message:
        try:
            item = MessageItem.get(owner, message_id)
        except MessageItem.DoesNotExist:
            raise NotFoundError() from None
        if not item.read:
            item.update(actions=[MessageItem.read.set(True)])
        return _message(item)
