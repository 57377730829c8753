"""Cells and CSV files for Excel: the one place that knows how a spreadsheet misreads a value.

Every CSV file the service writes for people to open in Excel (the applications export, the post
office's mailing batch, the employers' batch verification) goes through here:
- `text_cell`: a value that starts like a formula (`=`, `+`, `-`, `@`, tab, carriage return) is
  quoted with a leading `'`, so Excel shows it and never runs it (addresses, names and employers
  are typed by applicants; numbers are pasted by the public).
- `digits_cell`: a value of digits only (an ID number, a postal code, a phone) is written as
  Excel's text formula `="…"`, which Excel shows (and saves back) as the digits themselves: read
  as a number, an 18-digit ID number keeps 15 significant digits and a postal code or a phone
  loses its leading zeros. Anything else is a `text_cell`.
- `csv_writer`: a writer that starts the file with a BOM (Excel reads UTF-8 as UTF-8 only after
  it) and ends lines with CRLF, as Excel writes them. Open the file `encoding="utf-8"`,
  `newline=""`: the BOM is the writer's.
"""
from __future__ import annotations

import csv
from typing import Any, TextIO

BOM = "\ufeff"
LINE_TERMINATOR = "\r\n"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    """The value, quoted with `'` when Excel would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def digits_cell(value: str) -> str:
    """Digits kept as text (`="…"`, leading zeros and all 18 digits of an ID number kept);
    anything but plain ASCII digits as `text_cell`."""
    if value.isascii() and value.isdigit():
        return f'="{value}"'
    return text_cell(value)


def csv_writer(out: TextIO) -> Any:
    """A `csv.writer` on `out` with CRLF line ends, the BOM written first."""
    out.write(BOM)
    return csv.writer(out, lineterminator=LINE_TERMINATOR)
