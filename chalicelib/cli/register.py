"""`swreg import …` and `swreg window open`: loading the register and opening windows."""
from __future__ import annotations

import sys
from pathlib import Path

from chalicelib.services import imports, windows


def add_commands(commands) -> None:
    importer = commands.add_parser("import", help="import the register from CSV (idempotent upserts)")
    importer.add_argument("kind", choices=sorted(imports.KINDS))
    importer.add_argument("file", type=Path)
    importer.set_defaults(handler=run_import)

    window = commands.add_parser("window", help="registration windows")
    window_commands = window.add_subparsers(dest="window_command", required=True)
    opener = window_commands.add_parser("open", help="create the year's window or move its dates")
    opener.add_argument("--year", type=int, required=True)
    opener.add_argument("--opens", required=True, help="ISO time; without an offset it is Asia/Shanghai")
    opener.add_argument("--closes", required=True, help="ISO time; without an offset it is Asia/Shanghai")
    opener.set_defaults(handler=run_window_open)


class _Progress:
    """A one-line bar on a terminal; silent when stderr is a file or pipe."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.enabled = sys.stderr.isatty()

    def __call__(self, done: int) -> None:
        if self.enabled:
            filled = int(30 * done / self.total)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{self.total} rows")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def run_import(args, deps) -> int:
    try:
        with args.file.open(encoding="utf-8-sig", newline="") as counted:
            total = max(sum(1 for _ in counted) - 1, 0)
        progress = _Progress(total)
        with args.file.open(encoding="utf-8-sig", newline="") as lines:
            report = imports.import_csv(args.kind, lines, deps.register, progress=progress)
        progress.close()
    except (imports.BadFileError, UnicodeDecodeError, OSError) as exc:
        print(f"swreg: {args.file}: {exc}", file=sys.stderr)
        return 2
    for line, reasons in report.refused:
        detail = "; ".join(f"{field}: {reason}" for field, reason in reasons.items())
        print(f"{args.file}:{line}: refused — {detail}", file=sys.stderr)
    print(report.summary())
    return 1 if report.refused else 0


def run_window_open(args, deps) -> int:
    from chalicelib.domain.errors import ValidationError
    from chalicelib.domain.windows import parse_window_time
    try:
        window, created = windows.open_window(deps.windows, args.year, parse_window_time(args.opens),
                                              parse_window_time(args.closes))
    except ValidationError as exc:
        reasons = "; ".join(f"{k}: {v}" for k, v in exc.details.items()) or exc.message
        print(f"swreg: {reasons}", file=sys.stderr)
        return 2
    verb = "opened" if created else "moved"
    print(f"window {window.year} {verb}: {window.opens_at.isoformat()} → {window.closes_at.isoformat()} (Asia/Shanghai)")
    return 0
