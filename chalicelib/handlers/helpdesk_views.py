"""Response shapes of the helpdesk search and the audit listing (admins only: personal data unmasked).

Built from the domain objects' attributes, as `views.py` does (and from its shapes where they are
the same: an application's summary, a mailing's state and waybill): a renamed stored attribute cannot
change the API. The account is shown without its password hash or session fields.
"""
from __future__ import annotations

from datetime import datetime

from chalicelib.domain.accounts import Account
from chalicelib.domain.certificates import Certificate
from chalicelib.domain.mailing import Mailing
from chalicelib.domain.ports import AuditEntry
from chalicelib.domain.register import Practitioner, Registration
from chalicelib.handlers.views import application_summary, iso, mailing_summary
from chalicelib.services.helpdesk import PersonFound, SearchResult


def register_row(p: Practitioner | None) -> dict | None:
    if p is None:
        return None
    return {"id_number": p.id_number, "name": p.name, "gender": p.gender, "birth_date": p.birth_date.isoformat(),
            "certificate_no": p.certificate_no, "level": p.level.value, "level_name": p.level.chinese,
            "qualification_year": p.qualification_year}


def registration(r: Registration) -> dict:
    return {"registration_year": r.registration_year, "registration_no": r.registration_no,
            "valid_until": r.valid_until}


def account(a: Account | None) -> dict | None:
    if a is None:
        return None
    return {"account_id": a.account_id, "phone": a.phone, "disabled": a.disabled, "created_at": iso(a.created_at)}


def mailing(m: Mailing | None) -> dict | None:
    """What the holder sees of a mailing (`views.mailing_summary`) and the address it goes to."""
    if m is None:
        return None
    return {**mailing_summary(m), "recipient": m.recipient, "phone": m.phone, "address": m.address,
            "postal_code": m.postal_code}


def certificate(c: Certificate, now: datetime, mailed: Mailing | None) -> dict:
    status = c.status(now)
    return {"registration_no": c.registration_no, "status": status.value, "status_text": status.chinese,
            "name": c.name, "level": c.level.value, "level_name": c.level.chinese, "certificate_no": c.certificate_no,
            "registration_year": c.registration_year, "valid_until": c.valid_until, "issued_at": iso(c.issued_at),
            "application_id": c.application_id, "revoked_at": iso(c.revoked_at), "replaced_by": c.replaced_by,
            "mailing": mailing(mailed)}


def person(p: PersonFound, now: datetime) -> dict:
    return {"id_number": p.id_number, "matched_by": [kind.value for kind in p.matched_by],
            "register": register_row(p.practitioner),
            "registrations": [registration(r) for r in p.registrations],
            "account": account(p.account),
            "applications": [application_summary(a) for a in p.applications],
            "more_applications": p.more_applications,
            "certificates": [certificate(c, now, p.mailings.get(c.registration_no)) for c in p.certificates]}


def search_result(result: SearchResult, now: datetime) -> dict:
    return {"kinds": [{"kind": kind.value, "kind_name": kind.chinese} for kind in result.query.kinds],
            "items": [person(p, now) for p in result.people], "truncated": result.truncated}


def audit_entry(entry: AuditEntry) -> dict:
    return {"at": entry.at.isoformat(), "actor": entry.actor, "subject": entry.subject, "action": entry.action}
