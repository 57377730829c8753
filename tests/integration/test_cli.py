"""`swreg import …` and `swreg window open` against DynamoDB Local."""
from __future__ import annotations

from datetime import timedelta

from chalicelib.cli import main
from chalicelib.domain.windows import SHANGHAI
from tests.ids import make_id


def test_import_reports_refused_lines_and_exits_non_zero(deps, tmp_path, capsys):
    good = make_id(region="120101", seq=21)
    path = tmp_path / "register.csv"
    path.write_text("\ufeffname,id_number,certificate_no,level,qualification_year\n"
                    f"周晓梅,{good},Z2018000021,社会工作师,2018\n"
                    f"李雷,{good[:-1]}{'0' if good[-1] != '0' else '1'},Z1,assistant,2018\n", encoding="utf-8")
    assert main(["--stage", "test", "import", "practitioners", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "read 2, imported 1, updated 0, unchanged 0, refused 1" in out
    assert f"{path}:3: refused — id_number:" in err
    assert deps.register.get_practitioner(good).certificate_no == "Z2018000021"
    assert main(["--stage", "test", "import", "practitioners", str(path)]) == 1
    assert "imported 0, updated 0, unchanged 1, refused 1" in capsys.readouterr().out


def test_import_of_a_file_with_wrong_columns_names_them(deps, tmp_path, capsys):
    path = tmp_path / "wrong.csv"
    path.write_text("id_number,year\n", encoding="utf-8")
    assert main(["--stage", "test", "import", "registrations", str(path)]) == 2
    assert "registration_year" in capsys.readouterr().err


def test_window_open_creates_then_moves_the_years_window(deps, capsys):
    args = ["--stage", "test", "window", "open", "--year", "2041", "--opens", "2041-03-01T09:00"]
    assert main(args + ["--closes", "2041-04-01T00:00"]) == 0
    assert "window 2041 opened" in capsys.readouterr().out
    assert main(args + ["--closes", "2041-04-08T00:00+08:00"]) == 0
    assert "window 2041 moved" in capsys.readouterr().out
    window = deps.windows.get(2041)
    assert window.opens_at.tzinfo is not None and window.opens_at.utcoffset() == timedelta(hours=8)
    assert window.closes_at.astimezone(SHANGHAI).day == 8


def test_window_open_refuses_a_window_that_closes_before_it_opens(deps, capsys):
    assert main(["--stage", "test", "window", "open", "--year", "2042", "--opens", "2042-03-01",
                 "--closes", "2042-02-01"]) == 2
    assert capsys.readouterr().err.startswith("swreg: ")
    assert deps.windows.get(2042) is None


def test_seed_demo_issues_one_demo_e_certificate_once_and_it_verifies(deps, capsys):
    from datetime import datetime, timezone

    from chalicelib.services.verification import verify
    assert main(["--stage", "test", "seed-demo"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("e-certificate "))
    number = line.split()[1]
    certificate = deps.certificates.get(number)
    assert certificate.name == "李建国" and deps.files.read(certificate.pdf_key).startswith(b"%PDF")
    assert main(["--stage", "test", "seed-demo"]) == 0
    assert deps.certificates.get(number) == certificate
    assert verify(deps, number, None, "192.0.2.10", datetime.now(timezone.utc)).verification.status_value == "valid"
