"""What the applicant is told: picks and fills a notice of `texts.NOTICES` for 我的消息 and a
template of `texts.SMS_TEMPLATES` for the SMS that goes with it.

The SMS is short and carries only parameters a provider accepts: of what the
reviewer wrote it quotes the start of the opinion, made safe for a carrier
(`sms_excerpt`), and points to the message, which holds it all.

Every status change that notifies someone is saved together with its
`Message` and `Sms` rows (one transaction), so a notice is never lost or sent
for a change that did not happen.
"""
from __future__ import annotations

import re
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
    ApplicationReopened,
    ApplicationSubmitted,
    CertificateIssued,
    ReminderDue,
)
from chalicelib.domain.outbox import Sms, SmsContent
from chalicelib.domain.reconsideration import ReconsiderationDecided, ReconsiderationOutcome, ReconsiderationRequested
from chalicelib.domain.review import ReviewIssue, beijing_time
from chalicelib.domain.windows import SHANGHAI

# Sentence-ending and clause punctuation a reviewer may have typed at the end of an opinion or note.
_CLOSING = "。.．！!？?；;，,、：: \u3000"
# How much of the opinion a rejection SMS quotes (… marks a cut), within what a provider takes in
# one parameter (tests/unit/test_sms_templates.py holds it to the provider's rules).
SMS_OPINION_CHARS = 20
# What a carrier may refuse in a parameter: links (a provider allows only links written into the
# approved template), and every character but Chinese, ASCII letters and digits, and plain punctuation.
_LINK = re.compile(r"[\w:/.?=&%#~+-]*(?:https?://|www\.|\.(?:cn|com|net|org|gov)\b)[\w:/.?=&%#~+-]*",
                   re.IGNORECASE | re.ASCII)
_UNSAFE = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9，。、；：！？（）“”‘’《》·—,.;:!?() -]")


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
    """(title, body) of the in-app message for an event, from `texts.NOTICES`."""
    if isinstance(event, ApplicationSubmitted):
        return texts.notice("ApplicationSubmitted")
    if isinstance(event, ApplicationApproved):
        return texts.notice("ApplicationApproved.mail" if event.mailed else "ApplicationApproved")
    if isinstance(event, ApplicationRejected):
        return _rejection(event)
    if isinstance(event, ApplicationExpired):
        return texts.notice("ApplicationExpired.after_rejection" if event.after_rejection else "ApplicationExpired")
    if isinstance(event, ReminderDue):
        return _reminder(event)
    if isinstance(event, CertificateIssued):
        return texts.notice("CertificateIssued", registration_no=event.registration_no,
                            valid_until=event.valid_until)
    if isinstance(event, ReconsiderationRequested):
        return texts.notice("ReconsiderationRequested")
    if isinstance(event, ReconsiderationDecided):
        return texts.notice(_overturn_by_mail(event) or f"ReconsiderationDecided.{event.outcome.value}",
                            opinion=_clause(event.opinion), **_fix_until(event))
    if isinstance(event, ApplicationReopened):
        return texts.notice("ApplicationReopened", note=_clause(event.note), **_fix_until(event))
    return None


def _overturn_by_mail(event: ReconsiderationDecided) -> str | None:
    """The overturn's variant for an applicant who chose mail (the paper certificate follows), or None."""
    if event.mailed and event.outcome is ReconsiderationOutcome.OVERTURN:
        return "ReconsiderationDecided.overturn.mail"
    return None


def _rejection(event: ApplicationRejected) -> tuple[str, str]:
    """The rejection's notice: the opinion, the items at fault, and until when to resubmit —
    the window, or (`RejectedWithFixPeriod`) the fix period's own date."""
    issues = texts.NOTICE_PARTS["issue_separator"].join(_issue(issue) for issue in event.issues)
    name, params = "ApplicationRejected", {"opinion": _clause(event.opinion), **_fix_until(event)}
    if issues:
        name, params["issues"] = name + ".with_issues", issues
    return texts.notice(name + (".fix_until" if params.get("fix_until") else ""), **params)


def _fix_until(event: ApplicationEvent) -> dict[str, str]:
    """{"fix_until": the date as the applicant reads it} for an event with a fix period, else {}."""
    until = getattr(event, "fix_until", None)
    return {"fix_until": beijing_time(until)} if until is not None else {}


def _clause(text: str) -> str:
    """Reviewer's text without its closing punctuation: the template supplies that, so an
    opinion that ends in 。 is not followed by a second one."""
    return text.strip().rstrip(_CLOSING).strip()


def sms_excerpt(text: str, limit: int = SMS_OPINION_CHARS) -> str:
    """A reviewer's words as an SMS parameter: links and characters a carrier may refuse dropped,
    whitespace folded, no closing punctuation, cut to `limit` characters with … (empty if nothing is left)."""
    text = _UNSAFE.sub("", _LINK.sub(" ", re.sub(r"\s+", " ", text)))
    text = _clause(re.sub(" {2,}", " ", text))
    return text if len(text) <= limit else text[:limit - 1].rstrip(_CLOSING) + "…"


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


def _sms(event: ApplicationEvent) -> SmsContent:
    """The SMS of an event that has a notice, from `texts.SMS_TEMPLATES`."""
    if isinstance(event, ApplicationRejected):
        opinion, until = sms_excerpt(event.opinion), _fix_until(event)
        suffix = ".fix_until" if until else ""
        if not opinion:
            return SmsContent.of("ApplicationRejected.see_messages" + suffix, **until)
        return SmsContent.of("ApplicationRejected" + suffix, opinion=opinion, **until)
    if isinstance(event, ReconsiderationDecided):
        return SmsContent.of(_overturn_by_mail(event) or f"ReconsiderationDecided.{event.outcome.value}",
                             **_fix_until(event))
    if isinstance(event, ApplicationReopened):
        return SmsContent.of("ApplicationReopened", **_fix_until(event))
    if isinstance(event, ApplicationExpired):
        return SmsContent.of("ApplicationExpired.after_rejection" if event.after_rejection else "ApplicationExpired")
    if isinstance(event, ReminderDue):
        return SmsContent.of("ReminderDue.after_rejection" if event.after_rejection else "ReminderDue",
                             days_left=event.days_left)
    if isinstance(event, CertificateIssued):
        return SmsContent.of("CertificateIssued", registration_no=event.registration_no,
                             valid_until=event.valid_until)
    if isinstance(event, ApplicationApproved):
        return SmsContent.of("ApplicationApproved.mail" if event.mailed else "ApplicationApproved")
    return SmsContent.of(type(event).__name__)  # ApplicationSubmitted, ReconsiderationRequested


def notices_for(event: ApplicationEvent, phone: str | None) -> tuple[list[Message], list[Sms]]:
    """The message and SMS an event produces (none for events nobody is told about)."""
    notice = _texts(event)
    if notice is None:
        return [], []
    title, body = notice
    message = Message(owner=event.id_number, message_id=new_message_id(event.at), title=title, body=body,
                      created_at=event.at, application_id=event.application_id)
    sms = [Sms.queue(phone, _sms(event), event.at)] if phone else []
    return [message], sms
