"""CSV imports: every bad row named by line, good rows written, re-runs change nothing."""
from __future__ import annotations

import io

import pytest

from chalicelib.domain.levels import Level
from chalicelib.services.imports import BadFileError, import_csv
from tests.fakes import FakeRegisterRepository
from tests.ids import make_id

GOOD_A, GOOD_B = make_id(seq=11), make_id(seq=12)
BAD_CHECK_DIGIT = make_id(seq=14)[:-1] + ("0" if make_id(seq=14)[-1] != "0" else "1")


def _csv(*lines: str, bom: bool = False) -> io.StringIO:
    text = "\n".join(lines) + "\n"
    return io.StringIO(("\ufeff" if bom else "") + text)


def test_practitioners_import_with_english_or_chinese_levels_and_a_bom():
    repo = FakeRegisterRepository()
    stream = io.StringIO(_csv("name,id_number,certificate_no,level,qualification_year",
                              f"周晓梅,{GOOD_A},Z2018000001,assistant,2018",
                              f"阿依古丽・买买提,{GOOD_B},Z2015000002,高级社会工作师,2015",
                              bom=True).getvalue().encode("utf-8").decode("utf-8-sig"))
    report = import_csv("practitioners", stream, repo)
    assert report.summary() == "read 2, imported 2, updated 0, unchanged 0, refused 0"
    assert repo.get_practitioner(GOOD_B).level is Level.SENIOR
    assert repo.get_practitioner(GOOD_B).name == "阿依古丽·买买提"


def test_bad_rows_are_reported_by_line_with_every_reason_and_not_written():
    repo = FakeRegisterRepository()
    report = import_csv("practitioners", _csv(
        "name,id_number,certificate_no,level,qualification_year",
        f"周晓梅,{GOOD_A},Z2018000001,assistant,2018",
        f"李\u200b雷,{BAD_CHECK_DIGIT},Z1,wizard,1800",
        f'"王\n芳",{GOOD_B},Z2,assistant,2019',
        f"赵六,{make_id(seq=13)},Z3,assistant,2019,extra"), repo)
    assert report.read == 4 and report.counts.imported == 1
    lines = {line: reasons for line, reasons in report.refused}
    assert set(lines) == {3, 5, 6}
    assert set(lines[3]) == {"name", "id_number", "level", "qualification_year"}
    assert "row" in lines[6]
    assert list(repo.practitioners) == [GOOD_A]


def test_importing_the_same_file_twice_changes_nothing_the_second_time():
    repo = FakeRegisterRepository()
    lines = ("id_number,registration_year,registration_no", f"{GOOD_A},2019,BJ2019-000001",
             f"{GOOD_A},2016,BJ2016-000001")
    assert import_csv("registrations", _csv(*lines), repo).counts.imported == 2
    again = import_csv("registrations", _csv(*lines), repo)
    assert (again.counts.imported, again.counts.updated, again.counts.unchanged) == (0, 0, 2)


def test_a_changed_row_counts_as_updated():
    repo = FakeRegisterRepository()
    header = "id_number,completed_on,hours,course,provider"
    import_csv("ce-records", _csv(header, f"{GOOD_A},2020-05-01,12,伦理,北京社工协会"), repo)
    report = import_csv("ce-records", _csv(header, f"{GOOD_A},2020-05-01,14.5,伦理,北京社工协会"), repo)
    assert report.counts.updated == 1
    assert [str(r.hours) for r in repo.ce_records_of(GOOD_A)] == ["14.5"]


def test_a_file_without_the_required_columns_is_refused_whole():
    with pytest.raises(BadFileError, match="qualification_year"):
        import_csv("practitioners", _csv("name,id_number,certificate_no,level", "x,y,z,w"),
                   FakeRegisterRepository())


def test_progress_is_reported_per_batch():
    seen = []
    rows = [f"{make_id(seq=n)},2019,BJ{n:04d}" for n in range(5)]
    import_csv("registrations", _csv("id_number,registration_year,registration_no", *rows),
               FakeRegisterRepository(), batch_size=2, progress=seen.append)
    assert seen == [2, 4, 5]
