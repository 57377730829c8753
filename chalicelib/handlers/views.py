"""Response shapes: domain objects to JSON for the applicant (ID numbers masked, reviewers anonymous).

Every field is named here, from the domain objects' attributes, never taken from
the storage codec: renaming a stored attribute cannot change the API.
"""
from __future__ import annotations

from datetime import datetime

from chalicelib.domain import texts
from chalicelib.domain.accounts import Account
from chalicelib.domain.application import Application
from chalicelib.domain.corrections import Correction, CorrectionField
from chalicelib.domain.identity import mask_id_number
from chalicelib.domain.mailing import Mailing
from chalicelib.domain.notifications import Message
from chalicelib.domain.register import format_hours
from chalicelib.services.applicant import EligibilityAnswer, Profile
from chalicelib.services.certificates import DOWNLOAD_EXPIRES_IN


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


iso = _iso  # for the other view modules (helpdesk_views.py)


def _value(member) -> str | None:
    """An enum's wire value, or None."""
    return member.value if member is not None else None


def _window(window) -> dict | None:
    if window is None:
        return None
    return {"year": window.year, "opens_at": window.opens_at.isoformat(), "closes_at": window.closes_at.isoformat()}


def account_phone(account: Account) -> dict:
    """After a phone change: the number the account signs in with, as `profile` shows it."""
    return {"phone": account.phone}


def profile(p: Profile) -> dict:
    body = {"phone": p.account.phone, "in_register": p.practitioner is not None,
            "id_number_masked": mask_id_number(p.account.id_number)}
    if p.practitioner is None:
        body["notice"] = texts.PAGE_NOTES["PROFILE_NOT_IN_REGISTER"]
        return body
    person = p.practitioner
    body.update({
        "name": person.name, "gender": person.gender, "certificate_no": person.certificate_no,
        "level": person.level.value, "level_name": person.level.chinese,
        "qualification_year": person.qualification_year,
        "registrations": [{"registration_year": r.registration_year, "registration_no": r.registration_no,
                           "valid_until": r.valid_until} for r in p.registrations],
        "ce_records": [{"completed_on": r.completed_on.isoformat(), "hours": str(r.hours), "course": r.course,
                        "provider": r.provider} for r in p.ce_records],
        "ce_hours_on_record": str(sum((r.hours for r in p.ce_records), 0)),
        "ce": _ce(p.ce),
    })
    return body


def _ce(ce) -> dict:
    """The current CE cycle: hours since the end of the last registration year against the level's need."""
    body = {"hours": format_hours(ce.hours), "required": ce.required, "cycle_start_year": ce.cycle_start_year,
            "display": ce.display}
    if ce.cycle_start_year is None:
        body["note"] = texts.PAGE_NOTES["CE_CYCLE_NOT_STARTED"]
    return body


def eligibility(answer: EligibilityAnswer) -> dict:
    body = {"window": _window(answer.window), "next_window": _window(answer.next_window),
            "in_register": answer.in_register, "types": []}
    if not answer.in_register:
        body["message"] = texts.PAGE_NOTES["ELIGIBILITY_NOT_IN_REGISTER"]
    elif answer.eligibility is None:
        upcoming = answer.next_window
        body["message"] = (texts.PAGE_NOTES["ELIGIBILITY_NEXT_WINDOW"].format(
            year=upcoming.year, opens_at=f"{upcoming.opens_at:%Y-%m-%d %H:%M}") if upcoming
            else texts.PAGE_NOTES["ELIGIBILITY_NO_WINDOW"])
    else:
        body["types"] = [{
            "type": v.type.value, "type_name": v.type.chinese, "eligible": v.eligible,
            "reason_code": v.reason_code, "reason": v.reason,
            "required_materials": [k.value for k in v.required_materials],
            "optional_materials": [k.value for k in v.optional_materials],
            "default_pickup": v.default_pickup.value,
            "ce_hours_on_record": None if v.ce_hours_on_record is None else str(v.ce_hours_on_record),
            "ce_hours_required": v.ce_hours_required, "hours_summary": v.hours_summary,
            "warnings": [w.message for w in v.warnings], "warning_codes": [w.code for w in v.warnings],
        } for v in answer.eligibility.verdicts]
    return body


def _actor(actor: str, application: Application) -> str:
    """The applicant sees who acted by role, never a reviewer's identity."""
    if actor == "system":
        return "system"
    reviewers = {r.reviewer for r in application.review_rounds}
    if application.reconsideration is not None:
        reviewers.add(application.reconsideration.reviewer)
    return "applicant" if actor not in reviewers else "reviewer"


def _reconsideration(app: Application, *, staff: bool = False) -> dict | None:
    """The request and, once decided, the decision; staff also see who rejected and who decided."""
    asked = app.reconsideration
    if asked is None:
        return None
    body = {"requested_at": asked.requested_at.isoformat(), "reason": asked.reason,
            "decided_at": _iso(asked.decided_at), "outcome": _value(asked.outcome), "opinion": asked.opinion}
    if staff:
        body.update({"rejected_by": asked.rejected_by, "reviewer": asked.reviewer})
    return body


def _fields(fields) -> dict:
    """The form as the applicant filled it; None for anything not filled in yet."""
    address = fields.mailing_address
    return {
        "phone": fields.phone, "employer": fields.employer, "district": fields.district,
        "education": fields.education, "pickup_method": _value(fields.pickup_method),
        "mailing_address": None if address is None else {
            "recipient": address.recipient, "phone": address.phone, "address": address.address,
            "postal_code": address.postal_code},
        "reissue_reason": _value(fields.reissue_reason),
        "declared_ce_hours": None if fields.declared_ce_hours is None else str(fields.declared_ce_hours),
    }


def _issues(review_round) -> list[dict]:
    return [{"item": i.item, "note": i.note} for i in review_round.issues]


def application(app: Application) -> dict:
    return {
        "application_id": app.application_id, "type": app.type.value, "type_name": app.type.chinese,
        "window_year": app.window_year, "status": app.status.value, "status_name": app.status.chinese,
        "name": app.name, "id_number_masked": mask_id_number(app.id_number),
        "certificate_no": app.certificate_no, "level": app.level.value,
        "created_at": app.created_at.isoformat(), "updated_at": app.updated_at.isoformat(),
        "submitted_at": app.submitted_at.isoformat() if app.submitted_at else None,
        "editable": app.is_editable, "fields": _fields(app.fields),
        "required_materials": [k.value for k in app.required_materials],
        "optional_materials": [k.value for k in app.optional_materials],
        "materials": {kind.value: {"kind": kind.value, "status": m.status.value, "reason_code": m.reason_code,
                                   "reason": m.reason, "width": m.width, "height": m.height,
                                   "bytes": m.size_bytes, "updated_at": m.updated_at.isoformat()
                                   if m.updated_at else None}
                      for kind, m in app.materials.items()},
        "history": [{"at": h.at.isoformat(), "actor": _actor(h.actor, app),
                     "from": h.from_status.value if h.from_status else None, "to": h.to_status.value,
                     "note": h.note} for h in app.history],
        "review_rounds": [{"number": r.number, "submitted_at": r.submitted_at.isoformat(),
                           "decided_at": r.decided_at.isoformat() if r.decided_at else None,
                           "outcome": r.outcome.value if r.outcome else None, "opinion": r.opinion,
                           "issues": _issues(r)}
                          for r in app.review_rounds],
        "registration_no": app.registration_no,
        "fix_until": _iso(app.fix_until),
        "reconsideration": _reconsideration(app),
    }


def application_summary(app: Application) -> dict:
    return {"application_id": app.application_id, "type": app.type.value, "type_name": app.type.chinese,
            "window_year": app.window_year, "status": app.status.value, "status_name": app.status.chinese,
            "created_at": app.created_at.isoformat(),
            "submitted_at": app.submitted_at.isoformat() if app.submitted_at else None,
            "registration_no": app.registration_no}


def message(m: Message) -> dict:
    return {"message_id": m.message_id, "title": m.title, "body": m.body, "read": m.read,
            "created_at": m.created_at.isoformat(), "application_id": m.application_id}




def queue_entry(app: Application) -> dict:
    return {**application_summary(app), "name": app.name, "level": app.level.value,
            "lease": {"reviewer": app.lease.reviewer, "until": app.lease.until.isoformat()} if app.lease else None}


def reconsideration_entry(app: Application) -> dict:
    """A line of the reconsideration queue (and a decision's answer): the queue entry, the
    request and who rejected, so a reviewer can tell whether the case is theirs to decide."""
    return {**queue_entry(app), "fix_until": _iso(app.fix_until),
            "reconsideration": _reconsideration(app, staff=True)}


def review_file(review, audit_cursor: str | None = None) -> dict:
    """The reviewer's view: the full ID number, the register row, photos as short-lived links,
    and one page of the audit log, newest first (`audit_cursor` fetches the next; None: no more)."""
    app = review.application
    body = application(app)
    body.update({
        "id_number": app.id_number,
        "history": [{"at": h.at.isoformat(), "actor": h.actor, "from": h.from_status.value if h.from_status else None,
                     "to": h.to_status.value, "note": h.note} for h in app.history],
        "review_rounds": [{"number": r.number, "submitted_at": r.submitted_at.isoformat(), "reviewer": r.reviewer,
                           "claimed_at": _iso(r.claimed_at), "decided_at": _iso(r.decided_at),
                           "outcome": _value(r.outcome), "opinion": r.opinion, "issues": _issues(r)}
                          for r in app.review_rounds],
        "lease": {"reviewer": app.lease.reviewer, "until": app.lease.until.isoformat()} if app.lease else None,
        "reconsideration": _reconsideration(app, staff=True),
        "register": None if review.practitioner is None else {
            "name": review.practitioner.name, "gender": review.practitioner.gender,
            "birth_date": review.practitioner.birth_date.isoformat(),
            "certificate_no": review.practitioner.certificate_no, "level": review.practitioner.level.value,
            "qualification_year": review.practitioner.qualification_year},
        "registrations": [{"registration_year": r.registration_year, "registration_no": r.registration_no,
                           "valid_until": r.valid_until} for r in review.registrations],
        "ce_records": [{"completed_on": r.completed_on.isoformat(), "hours": str(r.hours), "course": r.course,
                        "provider": r.provider} for r in review.ce_records],
        "ce_hours_on_record": None if app.ce_hours_on_record is None else str(app.ce_hours_on_record),
        "ce_hours_required": app.ce_hours_required,
        "audit": [{"at": entry.at.isoformat(), "actor": entry.actor, "action": entry.action} for entry in review.audit],
        "audit_cursor": audit_cursor,
    })
    for kind, url in review.photo_urls.items():
        body["materials"][kind]["url"] = url
    return body


def certificate(c, now, downloads: dict[str, str] | None = None, mailing: Mailing | None = None) -> dict:
    """The holder's view: everything printed on it (their own ID number masked, as everywhere), and
    how its paper copy's mailing stands (None: picked up electronically)."""
    status = c.status(now)
    body = {"registration_no": c.registration_no, "status": status.value, "status_text": status.chinese,
            "name": c.name, "id_number_masked": mask_id_number(c.id_number), "level": c.level.value,
            "level_name": c.level.chinese, "certificate_no": c.certificate_no,
            "registration_year": c.registration_year, "valid_until": c.valid_until,
            "issued_at": c.issued_at.isoformat(), "application_id": c.application_id,
            "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
            "replaced_by": c.replaced_by, "replaced_at": c.replaced_at.isoformat() if c.replaced_at else None,
            "mailing": mailing_summary(mailing)}
    if downloads is not None:
        body["downloads"] = {**downloads, "expires_in": DOWNLOAD_EXPIRES_IN}
    return body


def _proposed_value(field, columns: dict[str, str]):
    """A register value as the request carried it: text, or a registration's year and number."""
    if not columns:
        return None
    if field is CorrectionField.REGISTRATION:
        return {"registration_year": int(columns["registration_year"]),
                "registration_no": columns.get("registration_no")}
    return columns[field.value]


def correction(c: Correction) -> dict:
    """A correction request as its applicant sees it: what it asks, what the register held, the
    evidence's state and the decision (the deciding admin stays anonymous)."""
    evidence = c.evidence
    return {"correction_id": c.correction_id, "field": c.field.value, "field_label": c.field.label,
            "proposed_value": _proposed_value(c.field, c.proposed),
            "current_value": _proposed_value(c.field, c.current), "note": c.note,
            "status": c.status.value, "status_text": texts.CORRECTION_STATUS_LABELS[c.status.value],
            "created_at": c.created_at.isoformat(),
            "evidence": None if evidence is None else {"status": evidence.status.value, "reason": evidence.reason},
            "decision": None if c.is_open else {"decided_at": _iso(c.decided_at), "note": c.decision_note}}


def correction_for_admin(c: Correction, evidence_url: str | None = None) -> dict:
    """The admin's view: whose register row (ID number masked), who decided, the evidence photo's link."""
    body = correction(c)
    body["id_number_masked"] = mask_id_number(c.id_number)
    if body["decision"] is not None:
        body["decision"]["decided_by"] = c.decided_by
    if evidence_url is not None:
        body["evidence"]["url"] = evidence_url
    return body


# --- mailed paper certificates (domain/mailing.py) ---------------------------------------------

def mailing_summary(m: Mailing | None) -> dict | None:
    """Where a holder's paper certificate is: its state and waybill (None: not mailed)."""
    if m is None:
        return None
    return {"state": m.state.value, "state_name": m.state.chinese, "carrier": m.carrier,
            "tracking_no": m.tracking_no, "shipped_at": _iso(m.shipped_at)}


def mailing_for_admin(m: Mailing) -> dict:
    """The admins' view: the address to print and the whole history (no ID number)."""
    return {**mailing_summary(m), "registration_no": m.registration_no, "window_year": m.window_year,
            "level": m.level.value, "level_name": m.level.chinese, "recipient": m.recipient, "phone": m.phone,
            "address": m.address, "postal_code": m.postal_code, "updated_at": _iso(m.updated_at),
            "history": [{"at": _iso(e.at), "actor": e.actor, "from": _value(e.from_state), "to": e.to_state.value,
                         "note": e.note} for e in m.history]}
