"""Mailing paper certificates (邮寄, SPEC §2.10): staff actions, the admins' list, the post office's batch
file, the carrier's tracking numbers, and the backfill of certificates issued before mailings existed.

Mailings start in the certificate job (`services/certificates`, in the issue's transaction);
`backfill` starts them for a window's certificates issued before that, with the same rule.
Here staff move them on: the export marks the rows it writes `printed`; shipping
(by the API or a carrier's file) stores the waybill together with the applicant's
message and SMS in one transaction; a return or a delivery is recorded with its note.
Every staff action is audited under `mailing#<registration_no>`, without personal data;
an export and a backfill under `mailings#<year>`.

The export prints a day's batch. Its default selection (and `--state to_print`, the same) is
the window's to_print rows plus the rows already printed in today's batch (the export's date
in Beijing, `Mailing.print_batch`), in registration-number order; its to_print rows are marked
printed in today's batch. So running it again the same day writes the same file (with any row
started since), and the next day's export takes only the rows not printed yet. `--state printed`
writes every printed row (not yet shipped) and marks nothing; any other state, that state's rows.
"""
from __future__ import annotations

import csv
import heapq
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterable, Iterator, Sequence, TextIO

from chalicelib.domain import spreadsheet, texts
from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.certificates import CertificateStatus
from chalicelib.domain.errors import ConcurrentUpdateError, InvalidTransitionError, NotFoundError, ValidationError
from chalicelib.domain.mailing import (
    Mailing,
    MailingNote,
    MailingQuery,
    MailingState,
    Shipment,
    export_row,
    mailing_for,
    parse_shipment,
    print_batch_of,
    shipped_notices,
)
from chalicelib.domain.ports import Page
from chalicelib.domain.verification import is_plausible_number, normalize_number
from chalicelib.domain.windows import SHANGHAI
from chalicelib.services.deps import Deps

PAGE_SIZE = 50
EXPORT_PAGE = 500      # rows read per index query while exporting
MARK_CHUNK = 100       # rows marked printed per transaction
BACKFILL_PAGE = 100    # certified applications per queue-index page (and per batch read of their certificates)
SHIP_COLUMNS = ("registration_no", "carrier", "tracking_no")


def audit_subject(registration_no: str) -> str:
    return f"mailing#{registration_no}"


def window_audit_subject(year: int) -> str:
    """Where a window's list reads, exports and backfills are audited."""
    return f"mailings#{year}"


def _load(deps: Deps, registration_no: str) -> Mailing:
    mailing = deps.mailings.get(registration_no)
    if mailing is None:
        raise NotFoundError()
    return mailing


# --- staff actions ---------------------------------------------------------------------------

def ship(deps: Deps, registration_no: str, shipment: Shipment, actor: str, now: datetime) -> Mailing:
    """Printed (or returned) → shipped under the waybill, with the applicant's message and SMS in the
    same transaction. The same waybill again changes nothing and sends nothing. Raises NotFoundError,
    InvalidTransitionError (not printed yet, delivered, shipped under another waybill) and
    ConcurrentUpdateError."""
    mailing = _load(deps, registration_no)
    _ship(deps, mailing, shipment, actor, now)
    return mailing


def _ship(deps: Deps, mailing: Mailing, shipment: Shipment, actor: str, now: datetime) -> bool:
    if not mailing.ship(shipment.carrier, shipment.tracking_no, actor, now):
        return False
    messages, sms = shipped_notices(mailing)
    deps.mailings.save(mailing, messages, sms)
    deps.audit.record(audit_subject(mailing.registration_no), actor,
                      f"ship: {shipment.carrier} {shipment.tracking_no}", now)
    return True


def mark_returned(deps: Deps, registration_no: str, note: MailingNote, actor: str, now: datetime) -> Mailing:
    """Shipped → returned, with why. Raises NotFoundError, InvalidTransitionError, ConcurrentUpdateError."""
    mailing = _load(deps, registration_no)
    mailing.mark_returned(note.note or "", actor, now)
    deps.mailings.save(mailing)
    deps.audit.record(audit_subject(registration_no), actor, "returned", now)
    return mailing


def mark_delivered(deps: Deps, registration_no: str, note: MailingNote, actor: str, now: datetime) -> Mailing:
    """Shipped → delivered. Raises NotFoundError, InvalidTransitionError, ConcurrentUpdateError."""
    mailing = _load(deps, registration_no)
    mailing.mark_delivered(note.note, actor, now)
    deps.mailings.save(mailing)
    deps.audit.record(audit_subject(registration_no), actor, "delivered", now)
    return mailing


# --- the admins' list --------------------------------------------------------------------------

def window_of(query: MailingQuery, now: datetime) -> int:
    return query.window if query.window is not None else now.astimezone(SHANGHAI).year


def list_page(deps: Deps, query: MailingQuery, position: str | None, now: datetime,
              limit: int = PAGE_SIZE) -> Page:
    """A window's mailings of one state, or of every state, by registration number. The position is
    a registration number, so one page of every state's partition, each started after it and merged,
    is the next page of all of them."""
    states = (query.state,) if query.state is not None else tuple(MailingState)
    year = window_of(query, now)
    pages = [deps.mailings.window_page(year, state, position, limit) for state in states]
    merged = sorted((m for page in pages for m in page.items), key=lambda m: m.registration_no)
    more = len(merged) > limit or any(page.position is not None for page in pages)
    items = merged[:limit]
    return Page(items, items[-1].registration_no if more and items else None)


def admin_page(deps: Deps, query: MailingQuery, position: str | None, actor: str, now: datetime) -> Page:
    """`list_page` for an admin: names, phones and addresses unmasked, so each page read is audited
    (under `mailings#<year>`; the summary holds no personal data)."""
    page = list_page(deps, query, position, now)
    state = query.state.value if query.state is not None else "all"
    deps.audit.record(window_audit_subject(window_of(query, now)), actor, f"list {state}: {len(page.items)} rows",
                      now)
    return page


# --- the post office's batch file ------------------------------------------------------------

@dataclass
class ExportReport:
    written: int = 0
    marked: int = 0


def _state_rows(deps: Deps, year: int, state: MailingState) -> Iterator[Mailing]:
    position = None
    while True:
        page = deps.mailings.window_page(year, state, position, EXPORT_PAGE)
        yield from page.items
        position = page.position
        if position is None:
            return


def prints(state: MailingState | None) -> bool:
    """Whether an export of `state` prints a batch (and marks its rows): the default and to_print."""
    return state is None or state is MailingState.TO_PRINT


def selection(deps: Deps, year: int, state: MailingState | None, now: datetime) -> Iterator[Mailing]:
    """The export's rows in registration-number order, each once. Printing (`prints`): the to_print
    rows and the rows printed in `now`'s batch; otherwise `state`'s rows. A row marked printed while
    the selection is read may turn up in the printed partition again: anything not after the last
    number given is passed over. The printed partition holds the rows not yet shipped (a carrier's
    file moves them on), so reading it for today's batch stays small."""
    if prints(state):
        batch = print_batch_of(now)
        streams = [_state_rows(deps, year, MailingState.TO_PRINT),
                   (m for m in _state_rows(deps, year, MailingState.PRINTED) if m.print_batch == batch)]
    else:
        streams = [_state_rows(deps, year, state)]
    last = None
    for mailing in heapq.merge(*streams, key=lambda m: m.registration_no):
        if last is not None and mailing.registration_no <= last:
            continue
        last = mailing.registration_no
        yield mailing


def _described(state: MailingState | None, now: datetime) -> str:
    """What an export selected, for the audit log (no personal data)."""
    return f"print batch {print_batch_of(now)}" if prints(state) else f"state {state.value}"


def export(deps: Deps, year: int, state: MailingState | None, out: TextIO, actor: str, now: datetime,
           progress: Callable[[int], None] | None = None) -> ExportReport:
    """Write the batch file to `out` (`spreadsheet.csv_writer`: a BOM, the Chinese header, then one
    line per mailing) and, when it prints (`prints`), mark its to_print rows printed in today's batch,
    a chunk at a time as the rows are written. Audited under `mailings#<year>` before the first row
    is written and again at the end, however it ends. A crash leaves the rest to_print; the next run
    the same day writes the same file and marks the rest."""
    subject, described = window_audit_subject(year), _described(state, now)
    deps.audit.record(subject, actor, f"export {described}: started", now)
    report = ExportReport()
    try:
        _write(deps, year, state, out, actor, now, progress, report)
    finally:
        deps.audit.record(subject, actor,
                          f"export {described}: {report.written} rows written, {report.marked} marked printed",
                          deps.clock.now())
    return report


def _write(deps: Deps, year: int, state: MailingState | None, out: TextIO, actor: str, now: datetime,
           progress: Callable[[int], None] | None, report: ExportReport) -> None:
    writer = spreadsheet.csv_writer(out)
    writer.writerow(texts.MAILING_EXPORT_HEADER)
    pending: list[Mailing] = []
    marking = prints(state)
    for mailing in selection(deps, year, state, now):
        writer.writerow(export_row(mailing))
        report.written += 1
        if marking and mailing.state is MailingState.TO_PRINT:
            pending.append(mailing)
            if len(pending) >= MARK_CHUNK:
                report.marked += _mark_printed(deps, pending, actor, now)
                pending = []
        if progress and report.written % 1000 == 0:
            progress(report.written)
    if pending:
        report.marked += _mark_printed(deps, pending, actor, now)
    if progress:
        progress(report.written)


def _mark_printed(deps: Deps, mailings: list[Mailing], actor: str, now: datetime) -> int:
    """Mark a chunk printed in one transaction; when it is refused (a row read from the index a moment
    stale, or marked by a racing export), row by row from a consistent read."""
    for mailing in mailings:
        mailing.mark_printed(actor, now)
    try:
        deps.mailings.save_many(mailings)
        return len(mailings)
    except ConcurrentUpdateError:
        marked = 0
        for stale in mailings:
            fresh = deps.mailings.get(stale.registration_no)
            if fresh is None or fresh.state is not MailingState.TO_PRINT:
                continue
            fresh.mark_printed(actor, now)
            try:
                deps.mailings.save(fresh)
                marked += 1
            except ConcurrentUpdateError:
                continue
        return marked


# --- the carrier's tracking numbers ----------------------------------------------------------

class BadFileError(ValueError):
    """The file as a whole cannot be imported (wrong columns, a line that is no CSV); the message is
    the operator's, in Chinese."""


@dataclass
class ShipReport:
    read: int = 0
    shipped: int = 0
    unchanged: int = 0
    refused: list[tuple[int, dict[str, str]]] = field(default_factory=list)

    def summary(self) -> str:
        return texts.MAILING_CLI["SHIP_SUMMARY"].format(read=self.read, shipped=self.shipped,
                                                        unchanged=self.unchanged, refused=len(self.refused))


def _rows(reader: csv.DictReader) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) with values trimmed; a line the csv module cannot read is a BadFileError naming it
    (`line_num` counts the lines read before it)."""
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise BadFileError(texts.MAILING_CLI["SHIP_UNREADABLE"].format(line=reader.line_num + 1)) from exc
        values.pop(None, None)
        yield reader.line_num, {k: (v or "").strip() for k, v in values.items() if k}


def import_shipments(deps: Deps, lines: TextIO, actor: str, now: datetime, *, batch_size: int = 100,
                     progress: Callable[[int], None] | None = None) -> ShipReport:
    """Ship every good `registration_no,carrier,tracking_no` row (UTF-8, BOM optional, header row);
    each bad one is reported by its line with the reason and changes nothing. Numbers are read as
    verification reads them (`normalize_number`: spaces removed, upper-cased). Idempotent: a row
    already shipped under its waybill is unchanged and sends no second SMS. Raises BadFileError for
    missing columns (nothing shipped) and for a line that is no CSV at all (the batches before it
    stay shipped: import the mended file again)."""
    reader = csv.DictReader(lines)
    try:
        header = [name.strip() for name in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise BadFileError(texts.MAILING_CLI["SHIP_UNREADABLE"].format(line=reader.line_num + 1)) from exc
    missing = [column for column in SHIP_COLUMNS if column not in header]
    if missing:
        raise BadFileError(texts.MAILING_CLI["SHIP_MISSING_COLUMNS"].format(
            missing=",".join(missing), expected=",".join(SHIP_COLUMNS)))
    reader.fieldnames = header
    report = ShipReport()
    batch: list[tuple[int, dict[str, str]]] = []
    for line, row in _rows(reader):
        report.read += 1
        row["registration_no"] = normalize_number(row.get("registration_no", ""))
        batch.append((line, row))
        if len(batch) >= batch_size:
            _ship_batch(deps, batch, report, actor, now)
            batch = []
            if progress:
                progress(report.read)
    if batch:
        _ship_batch(deps, batch, report, actor, now)
    if progress:
        progress(report.read)
    return report


def _ship_batch(deps: Deps, rows: Iterable[tuple[int, dict[str, str]]], report: ShipReport, actor: str,
                now: datetime) -> None:
    rows = list(rows)
    # an implausible number (too long, odd characters) is unknown without a lookup
    known = deps.mailings.get_many([row["registration_no"] for _, row in rows
                                    if is_plausible_number(row["registration_no"])])
    for line, row in rows:
        number = row["registration_no"]
        try:
            carrier, tracking_no = parse_shipment(row.get("carrier"), row.get("tracking_no"))
        except ValidationError as exc:
            report.refused.append((line, exc.details))
            continue
        mailing = known.get(number)
        if mailing is None:
            reason = ("MAILING_NOT_MAILED" if is_plausible_number(number) and deps.certificates.get(number)
                      is not None else "MAILING_UNKNOWN")
            report.refused.append((line, {"registration_no": texts.reason(reason)}))
            continue
        try:
            changed = _ship(deps, mailing, Shipment(carrier, tracking_no), actor, now)
        except InvalidTransitionError:
            report.refused.append((line, {"state": _why_not_shipped(mailing)}))
            continue
        except ConcurrentUpdateError:
            # changed since the batch read: once more from a consistent read
            mailing = deps.mailings.get(number)
            try:
                changed = _ship(deps, mailing, Shipment(carrier, tracking_no), actor, now)
            except (InvalidTransitionError, ConcurrentUpdateError):
                report.refused.append((line, {"state": _why_not_shipped(mailing)}))
                continue
        known[number] = mailing
        if changed:
            report.shipped += 1
        else:
            report.unchanged += 1


def _why_not_shipped(mailing: Mailing) -> str:
    if mailing.state is MailingState.SHIPPED:
        return texts.reason("MAILING_SHIPPED_OTHERWISE", tracking_no=mailing.tracking_no)
    return texts.reason("MAILING_CANNOT_SHIP", state=mailing.state.chinese)


# --- certificates issued before mailings existed -----------------------------------------------

@dataclass
class BackfillReport:
    read: int = 0          # the window's certified applications read
    added: int = 0         # mailings started now
    existing: int = 0      # already had one (the job's, or an earlier backfill's)
    electronic: int = 0    # picked up electronically: nothing to mail
    void: int = 0          # the certificate is revoked or replaced (or missing): nothing to print

    def summary(self, year: int) -> str:
        return texts.MAILING_CLI["BACKFILL_DONE"].format(year=year, read=self.read, added=self.added,
                                                         existing=self.existing, electronic=self.electronic,
                                                         void=self.void)


_NOT_PRINTED = (CertificateStatus.REVOKED, CertificateStatus.REPLACED)


def backfill(deps: Deps, year: int, actor: str, now: datetime, *, page_size: int = BACKFILL_PAGE,
             progress: Callable[[int], None] | None = None) -> BackfillReport:
    """Start the mailing of each of the window's certificates that has none though its application
    chose mail (issued before mailings existed), with the certificate job's rule (`mailing_for`),
    `to_print`. Reads the window's certified applications through the queue index a page at a time
    (never a scan), with one batch read of their certificates and one of their mailings per page;
    each mailing is added conditionally, so a racing run or the job cannot start a second one and
    running it again adds none. Revoked and replaced certificates are not mailed. Audited under
    `mailings#<year>` (counts only)."""
    report, position = BackfillReport(), None
    while True:
        page = deps.applications.queue_page(year, ApplicationStatus.CERTIFIED, None, position, page_size)
        _backfill_page(deps, page.items, report, actor, now)
        if progress:
            progress(report.read)
        position = page.position
        if position is None:
            break
    deps.audit.record(window_audit_subject(year), actor,
                      f"backfill: {report.read} certified read, {report.added} mailings added", now)
    return report


def _backfill_page(deps: Deps, applications: Sequence, report: BackfillReport, actor: str, now: datetime) -> None:
    numbers = [a.registration_no for a in applications if a.registration_no]
    issued = deps.certificates.get_many(numbers) if numbers else {}
    mailed = deps.mailings.get_many(numbers) if numbers else {}
    for application in applications:
        report.read += 1
        number = application.registration_no
        certificate = issued.get(number) if number else None
        if number in mailed:
            report.existing += 1
        elif certificate is None or certificate.status(now) in _NOT_PRINTED:
            report.void += 1
        elif (mailing := mailing_for(application, certificate, now, actor=actor)) is None:
            report.electronic += 1
        elif deps.mailings.add(mailing):
            report.added += 1
        else:
            report.existing += 1
