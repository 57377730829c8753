"""Key helpers shared by the repositories: sortable timestamps and page positions.

A page position is the sort-key value of the last item a page returned: a
timestamp and an opaque id, never a partition value (those hold ID numbers).
The repository re-derives the partition value from its own arguments and
rebuilds DynamoDB's `ExclusiveStartKey` from the two. Positions are only sealed
into client cursors at the HTTP edge (`chalicelib/handlers/cursors.py`).
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")


def sortable(moment: datetime) -> str:
    """UTC, fixed width: sort keys must order as the instants do."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def id_in(position: str) -> str:
    """The id a `<sortable time>#<id>` sort key ends with (its table's own key)."""
    return position.rpartition("#")[2]


def start_key(**attributes: str) -> dict[str, dict[str, str]]:
    """DynamoDB's `ExclusiveStartKey` in low-level form, for string key attributes."""
    return {name: {"S": value} for name, value in attributes.items()}


def bounded(results: Iterable[T], limit: int, position_of: Callable[[T], str]) -> tuple[list[T], str | None]:
    """One page from a query run with `limit + 1`: the extra item only tells that a next
    page exists, so the last page's position is None (never an empty page after it)."""
    found = list(results)
    if len(found) > limit:
        return found[:limit], position_of(found[limit - 1])
    return found, None
