"""The audit log: who looked at what (an application's full file, a helpdesk search) or did what,
and when (kept apart from the application so reading it never races a decision for the
optimistic lock).

Every look adds an entry, so the log grows without bound: it is only ever read a page at a
time, newest first, by subject (the table's key), by actor (`by_actor`) or all of it
(`by_feed`, one constant partition: see `models.AuditItem`).

A page position is the last entry's `entry_key` (a time and a random suffix): it holds no
subject or actor. The index pages continue with the key condition `entry_key < position`
instead of an `ExclusiveStartKey`, which would have to carry the entry's subject as well.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from chalicelib.adapters.dynamo.keys import bounded, sortable, start_key
from chalicelib.adapters.dynamo.models import AUDIT_FEED, AuditItem
from chalicelib.domain.ports import AuditEntry, Page

# With an actor filter, a subject's entries are read this many at a time (the filter applies after).
_FILTERED_READ = 100


def _entry(item: AuditItem) -> AuditEntry:
    return AuditEntry(item.at, item.actor, item.action, item.subject)


def _page(items, limit: int) -> Page:
    page, after = bounded(items, limit, lambda item: item.entry_key)
    return Page([_entry(item) for item in page], after)


class DynamoAuditLog:
    def record(self, subject: str, actor: str, action: str, at: datetime) -> None:
        AuditItem(subject, f"{sortable(at)}#{uuid.uuid4().hex[:8]}", actor=actor, action=action, at=at).save()

    def page(self, subject: str, position: str | None, limit: int, actor: str | None = None) -> Page:
        """Newest first; one query of `limit + 1` items whatever the log's length. With `actor`,
        the subject's entries are filtered, read `_FILTERED_READ` at a time until a page is full
        (bounded by the one subject's log). `position` is the last page's final entry key."""
        start = start_key(subject=subject, entry_key=position) if position else None
        if actor is None:
            items = AuditItem.query(subject, scan_index_forward=False, limit=limit + 1, last_evaluated_key=start)
        else:
            items = AuditItem.query(subject, scan_index_forward=False, limit=limit + 1, last_evaluated_key=start,
                                    filter_condition=AuditItem.actor == actor,
                                    page_size=max(limit + 1, _FILTERED_READ))
        return _page(items, limit)

    def by_actor(self, actor: str, position: str | None, limit: int) -> Page:
        """Newest first: one query of `limit + 1` items on `by_actor`."""
        after = AuditItem.entry_key < position if position else None
        return _page(AuditItem.by_actor.query(actor, after, scan_index_forward=False, limit=limit + 1), limit)

    def newest(self, position: str | None, limit: int) -> Page:
        """Newest first: one query of `limit + 1` items on `by_feed`'s one partition."""
        after = AuditItem.entry_key < position if position else None
        items = AuditItem.by_feed.query(AUDIT_FEED, after, scan_index_forward=False, limit=limit + 1)
        return _page(items, limit)
