"""`swreg mailings export|ship|backfill`: the post office's batch file out, the carrier's tracking numbers in,
and the mailings of certificates issued before mailings existed."""
from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from chalicelib.domain import texts
from chalicelib.domain.mailing import MailingState, print_batch_of
from chalicelib.services import mailings

PROGRESS_EVERY = 1000
_NOTES = texts.MAILING_CLI


def add_commands(commands) -> None:
    mailing = commands.add_parser("mailings", help="mailed paper certificates")
    actions = mailing.add_subparsers(dest="mailings_command", required=True)
    export = actions.add_parser(
        "export", help="write the post office's batch file (UTF-8 with BOM): by default (or --state to_print) the "
                       "window's to_print rows and the rows already printed today, marking the to_print ones printed "
                       "in today's batch (running it again the same day writes the same file; the next day only new "
                       "rows)")
    export.add_argument("--window", type=int, required=True, help="the window year")
    export.add_argument("--state", choices=[s.value for s in MailingState],
                        help="to_print: the default; printed: every printed row not yet shipped, marking nothing; "
                             "another state: its rows, marking nothing")
    export.add_argument("file", type=Path)
    export.set_defaults(handler=run_export)
    ship = actions.add_parser("ship", help="import the carrier's registration_no,carrier,tracking_no rows as "
                                           "shipped (idempotent; bad rows reported by line)")
    ship.add_argument("file", type=Path)
    ship.set_defaults(handler=run_ship)
    backfill = actions.add_parser(
        "backfill", help="start the mailings of a window's certificates issued before mailings existed (those "
                         "whose application chose mail); running it again adds none")
    backfill.add_argument("--window", type=int, required=True, help="the window year")
    backfill.set_defaults(handler=run_backfill)


def _actor() -> str:
    try:
        return f"operator:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in the environment or the password database
        return "operator"


def _progress(note: str):
    def report(done: int) -> None:
        if done and done % PROGRESS_EVERY == 0:
            print(_NOTES[note].format(done=f"{done:,}"), file=sys.stderr, flush=True)
    return report


def run_export(args, deps) -> int:
    state = MailingState(args.state) if args.state else None
    now = deps.clock.now()
    partial = args.file.with_name(args.file.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            report = mailings.export(deps, args.window, state, out, _actor(), now,
                                     progress=_progress("EXPORT_PROGRESS"))
        os.replace(partial, args.file)
    except OSError as exc:
        print(f"swreg: {args.file}: {exc}", file=sys.stderr)
        return 2
    finally:
        partial.unlink(missing_ok=True)
    selected = (_NOTES["SELECTED_PRINT"].format(batch=print_batch_of(now)) if mailings.prints(state)
                else state.chinese)
    print(_NOTES["EXPORT_DONE"].format(written=report.written, year=args.window, selected=selected,
                                       file=args.file, marked=report.marked))
    return 0


def run_ship(args, deps) -> int:
    try:
        with args.file.open(encoding="utf-8-sig", newline="") as lines:
            report = mailings.import_shipments(deps, lines, _actor(), deps.clock.now(),
                                               progress=_progress("SHIP_PROGRESS"))
    except mailings.BadFileError as exc:
        print(f"swreg: {args.file}: {exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(f"swreg: {args.file}: {_NOTES['NOT_UTF8']}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"swreg: {args.file}: {exc}", file=sys.stderr)
        return 2
    for line, reasons in report.refused:
        detail = _NOTES["DETAIL_SEPARATOR"].join(f"{field}: {reason}" for field, reason in reasons.items())
        print(_NOTES["SHIP_REFUSED"].format(file=args.file, line=line, detail=detail), file=sys.stderr)
    print(report.summary())
    return 1 if report.refused else 0


def run_backfill(args, deps) -> int:
    report = mailings.backfill(deps, args.window, _actor(), deps.clock.now(),
                               progress=_progress("BACKFILL_PROGRESS"))
    print(report.summary(args.window))
    return 0
