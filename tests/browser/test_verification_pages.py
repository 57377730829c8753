"""Public verification in a real browser (issue 17, item 14): one number, from a QR code's link
(`?no=&code=`) or typed with or without its 核验码 — the right code shows the masked name, the
level and the validity, no code only whether the certificate is valid, a wrong code the API's
message beside the code — a paper-era registration, and a pasted list of numbers verified at once
(the batch route), its rows on the page and the same rows saved as CSV. axe checks each state.

Every request comes from one address and `/verify` allows 30 a minute per address: the tests
here make few of them.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from chalicelib.domain import texts
from tests.browser import issued
from tests.browser.axe import axe
from tests.browser.test_viewports import too_wide

THIS_YEAR = datetime.now(timezone.utc).year
VALID = "有效"
UNKNOWN = texts.VERIFICATION_LABELS["unknown"]


def field_error(page, label: str):
    """The error a field shows: the element its input's aria-describedby names first."""
    field = page.get_by_label(label, exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    return page.locator(f"#{field.get_attribute('aria-describedby').split()[0]}")


def batch_requests(page) -> list[str]:
    """The batch route's requests the page sends from now on (their URLs), as they happen."""
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if "/verify/batch" in request.url else None)
    return sent


def test_a_qr_link_with_its_code_shows_the_masked_name_level_and_validity(phone_page, practitioner):
    page = phone_page
    number = issued.stored_certificate(practitioner, THIS_YEAR - 1)
    page.goto(f"/verify?no={number}&code={issued.code_of(number)}")
    result = page.get_by_role("article", name="查验结果")
    expect(result).to_contain_text("该证书真实有效")
    expect(result).to_contain_text(f"{practitioner.name[0]}*")
    expect(result).not_to_contain_text(practitioner.name)
    expect(result).to_contain_text("助理社会工作师")
    expect(result).to_contain_text(f"{THIS_YEAR + 2}年")
    expect(result).to_contain_text("电子证书")
    expect(page.get_by_label("核验码", exact=True)).to_have_value(issued.code_of(number))
    axe(page, "verify: with the right code")

    page.get_by_label("核验码", exact=True).fill(issued.wrong_code_for(number))
    page.get_by_role("button", name="查验", exact=True).click()
    expect(field_error(page, "核验码")).to_contain_text("核验码不正确")
    expect(result).to_have_count(0)
    expect(page.get_by_label("登记证书编号", exact=True)).to_have_attribute("aria-invalid", "false")
    axe(page, "verify: a wrong code")


def test_without_a_code_only_validity_is_shown_and_paper_era_and_unknown_numbers_answer_too(desktop_page,
                                                                                           practitioner):
    page = desktop_page
    number = issued.stored_certificate(practitioner, THIS_YEAR - 1)
    page.goto(f"/verify?no={number}")
    result = page.get_by_role("article", name="查验结果")
    expect(result).to_contain_text("该证书真实有效")
    expect(result).to_contain_text("二维码下方的核验码")
    expect(result).not_to_contain_text(practitioner.name[0])
    expect(result).not_to_contain_text("助理社会工作师")
    axe(page, "verify: no code")

    paper = issued.paper_registration(THIS_YEAR - 1)
    page.get_by_label("登记证书编号", exact=True).fill(paper)
    page.get_by_role("button", name="查验", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/verify\?no={paper}$"))
    expect(result).to_contain_text("纸质证书")
    expect(result).to_contain_text(f"{THIS_YEAR + 2}年")
    expect(result).to_contain_text("该证书真实有效")
    axe(page, "verify: a paper-era registration")

    page.get_by_label("登记证书编号", exact=True).fill("BJNOSUCH0000")
    page.get_by_role("button", name="查验", exact=True).click()
    expect(field_error(page, "登记证书编号")).to_contain_text("未找到该编号的证书")
    expect(result).to_have_count(0)


@pytest.mark.parametrize("page_fixture", ["phone_page", "desktop_page"])
def test_a_pasted_list_is_verified_at_once_row_by_row_and_saved_as_csv(page_fixture, request, practitioner):
    page = request.getfixturevalue(page_fixture)
    valid = issued.stored_certificate(practitioner, THIS_YEAR - 1)
    expired = issued.stored_certificate(practitioner, THIS_YEAR - 5)
    paper = issued.paper_registration(THIS_YEAR - 1)
    page.goto("/verify")
    page.get_by_role("radio", name="批量查验").check()
    expect(page.get_by_text("一次最多查验100个编号")).to_be_visible()
    pasted = f"{valid}\n\n{expired}， BJNOSUCH0001 {paper}\n{valid}\n"
    page.get_by_label("登记证书编号", exact=True).fill(pasted)
    expect(page.get_by_test_id("batch-count")).to_have_text("已填写 5 个编号")
    page.get_by_role("button", name="批量查验", exact=True).click()

    results = page.get_by_role("region", name="批量查验结果")
    rows = results.get_by_test_id("batch-row")
    expect(rows).to_have_count(5)
    expected = [(valid, VALID, f"{practitioner.name[0]}*"), (expired, "已过期", "助理社会工作师"),
                ("BJNOSUCH0001", UNKNOWN, None), (paper, VALID, "纸质证书"), (valid, VALID, "助理社会工作师")]
    for row, (number, status, detail) in zip(rows.all(), expected):
        expect(row).to_contain_text(number)
        expect(row).to_contain_text(status)
        if detail:
            expect(row).to_contain_text(detail)
    expect(rows.nth(0)).not_to_contain_text(practitioner.name)
    expect(results).to_contain_text("共查验 5 个编号，其中有效 3 个。")
    assert not (problem := too_wide(page, "batch results")), problem
    axe(page, "verify: batch results")

    with page.expect_download() as downloading:
        results.get_by_role("button", name="下载 CSV").click()
    csv = downloading.value.path().read_bytes()
    assert downloading.value.suggested_filename.endswith(".csv")
    assert csv.startswith(b"\xef\xbb\xbf"), csv[:20]
    lines = csv.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("登记证书编号"), lines[0]
    assert [line.split(",")[0] for line in lines[1:]] == [valid, expired, "BJNOSUCH0001", paper, valid]


def test_more_than_a_hundred_numbers_are_refused_before_anything_is_sent(phone_page):
    page = phone_page
    page.goto("/verify")
    page.get_by_role("radio", name="批量查验").check()
    sent = batch_requests(page)
    page.get_by_label("登记证书编号", exact=True).fill(",".join(f"BJ2025{i:06d}" for i in range(101)))
    expect(page.get_by_test_id("batch-count")).to_have_text("已填写 101 个编号")
    page.get_by_role("button", name="批量查验", exact=True).click()
    expect(field_error(page, "登记证书编号")).to_contain_text("一次最多查验100个编号，当前填写了101个")
    assert sent == []
    axe(page, "verify: too many numbers")
