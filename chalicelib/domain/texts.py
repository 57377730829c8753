"""Every sentence a person reads about a refusal, in Chinese, keyed by the error's stable code.

Code raises `ValidationError(code="SIGNUP_INVALID", details=...)`; the message
is looked up here (a template filled from the error's keyword parameters).
`tests/unit/test_texts.py` walks this table: every message is Chinese and says
what to do next. Field-level reasons in `details` are written beside the rule
that checks them, in Chinese too.

`NOTICES` (at the end) holds what the applicant is told by SMS and in 我的消息,
keyed by event name; `tests/unit/test_notifications.py` renders each one.
"""
from __future__ import annotations

from typing import NamedTuple

ERRORS: dict[str, str] = {
    # --- generic ---------------------------------------------------------------------
    "DOMAIN_ERROR": "请求未能完成，请检查填写的内容后重试。",
    "VALIDATION_FAILED": "填写的内容有误，请按提示修改后重试。",
    "RULE_VIOLATION": "该操作不符合登记规定，请按提示处理。",
    "NOT_FOUND": "未找到该内容，请检查后重试。",
    "CONFLICT": "该内容已发生变化，请刷新后重试。",
    "INVALID_TRANSITION": "当前状态为“{current}”，不能{target}。请刷新页面查看最新状态。",
    "CONCURRENT_UPDATE": "内容已被他人修改，请刷新后重试。",
    "UNAUTHORIZED": "请先登录。",
    "FORBIDDEN": "您的账号没有权限进行此操作，如有疑问请联系管理员。",
    "RATE_LIMITED": "操作过于频繁，请稍后再试。",
    "INTERNAL_ERROR": "服务暂时不可用，请稍后重试。",
    # --- the HTTP edge ---------------------------------------------------------------
    "BAD_JSON": "请求内容不是有效的JSON，请检查后重试。",
    "PAYLOAD_TOO_LARGE": "请求内容超过{max_kb}KB，请精简后重试。",
    "UNKNOWN_FIELDS": "请求中包含不支持的字段，请删除后重试。",
    "FIELD_TOO_LARGE": "部分内容超过长度或数量上限，请按提示精简后重试。",
    "UNSUPPORTED_MEDIA_TYPE": "请求内容须为JSON格式，请设置 Content-Type: application/json 后重试。",
    "METHOD_NOT_ALLOWED": "该地址不支持此请求方法，请查阅接口文档后重试。",
    "MISSING_TOKEN": "请先登录，再进行此操作。",
    "ACCOUNT_UNAVAILABLE": "账号不可用，请重新登录；如有疑问请联系管理员。",
    "INVALID_TOKEN": "登录凭证无效，请重新登录。",
    "TOKEN_EXPIRED": "登录已过期，请重新登录。",
    # --- AWS faults ------------------------------------------------------------------
    "SERVICE_BUSY": "系统繁忙，请{retry_after}秒后重试。",
    "TRANSACTION_CONFLICT": "当前办理的人较多，您的操作未能保存，请稍后重试。",
    # --- cursors and paging ----------------------------------------------------------
    "BAD_CURSOR": "翻页参数无效或已失效，请从第一页重新加载列表。",
    # --- auth: sign-up, login, SMS codes, staff accounts -----------------------------
    "SMS_TOO_FREQUENT": "验证码发送过于频繁，请{retry_after}秒后再试。",
    "SMS_PHONE_DAILY_CAP": "该手机号今日获取验证码次数已达上限，请明天再试。",
    "SMS_IP_DAILY_CAP": "今日获取验证码次数已达上限，请明天再试。",
    "SMS_HOURLY_CAP": "验证码发送繁忙，请{retry_after}秒后再试。",
    "SMS_CODE_REQUEST_INVALID": "获取验证码的请求有误，请按提示修改后重试。",
    "SMS_CODE_MALFORMED": "验证码格式不正确，请填写短信中的6位数字验证码。",
    "INVALID_CODE": "验证码错误或已失效，请核对短信中的验证码，或重新获取验证码。",
    "PASSWORD_POLICY": "密码不符合要求，请按提示重新设置密码。",
    "SIGNUP_INVALID": "注册信息填写有误，请按提示修改后重试。",
    "NAME_MISMATCH": "姓名与身份证号登记的姓名不一致，请按身份证上的姓名填写，并重新获取验证码后再注册。",
    "PHONE_ALREADY_REGISTERED": "该手机号已注册过账号，请直接登录；忘记密码可用短信验证码登录。",
    "ID_ALREADY_BOUND": "该身份证号已绑定其他账号，请用当初注册的手机号登录；如该手机号已不再使用，请联系管理员解除绑定。",
    "ACCOUNT_EXISTS": "账号已存在，请直接登录。",
    "LOGIN_INVALID": "登录信息填写有误，请按提示修改后重试。",
    "BAD_CREDENTIALS": "账号或密码错误，请核对后重新输入。连续输错{max_failures}次后需等待{minutes}分钟再试，申请人也可以改用短信验证码登录。",
    "LOGIN_TOO_MANY_FAILURES": "登录失败次数过多，请{retry_after}秒后再试。",
    "NO_ACCOUNT": "该手机号没有可用的账号，请先注册；如账号已被停用，请联系管理员。",
    "STAFF_USERNAME_INVALID": "用户名不符合要求，请按提示修改。",
    "USERNAME_TAKEN": "该用户名已被使用，请换一个用户名。",
    "STAFF_NOT_FOUND": "没有这个工作人员账号，请检查用户名后重试。",
    # --- uploads and materials -------------------------------------------------------
    "MATERIAL_NOT_ALLOWED": "{type}不需要上传{material}，请上传申请页面列出的材料。",
    "UPLOAD_DAILY_CAP": "这份材料今天上传的次数已达上限，请明天再上传。",
    "NO_E_CERTIFICATE": "您还没有电子证书，请上传纸质登记证书的照片。",
    "NOT_IN_REGISTER": "您不在职业水平证书登记名册中，暂不能申请登记，如有疑问请联系登记机关。",
    "NO_OPEN_WINDOW": "当前不在登记开放时间内，请在登记开放期间再申请。",
    # --- applications (domain rules) -------------------------------------------------
    "LIVE_APPLICATION_EXISTS": "本年度已有登记申请，不能重复创建，请在“我的申请”中继续办理。",
    "TYPE_NOT_ELIGIBLE": "{reason}请选择符合条件的登记类型。",
    "WINDOW_CLOSED": "{year}年度登记不在开放时间内，请在登记开放期间办理。",
    "NOT_EDITABLE": "申请{status}，不能修改。请刷新页面查看申请的最新状态。",
    "REVIEW_ROUNDS_EXHAUSTED": "该申请已审核{rounds}轮，不能再次提交。请联系登记机关（联系电话见办事指南）处理。",
    "SUBMIT_INCOMPLETE": "申请信息不完整，不能提交。请按提示补全后再提交。",
    "CLAIMED": "该申请正由{reviewer}审核，请选择其他申请或稍后再试。",
    "NOT_CLAIMED": "您尚未领取该申请，请先领取再审核。",
    "REGISTRATION_NO_RESERVED": "该申请已预留登记证书编号{registration_no}，请使用该编号发证。",
    # --- review ----------------------------------------------------------------------
    "REVIEW_QUERY_INVALID": "查询条件有误，请按提示修改后重新查询。",
    "DECISION_INVALID": "审核结论填写有误，请按提示修改后重新提交。",
    # --- certificates, jobs, outbox, imports -----------------------------------------
    "VERIFY_TOO_FREQUENT": "查询过于频繁，请{retry_after}秒后再试。",
    "ALREADY_REVOKED": "该证书已注销，无需再次注销。",
}

# Notes that pages show beside data (GET /me, GET /me/eligibility).
PAGE_NOTES: dict[str, str] = {
    "PROFILE_NOT_IN_REGISTER": "您的身份证号不在职业水平证书登记名册中；如已通过考试，请等待名册导入后再申请登记。",
    "ELIGIBILITY_NOT_IN_REGISTER": "您不在职业水平证书登记名册中，暂不能申请登记",
    "ELIGIBILITY_NO_WINDOW": "当前不在登记时间内",
    "ELIGIBILITY_NEXT_WINDOW": "当前不在登记时间内，{year}年度登记将于{opens_at}开始",
}

# Labels of states, for messages that name where something stands (申请当前状态为“已提交”).
STATE_LABELS: dict[str, str] = {
    "draft": "草稿", "submitted": "已提交", "in_review": "审核中", "approved": "审核通过",
    "rejected": "审核不通过", "expired": "已过期", "certified": "已发证",
    # the SMS outbox
    "PENDING": "待发送", "SENDING": "发送中", "SENT": "已发送", "DEAD": "发送失败",
}

# What a move to a state is called, for "不能{target}".
MOVE_LABELS: dict[str, str] = {
    "draft": "改回草稿", "submitted": "提交", "in_review": "领取审核", "approved": "审核通过",
    "rejected": "审核不通过", "expired": "过期", "certified": "发证",
    "PENDING": "重新发送",
}


def error_message(code: str, **params: object) -> str:
    """The Chinese message of `code`, filled with `params`. KeyError for an unknown code:
    a refusal without a sentence in this table is a bug the tests catch."""
    return ERRORS[code].format(**params)


# --- notices: what the applicant is told when something happens to an application --------
# Keyed by event name (`chalicelib.domain.events`); a suffix names a variant of the same event.
# `title` heads the in-app message (我的消息); `body` is the message and, after SMS_SIGNATURE,
# the SMS — one template with named parameters each, as an SMS provider registers them.
class Notice(NamedTuple):
    title: str
    body: str


SMS_SIGNATURE = "【北京社工登记】"

NOTICES: dict[str, Notice] = {
    "ApplicationSubmitted": Notice(
        "登记申请已提交",
        "您的登记申请已提交，请等待审核。审核结果将以短信和“我的消息”通知您。"),
    "ApplicationApproved": Notice(
        "您的登记申请通过",
        "您的登记申请通过！电子证书将在本次登记工作结束14天后生成，请届时查看。"),
    "ApplicationRejected": Notice(
        "您的登记申请不通过",
        "您的登记申请不通过。审核意见：{opinion}。请在登记时间内修改后重新提交。"),
    "ApplicationRejected.with_issues": Notice(
        "您的登记申请不通过",
        "您的登记申请不通过。审核意见：{opinion}。需要修改：{issues}。请在登记时间内修改后重新提交。"),
    "ApplicationExpired": Notice(
        "登记申请已过期",
        "本年度登记时间已结束，您未提交的登记申请已过期。"),
    "ApplicationExpired.after_rejection": Notice(
        "登记申请已过期",
        "本年度登记时间已结束，您的登记申请审核不通过后未在截止前修改并重新提交，已过期。"),
    "ReminderDue": Notice(
        "登记即将截止，请尽快提交",
        "距本年度登记截止已不足{days_left}天{deadline}，您的登记申请尚未提交。还需填写或上传：{missing}。"
        "请补全后提交，截止时仍未提交的申请将过期。"),
    "ReminderDue.complete": Notice(
        "登记即将截止，请尽快提交",
        "距本年度登记截止已不足{days_left}天{deadline}，您的登记申请尚未提交。"
        "信息已填写完整，请勾选“我保证上述所填信息均真实有效”后提交，截止时仍未提交的申请将过期。"),
    "ReminderDue.after_rejection": Notice(
        "登记即将截止，请尽快重新提交",
        "距本年度登记截止已不足{days_left}天{deadline}，您审核不通过的登记申请尚未重新提交。"
        "还需填写或上传：{missing}。请按审核意见修改并补全后重新提交，截止时仍未重新提交的申请将过期。"),
    "ReminderDue.after_rejection.complete": Notice(
        "登记即将截止，请尽快重新提交",
        "距本年度登记截止已不足{days_left}天{deadline}，您审核不通过的登记申请尚未重新提交。"
        "信息已填写完整，请按审核意见修改后勾选“我保证上述所填信息均真实有效”并重新提交，"
        "截止时仍未重新提交的申请将过期。"),
    "CertificateIssued": Notice(
        "电子证书已生成",
        "您的电子证书已生成，登记证书编号{registration_no}，有效期至{valid_until}年。请在“登记历史”中查看和下载。"),
}

# Pieces a notice's parameters are built from.
NOTICE_PARTS: dict[str, str] = {
    "deadline": "（{year}年{month}月{day}日{time}截止）",  # after "不足N天", when the close is known
    "issue": "{label}",                                  # one item at fault, in "需要修改：…"
    "issue_with_note": "{label}（{note}）",
    "issue_separator": "；",
    "missing_separator": "、",
}


def notice(name: str, **params: object) -> tuple[str, str]:
    """(title, body) of the notice `name`, its body filled with `params`. KeyError for an unknown name."""
    title, body = NOTICES[name]
    return title, body.format(**params)
