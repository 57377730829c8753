"""The application screens in a browser (W2's part of issue 16): eligibility with the reason for
every type and its warnings; the form saved and found again after a reload; photos sent straight
to S3 and shown `ready` or with their rejection reason, deleted and replaced; submit blocked until
the declaration is ticked; a draft discarded; a rejection shown item by item, fixed and resubmitted;
reconsideration asked for once the rejected application expired.
axe checks every screen an applicant meets on the way.

The applicant signs in by putting the token where the client keeps it (sessionStorage): the sign-in
screens have their own tests, and these start where the applicant is already signed in.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from playwright.sync_api import expect

from chalicelib.domain.levels import Level
from chalicelib.domain.register import Practitioner, Registration
from tests.browser.axe import axe
from tests.browser.photos import pdf_named_jpg, small_photo
from tests.ids import unique_id

FIRST_MATERIALS = ("id_photo", "id_card_front", "id_card_back", "qualification_cert")
LABELS = {"id_photo": "两寸免冠照片", "id_card_front": "身份证人像面照片", "id_card_back": "身份证国徽面照片",
          "qualification_cert": "社会工作者职业水平证书照片"}
PROCESSED = 20_000  # ms: an upload reaches S3, the runner hands it to the app, the page polls


def sign_in(page, token: str) -> None:
    """Signed in as the client keeps it: the token in this tab's sessionStorage."""
    page.goto("/guide")
    page.evaluate("token => { sessionStorage.setItem('swreg.token', token);"
                  " sessionStorage.setItem('swreg.role', 'applicant') }", token)


def open_application(page, api, practitioner) -> tuple[str, str]:
    """A signed-up applicant's new first-registration draft, open on its page; returns its id and
    the applicant's token."""
    token, _ = api.sign_up(practitioner)
    sign_in(page, token)
    page.goto("/eligibility")
    page.get_by_role("button", name="办理首登记").click()
    expect(page.get_by_label("联系电话")).to_be_visible()
    return page.url.rsplit("/", 1)[1], token


def status(page):
    return page.locator('[data-test="application-status"]')


def fill_form(page) -> None:
    page.get_by_label("联系电话", exact=True).fill("13912345678")
    page.get_by_label("工作单位").fill("北京市海淀区阳光社会工作服务中心")
    page.get_by_label("所在区").select_option("海淀区")
    page.get_by_label("学历").select_option(label="大学本科")
    page.get_by_label("取证方式").select_option(label="邮寄")
    page.get_by_label("收件人", exact=True).fill("周晓梅")
    page.get_by_label("收件人电话").fill("13912345678")
    page.get_by_label("收件地址").fill("北京市海淀区中关村大街1号")
    page.get_by_label("邮政编码").fill("100080")


def material(page, kind: str):
    return page.locator(f'[data-test="material-{kind}"]')


def upload(page, kind: str, payload: dict, *, replacing: bool = False) -> None:
    action = "重新上传" if replacing else "上传照片"
    page.get_by_label(f"{action}：{LABELS[kind]}", exact=True).set_input_files(payload)


def expect_ready(page, kind: str) -> None:
    expect(material(page, kind).get_by_role("status")).to_have_text("已通过检查", timeout=PROCESSED)


def submit(page) -> None:
    page.get_by_role("checkbox", name="我保证上述所填信息均真实有效").click()
    page.get_by_role("button", name="提交", exact=True).click()
    page.get_by_role("button", name="是，提交").click()


def test_eligibility_gives_the_reason_for_every_type_and_needs_its_warnings_acknowledged(phone_page, api,
                                                                                       open_window):
    from chalicelib import bootstrap
    year = open_window.year
    person = Practitioner(unique_id("12"), "阿依古丽·买买提", f"Z{uuid.uuid4().int % 10**9:09d}",
                          Level.INTERMEDIATE, year - 6)
    bootstrap.deps().register.upsert_practitioners([person])
    bootstrap.deps().register.upsert_registrations([Registration(person.id_number, year - 3,
                                                                 f"BJ{uuid.uuid4().hex[:8]}")])
    token, _ = api.sign_up(person)
    answer = api.call("GET", "/me/eligibility", token=token)
    page = phone_page
    sign_in(page, token)
    page.goto("/eligibility")

    for verdict in answer["types"]:
        card = page.get_by_role("article", name=verdict["type_name"], exact=True)
        expect(card).to_contain_text(verdict["reason"])
        expect(card).to_contain_text("可办理" if verdict["eligible"] else "不可办理")
    reissue = next(v for v in answer["types"] if v["type"] == "reissue")
    assert reissue["eligible"] and reissue["warnings"], reissue
    card = page.get_by_role("article", name="补证", exact=True)
    expect(card).to_contain_text(reissue["warnings"][0])
    axe(page, "eligibility")

    card.get_by_role("button", name="办理补证").click()
    refusal = card.locator(".type-card__field-error")
    expect(refusal).to_contain_text(reissue["warnings"][0])
    ticked = card.get_by_role("checkbox", name="我已知晓上述提示，仍选择该登记类型")
    expect(ticked).to_have_attribute("aria-describedby", refusal.get_attribute("id"))
    axe(page, "eligibility with a refusal")

    ticked.click()
    card.get_by_role("button", name="办理补证").click()
    expect(status(page)).to_have_text("草稿")
    expect(page.get_by_role("heading", name=f"{year}年度补证")).to_be_visible()
    expect(page.get_by_label("补证原因")).to_be_visible()


def test_a_saved_draft_is_there_after_a_reload_and_a_bad_field_says_why_beside_it(phone_page, api, practitioner):
    page = phone_page
    open_application(page, api, practitioner)
    axe(page, "the new draft")
    fill_form(page)
    page.get_by_label("邮政编码").fill("10008")
    page.get_by_role("button", name="保存草稿").click()

    postal = page.get_by_label("邮政编码")
    expect(postal).to_have_attribute("aria-invalid", "true")
    reason = page.locator(f"#{postal.get_attribute('aria-describedby')}")
    expect(reason).to_contain_text("邮政编码")
    axe(page, "the form with a refused field")

    postal.fill("100080")
    expect(postal).not_to_have_attribute("aria-invalid", "true")  # the reason goes once the field changes
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("草稿已保存。")).to_be_visible()
    page.reload()
    expect(page.get_by_label("工作单位")).to_have_value("北京市海淀区阳光社会工作服务中心")
    expect(page.get_by_label("所在区")).to_have_value("海淀区")
    expect(page.get_by_label("学历")).to_have_value("bachelor")
    expect(page.get_by_label("收件地址")).to_have_value("北京市海淀区中关村大街1号")
    expect(page.get_by_label("邮政编码")).to_have_value("100080")


def test_photos_go_to_s3_and_show_ready_or_the_reason_then_are_deleted_and_replaced(phone_page, api,
                                                                                  practitioner):
    page = phone_page
    open_application(page, api, practitioner)
    expect(page.get_by_text("413×626 像素")).to_be_visible()  # the 2-inch photo guidance

    upload(page, "id_photo", small_photo("自拍.jpg"))
    upload(page, "id_card_front", pdf_named_jpg())
    expect_ready(page, "id_photo")
    expect(material(page, "id_photo")).to_contain_text("413×626 像素")
    front = material(page, "id_card_front")
    expect(front.get_by_role("status")).to_have_text("未通过", timeout=PROCESSED)
    expect(front).to_contain_text("无法识别为照片")
    axe(page, "materials ready and rejected")

    front.get_by_role("button", name="删除身份证人像面照片").click()
    expect(front.get_by_role("status")).to_have_text("尚未上传")
    upload(page, "id_card_front", small_photo())
    expect_ready(page, "id_card_front")
    upload(page, "id_photo", small_photo("新照片.jpg"), replacing=True)
    expect_ready(page, "id_photo")
    expect(front).not_to_contain_text("无法识别为照片")


def test_submit_waits_for_the_declaration_and_then_names_everything_missing(phone_page, api, practitioner):
    page = phone_page
    open_application(page, api, practitioner)
    button = page.get_by_role("button", name="提交", exact=True)
    expect(button).to_be_disabled()
    expect(page.get_by_text("勾选声明后才能提交。")).to_be_visible()

    page.get_by_label("联系电话", exact=True).fill("13912345678")
    submit(page)
    missing = page.get_by_role("alert").filter(has_text="提交前还需处理")
    for label in ("工作单位", "所在区", "学历", *LABELS.values()):
        expect(missing).to_contain_text(label)
    expect(page.get_by_label("工作单位")).to_have_attribute("aria-invalid", "true")
    expect(material(page, "id_photo")).to_contain_text("请上传两寸免冠照片")
    expect(status(page)).to_have_text("草稿")
    axe(page, "submit refused")


def test_a_draft_is_offered_again_and_discarded_only_after_the_applicant_confirms(phone_page, api, practitioner):
    page = phone_page
    application_id, _ = open_application(page, api, practitioner)
    page.goto("/eligibility")  # one application per window: the draft is offered, no second one
    expect(page.get_by_role("button", name="办理首登记")).to_have_count(0)
    page.get_by_role("button", name="继续办理").click()
    page.get_by_role("button", name="放弃此草稿").click()
    dialog = page.get_by_role("dialog", name="放弃草稿")
    expect(dialog).to_contain_text("不能恢复")
    axe(page, "discard dialog")
    dialog.get_by_role("button", name="再想想").click()
    expect(status(page)).to_have_text("草稿")

    page.get_by_role("button", name="放弃此草稿").click()
    page.get_by_role("dialog", name="放弃草稿").get_by_role("button", name="放弃草稿").click()
    expect(page).to_have_url(f"{page.url.split('/applications')[0]}/eligibility")
    expect(page.get_by_role("button", name="办理首登记")).to_be_visible()
    page.goto(f"/applications/{application_id}")
    expect(status(page)).to_have_text("已放弃")


def submitted(page, api, practitioner) -> tuple[str, str]:
    """A first registration filled in, its four photos ready and submitted through the page;
    returns its id and the applicant's token."""
    application_id, token = open_application(page, api, practitioner)
    fill_form(page)
    for kind in FIRST_MATERIALS:
        upload(page, kind, small_photo(f"{kind}.jpg"))
    for kind in FIRST_MATERIALS:
        expect_ready(page, kind)
    submit(page)
    expect(status(page)).to_have_text("已提交")
    return application_id, token


def test_a_rejection_is_shown_item_by_item_then_fixed_and_resubmitted(desktop_page, api, practitioner):
    page = desktop_page
    application_id, token = submitted(page, api, practitioner)
    axe(page, "submitted")

    api.review(application_id, reject=[("id_photo", "照片背景有他人，请重新拍摄"),
                                       ("employer", "请填写工作单位全称，与单位公章一致")])
    page.reload()
    expect(status(page)).to_have_text("审核不通过")
    notice = page.get_by_role("region", name="审核意见")
    items = notice.locator('[data-test="rejection-item"]')
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_have_text("两寸免冠照片：照片背景有他人，请重新拍摄")
    expect(items.nth(1)).to_have_text("工作单位：请填写工作单位全称，与单位公章一致")
    employer = page.get_by_label("工作单位")
    expect(page.locator(f"#{employer.get_attribute('aria-describedby')}")).to_have_text(
        "审核意见：请填写工作单位全称，与单位公章一致")
    expect(material(page, "id_photo")).to_contain_text("审核意见：照片背景有他人，请重新拍摄")
    axe(page, "rejection notice")

    employer.fill("北京市海淀区阳光社会工作服务中心（民办非企业单位）")
    upload(page, "id_photo", small_photo("重拍.jpg"), replacing=True)
    expect(material(page, "id_photo").get_by_role("status")).to_have_text("已通过检查", timeout=PROCESSED)
    page.get_by_role("checkbox", name="我保证上述所填信息均真实有效").click()
    page.get_by_role("button", name="修改完成，重新提交").click()
    page.get_by_role("button", name="是，提交").click()
    expect(status(page)).to_have_text("已提交")
    expect(page.get_by_role("region", name="审核意见")).to_have_count(0)
    answer = api.call("GET", f"/applications/{application_id}", token=token)
    assert answer["fields"]["employer"] == "北京市海淀区阳光社会工作服务中心（民办非企业单位）"
    assert len(answer["review_rounds"]) == 2


def test_an_application_expired_after_a_rejection_asks_for_reconsideration(phone_page, api, practitioner):
    from chalicelib import bootstrap
    from chalicelib.services.applicant import save_with_notices
    page = phone_page
    application_id, _ = submitted(page, api, practitioner)
    api.review(application_id, reject=[("qualification_cert", "证书照片不清晰")])
    deps = bootstrap.deps()  # the window closes for this application: it expires unresubmitted
    application = deps.applications.get(application_id)
    application.expire(datetime.now(timezone.utc), actor="system")
    save_with_notices(deps, application, phone=application.fields.phone)

    page.reload()
    expect(status(page)).to_have_text("已过期")
    expect(page.get_by_role("region", name="审核意见")).to_contain_text("证书照片不清晰")
    expect(page.get_by_role("button", name="保存草稿")).to_have_count(0)
    page.get_by_role("button", name="提交复核申请").click()
    reason = page.get_by_label("复核理由")
    expect(reason).to_have_attribute("aria-invalid", "true")
    axe(page, "reconsideration refused")

    reason.fill("证书照片是原件扫描，字迹清楚，请复核。")
    page.get_by_role("button", name="提交复核申请").click()
    expect(status(page)).to_have_text("复核中")
    expect(page.get_by_role("region", name="申请复核")).to_contain_text("复核理由：证书照片是原件扫描，字迹清楚，请复核。")
