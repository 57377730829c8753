"""Every text a person reads, in Chinese: refusals, field-level reasons, item labels, notices, SMS.

- `ERRORS`: the message of a refusal, keyed by the error's stable code. Code raises
  `ValidationError(code="SIGNUP_INVALID", details=...)`; the message is looked up
  here (a template filled from the error's keyword parameters).
- `REASONS`: what is wrong with one field, the values of an error's `details`
  (and a rejected photo's reason), keyed by a stable name: `reason("FIELD_TOO_LONG", limit=40)`.
- `ELIGIBILITY_REASONS`: why a registration type applies or not, keyed by the verdict's
  reason code (`domain/eligibility.py`); `ELIGIBILITY_WARNINGS`, why choosing an eligible type
  would hurt the applicant.
- `EDUCATION_LABELS`: the education levels the form offers (`domain/options.py`).
- `PAGE_NOTES`, `STATE_LABELS`, `MOVE_LABELS`: notes and labels pages and messages show.
- `ITEM_LABELS`: what a form field, a mailing-address part or a material is called;
  `DECISION_LABELS`, what the parts of a reviewer's decision are called.
- `HISTORY_NOTES`: the note an application's history records with a status change, keyed
  by a stable name: `history_note("CERTIFIED", registration_no=...)`. The history stores
  the rendered note, so a stored note keeps the wording it was written with.
- `NOTICES`: what the applicant is told in 我的消息, keyed by event name.
- `SMS_TEMPLATES` (at the end): every SMS the service sends, as the templates registered with
  the SMS provider, keyed by template name: `sms_text("LoginCode", code="482913")`.

`tests/unit/test_texts.py` walks these tables (every message is Chinese, every error
says what to do next, every template renders) and the code: no Chinese string outside
this module but the vocabulary it allows by name. `tests/unit/test_notifications.py`
renders each notice.
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
    "SESSION_REVOKED": "账号的密码、手机号或状态已变更，此前的登录已失效，请重新登录。",
    # --- AWS faults ------------------------------------------------------------------
    "SERVICE_BUSY": "系统繁忙，请{retry_after}秒后重试。",
    "TRANSACTION_CONFLICT": "当前办理的人较多，您的操作未能保存，请稍后重试。",
    # --- cursors and paging ----------------------------------------------------------
    "BAD_CURSOR": "翻页参数无效或已失效，请从第一页重新加载列表。",
    # --- the helpdesk search and the audit listing (domain/helpdesk_search.py) ---------
    "SEARCH_QUERY_INVALID": "搜索内容有误，请按提示修改后重新搜索。",
    "AUDIT_QUERY_INVALID": "审计查询条件有误，请按提示修改后重试。",
    # --- auth: sign-up, login, SMS codes, staff accounts -----------------------------
    "SMS_TOO_FREQUENT": "验证码发送过于频繁，请{retry_after}秒后再试。",
    "SMS_PHONE_DAILY_CAP": "该手机号今日获取验证码次数已达上限，请明天再试。",
    "SMS_IP_DAILY_CAP": "今日获取验证码次数已达上限，请明天再试。",
    "SMS_HOURLY_CAP": "验证码发送繁忙，请{retry_after}秒后再试。",
    "SMS_CODE_REQUEST_INVALID": "获取验证码的请求有误，请按提示修改后重试。",
    "SMS_CODE_MALFORMED": "验证码格式不正确，请填写短信中的6位数字验证码。",
    "INVALID_CODE": "验证码错误或已失效，请核对短信中的验证码，或重新获取验证码。",
    "PASSWORD_POLICY": "密码不符合要求：至少8位，须同时包含字母和数字，不能包含手机号、身份证号或身份证号后6位。"
                       "请按提示重新设置密码。",
    "SIGNUP_INVALID": "注册信息填写有误，请按提示修改后重试。",
    "NAME_MISMATCH": "姓名与身份证号登记的姓名不一致，请按身份证上的姓名填写，并重新获取验证码后再注册。",
    "PHONE_ALREADY_REGISTERED": "该手机号已注册过账号，请直接登录；忘记密码可用短信验证码登录。",
    "ID_ALREADY_BOUND": "该身份证号已绑定其他账号，请用当初注册的手机号登录；如该手机号已不再使用，请联系管理员解除绑定。",
    "ACCOUNT_EXISTS": "账号已存在，请直接登录。",
    "LOGIN_INVALID": "登录信息填写有误，请按提示修改后重试。",
    "BAD_CREDENTIALS": "账号或密码错误，请核对后重新输入。连续输错{max_failures}次后需等待{minutes}分钟再试，申请人也可以改用短信验证码登录。",
    "LOGIN_TOO_MANY_FAILURES": "登录失败次数过多，请{retry_after}秒后再试。",
    "NO_ACCOUNT": "该手机号没有可用的账号，请先注册；如账号已被停用，请联系管理员。",
    "PASSWORD_RESET_INVALID": "重置密码的信息填写有误，请按提示修改后重试。",
    "PASSWORD_CHANGE_INVALID": "修改密码的信息填写有误，请按提示修改后重试。",
    "CURRENT_PASSWORD_WRONG": "当前密码不正确，请核对后重新输入。连续输错{max_failures}次后需等待{minutes}分钟再试。",
    "PHONE_CHANGE_INVALID": "更换手机号的信息填写有误，请按提示修改后重试。",
    "PHONE_UNCHANGED": "新手机号与当前绑定的手机号相同，请填写新的手机号。",
    "PHONE_TAKEN": "该手机号已绑定其他账号，不能更换为该号码。请换一个手机号，或联系管理员。",
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
    "WARNING_NOT_ACKNOWLEDGED": "{warnings}如确认仍选择该登记类型，请勾选“我已知晓”（acknowledge_warnings: true）后重新创建。",
    "CREATE_APPLICATION_INVALID": "创建申请的请求有误，请按提示修改后重试。",
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
    # --- reconsideration (复核) ----------------------------------------------------------
    "FIX_PERIOD_OPEN": "该申请的修改期限至{fix_until}，期限内不会过期，请在期限结束后再处理。",
    "RECONSIDERATION_INVALID": "复核申请填写有误，请按提示修改后重新提交。",
    "RECONSIDERATION_ALREADY_REQUESTED": "该申请已申请过复核，每份申请只能申请一次。复核结果请查看“我的消息”。",
    "RECONSIDERATION_NOT_AFTER_REJECTION": "只有审核不通过后过期的申请可以申请复核，未提交而过期的申请不能申请复核。"
                                           "如需登记，请在登记开放期间重新申请。",
    "RECONSIDERATION_TOO_LATE": "申请复核须在申请过期后{days}天内提出（截至{deadline}），现已超过期限。"
                                "如有疑问请联系登记机关（联系电话见办事指南）。",
    "RECONSIDERATION_DECISION_INVALID": "复核结论填写有误，请按提示修改后重新提交。",
    "RECONSIDERATION_OWN_REJECTION": "您是作出不通过结论的审核人员，不能办理该申请的复核，请交由其他审核人员处理。",
    # --- certificates, jobs, outbox, imports -----------------------------------------
    "VERIFY_TOO_FREQUENT": "查询过于频繁，请{retry_after}秒后再试。",
    # --- verification by the public and employers (domain/verification.py) -------------
    "VERIFICATION_CODE_WRONG": "核验码不正确，请核对证书二维码下方印制的8位核验码后重试。",
    "VERIFY_BATCH_INVALID": "批量核验的编号列表有误，请按提示修改后重试。",
    "VERIFY_BATCH_TOO_FREQUENT": "批量核验过于频繁，请{retry_after}秒后再试。",
    "ALREADY_REVOKED": "该证书已注销，无需再次注销。",
    # --- correction requests (反馈) ---------------------------------------------------
    "CORRECTION_INVALID": "更正申请填写有误，请按提示修改后重新提交。",
    "CORRECTION_UNCHANGED": "登记信息与您申请更正的内容一致，无需更正。",
    "CORRECTION_ALREADY_OPEN": "您已有一份{field}的更正申请正在处理，请等待处理结果后再申请。",
    "CORRECTION_ALREADY_DECIDED": "该更正申请已处理（{status}），请刷新后查看处理结果。",
    "CORRECTION_DECISION_INVALID": "处理结论填写有误，请按提示修改后重新提交。",
    "CORRECTION_QUERY_INVALID": "查询条件有误，请按提示修改后重新查询。",
    # --- staff actions: claims, reopen, accounts (domain/staff_actions.py) ---------------
    "CLAIM_NOT_HELD": "您没有领取该申请，或领取已超时，不能释放。请刷新页面查看最新状态。",
    "REASSIGN_INVALID": "指派的审核人员有误，请按提示填写在职审核人员的用户名后重试。",
    "REOPEN_INVALID": "重新开放的信息填写有误，请按提示修改后重试。",
    "REOPEN_ROUNDS_EXHAUSTED": "该申请已审核{rounds}轮（已达上限），重新开放后申请人也不能再次提交，因此不能重新开放。请告知申请人本申请已不能再提交。",
    "ACCOUNT_ACTION_INVALID": "请填写办理说明（不超过500字）后重试。",
    "ACCOUNT_NOT_UNBINDABLE": "工作人员账号没有绑定身份证号，不能解除绑定。如需停用，请使用停用功能。",
    "ACCOUNT_ALREADY_UNBOUND": "该账号已解除绑定，不能再办理。如需帮助，请让申请人用新手机号重新注册。",
    "ACCOUNT_IS_YOURS": "不能停用或解除绑定自己的账号，请由其他管理员办理。",
    # --- operators' exports (swreg export …) ------------------------------------------
    "EXPORT_QUERY_INVALID": "导出条件有误，请按提示修改后重新导出。",
    # --- mailing paper certificates (邮寄) ---------------------------------------------
    "MAILING_SHIPMENT_INVALID": "寄出信息填写有误，请按提示填写快递公司和快递单号后重试。",
    "MAILING_NOTE_INVALID": "说明填写有误，请按提示修改后重试。",
    "MAILING_QUERY_INVALID": "查询条件有误，请按提示修改后重新查询。",
}

# Notes that pages show beside data (GET /me, GET /me/eligibility).
PAGE_NOTES: dict[str, str] = {
    "PROFILE_NOT_IN_REGISTER": "您的身份证号不在职业水平证书登记名册中；如已通过考试，请等待名册导入后再申请登记。",
    "ELIGIBILITY_NOT_IN_REGISTER": "您不在职业水平证书登记名册中，暂不能申请登记",
    "ELIGIBILITY_NO_WINDOW": "当前不在登记时间内",
    "ELIGIBILITY_NEXT_WINDOW": "当前不在登记时间内，{year}年度登记将于{opens_at}开始",
    "CE_CYCLE_NOT_STARTED": "您尚未登记，继续教育学时从首次登记的次年起计算。",
}

# Labels of states, for messages that name where something stands (申请当前状态为“已提交”).
STATE_LABELS: dict[str, str] = {
    "draft": "草稿", "submitted": "已提交", "in_review": "审核中", "approved": "审核通过",
    "rejected": "审核不通过", "expired": "已过期", "certified": "已发证", "discarded": "已放弃",
    "reconsideration_requested": "复核中",
    # the SMS outbox
    "PENDING": "待发送", "SENDING": "发送中", "SENT": "已发送", "DEAD": "发送失败",
    # a mailed paper certificate (domain/mailing.py)
    "to_print": "待打印", "printed": "已打印", "shipped": "已寄出", "delivered": "已签收", "returned": "已退回",
}

# What a move to a state is called, for "不能{target}".
MOVE_LABELS: dict[str, str] = {
    "draft": "改回草稿", "submitted": "提交", "in_review": "领取审核", "approved": "审核通过",
    "rejected": "审核不通过", "expired": "过期", "certified": "发证", "discarded": "放弃",
    "reconsideration_requested": "申请复核",
    "PENDING": "重新发送",
    # a mailed paper certificate
    "printed": "标记为已打印", "shipped": "寄出", "delivered": "标记为已签收",
    "returned": "标记为已退回",
    # moves whose target status's label would misname them (`InvalidTransitionError(move=...)`)
    "release": "释放审核", "reopen": "重新开放", "reassign": "指派审核人员",
}

# Item labels: what the applicant sees a form field, a mailing-address part or a material called
# (两寸免冠照片, not `id_photo`), keyed by the item's name in the API (`domain/application_form.item_label`).
ITEM_LABELS: dict[str, str] = {
    # the form's fields
    "phone": "联系电话", "employer": "工作单位", "district": "所在区", "education": "学历",
    "pickup_method": "取证方式", "mailing_address": "邮寄地址", "reissue_reason": "补证原因",
    "declared_ce_hours": "申报继续教育学时",
    # the parts of the mailing address
    "mailing_address.recipient": "收件人", "mailing_address.phone": "收件人电话",
    "mailing_address.address": "收件地址", "mailing_address.postal_code": "邮政编码",
    # the materials
    "id_photo": "两寸免冠照片", "id_card_front": "身份证人像面照片", "id_card_back": "身份证国徽面照片",
    "qualification_cert": "社会工作者职业水平证书照片", "registration_cert": "登记证书照片或电子证书",
    "ce_proof": "继续教育证明照片",
}

# What the parts of a reviewer's decision are called (`domain/review.py`): the opinion, and the
# note on each issue.
DECISION_LABELS: dict[str, str] = {"opinion": "审核意见", "note": "说明", "reason": "复核理由"}

# The note of each status change in an application's history (`domain/application.py`).
HISTORY_NOTES: dict[str, str] = {
    "CREATED": "创建申请",
    "SUBMITTED": "提交申请",
    "RESUBMITTED": "修改后重新提交",
    "CLAIMED": "领取审核",
    "APPROVED": "审核通过",  # an approval without an opinion; one with an opinion records the opinion
    "EXPIRED": "登记时间已结束，申请未提交",
    "EXPIRED_AFTER_REJECTION": "登记时间已结束，申请未重新提交",
    "CERTIFIED": "发放电子证书 {registration_no}",
    "RECONSIDERATION_REQUESTED": "申请复核",
    "RECONSIDERATION_UPHELD": "复核维持不通过：{opinion}",
    "RECONSIDERATION_OVERTURNED": "复核改为通过：{opinion}",
    "RECONSIDERATION_REOPENED": "复核退回修改（{fix_until}前可重新提交）：{opinion}",
    "DISCARDED": "申请人放弃草稿，已上传的材料已删除",
    "RELEASED": "释放审核，退回待审核队列",
    "REASSIGNED": "管理员指派给审核人员{reviewer}",
    "REOPENED": "登记机关重新开放修改（{fix_until}前可重新提交）：{note}",
}


def history_note(name: str, /, **params: object) -> str:
    """The history note `name`, filled with `params`. KeyError for an unknown name."""
    return HISTORY_NOTES[name].format(**params)


def error_message(code: str, **params: object) -> str:
    """The Chinese message of `code`, filled with `params`. KeyError for an unknown code:
    a refusal without a sentence in this table is a bug the tests catch."""
    return ERRORS[code].format(**params)


# --- reasons: what is wrong with one field, the values of an error's `details` ---------------
# Keyed by a stable name; a template filled with named parameters, like ERRORS.
REASONS: dict[str, str] = {
    # --- any field -------------------------------------------------------------------
    "REQUIRED": "请填写{label}",
    "TEXT_INVISIBLE": "{label}中含有不可见字符或控制字符",
    "TEXT_TOO_LONG": "{label}不能超过{max_length}个字",
    "FIELD_UNKNOWN": "没有这一填写项",
    # --- the HTTP edge (handlers/edge.py) --------------------------------------------
    "PATH_PARAMETER_MALFORMED": "格式不正确",
    "BODY_NOT_AN_OBJECT": "请求内容必须是JSON对象",
    "BODY_NOT_UTF8": "请求内容必须是UTF-8编码",
    "BODY_TOO_DEEP": "嵌套不能超过{max_depth}层",
    "BODY_BAD_UNICODE": "请求内容含有无效的Unicode字符",
    "BODY_BAD_JSON_AT": "第{line}行第{column}列不是有效的JSON",
    "BODY_BAD_JSON": "请求内容不是有效的JSON",
    "BODY_DUPLICATE_KEY": "字段“{key}”重复出现",
    "BODY_CONSTANT": "不支持{name}",
    "FIELD_NOT_SUPPORTED": "不支持的字段",
    "FIELD_TOO_LONG": "不能超过{limit}个字",
    "FIELD_TOO_MANY_ITEMS": "不能超过{limit}项",
    # --- identity: ID numbers, names, phones, postal codes, districts ----------------
    "ID_NUMBER_REQUIRED": "请填写身份证号",
    "ID_NUMBER_SHAPE": "身份证号应为18位数字，最后一位可以是X",
    "ID_NUMBER_BIRTH_DATE": "身份证号中的出生日期不存在",
    "ID_NUMBER_CHECK_CHAR": "身份证号校验位不正确，请核对",
    "NAME_REQUIRED": "请填写姓名",
    "NAME_INVISIBLE": "姓名中含有不可见字符或控制字符，请重新输入",
    "NAME_MIDDLE_DOT": "姓名中的间隔号「·」不能在开头、结尾或连续出现",
    "NAME_CHARACTERS": "姓名只能包含文字和间隔号「·」",
    "NAME_TOO_LONG": "姓名不能超过{max_length}个字",
    "NAME_MISMATCH": "姓名与身份证号登记的姓名不一致",
    "MOBILE_REQUIRED": "请填写手机号",
    "MOBILE_SHAPE": "请填写11位中国大陆手机号",
    "POSTAL_CODE_REQUIRED": "请填写邮政编码",
    "POSTAL_CODE_SHAPE": "邮政编码应为6位数字",
    "DISTRICT_REQUIRED": "请选择所在区",
    "DISTRICT_UNKNOWN": "请选择北京市的16个区之一",
    # --- credentials: SMS codes, passwords, staff usernames --------------------------
    "SMS_PURPOSE_UNKNOWN": "用途只能是 signup、login、reset 或 change_phone，也可以不填",
    "SMS_CODE_SHAPE": "请填写短信中的6位数字验证码",
    "USERNAME_REQUIRED": "请填写用户名",
    "USERNAME_SHAPE": "用户名为3到32位小写字母、数字、.、_、-，以字母开头",
    "PASSWORD_REQUIRED": "请填写密码",
    "PASSWORD_TOO_SHORT": "密码至少{min_length}位",
    "PASSWORD_TOO_LONG": "密码不能超过{max_length}位",
    "PASSWORD_LETTERS_AND_DIGITS": "密码须同时包含字母和数字",
    "PASSWORD_CONTAINS_PHONE": "密码不能包含手机号",
    "PASSWORD_CONTAINS_ID_NUMBER": "密码不能包含身份证号或身份证号后{tail}位",
    "CURRENT_PASSWORD_WRONG": "当前密码不正确",
    "PHONE_UNCHANGED": "新手机号与当前手机号相同",
    "CODE_WRONG": "验证码错误或已失效，请重新获取",
    # --- windows and review queries --------------------------------------------------
    "WINDOW_YEAR_RANGE": "年份应在{min_year}到{max_year}之间",
    "TIME_WITHOUT_ZONE": "时间必须带时区",
    "WINDOW_CLOSES_BEFORE_OPENING": "结束时间必须晚于开始时间",
    "TIME_FORMAT": "时间应为ISO 8601格式，例如 2022-03-01T09:00（无时区时按北京时间）",
    "QUERY_CHOICE": "{name} 只能是 {choices} 之一",
    "QUERY_WINDOW": "window 应为四位年份，如 2026",
    # --- the register: imported rows -------------------------------------------------
    "YEAR_RANGE": "{label}应为{min_year}到{max_year}之间的年份",
    "HOURS_SHAPE": "{label}应为大于0、不超过{max_hours}的数字，最多一位小数",
    "DATE_SHAPE": "{label}应为YYYY-MM-DD格式的有效日期",
    "CODE_SHAPE": "{label}只能包含字母、数字和“-”，最多40位",
    "LEVEL_UNKNOWN": "等级应为助理社会工作师、社会工作师或高级社会工作师（assistant / intermediate / senior）",
    "ROW_EXTRA_COLUMNS": "多出{count}列，请检查逗号",
    # --- the application form --------------------------------------------------------
    "TYPE_UNKNOWN": "登记类型只能是 first、renewal、late 或 reissue",
    "ACKNOWLEDGE_NOT_BOOLEAN": "acknowledge_warnings 只能是 true 或 false，也可以不填",
    "EDUCATION_UNKNOWN": "请从列表中选择学历：{allowed}",
    "FORM_NOT_A_MAPPING": "请提交要保存的填写项",
    "FIELD_READ_ONLY": "该项由系统自动获取，不能修改",
    "PICKUP_METHOD_UNKNOWN": "取证方式只能是邮寄（mail）或电子证（electronic）",
    "CE_HOURS_NOT_FOR_TYPE": "{type}无需申报继续教育学时",
    "REISSUE_REASON_NOT_FOR_TYPE": "只有补证申请需要填写补证原因",
    "REISSUE_REASON_UNKNOWN": "补证原因只能是：{allowed}",
    "REISSUE_REASON_REQUIRED": "请选择补证原因",
    "ADDRESS_NOT_A_MAPPING": "邮寄地址应包含收件人、收件人电话、收件地址和邮政编码",
    "ADDRESS_PART_REQUIRED": "取证方式为邮寄时请填写{label}",
    "CE_HOURS_WITH_PROOF": "上传继续教育证明时请填写申报继续教育学时",
    "CE_PROOF_WITH_HOURS": "申报了继续教育学时，请上传{material}",
    "CE_HOURS_SHORT": "继续教育记录{on_record}学时，加上申报的{declared}学时，仍不足{level}要求的{required}学时",
    # --- the application: starting, editing, submitting, certifying ------------------
    "WINDOW_NOT_OPEN": "{year}年度登记不在开放时间内",
    "WINDOW_NOT_OPEN_FOR_SUBMIT": "{year}年度登记不在开放时间内，不能提交",
    "WINDOW_ENDED_FOR_EDIT": "{year}年度登记已结束，不能再修改",
    "DECLARATION_REQUIRED": "请勾选“我保证上述所填信息均真实有效”",
    "REGISTRATION_NO_REQUIRED": "请提供登记证书编号",
    # --- review: a reviewer's decision -----------------------------------------------
    "DECISION_OUTCOME_UNKNOWN": "outcome 只能是 approve 或 reject",
    "DECISION_ISSUES_NOT_A_LIST": "issues 应为列表",
    "ISSUES_TOO_MANY": "问题项不能超过{limit}项",
    "DECISION_TEXT_TOO_LONG": "审核意见与各项说明合计不能超过{limit}个字，请精简",
    "ISSUE_SHAPE": "问题项应包含 item 和 note",
    "ISSUE_ITEM_UNKNOWN": "不是本申请的填写项或材料",
    # --- the fix period and reconsideration (复核) ------------------------------------
    "FIX_PERIOD_ENDED_FOR_SUBMIT": "修改期限已于{fix_until}结束，不能再提交",
    "FIX_PERIOD_ENDED_FOR_EDIT": "修改期限已于{fix_until}结束，不能再修改",
    "RECONSIDERATION_OUTCOME_UNKNOWN": "outcome 只能是 uphold、overturn 或 reopen",
    # --- materials and photos --------------------------------------------------------
    "MATERIAL_UNKNOWN": "没有这种材料",
    "MATERIAL_UNKNOWN_NAME": "这种材料",  # the {material} of MATERIAL_NOT_ALLOWED for an unknown kind
    "MATERIAL_NOT_FOR_TYPE": "{type}不需要上传{material}",
    "MATERIAL_MISSING": "请上传{material}",
    "MATERIAL_PENDING": "{material}仍在处理中，请稍候再提交",
    "MATERIAL_REJECTED": "{material}未通过检查：{reason}",
    "MATERIAL_REUPLOAD": "请重新上传",  # the reason of a rejection that carries none
    "UPLOAD_LOST": "照片上传未完成，请重新上传",
    "PHOTO_EMPTY": "上传的文件是空的（0字节），请重新选择照片上传",
    "PHOTO_TOO_LARGE": "照片大小超过10MB，请压缩后重新上传",
    "PHOTO_HEIC_UNSUPPORTED": "暂不支持HEIC格式的照片。请在苹果手机“设置→相机→格式”中选择“兼容性最佳”后重新拍摄，"
                              "或将照片截屏、导出为JPEG格式后重新上传",
    "PHOTO_ID_PHOTO_TOO_SMALL": "两寸照尺寸太小（{width}×{height}像素，至少需要200×300像素），请上传更清晰的照片",
    "PHOTO_TOO_SMALL": "照片尺寸太小（{width}×{height}像素，短边不足300像素），看不清内容，请上传更清晰的照片",
    "PHOTO_TRUNCATED": "照片文件不完整或已损坏（可能上传时中断），请重新上传",
    "PHOTO_BOMB": "照片像素数过大（超过{megapixels}万像素），请缩小尺寸后重新上传",
    "PHOTO_NOT_AN_IMAGE": "无法识别为照片，请上传JPEG、PNG或WebP格式的图片（不支持PDF、GIF、SVG等格式）",
    # --- certificates ----------------------------------------------------------------
    "REVOCATION_REASON_REQUIRED": "请填写注销原因（不超过{max_length}字）",
    # --- correction requests (反馈) ---------------------------------------------------
    "CORRECTION_FIELD_UNKNOWN": "更正项目只能是：{choices}",
    "CORRECTION_REGISTRATION_SHAPE": "请填写登记年份（registration_year）和登记证书编号（registration_no）",
    "CORRECTION_VALUE_INVALID": "更正后的内容格式不正确",
    "CORRECTION_SAME_AS_REGISTER": "登记信息中的{label}已是该内容",
    "CORRECTION_OUTCOME_UNKNOWN": "outcome 只能是 accept 或 decline",
    "CORRECTION_DECLINE_NOTE_REQUIRED": "不予更正时请填写说明，申请人将看到该说明",
    "CORRECTION_STATUS_UNKNOWN": "status 只能是 open、accepted 或 declined",
    # --- staff actions (domain/staff_actions.py) ---------------------------------------
    "REVIEWER_UNKNOWN": "没有这个在职的审核人员，请核对用户名",
    "FIX_UNTIL_NOT_AHEAD": "修改期限须晚于当前时间",
    "FIX_UNTIL_TOO_FAR": "修改期限最长为{days}天",
    # --- the helpdesk search (domain/helpdesk_search.py) --------------------------------
    "SEARCH_QUERY_REQUIRED": "请输入身份证号、证书管理号、登记证书编号、手机号或姓名",
    "SEARCH_QUERY_TOO_LONG": "搜索内容不能超过{max_length}个字",
    "SEARCH_QUERY_UNRECOGNISED": "无法识别的搜索内容，请输入完整的身份证号、证书管理号、登记证书编号、手机号或姓名",
    # --- verification (domain/verification.py) ------------------------------------------
    "VERIFY_NUMBERS_REQUIRED": "请至少填写一个登记证书编号，最多{limit}个",
    "VERIFY_NUMBER_NOT_TEXT": "登记证书编号须为文字",
    "VERIFICATION_CODE_MISMATCH": "与该证书二维码下方的核验码不符",
    # --- mailing paper certificates (邮寄) ---------------------------------------------
    "CARRIER_SHAPE": "快递公司名称只能包含文字、字母、数字和空格，不超过{max_length}个字",
    "TRACKING_NO_SHAPE": "快递单号应为6到30位字母、数字或“-”",
    "MAILING_UNKNOWN": "没有这个登记证书编号的证书，请核对编号",
    "MAILING_NOT_MAILED": "该证书的取证方式为电子证，无需邮寄",
    "MAILING_CANNOT_SHIP": "邮寄状态为“{state}”，不能寄出（须先导出打印，已签收的不能再寄出）",
    "MAILING_SHIPPED_OTHERWISE": "已按快递单号{tracking_no}寄出；如需改寄，请先标记为已退回",
}


# Correction requests (反馈, `domain/corrections.py`): what each correctable part of the register,
# the request's note, and a request's states are called.
CORRECTION_FIELD_LABELS: dict[str, str] = {
    "name": "姓名", "level": "职业水平等级", "qualification_year": "取得资格年份",
    "certificate_no": "职业水平证书管理号", "registration": "登记记录", "note": "说明",
}
CORRECTION_STATUS_LABELS: dict[str, str] = {"open": "待处理", "accepted": "已更正", "declined": "不予更正"}

# Staff actions (`domain/staff_actions.py`): what the parts of an admin's action are called.
HELPDESK_LABELS: dict[str, str] = {"note": "办理说明"}
# The helpdesk search (`domain/helpdesk_search.py`): the kinds of key a search tries, and the
# audit listing's filters.
SEARCH_KEY_LABELS: dict[str, str] = {"id_number": "身份证号", "certificate_no": "证书管理号",
                                     "registration_no": "登记证书编号", "phone": "手机号", "name": "姓名"}
AUDIT_FILTER_LABELS: dict[str, str] = {"subject": "审计对象", "actor": "操作人"}

# Operators' exports (`swreg export …`, services/exports.py): the columns of the applications file
# that ITEM_LABELS does not name, the stats table's margins, and what the command says as it works.
EXPORT_LABELS: dict[str, str] = {
    "application_id": "申请编号", "type": "登记类型", "status": "申请状态", "submitted_at": "提交时间",
    "decided_at": "审核时间", "reviewer": "审核人员", "name": "姓名", "id_number": "身份证号",
    "registration_no": "登记证书编号", "total": "合计",
}
EXPORT_NOTES: dict[str, str] = {
    "PROGRESS": "已导出 {done} / 约 {expected} 条",
    "DONE": "已导出 {done} 条（{year}年度，{statuses}），已写入 {file}",
    "ALL_STATUSES": "已提交及之后的全部状态",
    "STATS_TITLE": "{year}年度登记申请统计（按状态和登记类型）",
    "STATUS_SEPARATOR": "、",
}

# Mailing paper certificates (邮寄, `domain/mailing.py`): the states, the parts staff fill in, the
# notes a mailing's history records, and the post office's batch file's header (its column order).
MAILING_STATE_LABELS: dict[str, str] = {
    state: STATE_LABELS[state] for state in ("to_print", "printed", "shipped", "delivered", "returned")}
MAILING_LABELS: dict[str, str] = {"carrier": "快递公司", "tracking_no": "快递单号", "note": "说明"}
MAILING_NOTES: dict[str, str] = {
    "CREATED": "证书已发放，待打印邮寄",
    "PRINTED": "已导出邮寄批次文件",
    "SHIPPED": "已寄出：{carrier} {tracking_no}",
    "DELIVERED": "已签收",
}
MAILING_EXPORT_HEADER: tuple[str, ...] = ("收件人", "收件人电话", "收件地址", "邮政编码", "登记证书编号", "职业水平")
# What `swreg mailings export|ship|backfill` tells the operator (cli/mailings.py, services/mailings.py).
MAILING_CLI: dict[str, str] = {
    "EXPORT_PROGRESS": "已导出 {done} 条",
    "EXPORT_DONE": "已导出 {written} 条邮寄记录（{year}年度，{selected}），已写入 {file}；本次标记为已打印 {marked} 条",
    "SELECTED_PRINT": "待打印及今日批次 {batch}",
    "SHIP_PROGRESS": "已读取 {done} 行",
    "SHIP_SUMMARY": "读取 {read} 行：寄出 {shipped} 条，此前已寄出 {unchanged} 条，未导入 {refused} 行",
    "SHIP_REFUSED": "{file}:{line}: 未导入 — {detail}",
    "SHIP_MISSING_COLUMNS": "缺少列 {missing}，请使用表头为 {expected} 的文件后重试",
    "SHIP_UNREADABLE": "第 {line} 行无法按 CSV 读取，请检查该行后重新导入（已导入的行不会重复寄出）",
    "NOT_UTF8": "文件不是 UTF-8 编码，请另存为 UTF-8 编码的 CSV 文件后重试",
    "DETAIL_SEPARATOR": "；",
    "BACKFILL_PROGRESS": "已读取 {done} 份已发证申请",
    "BACKFILL_DONE": "{year}年度：读取已发证申请 {read} 份，新建邮寄记录 {added} 条，原已有 {existing} 条，"
                     "电子证无需邮寄 {electronic} 份，证书已注销或已换发 {void} 份",
}


# `swreg stats recount` (cli/stats.py): what it counted, and the counters it corrected.
STATS_CLI: dict[str, str] = {
    "PROGRESS": "已统计 {status}/{kind}：{count:,} 份",
    "RIGHT": "{year}年度：统计计数无误，未作修改",
    "CORRECTED": "{year}年度：已更正 {corrected} 项统计计数（按申请数据重新统计）",
    "DRIFT": "  {status}/{kind}：{amount:+,}",
}

# Verification (`domain/verification.py`): the label of the code printed under an e-certificate's
# QR, what a number no one issued or imported verifies as, and the batch CSV's header (its column
# order: number, result, masked name, level, valid until, paper or electronic).
VERIFICATION_LABELS: dict[str, str] = {"code": "核验码", "unknown": "未查到", "paper": "纸质证书",
                                       "electronic": "电子证书"}
VERIFICATION_CSV_HEADER: tuple[str, ...] = ("登记证书编号", "核验结果", "姓名", "职业水平", "有效期至", "证书类型")


def reason(name: str, /, **params: object) -> str:
    """The Chinese reason `name`, filled with `params`. KeyError for an unknown name."""
    return REASONS[name].format(**params)


# --- eligibility: why a registration type applies in a window year, or why not -------------
# Keyed by the verdict's reason code (`domain/eligibility.py`); `last` is the year of the last
# registration, `until` the last year it is valid, `qualified` the qualification year.
_CE_SHORT = ("{ce_since}年以来继续教育记录为{ce_hours}学时，{level}需满{ce_required}学时，"
             "请申报未记录的学时并上传继续教育证明。")
_RENEWAL_DUE = "您于{last}年登记，有效期至{until}年，本年度应进行再登记。"
_LATE_DUE = "您最近一次登记在{last}年，有效期至{until}年，已错过再登记，本年度可申请补登记。"

ELIGIBILITY_REASONS: dict[str, str] = {
    "FIRST_ALREADY_REGISTERED": "您已于{last}年登记，不能再申请首登记。",
    "FIRST_DUE": "您于{qualified}年取得社会工作者职业资格，尚未登记，本年度应进行首登记。",
    "FIRST_NOT_YET": "您于{qualified}年取得社会工作者职业资格，{first_year}年方可申请首登记。",
    "FIRST_MISSED": "您于{qualified}年取得社会工作者职业资格，首登记应在{first_year}年进行；从未登记的请申请补证。",
    "RENEWAL_NEVER_REGISTERED": "您尚未登记过，不能申请再登记。",
    "RENEWAL_DUE": _RENEWAL_DUE,
    "RENEWAL_DUE_CE_SHORT": _RENEWAL_DUE + _CE_SHORT,
    "RENEWAL_NOT_DUE": "您于{last}年登记，有效期至{until}年，应在{until}年进行再登记。",
    "RENEWAL_MISSED": "您最近一次登记在{last}年，有效期至{until}年，已错过再登记，请申请补登记。",
    "LATE_NEVER_REGISTERED": "您尚未登记过，不能申请补登记。",
    "LATE_DUE": _LATE_DUE,
    "LATE_DUE_CE_SHORT": _LATE_DUE + _CE_SHORT,
    "LATE_RENEWAL_DUE_INSTEAD": "您于{last}年登记，有效期至{until}年，本年度请申请再登记。",
    "LATE_NOT_MISSED": "您于{last}年登记，有效期至{until}年，无需补登记。",
    "REISSUE_NEVER_REGISTERED": "您于{qualified}年取得社会工作者职业资格，从未登记，本年度应申请补证。",
    "REISSUE_FIRST_INSTEAD": "您于{qualified}年取得社会工作者职业资格，本年度请申请首登记。",
    "REISSUE_NOT_YET": "您于{qualified}年取得社会工作者职业资格，{first_year}年方可申请首登记。",
    "REISSUE_LOST_OR_DAMAGED": "您于{last}年登记，有效期至{until}年；仅在登记证书遗失或损坏时可申请补证。",
    "REISSUE_REGISTRATION_EXPIRED": "您最近一次登记在{last}年，有效期已于{until}年届满，请申请补登记。",
}


# Why choosing an eligible type would hurt the applicant (`domain/eligibility.py` warnings); creating
# an application of that type needs `acknowledge_warnings: true`. Same parameters as the reasons.
ELIGIBILITY_WARNINGS: dict[str, str] = {
    "REISSUE_WHILE_DUE": "您本年度应办理{due_type}。补证只补发证书，不延长有效期，登记仍于{until}年底到期；"
                         "选择补证后本年度不能再办理{due_type}。",
}


def eligibility_warning(code: str, /, **params: object) -> str:
    """The warning `code`, filled with `params`. KeyError for an unknown code."""
    return ELIGIBILITY_WARNINGS[code].format(**params)


# The education levels (学历) the form offers, highest first (`domain/options.py`), keyed by the
# value the API takes.
EDUCATION_LABELS: dict[str, str] = {
    "doctorate": "博士研究生", "master": "硕士研究生", "bachelor": "大学本科", "college": "大学专科",
    "secondary": "中专或高中", "below_secondary": "初中及以下",
}


def eligibility_reason(code: str, /, **params: object) -> str:
    """The sentence of the eligibility verdict `code`, filled with `params`. KeyError for an unknown code."""
    return ELIGIBILITY_REASONS[code].format(**params)


# --- notices: what the applicant is told when something happens to an application --------
# Keyed by event name (`chalicelib.domain.events`); a suffix names a variant of the same event.
# `title` heads the in-app message (我的消息), `body` is the message; the SMS that goes with it is
# one of SMS_TEMPLATES (below).
class Notice(NamedTuple):
    title: str
    body: str


NOTICES: dict[str, Notice] = {
    "ApplicationSubmitted": Notice(
        "登记申请已提交",
        "您的登记申请已提交，请等待审核。审核结果将以短信和“我的消息”通知您。"),
    "ApplicationApproved": Notice(
        "您的登记申请通过",
        "您的登记申请通过！电子证书将在本次登记工作结束14天后生成，请届时查看。"),
    # the applicant chose to have the paper certificate mailed (取证方式：邮寄)
    "ApplicationApproved.mail": Notice(
        "您的登记申请通过",
        "您的登记申请通过！电子证书将在本次登记工作结束14天后生成，请届时查看；"
        "纸质证书随后按您填写的邮寄地址寄出，寄出时将以短信告知快递单号。"),
    "ApplicationRejected": Notice(
        "您的登记申请不通过",
        "您的登记申请不通过。审核意见：{opinion}。请在登记时间内修改后重新提交。"),
    "ApplicationRejected.with_issues": Notice(
        "您的登记申请不通过",
        "您的登记申请不通过。审核意见：{opinion}。需要修改：{issues}。请在登记时间内修改后重新提交。"),
    # a rejection after the window closed or shortly before it: its own date to resubmit by
    "ApplicationRejected.fix_until": Notice(
        "您的登记申请不通过",
        "您的登记申请不通过。审核意见：{opinion}。请于{fix_until}前修改后重新提交，逾期未重新提交的申请将过期。"),
    "ApplicationRejected.with_issues.fix_until": Notice(
        "您的登记申请不通过",
        "您的登记申请不通过。审核意见：{opinion}。需要修改：{issues}。"
        "请于{fix_until}前修改后重新提交，逾期未重新提交的申请将过期。"),
    "ApplicationExpired": Notice(
        "登记申请已过期",
        "本年度登记时间已结束，您未提交的登记申请已过期。"),
    "ApplicationExpired.after_rejection": Notice(
        "登记申请已过期",
        "本年度登记时间已结束，您的登记申请审核不通过后未在截止前修改并重新提交，已过期。"
        "如对审核结论有异议，请在15天内登录申请复核。"),
    "ReconsiderationRequested": Notice(
        "复核申请已收到",
        "您的复核申请已收到，将由其他审核人员重新审核。复核结果将以短信和“我的消息”通知您。"),
    "ReconsiderationDecided.overturn": Notice(
        "复核结果：您的登记申请通过",
        "经复核，您的登记申请通过。复核意见：{opinion}。电子证书将在近期生成，请届时在“登记历史”中查看。"),
    "ReconsiderationDecided.overturn.mail": Notice(
        "复核结果：您的登记申请通过",
        "经复核，您的登记申请通过。复核意见：{opinion}。电子证书将在近期生成，请届时在“登记历史”中查看；"
        "纸质证书随后按您填写的邮寄地址寄出，寄出时将以短信告知快递单号。"),
    "ReconsiderationDecided.uphold": Notice(
        "复核结果：维持不通过",
        "经复核，维持您的登记申请不通过的审核结论。复核意见：{opinion}。如有疑问请联系登记机关（联系电话见办事指南）。"),
    "ReconsiderationDecided.reopen": Notice(
        "复核结果：请修改后重新提交",
        "经复核，您的登记申请退回修改。复核意见：{opinion}。请于{fix_until}前修改后重新提交，逾期未重新提交的申请将过期。"),
    # an admin reopened an expired or rejected application (the helpdesk); {note} is the admin's
    "ApplicationReopened": Notice(
        "登记申请已重新开放修改",
        "登记机关已重新开放您的登记申请。说明：{note}。请于{fix_until}前修改后重新提交，逾期未重新提交的申请将过期。"),
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
    # a correction request (反馈) decided by an admin; {field} is what it corrects, {note} the admin's note
    "CorrectionAccepted": Notice(
        "登记信息已更正",
        "您提交的{field}更正申请已处理，登记信息已按申请更正。可申请的登记类型已按更正后的信息确定，请登录查看。"),
    "CorrectionAccepted.with_note": Notice(
        "登记信息已更正",
        "您提交的{field}更正申请已处理，登记信息已按申请更正。处理说明：{note}。"
        "可申请的登记类型已按更正后的信息确定，请登录查看。"),
    "MailingShipped": Notice(
        "您的证书已寄出",
        "您的证书已寄出，快递单号{tracking_no}（{carrier}），请注意查收。邮寄状态可在“登记历史”中查看。"),
    "CorrectionDeclined": Notice(
        "登记信息更正申请未通过",
        "您提交的{field}更正申请未通过。说明：{note}。如有疑问，请联系登记机关（联系电话见办事指南）。"),
}

# Pieces a notice's parameters are built from.
NOTICE_PARTS: dict[str, str] = {
    "deadline": "（{year}年{month}月{day}日{time}截止）",  # after "不足N天", when the close is known
    "date_time": "{year}年{month}月{day}日{time}",  # a fix period's end, Beijing time: 2026年4月8日14:30
    "issue": "{label}",                                  # one item at fault, in "需要修改：…"
    "issue_with_note": "{label}（{note}）",
    "issue_separator": "；",
    "missing_separator": "、",
}


def notice(name: str, **params: object) -> tuple[str, str]:
    """(title, body) of the notice `name`, its body filled with `params`. KeyError for an unknown name."""
    title, body = NOTICES[name]
    return title, body.format(**params)


# --- SMS: every text the service sends, as the templates registered with the SMS provider ----------
# Mainland providers send only pre-approved templates under a registered signature (签名), with
# parameters; each name's template id is a setting (SWREG_SMS_TEMPLATES), and Tencent numbers the
# parameters {1}, {2}, … in the order they appear here. A provider caps each parameter (a code at
# 6 digits, any other at a few dozen characters) and refuses links in one, so an SMS quotes only
# the start of a reviewer's opinion and points to 我的消息, which holds the whole notice.
# `tests/unit/test_sms_templates.py` fills each template with worst-case values against those rules.
SMS_SIGNATURE = "【北京社工登记】"  # the signature as the phone shows it (the provider adds it)

SMS_TEMPLATES: dict[str, str] = {
    # the provider's verification-code template: login and sign-up codes, sent at once
    "LoginCode": "您的验证码是{code}，5分钟内有效。请勿告诉他人。",
    "ApplicationSubmitted": NOTICES["ApplicationSubmitted"].body,
    "ApplicationApproved": NOTICES["ApplicationApproved"].body,
    "ApplicationApproved.mail": NOTICES["ApplicationApproved.mail"].body,
    # {opinion}: the start of the reviewer's opinion, made safe for a carrier (domain/notifications.py)
    "ApplicationRejected": "您的登记申请不通过，审核意见：{opinion}。详见“我的消息”，请在登记时间内修改后重新提交。",
    # when nothing of the opinion is left to quote
    "ApplicationRejected.see_messages": "您的登记申请不通过，审核意见已发送至“我的消息”，请登录查看，"
                                        "并在登记时间内修改后重新提交。",
    # {fix_until}: the end of the rejection's fix period, Beijing time (NOTICE_PARTS["date_time"])
    "ApplicationRejected.fix_until": "您的登记申请不通过，审核意见：{opinion}。详见“我的消息”，请于{fix_until}前修改后重新提交。",
    "ApplicationRejected.see_messages.fix_until": "您的登记申请不通过，审核意见已发送至“我的消息”，请登录查看，"
                                                  "并于{fix_until}前修改后重新提交。",
    "ReconsiderationRequested": NOTICES["ReconsiderationRequested"].body,
    "ReconsiderationDecided.overturn": "经复核，您的登记申请通过，电子证书将在近期生成。复核意见请登录查看“我的消息”。",
    "ReconsiderationDecided.overturn.mail": "经复核，您的登记申请通过，电子证书将在近期生成，纸质证书随后寄出。"
                                            "复核意见请登录查看“我的消息”。",
    "ReconsiderationDecided.uphold": "经复核，维持您的登记申请不通过的审核结论。复核意见请登录查看“我的消息”。",
    "ReconsiderationDecided.reopen": "经复核，您的登记申请退回修改，请登录查看“我的消息”，并于{fix_until}前修改后重新提交。",
    "ApplicationReopened": "登记机关已重新开放您的登记申请，请登录查看“我的消息”，并于{fix_until}前修改后重新提交。",
    "ApplicationExpired": NOTICES["ApplicationExpired"].body,
    "ApplicationExpired.after_rejection": NOTICES["ApplicationExpired.after_rejection"].body,
    "ReminderDue": "距本年度登记截止已不足{days_left}天，您的登记申请尚未提交，请登录查看“我的消息”并尽快提交。"
                   "截止时仍未提交的申请将过期。",
    "ReminderDue.after_rejection": "距本年度登记截止已不足{days_left}天，您审核不通过的登记申请尚未重新提交，"
                                   "请登录查看“我的消息”，按审核意见修改后重新提交。截止时仍未重新提交的申请将过期。",
    "CertificateIssued": NOTICES["CertificateIssued"].body,
    # {carrier}, {tracking_no}: as staff entered them (domain/mailing.py keeps them SMS-safe)
    "MailingShipped": "您的证书已寄出，快递单号{tracking_no}（{carrier}），请注意查收。",
    # to the old number after a phone change (the new one proved itself with a code)
    "PhoneChanged": "您的登记账号已更换绑定手机号，本号码不能再用于登录。如非本人操作，请立即联系登记机关。",
    # a decided correction request: the field and the admin's note are in 我的消息
    "CorrectionAccepted": "您提交的登记信息更正申请已处理，登记信息已更正，详见“我的消息”。",
    "CorrectionDeclined": "您提交的登记信息更正申请未通过，请登录查看“我的消息”中的说明。",
}


def sms_text(name: str, /, **params: object) -> str:
    """The SMS `name` as the phone shows it: the signature, then the template filled with `params`.
    KeyError for an unknown name."""
    return SMS_SIGNATURE + SMS_TEMPLATES[name].format(**params)
