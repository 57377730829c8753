"""Mailing paper certificates on the fakes: started with the certificate, shipped with a message and an SMS,
returned and sent again, exported to the post office's file and shipped from the carrier's, each repeatably."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from chalicelib.domain import texts
from chalicelib.domain.commands import Decision, SaveDraft, Submit
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.domain.errors import InvalidTransitionError, NotFoundError, ValidationError
from chalicelib.domain.mailing import MailingNote, MailingQuery, MailingState, Shipment
from chalicelib.services import applicant, certificates, mailings, review
from chalicelib.domain.windows import Window
from tests.certificate_run import issue_due
from tests.unit.services.world import CLOSES_AT, NOW, OPENS_AT, YEAR

ADDRESS = {"recipient": "周晓梅", "phone": "13700137000", "address": "北京市西城区某街1号", "postal_code": "100032"}
AFTER = Window.create(YEAR, OPENS_AT, CLOSES_AT).certificates_due_at + timedelta(days=1)  # staff at work
EMS = Shipment("中国邮政EMS", "EA123456789CN")


def _approved(world, *, mail: bool = True, name: str = "周晓梅", kind: RegistrationType = RegistrationType.FIRST,
              registered_in: int | None = None):
    account, reviewer = world.applicant(name, registered_in=registered_in), world.reviewer()
    draft = world.draft(account, phone="13900139000", kind=kind)
    if mail:
        applicant.update_application(world.deps, account, draft.application_id,
                                     SaveDraft({"pickup_method": "mail", "mailing_address": ADDRESS}), NOW)
    applicant.submit(world.deps, account, draft.application_id, Submit(True), NOW)
    review.claim(world.deps, reviewer, draft.application_id, NOW)
    review.decide(world.deps, reviewer, draft.application_id, Decision("approve"), NOW + timedelta(minutes=5))
    return account


def _issued(world, fakes, *, count: int = 1, mail: bool = True):
    accounts = [_approved(world, mail=mail, name=name) for name in ("周晓梅", "李雷", "韩梅梅", "王芳")[:count]]
    issue_due(fakes, world.window.certificates_due_at)
    return accounts


def _number(fakes, account) -> str:
    return fakes.certificates.of_holder(account.id_number)[0].registration_no


def test_a_certificate_whose_application_chose_mail_starts_a_mailing_to_print_with_the_address(world, fakes):
    [account] = _issued(world, fakes)
    mailing = fakes.mailings.get(_number(fakes, account))
    assert mailing.state is MailingState.TO_PRINT
    assert (mailing.recipient, mailing.phone, mailing.address, mailing.postal_code) == tuple(ADDRESS.values())
    assert (mailing.id_number, mailing.window_year, mailing.notify_phone) == (account.id_number, YEAR, "13900139000")


def test_a_certificate_picked_up_electronically_has_no_mailing(world, fakes):
    [account] = _issued(world, fakes, mail=False)
    assert fakes.mailings.items == {} and fakes.certificates.of_holder(account.id_number)


def test_a_second_certificate_run_starts_no_second_mailing(world, fakes):
    _issued(world, fakes)
    before = dict(fakes.mailings.items)
    assert issue_due(fakes, world.window.certificates_due_at)["issued"] == 0
    assert fakes.mailings.items == before


def test_a_reissue_that_replaces_a_certificate_gets_a_mailing_of_its_own(world, fakes):
    account = _approved(world, kind=RegistrationType.REISSUE, registered_in=YEAR - 1)
    issue_due(fakes, world.window.certificates_due_at)
    [reissued] = fakes.certificates.of_holder(account.id_number)
    mailing = fakes.mailings.get(reissued.registration_no)
    assert (mailing.state, mailing.window_year, mailing.level) == (MailingState.TO_PRINT, YEAR, reissued.level)


def test_the_approval_notice_of_a_mailed_certificate_speaks_of_the_paper_one(world, fakes):
    account = _approved(world)
    approval = world.messages_of(account)[0]
    assert "纸质证书" in approval.body and "寄出" in approval.body
    assert world.texts_to("13900139000")[-1] == texts.sms_text("ApplicationApproved.mail")


def test_shipping_stores_the_waybill_and_tells_the_applicant_by_message_and_sms(world, fakes):
    [account] = _issued(world, fakes)
    number = _number(fakes, account)
    mailings.export(fakes, YEAR, None, io.StringIO(), "ops", AFTER)
    shipped = mailings.ship(fakes, number, EMS, "admin1", AFTER + timedelta(days=1))
    assert (shipped.state, shipped.carrier, shipped.tracking_no) == (MailingState.SHIPPED, *EMS.__dict__.values())
    assert "您的证书已寄出" in [m.title for m in world.messages_of(account)]
    assert world.texts_to("13900139000")[-1].endswith("您的证书已寄出，快递单号EA123456789CN（中国邮政EMS），请注意查收。")
    [entry] = [e for _, e in fakes.audit.entries[f"mailing#{number}"]]
    assert (entry.actor, entry.action) == ("admin1", "ship: 中国邮政EMS EA123456789CN")


def test_shipping_twice_with_the_same_waybill_sends_one_sms(world, fakes):
    [account] = _issued(world, fakes)
    number = _number(fakes, account)
    mailings.export(fakes, YEAR, None, io.StringIO(), "ops", AFTER)
    mailings.ship(fakes, number, EMS, "admin1", AFTER)
    texts_before = len(world.texts_to("13900139000"))
    mailings.ship(fakes, number, EMS, "admin1", AFTER + timedelta(hours=1))
    assert len(world.texts_to("13900139000")) == texts_before


def test_a_returned_mailing_is_shipped_again_under_a_new_waybill(world, fakes):
    [account] = _issued(world, fakes)
    number = _number(fakes, account)
    mailings.export(fakes, YEAR, None, io.StringIO(), "ops", AFTER)
    mailings.ship(fakes, number, EMS, "admin1", AFTER)
    returned = mailings.mark_returned(fakes, number, MailingNote("查无此人"), "admin1", AFTER + timedelta(days=3))
    assert returned.state is MailingState.RETURNED
    again = mailings.ship(fakes, number, Shipment("顺丰速运", "SF1234567890123"), "admin1", AFTER + timedelta(days=4))
    assert (again.state, again.tracking_no) == (MailingState.SHIPPED, "SF1234567890123")
    assert [e.to_state for e in again.history] == [MailingState.TO_PRINT, MailingState.PRINTED, MailingState.SHIPPED,
                                                   MailingState.RETURNED, MailingState.SHIPPED]
    delivered = mailings.mark_delivered(fakes, number, MailingNote(None), "admin1", AFTER + timedelta(days=5))
    assert delivered.state is MailingState.DELIVERED


def test_an_unknown_number_is_not_found_and_an_unprinted_one_cannot_ship(world, fakes):
    [account] = _issued(world, fakes)
    with pytest.raises(NotFoundError):
        mailings.ship(fakes, "BJ2026999999", EMS, "admin1", AFTER)
    with pytest.raises(InvalidTransitionError):
        mailings.ship(fakes, _number(fakes, account), EMS, "admin1", AFTER)


def test_the_export_writes_the_header_and_rows_by_number_and_marks_them_printed(world, fakes):
    accounts = _issued(world, fakes, count=3)
    out = io.StringIO()
    report = mailings.export(fakes, YEAR, None, out, "ops", AFTER)
    assert out.getvalue().startswith("\ufeff") and "\r\n" in out.getvalue()
    rows = _rows(out)
    assert rows[0] == list(texts.MAILING_EXPORT_HEADER)
    numbers = sorted(_number(fakes, a) for a in accounts)
    assert [row[4] for row in rows[1:]] == numbers
    # the phone and the postal code stay text in Excel, leading zeros and all
    assert rows[1] == ["周晓梅", '="13700137000"', "北京市西城区某街1号", '="100032"', numbers[0], "社会工作师"]
    assert (report.written, report.marked) == (3, 3)
    assert {fakes.mailings.get(n).state for n in numbers} == {MailingState.PRINTED}
    assert {fakes.mailings.get(n).print_batch for n in numbers} == {AFTER.date().isoformat()}


def _rows(out: io.StringIO) -> list[list[str]]:
    return list(csv.reader(io.StringIO(out.getvalue().removeprefix("\ufeff"))))


def test_exporting_again_with_the_same_arguments_gives_the_same_file_and_marks_nothing(world, fakes):
    _issued(world, fakes, count=2)
    first, second = io.StringIO(), io.StringIO()
    mailings.export(fakes, YEAR, None, first, "ops", AFTER)
    report = mailings.export(fakes, YEAR, None, second, "ops", AFTER + timedelta(hours=1))
    assert first.getvalue() == second.getvalue() and report.marked == 0


def test_an_export_of_to_print_prints_and_marks_as_the_default_does(world, fakes):
    accounts = _issued(world, fakes, count=2)
    default, to_print = io.StringIO(), io.StringIO()
    report = mailings.export(fakes, YEAR, MailingState.TO_PRINT, to_print, "ops", AFTER)
    assert (report.written, report.marked) == (2, 2)
    assert {fakes.mailings.get(_number(fakes, a)).state for a in accounts} == {MailingState.PRINTED}
    mailings.export(fakes, YEAR, None, default, "ops", AFTER)
    assert default.getvalue() == to_print.getvalue()


def test_the_same_days_export_again_writes_the_same_file_and_the_next_day_only_new_rows(world, fakes):
    first_two = _issued(world, fakes, count=2)
    morning, afternoon, next_day = io.StringIO(), io.StringIO(), io.StringIO()
    mailings.export(fakes, YEAR, None, morning, "ops", AFTER)
    report = mailings.export(fakes, YEAR, None, afternoon, "ops", AFTER + timedelta(hours=6))
    assert afternoon.getvalue() == morning.getvalue() and (report.written, report.marked) == (2, 0)
    _issued(world, fakes)  # one more, issued after the day's batch
    newest = sorted(set(fakes.mailings.items) - {_number(fakes, a) for a in first_two})
    report = mailings.export(fakes, YEAR, None, next_day, "ops", AFTER + timedelta(days=1))
    assert [row[4] for row in _rows(next_day)[1:]] == newest and (report.written, report.marked) == (1, 1)
    assert fakes.mailings.get(newest[0]).print_batch == (AFTER + timedelta(days=1)).date().isoformat()


def test_an_export_of_printed_rows_writes_every_printed_row_and_marks_nothing(world, fakes):
    accounts = _issued(world, fakes, count=2)
    numbers = sorted(_number(fakes, a) for a in accounts)
    mailings.export(fakes, YEAR, None, io.StringIO(), "ops", AFTER)
    out = io.StringIO()
    report = mailings.export(fakes, YEAR, MailingState.PRINTED, out, "ops", AFTER + timedelta(days=3))
    assert (report.written, report.marked) == (2, 0)
    assert [row[4] for row in _rows(out)[1:]] == numbers
    shipped = mailings.export(fakes, YEAR, MailingState.SHIPPED, io.StringIO(), "ops", AFTER)
    assert (shipped.written, shipped.marked) == (0, 0)


def test_an_export_is_audited_when_it_starts_and_when_it_ends_without_personal_data(world, fakes):
    _issued(world, fakes, count=2)
    mailings.export(fakes, YEAR, None, io.StringIO(), "ops", AFTER)
    entries = fakes.audit.page(f"mailings#{YEAR}", None, 10).items
    actions = sorted(e.action for e in entries if e.action.startswith("export"))
    batch = AFTER.date().isoformat()
    assert actions == [f"export print batch {batch}: 2 rows written, 2 marked printed",
                       f"export print batch {batch}: started"]
    assert all(e.actor == "ops" for e in entries)
    assert not any(part in "".join(actions) for part in ("13700137000", "周晓梅", "100032"))


def test_a_cell_excel_would_run_as_a_formula_is_written_as_text(world, fakes):
    [account] = _issued(world, fakes)
    mailing = fakes.mailings.get(_number(fakes, account))
    mailing.address = "=HYPERLINK(\"x\")"
    fakes.mailings.items[mailing.registration_no] = mailing
    out = io.StringIO()
    mailings.export(fakes, YEAR, None, out, "ops", AFTER)
    assert "'=HYPERLINK" in out.getvalue()


def _ship_file(*rows: str) -> io.StringIO:
    return io.StringIO("registration_no,carrier,tracking_no\n" + "".join(row + "\n" for row in rows))


def test_the_carriers_file_ships_good_rows_and_reports_bad_ones_by_line(world, fakes):
    mailed = _issued(world, fakes, count=3)
    [electronic] = _issued(world, fakes, mail=False)
    a, b, c = (_number(fakes, account) for account in mailed)
    mailings.export(fakes, YEAR, None, io.StringIO(), "ops", AFTER)
    mailings.ship(fakes, c, EMS, "admin1", AFTER)
    mailings.mark_delivered(fakes, c, MailingNote(None), "admin1", AFTER)
    report = mailings.import_shipments(fakes, _ship_file(
        f"{a},中国邮政EMS,EA000000001CN",
        "BJ2099000001,中国邮政EMS,EA000000002CN",
        f"{_number(fakes, electronic)},中国邮政EMS,EA000000003CN",
        f"{b},,",
        f"{c},中国邮政EMS,EA000000004CN",
    ), "ops", AFTER)
    assert (report.read, report.shipped, report.unchanged) == (5, 1, 0)
    refused = dict(report.refused)
    assert sorted(refused) == [3, 4, 5, 6]
    assert refused[3] == {"registration_no": texts.reason("MAILING_UNKNOWN")}
    assert refused[4] == {"registration_no": texts.reason("MAILING_NOT_MAILED")}
    assert set(refused[5]) == {"carrier", "tracking_no"}
    assert refused[6] == {"state": texts.reason("MAILING_CANNOT_SHIP", state="已签收")}
    assert fakes.mailings.get(b).state is MailingState.PRINTED


def test_the_same_carriers_file_twice_ships_once_and_texts_once(world, fakes):
    [account] = _issued(world, fakes)
    number = _number(fakes, account)
    mailings.export(fakes, YEAR, None, io.StringIO(), "ops", AFTER)
    first = mailings.import_shipments(fakes, _ship_file(f"{number},中国邮政EMS,EA000000001CN"), "ops", AFTER)
    sent = len(world.texts_to("13900139000"))
    second = mailings.import_shipments(fakes, _ship_file(f"{number},中国邮政EMS,EA000000001CN"), "ops", AFTER)
    assert (first.shipped, second.shipped, second.unchanged, second.refused) == (1, 0, 1, [])
    assert len(world.texts_to("13900139000")) == sent


def test_a_carriers_file_without_the_columns_is_refused_whole(fakes):
    with pytest.raises(mailings.BadFileError):
        mailings.import_shipments(fakes, io.StringIO("number,carrier\n"), "ops", AFTER)


def test_the_admins_list_pages_every_state_of_a_window_by_number(world, fakes):
    accounts = _issued(world, fakes, count=3)
    numbers = sorted(_number(fakes, a) for a in accounts)
    printed = fakes.mailings.get(numbers[1])
    printed.mark_printed("ops", AFTER)
    fakes.mailings.save(printed)
    first = mailings.list_page(fakes, MailingQuery(YEAR), None, AFTER, limit=2)
    assert [m.registration_no for m in first.items] == numbers[:2] and first.position == numbers[1]
    rest = mailings.list_page(fakes, MailingQuery(YEAR), first.position, AFTER, limit=2)
    assert [m.registration_no for m in rest.items] == numbers[2:] and rest.position is None
    only = mailings.list_page(fakes, MailingQuery(YEAR, MailingState.PRINTED), None, AFTER)
    assert [m.registration_no for m in only.items] == [numbers[1]]


def test_a_bad_query_names_each_bad_parameter():
    with pytest.raises(ValidationError) as raised:
        MailingQuery.from_query({"window": "26", "state": "lost"})
    assert raised.value.code == "MAILING_QUERY_INVALID" and set(raised.value.details) == {"window", "state"}


def test_an_export_whose_rows_changed_since_read_marks_them_from_a_fresh_read(world, fakes, monkeypatch):
    accounts = _issued(world, fakes, count=2)
    numbers = sorted(_number(fakes, a) for a in accounts)
    read = fakes.mailings.window_page

    def stale_page(*args):
        page = read(*args)
        for mailing in page.items:  # someone else saves each row after this read: its version moves on
            fakes.mailings.save(fakes.mailings.get(mailing.registration_no))
        return page

    monkeypatch.setattr(fakes.mailings, "window_page", stale_page)
    report = mailings.export(fakes, YEAR, None, io.StringIO(), "ops", AFTER)
    assert (report.written, report.marked) == (2, 2)
    assert {fakes.mailings.get(n).state for n in numbers} == {MailingState.PRINTED}


def test_the_carriers_numbers_are_read_as_verification_reads_them(world, fakes):
    [account] = _issued(world, fakes)
    number = _number(fakes, account)
    mailings.export(fakes, YEAR, None, io.StringIO(), "ops", AFTER)
    typed = " " + number.lower().replace("bj", "bj ") + " "
    report = mailings.import_shipments(fakes, _ship_file(f"{typed},中国邮政EMS,EA000000001CN"), "ops", AFTER)
    assert (report.shipped, report.refused) == (1, [])
    assert fakes.mailings.get(number).state is MailingState.SHIPPED


def test_a_number_no_certificate_could_have_is_refused_without_a_lookup(world, fakes):
    report = mailings.import_shipments(fakes, _ship_file("BJ\x002026,中国邮政EMS,EA000000001CN",
                                                         "B" * 200 + ",中国邮政EMS,EA000000002CN"), "ops", AFTER)
    assert [line for line, _ in report.refused] == [2, 3]
    assert {reason["registration_no"] for _, reason in report.refused} == {texts.reason("MAILING_UNKNOWN")}


def test_a_line_that_is_no_csv_refuses_the_file_naming_the_line_in_chinese(fakes):
    with pytest.raises(mailings.BadFileError) as raised:
        mailings.import_shipments(fakes, _ship_file("BJ2026000001,中国邮政EMS," + "E" * 200_000), "ops", AFTER)
    assert str(raised.value) == texts.MAILING_CLI["SHIP_UNREADABLE"].format(line=2)


def test_the_import_report_and_a_wrong_header_speak_chinese(fakes):
    with pytest.raises(mailings.BadFileError) as raised:
        mailings.import_shipments(fakes, io.StringIO("number,carrier\n"), "ops", AFTER)
    assert "registration_no,tracking_no" in str(raised.value) and "缺少列" in str(raised.value)
    report = mailings.ShipReport(read=4, shipped=1, unchanged=0, refused=[(3, {}), (4, {}), (5, {})])
    assert report.summary() == "读取 4 行：寄出 1 条，此前已寄出 0 条，未导入 3 行"


def _issued_before_mailings(world, fakes, **kwargs):
    """Certificates issued as the job did before mailings existed: no mailing stored."""
    accounts = _issued(world, fakes, **kwargs)
    fakes.mailings.items.clear()
    return accounts


def test_the_backfill_starts_the_missing_mailings_of_mailed_certificates_once(world, fakes):
    mailed = _issued_before_mailings(world, fakes, count=2)
    _issued_before_mailings(world, fakes, mail=False)
    first = mailings.backfill(fakes, YEAR, "operator:ops", AFTER)
    assert (first.read, first.added, first.existing, first.electronic, first.void) == (3, 2, 0, 1, 0)
    mailing = fakes.mailings.get(_number(fakes, mailed[0]))
    assert mailing.state is MailingState.TO_PRINT and mailing.history[0].actor == "operator:ops"
    assert (mailing.recipient, mailing.postal_code, mailing.window_year) == ("周晓梅", "100032", YEAR)
    second = mailings.backfill(fakes, YEAR, "operator:ops", AFTER)
    assert (second.added, second.existing, second.electronic) == (0, 2, 1)
    assert "新建邮寄记录 0 条，原已有 2 条" in second.summary(YEAR)
    audited = [e.action for e in fakes.audit.page(f"mailings#{YEAR}", None, 10).items]
    assert "backfill: 3 certified read, 2 mailings added" in audited


def test_the_backfill_mails_no_revoked_certificate(world, fakes):
    [account] = _issued_before_mailings(world, fakes)
    certificates.revoke(fakes, _number(fakes, account), "证书信息有误", "admin1", AFTER)
    report = mailings.backfill(fakes, YEAR, "operator:ops", AFTER)
    assert (report.added, report.void) == (0, 1) and fakes.mailings.items == {}
