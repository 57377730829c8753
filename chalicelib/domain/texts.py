"""Every sentence a person reads about a refusal, in Chinese, keyed by the error's stable code.

Code raises `ValidationError(code="SIGNUP_INVALID", details=...)`; the message
is looked up here (a template filled from the error's keyword parameters).
`tests/unit/test_texts.py` walks this table: every message is Chinese and says
what to do next. Field-level reasons in `details` are written beside the rule
that checks them, in Chinese too.
"""
from __future__ import annotations

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
    # --- AWS faults ------------------------------------------------------------------
    "SERVICE_BUSY": "系统繁忙，请{retry_after}秒后重试。",
    # --- cursors and paging ----------------------------------------------------------
    # --- auth: sign-up, login, SMS codes, staff accounts -----------------------------
    "SMS_TOO_FREQUENT": "验证码发送过于频繁，请{retry_after}秒后再试。",
    "SMS_PHONE_DAILY_CAP": "该手机号今日获取验证码次数已达上限，请明天再试。",
    "SMS_IP_DAILY_CAP": "今日获取验证码次数已达上限，请明天再试。",
    # --- uploads and materials -------------------------------------------------------
    # --- applications (domain rules) -------------------------------------------------
    # --- review ----------------------------------------------------------------------
    # --- certificates, jobs, outbox, imports -----------------------------------------
    "VERIFY_TOO_FREQUENT": "查询过于频繁，请{retry_after}秒后再试。",
}

# Labels of states, for messages that name where something stands (申请当前状态为“已提交”).
STATE_LABELS: dict[str, str] = {
    "draft": "草稿", "submitted": "已提交", "in_review": "审核中", "approved": "审核通过",
    "rejected": "审核不通过", "expired": "已过期", "certified": "已发证",
    # the SMS outbox
    "pending": "待发送", "sending": "发送中", "sent": "已发送", "dead": "发送失败",
}

# What a move to a state is called, for "不能{target}".
MOVE_LABELS: dict[str, str] = {
    "draft": "改回草稿", "submitted": "提交", "in_review": "领取审核", "approved": "审核通过",
    "rejected": "审核不通过", "expired": "过期", "certified": "发证",
}
MOVE_LABELS["pending"] = "重新发送"


def error_message(code: str, **params: object) -> str:
    """The Chinese message of `code`, filled with `params`. KeyError for an unknown code:
    a refusal without a sentence in this table is a bug the tests catch."""
    return ERRORS[code].format(**params)
