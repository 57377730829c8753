"""The SMS port on Tencent Cloud SMS (腾讯云短信): how texts reach Chinese phones from a China region,
where Amazon SNS sends no SMS.

Mainland carriers take only pre-approved templates under a registered signature (签名): an
`SmsContent` goes out as its template's id (from settings) and its parameters, in the order the
template names them (Tencent numbers them {1}, {2}, …). `refusals` holds Tencent's rules for a
parameter, checked before the call so a text that breaks them costs no request; the tests fill
every template with worst-case values against the same rules.

Faults, sorted for the dispatcher: what the provider will never send as it stands (a parameter, a
number, a template or signature it has not approved) is `SmsRefusedError` with the provider's
reason, and the text goes DEAD at once; the API's rate limit (`RequestLimitExceeded…`) is
`SmsThrottledError`, sent again in seconds at a slower pace; a phone's frequency limits, daily
quotas, credentials, timeouts, network and server faults are `TencentSmsFault`, retried with the
outbox's backoff.

The SDK is imported on the first send, not at import: the API's cold start does not pay for it
(bench/cold_start.py measures both).
"""
from __future__ import annotations

import re
import string
from typing import Callable, Mapping
from urllib.parse import urlsplit

from chalicelib.domain import texts
from chalicelib.domain.outbox import SmsContent, SmsRefusedError, SmsThrottledError
from chalicelib.observability import logger

# Tencent's rules for a template parameter (短信正文模板审核标准): a verification code is at most
# 6 digits; never a link. Mainland SMS needs an organisation-verified account (a registration
# authority's), which has no cap per parameter; 35 characters, the usual mainland cap (Alibaba's),
# keeps a text within two SMS segments. Texts are UCS-2 on the wire: nothing outside the BMP (emoji).
CODE_TEMPLATE = "LoginCode"
CODE_MAX_DIGITS = 6
PARAM_MAX_CHARS = 35
_LINK = re.compile(r"https?://|www\.|\.(?:cn|com|net|org|gov)\b", re.IGNORECASE)
# Controls, the brackets a carrier reads as a second signature, and what UCS-2 cannot carry.
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f【】\U00010000-\U0010ffff]")

REGION = "ap-beijing"  # SendSms takes ap-beijing, ap-guangzhou or ap-nanjing: Beijing, beside the service
TIMEOUT_SECONDS = 5    # one send; the dispatcher's lease and the function's 30 s bound a run

# What the provider answers for a text it will never send as it stands: a parameter or the number
# rejected, a recipient it does not serve, a template or signature it has not approved, parameters
# that do not match the approved template. (A settings fix and `swreg outbox retry` send it again.)
_REFUSED_PREFIXES = ("InvalidParameter", "UnsupportedOperation")
_REFUSED_CODES = frozenset({
    "FailedOperation.ContainSensitiveWord", "FailedOperation.PhoneNumberInBlacklist",
    "FailedOperation.PhoneNumberParseFail", "FailedOperation.SignatureIncorrectOrUnapproved",
    "FailedOperation.TemplateIncorrectOrUnapproved", "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
})
# The API's request rate limit (请求的次数超过了频率限制), account-wide or per caller address
# (`RequestLimitExceeded.UinLimitExceeded`, `….IPLimitExceeded`, …). `LimitExceeded.*` are not
# the rate: a phone's frequency caps and daily quotas, which sending slower does not lift.
_THROTTLED = "RequestLimitExceeded"


class TencentSmsFault(Exception):
    """Tencent did not send the text this time (a phone's frequency limit, a quota, a timeout, a
    fault on either side): worth a retry. The message is the provider's code and reason."""


def parameter_names(template: str) -> list[str]:
    """The parameters of `texts.SMS_TEMPLATES[template]` in the order they appear: Tencent's {1}, {2}, …"""
    names = [name for _, name, _, _ in string.Formatter().parse(texts.SMS_TEMPLATES[template]) if name]
    return list(dict.fromkeys(names))


def refusals(template: str, params: Mapping[str, str]) -> list[str]:
    """Why Tencent would refuse `template` with `params` (empty: it would not): each parameter
    against the rules above, and the parameters against the template's."""
    problems = []
    if set(params) != set(parameter_names(template)):
        problems.append(f"parameters {sorted(params)} do not match the template's {parameter_names(template)}")
    for name, value in params.items():
        if template == CODE_TEMPLATE and not (value.isascii() and value.isdigit() and len(value) <= CODE_MAX_DIGITS):
            problems.append(f"{name}: a verification code is 1 to {CODE_MAX_DIGITS} digits")
        if len(value) > PARAM_MAX_CHARS:
            problems.append(f"{name}: {len(value)} characters, over {PARAM_MAX_CHARS}")
        if not value.strip():
            problems.append(f"{name}: empty")
        if _LINK.search(value):
            problems.append(f"{name}: a link")
        if _FORBIDDEN.search(value):
            problems.append(f"{name}: a control character, 【】 or a character outside the BMP")
    return problems


def _refused(code: str) -> bool:
    return code.startswith(_REFUSED_PREFIXES) or code in _REFUSED_CODES


class TencentSms:
    """`SendSms` (API 2021-01-11) to one mainland number per text.

    `templates` maps each name of `texts.SMS_TEMPLATES` to its approved template id; `credentials`
    returns (SecretId, SecretKey) and is asked on every send, so a rotated key is taken up;
    `endpoint` (a URL) replaces Tencent's, for the tests' loopback fake."""

    def __init__(self, *, app_id: str, sign_name: str, templates: Mapping[str, str],
                 credentials: Callable[[], tuple[str, str]], endpoint: str | None = None,
                 timeout: float = TIMEOUT_SECONDS) -> None:
        self._app_id = app_id
        self._sign_name = sign_name
        self._templates = dict(templates)
        self._credentials = credentials
        self._endpoint = endpoint
        self._timeout = timeout
        self._client = None
        self._client_key: tuple[str, str] | None = None

    def send(self, phone: str, content: SmsContent) -> str:
        template_id = self._templates.get(content.template)
        if template_id is None:
            raise SmsRefusedError(f"no template id for {content.template!r} in SWREG_SMS_TEMPLATES")
        problems = refusals(content.template, content.params)
        if problems:
            raise SmsRefusedError("; ".join(problems))
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
        from tencentcloud.sms.v20210111 import models

        request = models.SendSmsRequest()
        request.PhoneNumberSet = [phone if phone.startswith("+") else f"+86{phone}"]
        request.SmsSdkAppId = self._app_id
        request.SignName = self._sign_name
        request.TemplateId = template_id
        request.TemplateParamSet = [content.params[name] for name in parameter_names(content.template)]
        try:
            response = self._client_for(self._credentials()).SendSms(request)
        except TencentCloudSDKException as exc:
            raise self._fault(exc.get_code(), exc.get_message()) from None
        status = response.SendStatusSet[0]
        if status.Code != "Ok":
            raise self._fault(status.Code, status.Message)
        logger.info("sms sent", extra={"provider_message_id": status.SerialNo, "template": content.template})
        return status.SerialNo

    @staticmethod
    def _fault(code: str, message: str) -> Exception:
        reason = f"{code}: {message}"
        if code == _THROTTLED or code.startswith(_THROTTLED + "."):
            return SmsThrottledError(reason)
        return SmsRefusedError(reason) if _refused(code) else TencentSmsFault(reason)

    def _client_for(self, key: tuple[str, str]):
        if self._client is None or key != self._client_key:
            from tencentcloud.common.credential import Credential
            from tencentcloud.common.profile.client_profile import ClientProfile
            from tencentcloud.common.profile.http_profile import HttpProfile
            from tencentcloud.sms.v20210111.sms_client import SmsClient

            url = urlsplit(self._endpoint) if self._endpoint else None
            http = HttpProfile(protocol=url.scheme if url else None, endpoint=url.netloc if url else None,
                               reqTimeout=self._timeout)
            self._client = SmsClient(Credential(*key), REGION, ClientProfile(httpProfile=http))
            self._client_key = key
        return self._client
