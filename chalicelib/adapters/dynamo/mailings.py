"""Mailed paper certificates in DynamoDB: one item per registration number, the mailing as a JSON document.

Beside the document the item carries `window_state` (`<year>#<state>`), the hash
key of `by_window_state`, whose range key is the registration number: a window's
mailings of one state come back in number order, a page at a time, for the
admins' list and the post office's batch file. A `VersionAttribute` is the
optimistic lock. The mailing a certificate starts is written in the certificate's
own transaction (`mailing_item` with `NEW_ONLY`, see `certificates.issue`), so it
exists exactly when the certificate does.
"""
from __future__ import annotations

from typing import Sequence

from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import codec, conditions, transactions
from chalicelib.adapters.dynamo.keys import bounded, start_key
from chalicelib.adapters.dynamo.messages import message_item
from chalicelib.adapters.dynamo.models import MailingItem
from chalicelib.adapters.dynamo.outbox import outbox_item
from chalicelib.domain.errors import ConcurrentUpdateError
from chalicelib.domain.mailing import Mailing, MailingState
from chalicelib.domain.notifications import Message
from chalicelib.domain.outbox import Sms
from chalicelib.domain.ports import Page

# Items per transaction when many mailings are saved at once (an export marking a window printed):
# DynamoDB takes up to 100; each chunk is all or nothing.
SAVE_CHUNK = 100
NEW_ONLY = MailingItem.registration_no.does_not_exist()


def window_state_key(year: int, state: MailingState) -> str:
    return f"{year}#{state.value}"


def mailing_item(mailing: Mailing) -> MailingItem:
    body = {k: v for k, v in codec.encode(mailing).items() if k != "version"}
    item = MailingItem(mailing.registration_no, window_state=window_state_key(mailing.window_year, mailing.state),
                       body=body)
    if mailing.version:
        item.version = mailing.version
    return item


def _mailing(item: MailingItem) -> Mailing:
    mailing = codec.decode(Mailing, item.body)
    mailing.version = int(item.version)
    return mailing


class DynamoMailingRepository:
    def __init__(self, region: str) -> None:
        self._region = region

    def get(self, registration_no: str) -> Mailing | None:
        try:
            return _mailing(MailingItem.get(registration_no, consistent_read=True))
        except MailingItem.DoesNotExist:
            return None

    def get_many(self, registration_nos: Sequence[str]) -> dict[str, Mailing]:
        """BatchGetItem, 100 keys a request (PynamoDB splits and retries unprocessed keys)."""
        wanted = list(dict.fromkeys(registration_nos))
        if not wanted:
            return {}
        return {item.registration_no: _mailing(item)
                for item in MailingItem.batch_get(wanted, consistent_read=True)}

    def add(self, mailing: Mailing) -> bool:
        item = mailing_item(mailing)
        with conditions.checked() as write:
            item.save(condition=NEW_ONLY)
        if write.refused:
            return False
        mailing.version = int(item.version)
        return True

    def save(self, mailing: Mailing, messages: Sequence[Message] = (), sms: Sequence[Sms] = ()) -> None:
        item = mailing_item(mailing)
        if not messages and not sms:
            with conditions.checked(on_refusal=ConcurrentUpdateError):
                item.save(condition=MailingItem.registration_no.exists())
        else:
            def build(transaction: TransactWrite) -> None:
                transaction.save(item, condition=MailingItem.registration_no.exists())
                for message in messages:
                    transaction.save(message_item(message))
                for text in sms:
                    transaction.save(outbox_item(text))

            with conditions.checked(on_refusal=ConcurrentUpdateError):
                transactions.write(self._region, build)
        mailing.version = int(item.version)

    def save_many(self, mailings: Sequence[Mailing]) -> None:
        for start in range(0, len(mailings), SAVE_CHUNK):
            chunk = list(mailings[start:start + SAVE_CHUNK])
            items = [mailing_item(mailing) for mailing in chunk]

            def build(transaction: TransactWrite, items=items) -> None:
                for item in items:
                    transaction.save(item, condition=MailingItem.registration_no.exists())

            with conditions.checked(on_refusal=ConcurrentUpdateError):
                transactions.write(self._region, build)
            for mailing, item in zip(chunk, items):
                mailing.version = int(item.version)

    def window_page(self, year: int, state: MailingState, position: str | None, limit: int) -> Page:
        """One query on `by_window_state`, by registration number. `position` is the page's last
        registration number (no personal data in it)."""
        partition = window_state_key(year, state)
        start = start_key(registration_no=position, window_state=partition) if position else None
        items = MailingItem.by_window_state.query(partition, limit=limit + 1, last_evaluated_key=start)
        page, after = bounded(items, limit, lambda item: item.registration_no)
        return Page([_mailing(item) for item in page], after)
