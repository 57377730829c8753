"""The audit log: who looked at an application's full file, and when (kept apart from the
application so reading it never races a decision for the optimistic lock)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from chalicelib.adapters.dynamo.keys import sortable
from chalicelib.adapters.dynamo.models import AuditItem


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str


class DynamoAuditLog:
    def record(self, subject: str, actor: str, action: str, at: datetime) -> None:
        AuditItem(subject, f"{sortable(at)}#{uuid.uuid4().hex[:8]}", actor=actor, action=action, at=at).save()

    def of(self, subject: str) -> list[AuditEntry]:
        return [AuditEntry(item.at, item.actor, item.action) for item in AuditItem.query(subject)]
