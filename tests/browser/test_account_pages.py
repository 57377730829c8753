"""The account and personal screens in a real browser: sign up, log in (password or SMS code),
password reset, the personal centre, messages, registration history, certificates, the guide and
public verification. Each screen also passes axe (no serious or critical violation), errors
included: an API refusal is read beside the field it is about.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from tests.browser.axe import axe
from tests.browser.issued import code_of
from tests.browser.through_api import PASSWORD, new_phone

NEW_PASSWORD = "fresh2pass"


def log_in(page, phone: str, password: str = PASSWORD) -> None:
    """Log in on the login screen (the page must be on it) with a password."""
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def signed_in(page, api, practitioner) -> tuple[str, str]:
    """An account for `practitioner` (made through the API), logged in through the login screen,
    on the personal centre. Returns (token, phone)."""
    token, phone = api.sign_up(practitioner)
    page.goto("/login")
    log_in(page, phone)
    expect(page.get_by_role("heading", name="个人中心", level=1)).to_be_visible()
    return token, phone


def field_error(page, label: str):
    """The error a field shows, once it shows one: the element its input's aria-describedby names
    first (the input is then marked aria-invalid, and a screen reader reads the error with it)."""
    field = page.get_by_label(label, exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    return page.locator(f"#{field.get_attribute('aria-describedby').split()[0]}")


def a_minute_passes(phone: str) -> None:
    """The phone's one-code-a-minute cooldown (taken by the sign-up's code) is over, as it would be
    a minute later: the screens under test ask for a second code."""
    from chalicelib import bootstrap
    from chalicelib.services.rate_limits import release_rate_limit
    release_rate_limit(bootstrap.deps(), f"sms-cooldown#{phone}", datetime.now(timezone.utc))


def certificate_for(person, registration_year: int) -> str:
    """An e-certificate for `person` (rendered and stored like the job's); returns its number."""
    from chalicelib import bootstrap
    from chalicelib.domain.certificates import Certificate
    from chalicelib.domain.object_keys import certificate_keys
    from chalicelib.services.certificates import render_and_store
    deps = bootstrap.deps()
    number = f"BJT{uuid.uuid4().hex[:12].upper()}"
    pdf_key, png_key = certificate_keys(number)
    certificate = Certificate(number, person.id_number, "browser-test", person.name, person.certificate_no,
                              person.level, registration_year, registration_year + 3,
                              datetime.now(timezone.utc), pdf_key, png_key)
    render_and_store(deps, certificate, deps.renderer.placeholder_photo())
    deps.certificates.add(certificate)
    return number


def declined_corrections(api, token: str, count: int) -> None:
    """`count` messages for the applicant: correction requests an admin declines, one at a time."""
    admin = api.staff(admin=True)
    for i in range(count):
        asked = api.call("POST", "/me/corrections", {"field": "name", "proposed_value": f"周晓{chr(0x4e00 + i)}"},
                         token=token)
        api.call("POST", f"/admin/corrections/{asked['correction_id']}/decision",
                 {"outcome": "decline", "note": "名册姓名与身份证一致"}, token=admin)


def test_a_person_signs_up_with_an_sms_code_and_each_bad_field_is_named_beside_it(phone_page, api, practitioner):
    page, phone = phone_page, new_phone()
    page.goto("/signup")
    expect(page.get_by_text("密码至少8位，须同时包含字母和数字")).to_be_visible()
    axe(page, "sign-up")
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_role("button", name=re.compile(r"\d+秒后重新获取"))).to_be_disabled()
    page.get_by_label("短信验证码").fill(api.sms_code(phone))
    page.get_by_label("姓名").fill(practitioner.name)
    wrong_check_char = "0" if practitioner.id_number[-1] != "0" else "1"
    page.get_by_label("身份证号").fill(practitioner.id_number[:-1] + wrong_check_char)
    page.get_by_label("密码", exact=True).fill("short")
    page.get_by_role("button", name="注册", exact=True).click()

    expect(field_error(page, "身份证号")).to_contain_text("校验位")
    expect(field_error(page, "密码")).to_contain_text("密码至少8位")
    axe(page, "sign-up with errors")

    page.get_by_label("身份证号").fill(practitioner.id_number)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page.get_by_role("heading", name="个人中心", level=1)).to_be_visible()
    expect(page.get_by_text(practitioner.certificate_no)).to_be_visible()


def test_logging_in_by_password_returns_to_the_screen_that_asked_for_it(phone_page, api, practitioner):
    page = phone_page
    _, phone = api.sign_up(practitioner)
    page.goto("/messages")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fmessages$"))
    axe(page, "login")
    log_in(page, phone)
    expect(page.get_by_role("heading", name="我的消息", level=1)).to_be_visible()


def test_a_wrong_password_is_shown_beside_the_password_field(phone_page, api, practitioner):
    page = phone_page
    _, phone = api.sign_up(practitioner)
    page.goto("/login")
    log_in(page, phone, "wrongpass99")
    expect(field_error(page, "密码")).to_contain_text("账号或密码错误")
    expect(page.get_by_role("heading", name="登录", level=1)).to_be_visible()
    axe(page, "login with a wrong password")


def test_logging_in_by_sms_code_chosen_from_the_keyboard(phone_page, api, practitioner):
    page = phone_page
    _, phone = api.sign_up(practitioner)
    a_minute_passes(phone)
    texts_before = len(api.texts_to(phone))
    page.goto("/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("radio", name="密码登录").focus()
    page.keyboard.press("ArrowRight")  # the switch is native radios: a keyboard reaches and turns it
    expect(page.get_by_role("radio", name="验证码登录")).to_be_checked()
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_text("验证码已发送")).to_be_visible()
    page.get_by_label("短信验证码").fill(api.sms_code(phone, after=texts_before))
    axe(page, "login by code")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", name="个人中心", level=1)).to_be_visible()


def test_a_forgotten_password_is_reset_by_sms_code_and_the_new_one_logs_in(phone_page, api, practitioner):
    page = phone_page
    _, phone = api.sign_up(practitioner)
    a_minute_passes(phone)
    texts_before = len(api.texts_to(phone))
    page.goto("/login")
    page.get_by_role("link", name="忘记密码").click()
    expect(page.get_by_role("heading", name="找回密码", level=1)).to_be_visible()
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    code = api.sms_code(phone, after=texts_before)
    page.get_by_label("短信验证码").fill("000000" if code != "000000" else "111111")
    page.get_by_label("新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="设置新密码").click()
    expect(field_error(page, "短信验证码")).to_contain_text("验证码错误")
    axe(page, "reset with a wrong code")

    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="设置新密码").click()
    expect(page.get_by_role("status")).to_contain_text("新密码已设置")
    page.get_by_role("link", name="返回登录").click()
    log_in(page, phone, NEW_PASSWORD)
    expect(page.get_by_role("heading", name="个人中心", level=1)).to_be_visible()


def test_the_personal_centre_shows_the_register_the_applications_and_the_way_out(phone_page, api, practitioner):
    page = phone_page
    token, phone = api.sign_up(practitioner)
    draft = api.call("POST", "/applications", {"type": "first"}, token=token)
    page.goto("/login")
    log_in(page, phone)
    expect(page.get_by_role("heading", name="个人中心", level=1)).to_be_visible()
    for shown in (practitioner.name, practitioner.certificate_no, "助理社会工作师", phone):
        expect(page.get_by_text(shown, exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(r"已完成/应完成：0/72 学时"))).to_be_visible()
    application = page.get_by_role("link", name=re.compile(r"年度 首登记"))
    expect(application).to_have_attribute("href", f"/applications/{draft['application_id']}")
    expect(application).to_contain_text("草稿")
    axe(page, "personal centre")

    page.get_by_role("button", name="办理登记").click()
    expect(page).to_have_url(re.compile(r"/eligibility$"))
    page.go_back()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("heading", name="登录", level=1)).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))


def test_history_shows_every_application_with_its_timeline(desktop_page, api, practitioner):
    page = desktop_page
    token, _ = signed_in(page, api, practitioner)
    discarded = api.call("POST", "/applications", {"type": "first"}, token=token)
    api.call("DELETE", f"/applications/{discarded['application_id']}", token=token)
    api.call("POST", "/applications", {"type": "first"}, token=token)
    page.get_by_role("link", name="查看全部登记记录").click()
    expect(page.get_by_role("heading", name="登记记录", level=1)).to_be_visible()
    timelines = page.get_by_role("article")
    expect(timelines).to_have_count(2)
    expect(timelines.nth(0)).to_contain_text("草稿")
    expect(timelines.nth(1)).to_contain_text("已放弃")
    expect(timelines.nth(1).locator(".van-step")).to_have_count(2)
    axe(page, "history")


def test_messages_come_a_page_at_a_time_and_are_marked_read(phone_page, api, practitioner):
    page = phone_page
    token, _ = signed_in(page, api, practitioner)
    declined_corrections(api, token, 21)
    page.goto("/messages")
    expect(page.get_by_text("未读消息 21 条")).to_be_visible()
    messages = page.get_by_role("article")
    expect(messages).to_have_count(20)
    axe(page, "messages")
    page.get_by_role("button", name="加载更多").click()
    expect(messages).to_have_count(21)
    expect(page.get_by_role("button", name="加载更多")).to_have_count(0)

    messages.first.get_by_role("button", name="标为已读").click()
    expect(page.get_by_text("未读消息 20 条")).to_be_visible()
    expect(messages.first.get_by_role("button", name="标为已读")).to_have_count(0)
    assert api.call("GET", "/messages", token=token)["unread"] == 20


def test_a_certificate_is_downloaded_through_its_short_lived_link(phone_page, api, practitioner):
    page = phone_page
    signed_in(page, api, practitioner)
    number = certificate_for(practitioner, datetime.now(timezone.utc).year - 1)
    page.goto("/certificates")
    card = page.get_by_role("article", name=re.compile("登记证书"))
    expect(card).to_contain_text(number)
    expect(card).to_contain_text("有效")
    axe(page, "certificates")
    card.get_by_role("button", name="获取下载链接").click()
    pdf = card.get_by_role("link", name="下载证书（PDF）")
    expect(pdf).to_be_visible()
    downloaded = page.request.get(pdf.get_attribute("href"))
    assert downloaded.ok and downloaded.body().startswith(b"%PDF")


def test_public_verification_of_a_valid_and_an_unknown_number(desktop_page, practitioner):
    page = desktop_page
    number = certificate_for(practitioner, datetime.now(timezone.utc).year - 1)
    page.goto(f"/verify?no={number}&code={code_of(number)}")  # the QR code's link: the holder shows
    result = page.get_by_role("article", name="查验结果")
    expect(result).to_contain_text("该证书真实有效")
    expect(result).to_contain_text(f"{practitioner.name[0]}*")
    expect(result).not_to_contain_text(practitioner.name)
    expect(result).to_contain_text("助理社会工作师")
    axe(page, "verify: valid")

    page.get_by_label("登记证书编号").fill("BJNOSUCH0000")
    page.get_by_role("button", name="查验").click()
    expect(page).to_have_url(re.compile(r"/verify\?no=BJNOSUCH0000$"))
    expect(field_error(page, "登记证书编号")).to_contain_text("未找到该编号的证书")
    expect(result).to_have_count(0)
    axe(page, "verify: unknown")


@pytest.mark.parametrize("page_fixture", ["phone_page", "desktop_page"])
def test_the_guide_is_public_with_its_steps_types_and_faq(page_fixture, request):
    page = request.getfixturevalue(page_fixture)
    page.goto("/guide")
    title = page.get_by_role("heading", name="北京市社会工作者职业水平证书登记指南", level=1)
    expect(title).to_be_visible()
    for section in ("办理流程", "四种登记类型", "所需材料", "常见问题", "联系我们"):
        expect(page.get_by_role("heading", name=section, level=2)).to_be_visible()
    question = page.get_by_text("审核不通过怎么办？")
    question.click()
    expect(page.get_by_text("短信和“我的消息”中会给出审核意见")).to_be_visible()
    axe(page, "guide")
    page.get_by_role("link", name="注册账号").click()  # signed out: no tab bar, the ways in instead
    expect(page.get_by_role("heading", name="注册账号", level=1)).to_be_visible()
