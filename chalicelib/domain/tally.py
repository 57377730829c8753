"""The review stats' counters: which counter an application counts in, and how a write moves it.

A window's applications are counted per (status, type) in STATS_SHARDS counter items
(`stats#<year>#<shard>`), each holding one number per (status, type). An application
always counts in the same shard (a stable hash of its id), so one transition is one
update of one item (-1 on its old key, +1 on its new one), and parallel reviewers and
certificate workers rarely touch the same item. The counters are written in the same
transaction as the application (see `adapters/dynamo/applications.py` for why not a stream).
"""
from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.eligibility import RegistrationType

if TYPE_CHECKING:
    from chalicelib.domain.application import Application

STATS_SHARDS = 32  # ≤ 100: a window's counters are read in one BatchGetItem
DRIFT_SHARD = 0    # where `swreg stats recount` writes the corrections

Key = tuple[int, ApplicationStatus, RegistrationType]
Changes = dict[str, dict[str, int]]  # counter item name -> {counter attribute: amount to add}


def key_of(application: "Application") -> Key:
    """The (window, status, type) an application counts under now."""
    return application.window_year, application.status, application.type


def shard_of(application_id: str) -> int:
    """Stable across processes and releases (Python's `hash` of a str is salted per process)."""
    return zlib.crc32(application_id.encode("utf-8")) % STATS_SHARDS


def item_name(year: int, shard: int) -> str:
    return f"stats#{year}#{shard}"


def item_names(year: int) -> list[str]:
    """A window's counter items, every shard."""
    return [item_name(year, shard) for shard in range(STATS_SHARDS)]


def attribute(status: ApplicationStatus, kind: RegistrationType) -> str:
    return f"{status.value}__{kind.value}"


ATTRIBUTES: dict[str, tuple[ApplicationStatus, RegistrationType]] = {
    attribute(status, kind): (status, kind) for status in ApplicationStatus for kind in RegistrationType}


def changes(application_id: str, stored: Key | None, now: Key) -> Changes:
    """What a write of the application moves: nothing when its key is unchanged, +1 on `now`
    for a new one (`stored` None), else -1 on `stored` and +1 on `now` (one item, or two
    should the window differ)."""
    if stored == now:
        return {}
    shard = shard_of(application_id)
    moved: Changes = {}
    for key, amount in ((stored, -1), (now, 1)):
        if key is not None:
            year, status, kind = key
            moved.setdefault(item_name(year, shard), {})[attribute(status, kind)] = amount
    return moved


def totals(shards: list[dict[str, int | None]]) -> dict[tuple[ApplicationStatus, RegistrationType], int]:
    """The counts of a window from its shards' numbers (by attribute), zero entries left out."""
    summed: dict[tuple[ApplicationStatus, RegistrationType], int] = {}
    for numbers in shards:
        for name, count in numbers.items():
            if name in ATTRIBUTES and count:
                summed[ATTRIBUTES[name]] = summed.get(ATTRIBUTES[name], 0) + int(count)
    return {key: count for key, count in summed.items() if count}


def drift(true: dict[tuple[ApplicationStatus, RegistrationType], int],
          counted: dict[tuple[ApplicationStatus, RegistrationType], int]
          ) -> dict[tuple[ApplicationStatus, RegistrationType], int]:
    """What to add to the counters so they say `true`: per (status, type), nonzero only."""
    keys = set(true) | set(counted)
    return {key: diff for key in sorted(keys) if (diff := true.get(key, 0) - counted.get(key, 0))}
