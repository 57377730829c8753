"""`swreg stats recount`: the review stats' counters held to the applications themselves.

The counters (`domain/tally.py`) move in the same transaction as every application write,
so they drift only when something wrote applications around the repository, or before
they existed: applications written by a release before them are counted nowhere, and
a recount is how an operator initialises them. The truth is a COUNT query per status and
type on the queue index; the difference is added to the counters in one atomic update.
Run it when no one is writing to the window (a write between the COUNT and the
correction would be counted twice); run again, it finds no drift.
"""
from __future__ import annotations

from typing import Callable

from chalicelib.domain import tally
from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.services.deps import Deps

Counts = dict[tuple[ApplicationStatus, RegistrationType], int]


def recount(deps: Deps, year: int, progress: Callable[[ApplicationStatus, RegistrationType, int], None]
            ) -> Counts:
    """Count the window's applications per status and type (`progress` after each), correct the
    counters by the difference and return it (per status and type; empty when they were right)."""
    true: Counts = {}
    for status in ApplicationStatus:
        for kind in RegistrationType:
            true[(status, kind)] = deps.applications.recount_one(year, status, kind)
            progress(status, kind, true[(status, kind)])
    drift = tally.drift(true, deps.applications.counts(year))
    deps.applications.correct_counts(year, drift)
    return drift
