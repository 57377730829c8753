"""`swreg export applications|stats` against DynamoDB Local: the file, the filter, the progress, the refusals."""
from __future__ import annotations

import csv
import dataclasses
import json
import random
import uuid
from datetime import timedelta

import pytest

from chalicelib.cli import exports as export_cli
from chalicelib.cli import main
from chalicelib.domain.application import Application, ApplicationStatus
from chalicelib.domain.eligibility import RegistrationType, evaluate
from chalicelib.services import exports
from tests import approvals

# Window years only these tests use: the tests share one DynamoDB Local, and the jobs' tests sweep
# their own years and the next (window-tick 2001–2020, certificates 1998–2000 and 2031–2050, fix period and
# reconsideration 2052+3k and the year after). Each test takes one that holds no application yet.
OWN_YEARS = range(2054, 2100, 3)


@pytest.fixture
def window(deps):
    year = next(y for y in random.sample(OWN_YEARS, len(OWN_YEARS)) if not deps.applications.counts(y))
    return approvals.spring_window(deps, year)


def _application(deps, window, status: ApplicationStatus, name: str = "周晓梅") -> Application:
    """A stored application of a fresh practitioner, driven through the domain to `status`."""
    person = approvals.practitioner(deps, window, name)
    at = window.opens_at + timedelta(days=1)
    verdict = evaluate(person, [], [], window).verdict(RegistrationType.FIRST)
    application = Application.start(uuid.uuid4().hex, person, verdict, window, at, actor="applicant")
    if status is not ApplicationStatus.DRAFT:
        approvals.complete(application, window, at)
        application.submit(at, window, declaration=True, actor="applicant")
    if status is ApplicationStatus.APPROVED:
        application.claim("rev1", at)
        application.approve("rev1", at + timedelta(minutes=5))
    application.pull_events()
    deps.applications.add(application)
    return deps.applications.get(application.application_id)


def _read(path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    with path.open(encoding="utf-8-sig", newline="") as lines:
        return list(csv.reader(lines))


def _export(window, path, *more: str) -> int:
    return main(["--stage", "test", "export", "applications", "--window", str(window.year), *more, str(path)])


def test_export_writes_every_submitted_application_under_a_chinese_header_and_is_audited(deps, window, tmp_path,
                                                                                         capsys):
    submitted = _application(deps, window, ApplicationStatus.SUBMITTED, "李建国")
    approved = _application(deps, window, ApplicationStatus.APPROVED)
    _application(deps, window, ApplicationStatus.DRAFT)
    path = tmp_path / "申请.csv"
    assert _export(window, path) == 0
    header, *rows = _read(path)
    assert header == exports.header() and header[:3] == ["申请编号", "登记类型", "申请状态"]
    by_id = {row[0]: dict(zip(exports.COLUMNS, row)) for row in rows}
    assert set(by_id) == {submitted.application_id, approved.application_id}
    mine, theirs = by_id[submitted.application_id], by_id[approved.application_id]
    # the operator's file: in full, as a text formula so that Excel keeps all 18 digits
    number = submitted.id_number
    assert mine["id_number"] == (f'="{number}"' if number.isdigit() else number)
    assert (mine["name"], mine["phone"], mine["status"]) == ("李建国", submitted.fields.phone, "已提交")
    assert (theirs["status"], theirs["reviewer"]) == ("审核通过", "rev1")
    out = capsys.readouterr().out
    assert f"已导出 2 条（{window.year}年度" in out and str(path) in out
    audit = deps.audit.page(exports.AUDIT_SUBJECT, None, 50).items
    exported = [e for e in audit if f"window {window.year}," in e.action]
    assert sorted(e.action.endswith("2 rows written") for e in exported) == [False, True]  # its start and end
    assert all(submitted.id_number not in e.action for e in exported)


def test_export_of_one_status_holds_only_that_status(deps, window, tmp_path):
    _application(deps, window, ApplicationStatus.SUBMITTED)
    approved = _application(deps, window, ApplicationStatus.APPROVED)
    path = tmp_path / "approved.csv"
    assert _export(window, path, "--status", "approved") == 0
    _, *rows = _read(path)
    assert [row[0] for row in rows] == [approved.application_id]
    drafts = tmp_path / "drafts.csv"
    draft = _application(deps, window, ApplicationStatus.DRAFT)
    assert _export(window, drafts, "--status", "draft") == 0
    assert [row[0] for row in _read(drafts)[1:]] == [draft.application_id]


def test_export_reports_progress_on_stderr_every_n_rows_and_at_the_end(deps, window, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(export_cli, "PROGRESS_EVERY", 2)
    for _ in range(3):
        _application(deps, window, ApplicationStatus.SUBMITTED)
    assert _export(window, tmp_path / "out.csv") == 0
    err = capsys.readouterr().err.splitlines()
    assert err == ["已导出 2 / 约 3 条", "已导出 3 / 约 3 条"]


def test_export_with_an_unknown_status_exits_2_naming_the_allowed_ones_and_writes_nothing(deps, window, tmp_path,
                                                                                         capsys):
    path = tmp_path / "never.csv"
    assert _export(window, path, "--status", "approve") == 2
    err = capsys.readouterr().err
    assert err.startswith("swreg: --status 只能是")
    assert "approved（审核通过）" in err and "draft（草稿）" in err
    assert not path.exists()


def test_an_excel_formula_typed_into_a_field_is_written_as_text(deps, window, tmp_path):
    application = _application(deps, window, ApplicationStatus.SUBMITTED)
    application.fields = dataclasses.replace(application.fields, employer="=HYPERLINK(1)")
    deps.applications.save(application)
    path = tmp_path / "formula.csv"
    assert _export(window, path) == 0
    assert dict(zip(exports.COLUMNS, _read(path)[1]))["employer"] == "'=HYPERLINK(1)"


def test_only_an_id_number_of_digits_becomes_excels_text_formula():
    assert export_cli._cell("id_number", "110101199003071234") == '="110101199003071234"'
    assert export_cli._cell("id_number", "11010119900307123X") == "11010119900307123X"
    assert export_cli._cell("phone", "13912345678") == "13912345678"


def test_stats_prints_a_chinese_table_of_status_by_type_and_json_on_request(deps, window, capsys):
    _application(deps, window, ApplicationStatus.SUBMITTED)
    _application(deps, window, ApplicationStatus.APPROVED)
    _application(deps, window, ApplicationStatus.APPROVED)
    assert main(["--stage", "test", "export", "stats", "--window", str(window.year)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{window.year}年度登记申请统计（按状态和登记类型）"
    assert lines[1].split() == ["申请状态", "首登记", "再登记", "补登记", "补证", "合计"]
    assert next(x for x in lines if x.startswith("审核通过")).split() == ["审核通过", "2", "0", "0", "0", "2"]
    assert lines[-1].split() == ["合计", "3", "0", "0", "0", "3"]
    assert main(["--stage", "test", "export", "stats", "--window", str(window.year), "--json"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["window"] == window.year and counts["by_status"]["approved"] == 2


class _FailingAfterSubmitted:
    """The real repository, but the index read of any status after `submitted` fails."""

    def __init__(self, real) -> None:
        self.real = real

    def __getattr__(self, name):
        return getattr(self.real, name)

    def queue_page(self, year, status, kind, position, limit):
        if status is not ApplicationStatus.SUBMITTED:
            raise RuntimeError("the table went away")
        return self.real.queue_page(year, status, kind, position, limit)


def test_an_export_that_fails_half_way_leaves_no_file_and_is_audited_with_the_rows_written(deps, swap, window,
                                                                                           tmp_path):
    _application(deps, window, ApplicationStatus.SUBMITTED)
    swap(applications=_FailingAfterSubmitted(deps.applications))
    path = tmp_path / "half.csv"
    with pytest.raises(RuntimeError):
        _export(window, path)
    assert list(tmp_path.iterdir()) == []
    actions = [e.action for e in deps.audit.page(exports.AUDIT_SUBJECT, None, 50).items
               if f"window {window.year}," in e.action]
    assert sorted(actions)[-1].endswith(": 1 rows written")
