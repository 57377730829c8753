"""Issue 16's whole journey on a phone, in one test: a practitioner signs up, checks what they may
register, fills the form, uploads four photos straight to S3 (a 4 MB camera JPEG stored sideways,
which ends ready; a PDF renamed .jpg, whose refusal is shown, then replaced), saves, reloads and
finds the draft, submits; a reviewer rejects two items; the page shows both; one photo is fixed
and the application resubmitted; approved, the message arrives (and the SMS, once the outbox is
sent). axe checks every screen met, and the README's two screenshots are taken on the way.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser import photos
from tests.browser.axe import axe
from tests.browser.screenshots import readme_screenshot
from tests.browser.through_api import PASSWORD, new_phone

PROCESSED = 30_000  # ms: an upload's trip through S3, the runner and the photo pipeline
EMPLOYER = "北京市西城区阳光社会工作服务中心"


def material(page, kind: str):
    return page.locator(f"[data-test=material-{kind}]")


def upload(page, kind: str, label: str, file: dict) -> None:
    """Pick `file` in the material's file input, found by its label (上传照片 / 重新上传：<label>)."""
    page.get_by_label(re.compile(rf"^(上传照片|重新上传)\s*：{label}$")).set_input_files(file)


def expect_status(page, kind: str, status: str) -> None:
    expect(material(page, kind).get_by_role("status")).to_have_text(status, timeout=PROCESSED)


def sign_up(page, api, person) -> str:
    """Sign up on the sign-up screen with a new phone; returns the phone."""
    page.goto("/signup")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe(page, "sign-up")
    phone = new_phone()
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_label("短信验证码").fill(api.sms_code(phone))
    page.get_by_label("姓名").fill(person.name)
    page.get_by_label("身份证号").fill(person.id_number)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page.get_by_role("heading", name="个人中心", level=1)).to_be_visible()
    expect(page.get_by_text(person.certificate_no)).to_be_visible()
    axe(page, "personal centre")
    return phone


def start_first_registration(page) -> str:
    """From the personal centre, through eligibility, to a new draft; returns its id."""
    page.get_by_role("button", name="办理登记").click()
    expect(page.get_by_role("heading", name="可办理的登记", level=1)).to_be_visible()
    first = page.get_by_role("article").filter(has=page.get_by_role("heading", name="首登记", exact=True))
    expect(first.get_by_text("可办理", exact=True)).to_be_visible()
    axe(page, "eligibility")
    first.get_by_role("button", name="办理首登记").click()
    expect(page.get_by_role("heading", name="登记申请", level=1)).to_be_visible()
    return page.url.rsplit("/", 1)[-1]


def fill_form(page, phone: str) -> None:
    page.get_by_label("联系电话").fill(phone)
    page.get_by_label("工作单位").fill(EMPLOYER)
    page.get_by_label("所在区").select_option(label="西城区")
    page.get_by_label("学历").select_option(index=1)
    page.get_by_label("取证方式").select_option(label="电子证")
    axe(page, "the form")


def upload_four_photos(page) -> None:
    upload(page, "id_photo", "两寸免冠照片", photos.camera_photo())
    upload(page, "id_card_front", "身份证人像面照片", photos.small_photo("front.jpg"))
    upload(page, "id_card_back", "身份证国徽面照片", photos.small_photo("back.jpg"))
    upload(page, "qualification_cert", "社会工作者职业水平证书照片", photos.pdf_named_jpg())
    expect_status(page, "qualification_cert", "未通过")
    expect(material(page, "qualification_cert")).to_contain_text("无法识别为照片")
    axe(page, "a refused photo")
    upload(page, "qualification_cert", "社会工作者职业水平证书照片", photos.small_photo("cert.jpg"))
    for kind in ("id_photo", "id_card_front", "id_card_back", "qualification_cert"):
        expect_status(page, kind, "已通过检查")
    expect(material(page, "id_photo")).to_contain_text("413×626 像素")


def submit(page, button: str) -> None:
    page.get_by_role("checkbox", name="我保证上述所填信息均真实有效").click()
    page.get_by_role("button", name=button).click()
    dialog = page.get_by_role("dialog", name="提交审核")
    expect(dialog).to_be_visible()
    axe(page, "the submit question")
    dialog.get_by_role("button", name="是，提交").click()
    expect(page.get_by_test_id("application-status")).to_have_text("已提交")


def test_a_practitioner_registers_on_a_phone_from_sign_up_through_a_rejection_to_approval(phone_page, api,
                                                                                         practitioner, run_job):
    page = phone_page
    phone = sign_up(page, api, practitioner)
    application_id = start_first_registration(page)
    fill_form(page, phone)
    upload_four_photos(page)
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("草稿已保存。")).to_be_visible()
    readme_screenshot(page, "form-phone", top=page.get_by_role("region", name="基本信息"))

    page.reload()
    expect(page.get_by_label("工作单位")).to_have_value(EMPLOYER)
    page.goto("/")
    draft = page.get_by_role("link", name=re.compile("首登记.*草稿"))
    expect(draft).to_be_visible()
    draft.click()
    expect(page.get_by_label("工作单位")).to_have_value(EMPLOYER)
    expect_status(page, "qualification_cert", "已通过检查")
    submit(page, "提交")
    axe(page, "submitted")

    api.review(application_id, opinion="照片不符合要求，单位名称不完整",
               reject=[("id_photo", "请上传近期正面免冠照片"), ("employer", "请填写单位全称，与公章一致")])
    page.reload()
    expect(page.get_by_test_id("application-status")).to_have_text("审核不通过")
    notice = page.get_by_role("region", name="审核意见")
    expect(notice.get_by_test_id("rejection-item")).to_have_text([
        re.compile("两寸免冠照片：请上传近期正面免冠照片"), re.compile("工作单位：请填写单位全称，与公章一致")])
    expect(material(page, "id_photo")).to_contain_text("请上传近期正面免冠照片")
    axe(page, "the rejection notice")
    readme_screenshot(page, "rejection-notice")

    upload(page, "id_photo", "两寸免冠照片", photos.small_photo("retake.jpg"))
    expect_status(page, "id_photo", "已通过检查")
    submit(page, "修改完成，重新提交")

    api.review(application_id)
    page.goto("/messages")
    expect(page.get_by_role("heading", name="您的登记申请通过")).to_be_visible()
    axe(page, "messages")
    run_job("sms-dispatch")
    assert any(text.startswith("【北京社工登记】您的登记申请通过") for text in api.texts_to(phone)), api.texts_to(phone)
