"""What the applicant is told, in Chinese: one template per event, for 我的消息 and SMS alike.

Every status change that notifies someone is saved together with its
`Message` and `Sms` rows (one transaction), so a notice is never lost or sent
for a change that did not happen.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from chalicelib.domain.events import (
    ApplicationApproved,
    ApplicationEvent,
    ApplicationExpired,
    ApplicationRejected,
    ApplicationSubmitted,
    CertificateIssued,
    ReminderDue,
)
from chalicelib.domain.windows import SHANGHAI

SIGNATURE = "【北京社工登记】"


@dataclass(frozen=True)
class Message:
    """An in-app message (我的消息). `message_id` sorts by time and is safe in a URL."""

    owner: str
    message_id: str
    title: str
    body: str
    created_at: datetime
    application_id: str | None = None
    read: bool = False


@dataclass(frozen=True)
class Sms:
    """A text waiting in the outbox for the dispatcher."""

    outbox_id: str
    phone: str
    text: str
    due_at: datetime


def new_message_id(at: datetime) -> str:
    return f"{at.astimezone(timezone.utc):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:12]}"


def _texts(event: ApplicationEvent) -> tuple[str, str] | None:
    """(title, body) for an event; the SMS carries the body."""
    if isinstance(event, ApplicationSubmitted):
        return ("登记申请已提交", "您的登记申请已提交，请等待审核。审核结果将以短信和“我的消息”通知您。")
    if isinstance(event, ApplicationApproved):
        return ("您的登记申请通过", "您的登记申请通过！电子证书将在本次登记工作结束14天后生成，请届时查看。")
    if isinstance(event, ApplicationRejected):
        items = "；".join(f"{issue.item}：{issue.note}" if issue.note else issue.item for issue in event.issues)
        detail = f"需要修改：{items}。" if items else ""
        return ("您的登记申请不通过",
                f"您的登记申请不通过。审核意见：{event.opinion}。{detail}请在登记时间内修改后重新提交。")
    if isinstance(event, ApplicationExpired):
        return ("登记申请已过期", "本年度登记时间已结束，您未提交的登记申请已过期。")
    if isinstance(event, ReminderDue):
        return ("登记即将截止，请尽快提交", _reminder_body(event))
    if isinstance(event, CertificateIssued):
        return ("电子证书已生成",
                f"您的电子证书已生成，登记证书编号{event.registration_no}，有效期至{event.valid_until}年。"
                "请在“登记历史”中查看和下载。")
    return None


def _reminder_body(event: ReminderDue) -> str:
    deadline = ""
    if event.closes_at is not None:
        at = event.closes_at.astimezone(SHANGHAI)
        deadline = f"（{at.year}年{at.month}月{at.day}日{at:%H:%M}截止）"
    lead = f"距本年度登记截止已不足{event.days_left}天{deadline}，您的登记申请尚未提交。"
    if event.missing:
        return lead + f"还需填写或上传：{'、'.join(event.missing)}。请补全后提交，截止时仍未提交的申请将过期。"
    return lead + "信息已填写完整，请勾选“我保证上述所填信息均真实有效”后提交，截止时仍未提交的申请将过期。"


def notices_for(event: ApplicationEvent, phone: str | None) -> tuple[list[Message], list[Sms]]:
    """The message and SMS an event produces (none for events nobody is told about)."""
    texts = _texts(event)
    if texts is None:
        return [], []
    title, body = texts
    message = Message(owner=event.id_number, message_id=new_message_id(event.at), title=title, body=body,
                      created_at=event.at, application_id=event.application_id)
    sms = [Sms(outbox_id=uuid.uuid4().hex, phone=phone, text=SIGNATURE + body, due_at=event.at)] if phone else []
    return [message], sms
