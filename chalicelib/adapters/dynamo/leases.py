"""Job leases in DynamoDB: one item `job#<name>` in the counters table (JobLeaseItem).

Both moves are single conditional writes, so racing runs need no lock of their own:
a put that holds only when no lease is there, it has lapsed or it is the caller's,
and a delete that holds only while the caller still holds it. A run that dies
leaves its lease to lapse at `until`.
"""
from __future__ import annotations

from datetime import datetime

from chalicelib.adapters.dynamo import conditions
from chalicelib.adapters.dynamo.models import JobLeaseItem


def _key(name: str) -> str:
    return f"job#{name}"


class DynamoJobLeases:
    def acquire(self, name: str, holder: str, until: datetime, now: datetime) -> bool:
        with conditions.checked() as taken:
            JobLeaseItem(_key(name), holder=holder, until=until).save(
                condition=JobLeaseItem.name.does_not_exist() | (JobLeaseItem.until <= now)
                | (JobLeaseItem.holder == holder))
        return not taken.refused

    def release(self, name: str, holder: str) -> None:
        with conditions.checked():
            JobLeaseItem(_key(name)).delete(condition=JobLeaseItem.holder == holder)
