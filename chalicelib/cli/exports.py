"""`swreg export applications|stats`: a window's applications as a CSV file for Excel, and its counts."""
from __future__ import annotations

import getpass
import json
import sys
import unicodedata
from pathlib import Path

from chalicelib.domain import spreadsheet, texts

# The services (and through them the Powertools logger) are imported when a command runs,
# after `environment.apply` has set the stage's variables.

# A progress line on stderr every this many rows, and one at the end.
PROGRESS_EVERY = 1000
# Columns of digits Excel would read as a number (`spreadsheet.digits_cell`): an 18-digit ID number
# keeps 15 significant digits and shows as 1.10101E+17, and saving the sheet loses the rest for good.
_DIGITS_AS_TEXT = frozenset({"id_number"})


def add_commands(commands) -> None:
    parser = commands.add_parser("export", help="exports for operators: a window's applications, its counts")
    actions = parser.add_subparsers(dest="export_command", required=True)
    apps = actions.add_parser(
        "applications", help="a window's applications as CSV (UTF-8 with BOM, Chinese header; full ID numbers "
                             "and phones: the export is audited)")
    apps.add_argument("--window", type=int, required=True, help="the window's year, e.g. 2026")
    apps.add_argument("--status", help="only this status (submitted, in_review, approved, rejected, "
                                       "reconsideration_requested, expired, certified, draft, discarded); default: "
                                       "every submitted application, no drafts")
    apps.add_argument("file", type=Path, help="the CSV file to write (replaced if it exists)")
    apps.set_defaults(handler=run_applications)
    stats = actions.add_parser("stats", help="a window's applications counted by status and type")
    stats.add_argument("--window", type=int, required=True, help="the window's year, e.g. 2026")
    stats.add_argument("--json", action="store_true", help="the counts as JSON instead of a table")
    stats.set_defaults(handler=run_stats)


def _actor() -> str:
    """Who exports, for the audit log: the operator's login on this machine."""
    try:
        return getpass.getuser() or "operator"
    except (KeyError, OSError):  # no user name in the environment or the password database
        return "operator"


def _cell(column: str, value: str) -> str:
    """A value Excel shows as it is and never runs (`domain/spreadsheet.py`): an ID number
    of digits kept as text, anything else with a leading formula character quoted away."""
    return spreadsheet.digits_cell(value) if column in _DIGITS_AS_TEXT else spreadsheet.text_cell(value)


def _progress(done: int, expected: int) -> None:
    line = texts.EXPORT_NOTES["PROGRESS"].format(done=f"{done:,}", expected=f"{max(expected, done):,}")
    print(line, file=sys.stderr, flush=True)


def run_applications(args, deps) -> int:
    from chalicelib.domain.errors import ValidationError
    from chalicelib.services import exports
    try:
        export = exports.ApplicationExport.from_args(args.window, args.status)
    except ValidationError as exc:
        print(f"swreg: {exc.details.get('status', exc.message)}", file=sys.stderr)
        return 2
    expected, actor = exports.expected(deps, export), _actor()
    # Written beside the file and moved into place at the end: a file under the name asked for is
    # always whole, and an export that fails leaves no half copy of anyone's data behind.
    partial = args.file.with_name(args.file.name + ".partial")
    done, rows = 0, None
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            writer = spreadsheet.csv_writer(out)
            writer.writerow(exports.header())
            rows = exports.start(deps, export, actor, deps.clock.now())
            for row in rows:
                writer.writerow([_cell(column, value) for column, value in zip(exports.COLUMNS, row)])
                done += 1
                if done % PROGRESS_EVERY == 0:
                    _progress(done, expected)
        partial.replace(args.file)
    except OSError as exc:
        print(f"swreg: {args.file}: {exc}", file=sys.stderr)
        return 2
    finally:
        partial.unlink(missing_ok=True)
        if rows is not None:  # audited as started: the end goes on the log too, however it came
            exports.finish(deps, export, actor, done, deps.clock.now())
    if done % PROGRESS_EVERY or not done:
        _progress(done, expected)
    print(texts.EXPORT_NOTES["DONE"].format(done=f"{done:,}", year=export.window, statuses=export.describe(),
                                            file=args.file))
    return 0


def _width(text: str) -> int:
    """Columns on a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    space = " " * (width - _width(text))
    return space + text if right else text + space


def table(counts: dict) -> list[str]:
    """`review.stats`' counts as lines: a row per status, a column per type, with totals."""
    from chalicelib.domain.application import ApplicationStatus
    from chalicelib.domain.eligibility import RegistrationType
    total = texts.EXPORT_LABELS["total"]
    head = [texts.EXPORT_LABELS["status"], *(t.chinese for t in RegistrationType), total]
    cells = [[s.chinese, *(str(counts["by_status_and_type"].get(f"{s.value}/{t.value}", 0)) for t in RegistrationType),
              str(counts["by_status"][s.value])] for s in ApplicationStatus]
    cells.append([total, *(str(counts["by_type"][t.value]) for t in RegistrationType),
                  str(sum(counts["by_status"].values()))])
    widths = [max(_width(line[i]) for line in [head, *cells]) for i in range(len(head))]
    return ["  ".join(_pad(value, widths[i], right=i > 0) for i, value in enumerate(line))
            for line in [head, *cells]]


def run_stats(args, deps) -> int:
    from chalicelib.services import exports
    counts = exports.stats(deps, args.window, deps.clock.now())
    if args.json:
        print(json.dumps(counts, ensure_ascii=False, indent=2))
        return 0
    print(texts.EXPORT_NOTES["STATS_TITLE"].format(year=counts["window"]))
    for line in table(counts):
        print(line)
    return 0
