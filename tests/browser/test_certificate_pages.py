"""The applicant's certificates in a real browser (issue 17, item 14): an approved application that
chose mail says the paper certificate will be posted; once issued, the certificate shows its
mailing — 待打印, then 已打印 once the post office's batch file is exported, then 已寄出 with the
carrier and a copyable tracking number once an admin ships it — while an e-certificate picked up
electronically shows no mailing at all. axe checks each state, on a phone and a desktop.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from chalicelib.cli import main
from tests.browser import issued
from tests.browser.axe import axe
from tests.browser.test_account_pages import log_in

CARRIER = "中国邮政EMS"


@pytest.mark.parametrize("page_fixture", ["phone_page", "desktop_page"])
def test_a_mailed_certificate_shows_its_mailing_state_and_then_its_tracking_number(page_fixture, request, api,
                                                                                  tmp_path):
    page = request.getfixturevalue(page_fixture)
    window = issued.mail_window()
    person = issued.mail_applicant(window)
    _, phone = api.sign_up(person)
    application_id = issued.approved_by_mail(person, window)
    page.goto("/login")
    log_in(page, phone)
    expect(page.get_by_role("heading", name="个人中心", level=1)).to_be_visible()
    page.goto(f"/applications/{application_id}")
    expect(page.get_by_test_id("application-status")).to_have_text("审核通过")
    expect(page.get_by_text("纸质证书随后邮寄到您填写的地址")).to_be_visible()

    number = issued.issue(application_id)
    electronic = issued.stored_certificate(person, datetime.now(timezone.utc).year - 1)
    page.goto("/certificates")

    mailed = page.get_by_role("article").filter(has_text=number)
    expect(mailed.get_by_test_id("mailing-state")).to_have_text("待打印")
    expect(mailed).to_contain_text("寄出后，会以短信和“我的消息”通知您快递单号")
    expect(mailed.get_by_test_id("tracking-no")).to_have_count(0)
    other = page.get_by_role("article").filter(has_text=electronic)
    expect(other).to_be_visible()
    expect(other.get_by_test_id("mailing-state")).to_have_count(0)
    axe(page, "certificates: to print")

    assert main(["--stage", "test", "mailings", "export", "--window", str(window.year),
                 str(tmp_path / "batch.csv")]) == 0
    page.reload()
    expect(mailed.get_by_test_id("mailing-state")).to_have_text("已打印")

    tracking_no = f"EA{datetime.now(timezone.utc):%H%M%S%f}CN"
    admin = api.staff(admin=True)
    api.call("POST", f"/admin/mailings/{number}/shipped", {"carrier": CARRIER, "tracking_no": tracking_no},
             token=admin)
    page.reload()
    expect(mailed.get_by_test_id("mailing-state")).to_have_text("已寄出")
    expect(mailed.get_by_test_id("tracking-no")).to_have_text(tracking_no)
    expect(mailed).to_contain_text(CARRIER)
    expect(mailed).to_contain_text(re.compile(r"寄出时间\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}"))
    axe(page, "certificates: shipped")

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    mailed.get_by_role("button", name=f"复制单号：{tracking_no}").click()
    expect(mailed.get_by_role("status")).to_have_text("快递单号已复制。")
    assert page.evaluate("navigator.clipboard.readText()") == tracking_no

    api.call("POST", f"/admin/mailings/{number}/returned", {"note": "收件地址不详"}, token=admin)
    page.reload()
    expect(mailed.get_by_test_id("mailing-state")).to_have_text("已退回")
    expect(mailed).to_contain_text("请联系发证机关核对邮寄地址")
    axe(page, "certificates: returned")
