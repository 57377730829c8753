"""The one rule for spreadsheet cells and CSV files (domain/spreadsheet.py): nothing runs as a formula,
digits stay digits, and a file opens in Excel as UTF-8 with CRLF line ends."""
from __future__ import annotations

import csv
import io

import pytest

from chalicelib.domain import spreadsheet


@pytest.mark.parametrize("value", ["=HYPERLINK(\"x\")", "+86 10", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_a_value_excel_would_run_as_a_formula_is_quoted(value):
    assert spreadsheet.text_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["周晓梅", "北京市西城区某街1号", "BJ2026000001", ""])
def test_any_other_text_is_written_as_it_is(value):
    assert spreadsheet.text_cell(value) == value


@pytest.mark.parametrize("value", ["110101199003071234", "010010", "01012345678", "13800138000"])
def test_digits_stay_text_with_their_leading_zeros_and_all_their_digits(value):
    assert spreadsheet.digits_cell(value) == f'="{value}"'


@pytest.mark.parametrize("value, cell", [("11010119900307123X", "11010119900307123X"), ("+8613800138000",
                                          "'+8613800138000"), ("１２３", "１２３"), ("", "")])
def test_anything_but_ascii_digits_is_an_ordinary_cell(value, cell):
    assert spreadsheet.digits_cell(value) == cell


def test_the_writer_starts_with_a_bom_and_ends_lines_with_crlf():
    out = io.StringIO()
    writer = spreadsheet.csv_writer(out)
    writer.writerow(["姓名", spreadsheet.digits_cell("010010")])
    assert out.getvalue() == '\ufeff姓名,"=""010010"""\r\n'
    assert list(csv.reader(io.StringIO(out.getvalue().removeprefix("\ufeff")))) == [["姓名", '="010010"']]
