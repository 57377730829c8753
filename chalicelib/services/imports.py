"""Operator imports of the register from CSV (SPEC §4): validate every row, upsert the good ones.

A bad row is reported with its line number and every reason, and never
written; good rows are written in batches, each row whole. Running the same
file twice changes nothing the second time.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import Callable, TextIO

from chalicelib.domain import texts
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.ports import RegisterRepository, UpsertCounts
from chalicelib.domain.register import parse_ce_record, parse_practitioner, parse_registration


@dataclass(frozen=True)
class ImportKind:
    columns: tuple[str, ...]
    parse: Callable
    upsert: Callable[[RegisterRepository, list], UpsertCounts]


KINDS = {
    "practitioners": ImportKind(("name", "id_number", "certificate_no", "level", "qualification_year"),
                                parse_practitioner, lambda repo, rows: repo.upsert_practitioners(rows)),
    "registrations": ImportKind(("id_number", "registration_year", "registration_no"),
                                parse_registration, lambda repo, rows: repo.upsert_registrations(rows)),
    "ce-records": ImportKind(("id_number", "completed_on", "hours", "course", "provider"),
                             parse_ce_record, lambda repo, rows: repo.upsert_ce_records(rows)),
}


@dataclass
class ImportReport:
    read: int = 0
    counts: UpsertCounts = field(default_factory=UpsertCounts)
    refused: list[tuple[int, dict[str, str]]] = field(default_factory=list)

    def summary(self) -> str:
        c = self.counts
        return (f"read {self.read}, imported {c.imported}, updated {c.updated}, "
                f"unchanged {c.unchanged}, refused {len(self.refused)}")


class BadFileError(ValueError):
    """The file as a whole cannot be imported (wrong columns, not UTF-8)."""


def import_csv(kind: str, lines: TextIO, repo: RegisterRepository, *, batch_size: int = 1000,
               progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import one CSV (UTF-8, BOM optional, header row with the SPEC's columns)."""
    spec = KINDS[kind]
    reader = csv.DictReader(lines)
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [column for column in spec.columns if column not in header]
    if missing:
        raise BadFileError(f"missing columns: {', '.join(missing)} (expected {','.join(spec.columns)})")
    reader.fieldnames = header
    report, batch = ImportReport(), []
    for values in reader:
        report.read += 1
        extra = values.pop(None, None)  # more cells than columns
        try:
            if extra:
                raise ValidationError(details={"row": texts.reason("ROW_EXTRA_COLUMNS", count=len(extra))})
            batch.append(spec.parse({k: (v or "").strip() for k, v in values.items()}))
        except ValidationError as exc:
            report.refused.append((reader.line_num, exc.details or {"row": exc.message}))
        if len(batch) >= batch_size:
            report.counts += spec.upsert(repo, batch)
            batch = []
            if progress:
                progress(report.read)
    if batch:
        report.counts += spec.upsert(repo, batch)
    if progress:
        progress(report.read)
    return report

