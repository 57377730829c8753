"""Every SMS the service sends passes the provider's rules for template parameters before it ever
reaches the provider: each template of `texts.SMS_TEMPLATES`, filled with the worst values the
domain can produce for its parameters (the longest; for the reviewer's opinion, any text at all),
against Tencent's rules (`sms_tencent.refusals`), so a parameter the provider would refuse fails
here, not in production."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.adapters.sms_tencent import PARAM_MAX_CHARS, parameter_names, refusals
from chalicelib.domain import credentials, texts
from chalicelib.domain.certificates import MAX_SEQUENCE, registration_number
from chalicelib.domain.events import ApplicationRejected
from chalicelib.domain.mailing import CARRIER_MAX_LENGTH
from chalicelib.domain.notifications import notices_for, sms_excerpt
from chalicelib.domain.outbox import SmsContent
from chalicelib.domain.review import OPINION_MAX_LENGTH, beijing_time
from chalicelib.services.window_jobs import REMINDER_DAYS

# A reviewer's opinion with everything a carrier refuses: links, brackets, emoji, breaks, length.
HOSTILE_OPINION = ("照片不清晰【请重拍】，参见https://swreg.gov.cn/guide?a=1 或 www.example.com😀\n\t" * 50)[
    :OPINION_MAX_LENGTH]
# The worst value of each parameter any template takes, from the rules that make it.
WORST_CASE = {
    "code": "9" * credentials.SMS_CODE_DIGITS,
    "days_left": str(max(REMINDER_DAYS)),
    "registration_no": registration_number(9999, MAX_SEQUENCE),
    "valid_until": "9999",
    "opinion": sms_excerpt(HOSTILE_OPINION),
    "fix_until": beijing_time(datetime(9999, 12, 31, 15, 59, tzinfo=timezone.utc)),  # a fix period's end
    # a shipped paper certificate's waybill (domain/mailing.py parse_shipment)
    "carrier": "邮" * CARRIER_MAX_LENGTH,
    "tracking_no": "9" * 30,
}
TEMPLATE_MAX_CHARS = 500  # Tencent's cap on a template's content, parameters included


def _worst(template: str) -> SmsContent:
    return SmsContent.of(template, **{name: WORST_CASE[name] for name in parameter_names(template)})


def test_every_parameter_a_template_takes_has_a_worst_case_value():
    used = {name for template in texts.SMS_TEMPLATES for name in parameter_names(template)}
    assert used == set(WORST_CASE)


@pytest.mark.parametrize("template", sorted(texts.SMS_TEMPLATES))
def test_every_template_with_its_longest_parameters_passes_the_providers_rules(template):
    content = _worst(template)
    assert refusals(template, content.params) == []
    assert len(texts.SMS_TEMPLATES[template]) <= TEMPLATE_MAX_CHARS


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=OPINION_MAX_LENGTH))
def test_whatever_a_reviewer_writes_the_rejection_sms_passes_the_providers_rules(opinion):
    event = ApplicationRejected("app-1", "110101199003071234", datetime(2030, 3, 1, tzinfo=timezone.utc),
                                opinion=opinion, issues=())
    _, [sms] = notices_for(event, "13800138000")
    assert refusals(sms.content.template, sms.content.params) == []


def test_parameters_go_to_tencent_in_the_order_the_template_names_them():
    assert parameter_names("CertificateIssued") == ["registration_no", "valid_until"]
    assert parameter_names("ApplicationRejected.see_messages") == []


@pytest.mark.parametrize("params, problem", [
    ({"code": "1234567"}, "1 to 6 digits"),
    ({"code": "12a456"}, "1 to 6 digits"),
    ({"code": "１２３４５６"}, "1 to 6 digits"),  # full-width digits are not digits to a carrier
])
def test_a_login_code_is_one_to_six_ascii_digits(params, problem):
    assert any(problem in line for line in refusals("LoginCode", params))


@pytest.mark.parametrize("registration_no, problem", [
    ("B" * (PARAM_MAX_CHARS + 1), "characters, over"),
    ("www.x.cn", "a link"),
    ("http://a", "a link"),
    ("BJ【1】", "【】"),
    ("BJ\n1", "control character"),
    (" ", "empty"),
])
def test_a_parameter_the_provider_would_refuse_is_caught(registration_no, problem):
    found = refusals("CertificateIssued", {"registration_no": registration_no, "valid_until": "2030"})
    assert any(problem in line for line in found), found


def test_parameters_that_do_not_match_the_template_are_caught():
    assert refusals("CertificateIssued", {"registration_no": "BJ2030000001"})
    assert refusals("ApplicationApproved", {"opinion": "好"})


def test_the_worst_opinion_still_quotes_something():
    assert WORST_CASE["opinion"].startswith("照片不清晰请重拍，参见")



def test_the_runbook_names_every_sms_template_the_operator_must_register():
    runbook = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text(encoding="utf-8")
    missing = [name for name in texts.SMS_TEMPLATES if f"`{name}`" not in runbook]
    assert not missing, f"docs/operations.md (SmsTemplateIds) does not name: {missing}"
