"""The audit log: who looked at an application's full file, and when (kept apart from the
application so reading it never races a decision for the optimistic lock).

Every look adds an entry, so a subject's log grows without bound: it is only
ever read a page at a time, newest first.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from chalicelib.adapters.dynamo.keys import bounded, sortable, start_key
from chalicelib.adapters.dynamo.models import AuditItem
from chalicelib.domain.ports import AuditEntry, Page


class DynamoAuditLog:
    def record(self, subject: str, actor: str, action: str, at: datetime) -> None:
        AuditItem(subject, f"{sortable(at)}#{uuid.uuid4().hex[:8]}", actor=actor, action=action, at=at).save()

    def page(self, subject: str, position: str | None, limit: int) -> Page:
        """Newest first; one query of `limit + 1` items whatever the log's length.
        `position` is the last page's final entry key (time and a random suffix)."""
        start = start_key(subject=subject, entry_key=position) if position else None
        items = AuditItem.query(subject, scan_index_forward=False, limit=limit + 1, last_evaluated_key=start)
        page, after = bounded(items, limit, lambda item: item.entry_key)
        return Page([AuditEntry(item.at, item.actor, item.action) for item in page], after)
