"""The stats counters' keys and moves (domain/tally.py): pure, no storage."""
from __future__ import annotations

import subprocess
import sys

from chalicelib.domain import tally
from chalicelib.domain.application import ApplicationStatus as S
from chalicelib.domain.eligibility import RegistrationType as T


def test_an_application_counts_in_one_shard_the_same_in_every_process():
    ids = [f"app-{n}" for n in range(200)]
    shards = [tally.shard_of(i) for i in ids]
    assert all(0 <= shard < tally.STATS_SHARDS for shard in shards) and len(set(shards)) > tally.STATS_SHARDS // 2
    elsewhere = subprocess.run(  # str hashes are salted per process: the shard must not be one
        [sys.executable, "-c", "from chalicelib.domain import tally; print(tally.shard_of('app-7'))"],
        capture_output=True, text=True, check=True).stdout.strip()
    assert int(elsewhere) == shards[7]


def test_a_window_reads_all_its_shards_in_one_batch():
    names = tally.item_names(2026)
    assert len(set(names)) == tally.STATS_SHARDS <= 100 and names[3] == "stats#2026#3"


def test_a_write_moves_nothing_when_the_key_is_kept_and_one_item_when_it_changes():
    shard = f"stats#2026#{tally.shard_of('a1')}"
    assert tally.changes("a1", (2026, S.SUBMITTED, T.FIRST), (2026, S.SUBMITTED, T.FIRST)) == {}
    assert tally.changes("a1", None, (2026, S.DRAFT, T.FIRST)) == {shard: {"draft__first": 1}}
    assert tally.changes("a1", (2026, S.IN_REVIEW, T.FIRST), (2026, S.APPROVED, T.FIRST)) == {
        shard: {"in_review__first": -1, "approved__first": 1}}
    moved_window = tally.changes("a1", (2026, S.REJECTED, T.FIRST), (2027, S.RECONSIDERATION_REQUESTED, T.FIRST))
    assert moved_window == {shard: {"rejected__first": -1},
                            shard.replace("2026", "2027"): {"reconsideration_requested__first": 1}}


def test_the_shards_add_up_to_counts_with_zeros_left_out():
    shards = [{"draft__first": 2, "submitted__renewal": None}, {"draft__first": -2, "approved__first": 3},
              {"value": 9, "approved__first": 1}]
    assert tally.totals(shards) == {(S.APPROVED, T.FIRST): 4}


def test_the_drift_is_what_makes_the_counters_true():
    true = {(S.DRAFT, T.FIRST): 3, (S.SUBMITTED, T.FIRST): 1}
    counted = {(S.DRAFT, T.FIRST): 3, (S.APPROVED, T.FIRST): 2}
    assert tally.drift(true, counted) == {(S.SUBMITTED, T.FIRST): 1, (S.APPROVED, T.FIRST): -2}
    assert tally.drift(true, true) == {}
