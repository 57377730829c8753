"""Mailing paper certificates (邮寄, SPEC §2.10), for admins: the list of a window's mailings and the
shipped, returned and delivered actions (the export and the carrier's file are `swreg mailings`)."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.domain.accounts import Role
from chalicelib.domain.mailing import MailingNote, MailingQuery, MailingState, Shipment
from chalicelib.handlers import cursors, schemas, views
from chalicelib.handlers.edge import json_object, now
from chalicelib.handlers.guard import bearer, signed_in
from chalicelib.handlers.openapi import doc
from chalicelib.handlers.routing import current_request
from chalicelib.services import mailings as service

mailings = Blueprint(__name__)
TAGS = ("admin",)
LIST_ROUTE = "GET /admin/mailings"
QUERY = {"window": {"type": "string", "pattern": "^[0-9]{4}$", "example": "2026"},
         "state": {"type": "string", "enum": [s.value for s in MailingState]},
         "cursor": cursors.QUERY_SCHEMA}


def _admin():
    return signed_in(current_request(), Role.ADMIN)


@mailings.route("/admin/mailings", methods=["GET"])
@bearer
@doc("A window's mailed paper certificates (this year's by default), of one state or of every state, "
     "by registration number, with the address and history; each page read is audited",
     response=schemas.MAILING_PAGE, query=QUERY, errors=(400, 403, 422), tags=TAGS)
def list_mailings():
    me = _admin()
    at = now()
    query = MailingQuery.from_query(dict(current_request().query_params or {}))
    state = query.state.value if query.state is not None else ""
    route = f"{LIST_ROUTE}?window={service.window_of(query, at)}&state={state}"  # a cursor pages one list
    position = cursors.opened(current_request(), route=route, caller=me.account_id)
    page = service.admin_page(bootstrap.deps(), query, position, me.username, at)
    return {"items": [views.mailing_for_admin(m) for m in page.items],
            "cursor": cursors.sealed(page.position, route=route, caller=me.account_id)}


@mailings.route("/admin/mailings/{registration_no}/shipped", methods=["POST"])
@bearer
@doc("Shipped under the carrier's waybill (from printed, or again after a return): the applicant gets a "
     "message and an SMS with the tracking number. The same waybill again changes nothing",
     request=schemas.MAILING_SHIPMENT, response=schemas.MAILING, errors=(403, 404, 409, 422), tags=TAGS)
def ship(registration_no):
    me = _admin()
    shipment = Shipment.from_json(json_object(current_request(), schemas.MAILING_SHIPMENT))
    return views.mailing_for_admin(service.ship(bootstrap.deps(), registration_no, shipment, me.username, now()))


@mailings.route("/admin/mailings/{registration_no}/returned", methods=["POST"])
@bearer
@doc("Came back to the office (a note says why); it may be shipped again",
     request=schemas.MAILING_RETURNED, response=schemas.MAILING, errors=(403, 404, 409, 422), tags=TAGS)
def mark_returned(registration_no):
    me = _admin()
    note = MailingNote.from_json(json_object(current_request(), schemas.MAILING_RETURNED), required=True)
    return views.mailing_for_admin(service.mark_returned(bootstrap.deps(), registration_no, note, me.username, now()))


@mailings.route("/admin/mailings/{registration_no}/delivered", methods=["POST"])
@bearer
@doc("Delivered (an optional note)", request=schemas.MAILING_DELIVERED, response=schemas.MAILING,
     errors=(403, 404, 409, 422), tags=TAGS)
def mark_delivered(registration_no):
    me = _admin()
    note = MailingNote.from_json(json_object(current_request(), schemas.MAILING_DELIVERED), required=False)
    return views.mailing_for_admin(service.mark_delivered(bootstrap.deps(), registration_no, note, me.username,
                                                          now()))
