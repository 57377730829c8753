"""Review rounds: who claimed a submitted application, until when, and what they decided."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ReviewOutcome(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ReviewIssue:
    """A field or material the reviewer found at fault; `item` is a field name or a material kind."""

    item: str
    note: str = ""


@dataclass(frozen=True)
class Lease:
    """A reviewer's hold on an application in review; others may take it over once `until` passes."""

    reviewer: str
    until: datetime

    def is_live(self, now: datetime) -> bool:
        return now < self.until


@dataclass(frozen=True)
class ReviewRound:
    """One submission and its review; a rejected application resubmitted starts the next round."""

    number: int
    submitted_at: datetime
    reviewer: str | None = None
    claimed_at: datetime | None = None
    decided_at: datetime | None = None
    outcome: ReviewOutcome | None = None
    opinion: str | None = None
    issues: tuple[ReviewIssue, ...] = ()
