"""What services need from storage and the outside world, as interfaces.

Adapters implement these (DynamoDB in `chalicelib/adapters/dynamo/`); tests
use the in-memory fakes in `tests/fakes.py`, which one contract test keeps
honest against the real repositories.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Protocol, Sequence

if TYPE_CHECKING:
    from chalicelib.domain.application import Application
    from chalicelib.domain.register import CeRecord, Practitioner, Registration
    from chalicelib.domain.windows import Window


@dataclass(frozen=True)
class UpsertCounts:
    """What an import batch did: new rows, changed rows, rows already identical."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: "UpsertCounts") -> "UpsertCounts":
        return UpsertCounts(self.imported + other.imported, self.updated + other.updated,
                            self.unchanged + other.unchanged)


@dataclass(frozen=True)
class Page:
    """One page of a list; `cursor` is opaque and None on the last page."""

    items: list
    cursor: str | None


class RegisterRepository(Protocol):
    """The qualification register, past registrations and CE records (operator-imported)."""

    def get_practitioner(self, id_number: str) -> "Practitioner | None": ...

    def registrations_of(self, id_number: str) -> list["Registration"]:
        """Oldest first."""

    def ce_records_of(self, id_number: str) -> list["CeRecord"]: ...

    def upsert_practitioners(self, rows: Sequence["Practitioner"]) -> UpsertCounts:
        """Idempotent: writing the same rows twice changes nothing the second time.
        Each row is written whole or not at all."""

    def upsert_registrations(self, rows: Sequence["Registration"]) -> UpsertCounts: ...

    def upsert_ce_records(self, rows: Sequence["CeRecord"]) -> UpsertCounts: ...


class WindowRepository(Protocol):
    def get(self, year: int) -> "Window | None": ...

    def put(self, window: "Window") -> bool:
        """Create or move the year's window; True when it was new."""

    def around(self, year: int) -> Iterable["Window"]:
        """The windows of `year` and the next year, those that exist."""


class ApplicationRepository(Protocol):
    def get(self, application_id: str) -> "Application":
        """Raises NotFoundError."""

    def add(self, application: "Application") -> None:
        """Store a new application. Raises ConflictError (code LIVE_APPLICATION_EXISTS)
        when the practitioner already has one for that window — decided by a
        conditional write, never by reading first."""

    def save(self, application: "Application") -> None:
        """Write back a loaded application. Raises ConcurrentUpdateError when someone
        else saved it since it was loaded (optimistic locking on `version`)."""

    def list_for_applicant(self, id_number: str, cursor: str | None, limit: int) -> Page:
        """The practitioner's applications, newest first."""
