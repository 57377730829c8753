"""The public registration guide (GET /guide): the user manual's rules, steps, FAQ and contacts as data.

Adapted from the manual (`reference/user-manual.zh.txt`) to this service: it
replaces the Beijing-Tong sign-up, the Firefox advice and the MS Paint resizing
with what the service does instead. Only the worked examples depend on the
window year, so `guide_for_year` fills those in and everything else is fixed.
"""
from __future__ import annotations

import copy
from typing import Any

from chalicelib.domain.eligibility import DEFAULT_PICKUP, PickupMethod, RegistrationType
from chalicelib.domain.levels import Level, valid_until
from chalicelib.domain.materials import MaterialKind, MaterialStatus

TITLE = "北京市社会工作者职业水平证书登记指南"
CERTIFICATE_DELAY_DAYS = 14

_T = RegistrationType

# Which types always need a material, and which need it only in some cases
# (SPEC §2.5); `requirement` says when, in the applicant's words.
_MATERIALS: tuple[dict[str, Any], ...] = (
    {"kind": MaterialKind.ID_PHOTO, "required_for": tuple(_T), "conditional_for": (),
     "description": "本人近期两寸免冠照片，底色不限，宽413×高626像素（3.5×5.3厘米）。"
                    "系统会自动居中裁剪为这一尺寸，请让头像位于照片中央、上方留出少量空白。",
     "requirement": "所有登记类型均须上传。"},
    {"kind": MaterialKind.ID_CARD_FRONT, "required_for": tuple(_T), "conditional_for": (),
     "description": "居民身份证人像面照片，四角完整、文字清晰、无反光。",
     "requirement": "所有登记类型均须上传。"},
    {"kind": MaterialKind.ID_CARD_BACK, "required_for": tuple(_T), "conditional_for": (),
     "description": "居民身份证国徽面照片，四角完整、有效期限清晰。",
     "requirement": "所有登记类型均须上传。"},
    {"kind": MaterialKind.QUALIFICATION_CERT, "required_for": tuple(_T), "conditional_for": (),
     "description": "社会工作者职业水平证书照片，姓名和证书管理号清晰可辨。",
     "requirement": "所有登记类型均须上传。"},
    {"kind": MaterialKind.REGISTRATION_CERT, "required_for": (_T.RENEWAL, _T.LATE), "conditional_for": (),
     "description": "《登记证书》最近一次登记记录对开页的照片，或电子证书（选一即可）。"
                    "在本系统登记过并有电子证书的，选择“电子证书”即可由系统自动附上，无需拍照上传；"
                    "没有电子证书的，请上传纸质证书照片。",
     "requirement": "再登记、补登记须上传。"},
    {"kind": MaterialKind.CE_PROOF, "required_for": (), "conditional_for": (_T.RENEWAL, _T.LATE, _T.REISSUE),
     "description": "继续教育登记手册或继续教育证明的照片。",
     "requirement": "再登记、补登记：继续教育情况栏已显示足够学时的无需上传；记录的学时不足时，"
                    "请申报未记录的学时并上传证明，由审核人员核对。"
                    "补证：从未参加过继续教育的，或继续教育情况栏已显示记录的，无需上传。"},
)

PHOTO_REQUIREMENTS: dict[str, Any] = {
    "id_photo": {"description": "两寸免冠照片，底色不限", "width_px": 413, "height_px": 626,
                 "width_cm": 3.5, "height_cm": 5.3},
    "accepted_formats": ["JPEG", "PNG", "WebP"],
    "max_upload_bytes": 10 * 1024 * 1024,
    "stored_max_bytes": 1024 * 1024,
    "upload": "直接用手机拍摄或选择已有照片即可：单张不超过10MB，支持JPEG、PNG、WebP格式。"
              "系统会自动纠正照片方向、去除拍摄位置等附加信息，两寸照自动居中裁剪为413×626像素，"
              "其他材料长边缩至1600像素以内，并统一压缩为不超过1MB的JPEG图片，"
              "无需再用“画图”等工具手动缩小。",
    "refused": "以下照片会被退回并说明原因：无法识别为图片的文件；超过10MB的文件；"
               "过小而看不清的照片（短边不足300像素，两寸照小于200×300像素）。",
    "heic": "苹果手机拍摄的HEIC照片如提示格式不支持，请在“设置—相机—格式”中选择“兼容性最佳”后重新拍摄，"
            "或转换为JPEG后上传。",
    "status": "每项材料都会显示处理状态："
              f"“{MaterialStatus.PENDING.chinese}”“{MaterialStatus.READY.chinese}”或"
              f"“{MaterialStatus.REJECTED.chinese}”（附原因）。点击照片右上角“×”可删除，再次上传即替换原照片。",
    "clarity": "请保证照片清晰、完整，避免审核不通过。",
}

STEPS: tuple[dict[str, Any], ...] = (
    {"title": "注册并登录",
     "detail": "首次使用请用本人手机号获取短信验证码，填写姓名、身份证号并设置密码完成注册（实名绑定，"
               "一个身份证号只能绑定一个账号）；之后可用手机号加密码或短信验证码登录。"},
    {"title": "选择登记类型",
     "detail": "系统根据职业资格、登记记录和继续教育记录，列出本年度可申请的登记类型"
               "（首登记、再登记、补登记、补证）并说明原因，请选择应登记的类型。"},
    {"title": "填写登记信息",
     "detail": "所有项均为必填项；姓名、身份证号、职业水平证书管理号由系统自动获取，无法修改。"},
    {"title": "上传照片材料",
     "detail": "按提示上传两寸免冠照片、身份证正反面、职业水平证书等材料，"
               "待每项材料显示“已上传”后再提交。"},
    {"title": "保存或提交",
     "detail": "勾选“我保证上述所填信息均真实有效”后点击“提交”：选择“否”只保存所填信息，不提交审核，"
               "下次进入可继续填写；选择“是”即确认信息无误，提交审核。"
               "提交后信息不可修改或撤回，审核完成前无法再次提交。"},
    {"title": "等待审核",
     "detail": "审核人员逐份审核已提交的登记申请。"},
    {"title": "查看审核结果",
     "detail": "审核完毕后系统发送短信，同时可在“我的消息”中查看：通过显示“您的登记申请通过”，"
               "本次登记完成；不通过显示“您的登记申请不通过”及审核意见，"
               "请在登记时间内按意见修改后再次提交。"},
    {"title": "下载电子证书",
     "detail": f"审核通过后，电子证书在本次登记工作结束{CERTIFICATE_DELAY_DAYS}天后生成，"
               "届时可在登记历史中查看和下载。"},
)

CONTACTS: dict[str, Any] = {
    "technical_support": {
        "name": "社工人才服务技术支持",
        "description": "如果您在系统使用过程中遇到问题，可以拨打技术支持服务电话，或者添加技术支持服务QQ群进行咨询。",
        "qq_groups": ["614182818", "614809638"],
        "phones": ["65868811", "17611102902", "13693252998"],
        "note": "如遇电话正在通话中，请拨打其他电话。",
    },
    "association": {
        "name": "北京社会工作者协会",
        "description": "其他咨询事项可与北京社会工作者协会联系。",
        "phones": ["58163934", "58163946", "58163910", "58163960"],
        "note": "如遇电话正在通话中，请拨打其他电话。",
        "wechat": "soulhert",
        "qq_groups": ["693610759"],
        "qq_group_name": "社工登记咨询QQ群",
        "hours": "工作日9:00--16:00",
    },
}


def _ce_hours_sentence() -> str:
    by_hours: dict[int, list[str]] = {}
    for level in Level:
        by_hours.setdefault(level.ce_hours, []).append(level.chinese)
    parts = [f"{'、'.join(names)}需要满足参加继续教育{hours}学时要求" for hours, names in by_hours.items()]
    return f"距上一次登记以来须完成相应的继续教育学习：{'，'.join(parts)}。"


def _types(year: int) -> list[dict[str, Any]]:
    rules = {
        _T.FIRST: (f"{year - 1}年通过全国社会工作者职业水平考试，取得社会工作者职业资格的社会工作者，申请首次登记。",
                   f"例如：本年度为{year}年，则{year - 1}年取得社会工作者职业资格且从未登记的社会工作者"
                   f"需要在{year}年进行首登记。"),
        _T.RENEWAL: ("已经进行过首次登记或再登记的社会工作者，需要在有效期到期年进行再登记，登记时间间隔为三年；"
                     f"即《登记证书》有效期至{year}年的社会工作者，申请再登记。" + _ce_hours_sentence(),
                     f"例如：本年度为{year}年，则在{year - 3}年进行过首登记或再登记的社会工作者"
                     f"需要在{year}年进行再登记。"),
        _T.LATE: ("持有《登记证书》并按规定完成继续教育，但错过历史登记时间的社会工作者，需要补登记。"
                  + _ce_hours_sentence(),
                  f"例如：本年度为{year}年，最近一次登记年份在{year - 5}年的社会工作者需要进行补登记"
                  f"（最近一次登记在{year - 4}年或更早的均属此类）。"),
        _T.REISSUE: ("无《登记证书》的社会工作者申请补证，包含两种情况：① 考取职业水平证书但是未进行首登记的社会工作者；"
                     "② 已正常登记但是登记证书遗失或损坏，希望重新获取登记证书的社会工作者。",
                     f"例如：本年度为{year}年，则{year - 2}年之前（含{year - 2}年）取得社会工作者职业资格"
                     "且从未进行证书登记的社会工作者需要进行补证。"),
    }
    return [{"type": t.value, "name": t.chinese, "rule": rule, "example": example,
             "default_pickup": DEFAULT_PICKUP[t].value, "default_pickup_name": DEFAULT_PICKUP[t].chinese,
             "required_materials": [m["kind"].value for m in _MATERIALS if t in m["required_for"]],
             "conditional_materials": [m["kind"].value for m in _MATERIALS if t in m["conditional_for"]]}
            for t, (rule, example) in rules.items()]


def _rules(year: int) -> list[str]:
    pickup = {method: "、".join(t.chinese for t in _T if DEFAULT_PICKUP[t] is method) for method in PickupMethod}
    return [
        "所有项均为必填项，若有遗漏则无法提交审核。",
        "姓名、身份证号、职业水平证书管理号由系统根据职业资格名册自动获取，无法修改。",
        f"取证方式：{pickup[PickupMethod.MAIL]}默认为{PickupMethod.MAIL.chinese}，"
        f"{pickup[PickupMethod.ELECTRONIC]}默认为{PickupMethod.ELECTRONIC.chinese}；"
        "选择邮寄的，须填写收件人、联系电话、邮寄地址和邮政编码。",
        "登记时间共1个月左右，请在规定的时间内完成登记工作；登记结束时仍未提交的申请将失效。",
        "提交前须勾选“我保证上述所填信息均真实有效”；提交后信息不可修改或撤回，审核完成前无法再次提交。",
        "审核不通过的，可在登记时间内根据审核意见修改后再次提交。",
        f"审核通过后，电子证书会在本次登记工作结束{CERTIFICATE_DELAY_DAYS}天后生成，请届时查看。",
        f"登记有效期为三年：{year}年登记的，有效期至{valid_until(year)}年，并在{valid_until(year)}年进行再登记。",
        f"本年度为{year}年：{year - 2}年或{year - 1}年已登记的社会工作者本年度无需登记"
        f"（登记证书遗失或损坏的可申请补证）；{year}年取得职业资格的社会工作者于{year + 1}年进行首登记。",
    ]


def _materials() -> list[dict[str, Any]]:
    return [{"kind": m["kind"].value, "name": m["kind"].chinese, "description": m["description"],
             "requirement": m["requirement"], "required_for": [t.value for t in m["required_for"]],
             "conditional_for": [t.value for t in m["conditional_for"]]} for m in _MATERIALS]


def _faq(year: int) -> list[dict[str, str]]:
    types = {t["type"]: t for t in _types(year)}
    explained = "".join(f"{types[t.value]['name']}规则：{types[t.value]['rule']}{types[t.value]['example']}\n"
                        for t in _T)
    return [
        {"question": "什么情况下应该进行首登记、再登记、补登记、补证？",
         "answer": "针对四种登记类型，解释如下：\n" + explained
                   + "登录后，系统会根据您的职业资格、登记记录和继续教育记录列出本年度可申请的类型及原因。"},
        {"question": "上传登记材料照片时，对照片有什么要求？",
         "answer": "个人两寸免冠照片底色不限，尺寸3.5×5.3厘米或宽413×高626像素；其他照片需保证清晰完整。"
                   + PHOTO_REQUIREMENTS["upload"]},
        {"question": "上传照片时提示照片太大或格式不支持，怎么办？",
         "answer": "单张照片不超过10MB即可上传，系统会自动压缩到1MB以内，无需自行缩小。"
                   "超过10MB的，请用手机相机的标准画质重新拍摄后上传。" + PHOTO_REQUIREMENTS["heic"]},
        {"question": "填写完信息并上传了所有照片，提交时系统仍提示“请上传照片”？",
         "answer": "说明有照片未通过检查或仍在处理中。请查看每项材料的状态："
                   f"显示“{MaterialStatus.REJECTED.chinese}”的会写明原因（如照片过小、无法识别），"
                   "请按原因调整后重新上传；"
                   f"显示“{MaterialStatus.PENDING.chinese}”的请稍候片刻再提交。"},
        {"question": "再登记或补登记时，继续教育学时记录不足怎么办？",
         "answer": "继续教育情况栏已显示的学时无需另行证明。记录的学时不足时，仍可申请：请申报未记录的学时，"
                   "并上传继续教育登记手册或证明照片，由审核人员核对。"},
        {"question": "审核不通过怎么办？",
         "answer": "短信和“我的消息”中会给出审核意见，请在登记时间内根据意见修改信息或重新上传材料后再次提交。"},
        {"question": "长时间未操作，或页面点击无反应怎么办？",
         "answer": "登录状态过期后请重新登录；选择“否”保存过的信息不会丢失。页面无反应时可先刷新页面或重新登录，"
                   "仍无法解决的请联系技术支持。"},
        {"question": "在哪里查看和下载电子证书？",
         "answer": f"审核通过后，电子证书在本次登记工作结束{CERTIFICATE_DELAY_DAYS}天后生成，"
                   "可在登记历史中查看及下载。"},
    ]


def guide_for_year(year: int) -> dict[str, Any]:
    """The whole guide for window year `year`, as JSON-ready plain data (str, int, float, list, dict).

    A fresh copy each call: a caller that decorates its answer cannot alter the next one's.
    """
    return {
        "title": TITLE,
        "year": year,
        "overview": "进入服务后找到登记入口，选择应该登记的类型，全部信息填写完毕后提交等待审核；"
                    "审核结果会以短信通知，同时可以在“我的消息”中查看，登记完成后记入登记历史。",
        "steps": [{"step": number, **step} for number, step in enumerate(STEPS, start=1)],
        "types": _types(year),
        "rules": _rules(year),
        "materials": _materials(),
        "photo_requirements": copy.deepcopy(PHOTO_REQUIREMENTS),
        "faq": _faq(year),
        "contacts": copy.deepcopy(CONTACTS),
    }
