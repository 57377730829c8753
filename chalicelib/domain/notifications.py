"""What the applicant is told, for 我的消息 and SMS alike: picks and fills a template of `texts.NOTICES`.

Every status change that notifies someone is saved together with its
`Message` and `Sms` rows (one transaction), so a notice is never lost or sent
for a change that did not happen.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from chalicelib.domain import texts
from chalicelib.domain.application_form import item_label
from chalicelib.domain.events import (
    ApplicationApproved,
    ApplicationEvent,
    ApplicationExpired,
    ApplicationRejected,
    ApplicationSubmitted,
    CertificateIssued,
    ReminderDue,
)
from chalicelib.domain.outbox import Sms
from chalicelib.domain.review import ReviewIssue
from chalicelib.domain.windows import SHANGHAI

SIGNATURE = texts.SMS_SIGNATURE
# Sentence-ending and clause punctuation a reviewer may have typed at the end of an opinion or note.
_CLOSING = "。.．！!？?；;，,、：: \u3000"


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


def new_message_id(at: datetime) -> str:
    return f"{at.astimezone(timezone.utc):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:12]}"


def _texts(event: ApplicationEvent) -> tuple[str, str] | None:
    """(title, body) for an event, from `texts.NOTICES`; the SMS carries the body."""
    if isinstance(event, ApplicationSubmitted):
        return texts.notice("ApplicationSubmitted")
    if isinstance(event, ApplicationApproved):
        return texts.notice("ApplicationApproved")
    if isinstance(event, ApplicationRejected):
        issues = texts.NOTICE_PARTS["issue_separator"].join(_issue(issue) for issue in event.issues)
        if issues:
            return texts.notice("ApplicationRejected.with_issues", opinion=_clause(event.opinion), issues=issues)
        return texts.notice("ApplicationRejected", opinion=_clause(event.opinion))
    if isinstance(event, ApplicationExpired):
        return texts.notice("ApplicationExpired.after_rejection" if event.after_rejection else "ApplicationExpired")
    if isinstance(event, ReminderDue):
        return _reminder(event)
    if isinstance(event, CertificateIssued):
        return texts.notice("CertificateIssued", registration_no=event.registration_no,
                            valid_until=event.valid_until)
    return None


def _clause(text: str) -> str:
    """Reviewer's text without its closing punctuation: the template supplies that, so an
    opinion that ends in 。 is not followed by a second one."""
    return text.strip().rstrip(_CLOSING).strip()


def _label(item: str) -> str:
    """The item's name as the applicant sees it on the form (两寸免冠照片, not `id_photo`)."""
    try:
        return item_label(item)
    except ValueError:  # not a field or material of any application: show it as it was named
        return item


def _issue(issue: ReviewIssue) -> str:
    note = _clause(issue.note or "")
    if note:
        return texts.NOTICE_PARTS["issue_with_note"].format(label=_label(issue.item), note=note)
    return texts.NOTICE_PARTS["issue"].format(label=_label(issue.item))


def _reminder(event: ReminderDue) -> tuple[str, str]:
    deadline = ""
    if event.closes_at is not None:
        at = event.closes_at.astimezone(SHANGHAI)
        deadline = texts.NOTICE_PARTS["deadline"].format(year=at.year, month=at.month, day=at.day,
                                                         time=f"{at:%H:%M}")
    name = "ReminderDue" + (".after_rejection" if event.after_rejection else "")
    if not event.missing:
        return texts.notice(name + ".complete", days_left=event.days_left, deadline=deadline)
    return texts.notice(name, days_left=event.days_left, deadline=deadline,
                        missing=texts.NOTICE_PARTS["missing_separator"].join(event.missing))


def notices_for(event: ApplicationEvent, phone: str | None) -> tuple[list[Message], list[Sms]]:
    """The message and SMS an event produces (none for events nobody is told about)."""
    notice = _texts(event)
    if notice is None:
        return [], []
    title, body = notice
    message = Message(owner=event.id_number, message_id=new_message_id(event.at), title=title, body=body,
                      created_at=event.at, application_id=event.application_id)
    sms = [Sms.queue(phone, SIGNATURE + body, event.at)] if phone else []
    return [message], sms
