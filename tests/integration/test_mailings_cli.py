"""`swreg mailings export|ship|backfill` against DynamoDB Local: the post office's file written twice the same
day the same, the carrier's file imported twice with one result, bad rows reported by line, the mailings of
certificates issued before mailings existed started once however often the backfill runs."""
from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.cli import main
from chalicelib.domain import texts
from chalicelib.domain.application import Application, ApplicationStatus
from chalicelib.domain.certificates import Certificate
from chalicelib.domain.eligibility import RegistrationType, evaluate
from chalicelib.domain.levels import Level
from chalicelib.domain.mailing import Mailing, MailingState, print_batch_of
from chalicelib.domain.outbox import OutboxStatus
from chalicelib.domain.windows import SHANGHAI, Window
from tests import approvals
from tests.integration.test_repository_contract import _fresh_seq, _person
from tests.ids import unique_id

ADDRESS = {"recipient": "周晓梅", "phone": "13912345678", "address": "北京市西城区西长安街7号", "postal_code": "010010"}


@pytest.fixture
def year(deps) -> int:
    """A window year of its own (mailings only: no window needed), with nothing mailed in it yet."""
    while True:
        year = 1000 + uuid.uuid4().int % 900
        if not any(deps.mailings.window_page(year, state, None, 1).items for state in MailingState):
            return year


def _stored(deps, year: int, n: int, name: str = "李雷") -> Mailing:
    mailing = Mailing.start(registration_no=f"BJ{year}{n:06d}", application_id=uuid.uuid4().hex,
                            id_number="110101199003071234", window_year=year, level=Level.SENIOR, recipient=name,
                            phone="13800138000", address="北京市东城区某街2号", postal_code="100010",
                            notify_phone=f"137{uuid.uuid4().int % 10**8:08d}", now=datetime.now(timezone.utc))
    assert deps.mailings.add(mailing)
    return mailing


def _export(path, year, *more) -> int:
    return main(["--stage", "test", "mailings", "export", "--window", str(year), *more, str(path)])


def test_the_export_writes_the_post_offices_file_marks_it_printed_and_again_writes_the_same(deps, year, tmp_path,
                                                                                          capsys):
    for n in (3, 1, 2):
        _stored(deps, year, n, name=f"=收件人{n}" if n == 2 else "李雷")
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    assert _export(first, year) == 0
    batch = print_batch_of(deps.clock.now())
    assert texts.MAILING_CLI["EXPORT_DONE"].format(
        written=3, year=year, selected=texts.MAILING_CLI["SELECTED_PRINT"].format(batch=batch), file=first,
        marked=3) in capsys.readouterr().out
    raw = first.read_bytes()
    assert raw.startswith("\ufeff".encode()) and not raw.startswith("\ufeff\ufeff".encode())
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(texts.MAILING_EXPORT_HEADER)
    assert lines[1] == f'李雷,"=""13800138000""",北京市东城区某街2号,"=""100010""",BJ{year}000001,高级社会工作师'
    assert [line.split(",")[4] for line in lines[1:]] == [f"BJ{year}00000{n}" for n in (1, 2, 3)]
    assert lines[2].startswith("'=收件人2,")
    assert {deps.mailings.get(f"BJ{year}00000{n}").state for n in (1, 2, 3)} == {MailingState.PRINTED}
    assert {deps.mailings.get(f"BJ{year}00000{n}").print_batch for n in (1, 2, 3)} == {batch}
    _stored(deps, year, 4)
    assert _export(second, year) == 0
    assert "本次标记为已打印 1 条" in capsys.readouterr().out
    assert second.read_bytes().startswith(raw) and len(second.read_bytes().decode("utf-8-sig").splitlines()) == 5
    assert _export(first, year) == 0 and "本次标记为已打印 0 条" in capsys.readouterr().out
    assert first.read_bytes() == second.read_bytes()
    audited = [e.action for e in deps.audit.page(f"mailings#{year}", None, 20).items]
    assert f"export print batch {batch}: 3 rows written, 3 marked printed" in audited
    assert audited.count(f"export print batch {batch}: started") == 3


def test_an_export_of_to_print_marks_as_the_default_and_one_of_printed_marks_nothing(deps, year, tmp_path, capsys):
    _stored(deps, year, 1)
    path, printed = tmp_path / "to_print.csv", tmp_path / "printed.csv"
    assert _export(path, year, "--state", "to_print") == 0
    assert "已导出 1 条" in capsys.readouterr().out
    assert deps.mailings.get(f"BJ{year}000001").state is MailingState.PRINTED
    _stored(deps, year, 2)
    assert _export(printed, year, "--state", "printed") == 0
    out = capsys.readouterr().out
    assert "已导出 1 条" in out and "已打印" in out and "本次标记为已打印 0 条" in out
    assert deps.mailings.get(f"BJ{year}000002").state is MailingState.TO_PRINT


def _ship(path) -> int:
    return main(["--stage", "test", "mailings", "ship", str(path)])


def test_the_carriers_file_ships_once_however_often_it_is_imported_and_names_bad_lines(deps, year, tmp_path,
                                                                                      capsys):
    good, waiting = _stored(deps, year, 1), _stored(deps, year, 2)
    _export(tmp_path / "batch.csv", year, "--state", "printed")  # marks nothing
    good.mark_printed("ops", datetime.now(timezone.utc))
    deps.mailings.save(good)
    path = tmp_path / "waybills.csv"
    path.write_text("\ufeffregistration_no,carrier,tracking_no\n"
                    f"BJ{year}000001,中国邮政EMS,EA123456789CN\n"
                    f"BJ{year}000009,中国邮政EMS,EA123456780CN\n"
                    f"BJ{year}000002,中国邮政EMS,EA123456781CN\n"
                    f"BJ{year}000001,,\n", encoding="utf-8")
    assert _ship(path) == 1
    out, err = capsys.readouterr()
    assert "读取 4 行：寄出 1 条，此前已寄出 0 条，未导入 3 行" in out
    assert f"{path}:3: 未导入 — registration_no: {texts.reason('MAILING_UNKNOWN')}" in err
    assert f"{path}:4: 未导入 — state: {texts.reason('MAILING_CANNOT_SHIP', state='待打印')}" in err
    assert f"{path}:5: 未导入 — carrier: " in err and "；tracking_no: " in err
    shipped = deps.mailings.get(good.registration_no)
    assert (shipped.state, shipped.tracking_no) == (MailingState.SHIPPED, "EA123456789CN")
    assert deps.mailings.get(waiting.registration_no).state is MailingState.TO_PRINT

    assert _ship(path) == 1
    assert "读取 4 行：寄出 0 条，此前已寄出 1 条，未导入 3 行" in capsys.readouterr().out
    texts_sent = [sms for sms in deps.outbox.list(OutboxStatus.PENDING, 10_000) if sms.phone == good.notify_phone]
    assert len(texts_sent) == 1 and "EA123456789CN" in texts_sent[0].text
    assert deps.mailings.get(good.registration_no).version == shipped.version


def test_a_carriers_file_without_its_columns_is_refused_whole(deps, tmp_path, capsys):
    path = tmp_path / "wrong.csv"
    path.write_text("number,waybill\n", encoding="utf-8")
    assert _ship(path) == 2
    assert "缺少列 registration_no,carrier,tracking_no" in capsys.readouterr().err


def test_a_carriers_file_with_a_line_that_is_no_csv_or_no_utf8_is_refused_with_a_chinese_line(deps, tmp_path,
                                                                                          capsys):
    path = tmp_path / "broken.csv"
    path.write_text("registration_no,carrier,tracking_no\nBJ1000000001,EMS," + "E" * 200_000 + "\n",
                    encoding="utf-8")
    assert _ship(path) == 2
    err = capsys.readouterr().err
    assert texts.MAILING_CLI["SHIP_UNREADABLE"].format(line=2) in err and "Traceback" not in err
    path.write_bytes("registration_no,carrier,tracking_no\n".encode() + "BJ1,中国,EA1234567\n".encode("gbk"))
    assert _ship(path) == 2
    assert texts.MAILING_CLI["NOT_UTF8"] in capsys.readouterr().err


@pytest.fixture
def window_year(deps) -> int:
    """A window year (1990-2100) no other test module uses, with no certified application and no mailing yet."""
    for year in random.sample(range(2028, 2052), 24):
        if not deps.applications.queue_page(year, ApplicationStatus.CERTIFIED, None, None, 1).items and not any(
                deps.mailings.window_page(year, state, None, 1).items for state in MailingState):
            return year
    pytest.fail("no free window year left in 2028-2051")


def _certified(deps, year: int, n: int, *, mail: bool = True) -> str:
    """A certificate issued (application certified, certificate stored) as the job did before mailings
    existed: no mailing. Its number."""
    at = datetime(year, 3, 2, 10, tzinfo=SHANGHAI)
    person = _person(_fresh_seq(), id_number=unique_id("1104"), qualification_year=year - 1)
    window = Window(year, at - timedelta(days=1), at + timedelta(days=30))
    verdict = evaluate(person, [], [], window).verdict(RegistrationType.FIRST)
    application = Application.start(uuid.uuid4().hex, person, verdict, window, at, actor="applicant")
    approvals.complete(application, window, at, {"pickup_method": "mail", "mailing_address": ADDRESS} if mail
                       else {"pickup_method": "electronic"})
    application.submit(at, window, declaration=True, actor="applicant")
    application.claim("rev1", at)
    application.approve("rev1", at)
    number = application.reserve_registration_no(f"BJ{year}{n:06d}")
    application.certify(number, at)
    application.pull_events()
    deps.applications.add(application)
    assert deps.certificates.add(Certificate(
        registration_no=number, id_number=person.id_number, application_id=application.application_id,
        name=person.name, certificate_no=person.certificate_no, level=person.level, registration_year=year,
        valid_until=year + 3, issued_at=at, pdf_key=f"certificates/{number}.pdf", png_key=f"certificates/{number}.png"))
    return number


def test_the_backfill_starts_each_missing_mailing_once_however_often_it_runs(deps, window_year, capsys):
    year = window_year
    mailed = [_certified(deps, year, n) for n in (1, 2)]
    _certified(deps, year, 3, mail=False)
    already = _stored(deps, year, 4)
    already_certified = _certified(deps, year, 4)
    assert already_certified == already.registration_no
    backfill = ["--stage", "test", "mailings", "backfill", "--window", str(year)]
    assert main(backfill) == 0
    assert "读取已发证申请 4 份，新建邮寄记录 2 条，原已有 1 条，电子证无需邮寄 1 份" in capsys.readouterr().out
    started = deps.mailings.get_many(mailed)
    assert {m.state for m in started.values()} == {MailingState.TO_PRINT} and set(started) == set(mailed)
    assert started[mailed[0]].postal_code == "010010" and started[mailed[0]].window_year == year
    assert deps.mailings.get(already.registration_no) == already
    assert main(backfill) == 0
    assert "新建邮寄记录 0 条，原已有 3 条" in capsys.readouterr().out
    assert deps.mailings.get_many(mailed) == started
