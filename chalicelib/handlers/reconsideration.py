"""Reconsideration (复核, SPEC §2.6): the applicant's request and the reviewers' queue and decision."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.domain.accounts import Role
from chalicelib.domain.commands import ReconsiderationDecision, RequestReconsideration
from chalicelib.handlers import cursors, schemas, views
from chalicelib.handlers.edge import json_object, now
from chalicelib.handlers.guard import bearer, signed_in
from chalicelib.handlers.openapi import doc
from chalicelib.handlers.routing import current_request
from chalicelib.services import reconsideration as service

reconsideration = Blueprint(__name__)
QUEUE_ROUTE = "GET /review/reconsiderations"


def _reviewer():
    return signed_in(current_request(), Role.REVIEWER, Role.ADMIN)


@reconsideration.route("/applications/{application_id}/reconsideration", methods=["POST"])
@bearer
@doc("Ask, once, for reconsideration within 15 days of the application expiring after a rejection; "
     "409 for a second request or one that expired as a draft, 422 after the 15 days",
     status=202, request=schemas.RECONSIDERATION_REQUEST, response=schemas.APPLICATION, errors=(404, 409),
     tags=("applicant",))
def request_reconsideration(application_id):
    me = signed_in(current_request(), Role.APPLICANT)
    command = RequestReconsideration.from_json(json_object(current_request(), schemas.RECONSIDERATION_REQUEST))
    asked = service.request(bootstrap.deps(), me, application_id, command, now())
    return Response(body=views.application(asked), status_code=202)


@reconsideration.route("/review/reconsiderations", methods=["GET"])
@bearer
@doc("Pending reconsideration requests of every window, oldest request first", response=schemas.APPLICATION_PAGE,
     query={"cursor": cursors.QUERY_SCHEMA}, errors=(400,), tags=("review",))
def reconsideration_queue():
    me = _reviewer()
    position = cursors.opened(current_request(), route=QUEUE_ROUTE, caller=me.account_id)
    page = service.queue(bootstrap.deps(), position)
    return {"items": [views.reconsideration_entry(a) for a in page.items],
            "cursor": cursors.sealed(page.position, route=QUEUE_ROUTE, caller=me.account_id)}


@reconsideration.route("/review/applications/{application_id}/reconsideration-decision", methods=["POST"])
@bearer
@doc("Decide a reconsideration: uphold (expired, final), overturn (approved) or reopen (rejected with a new "
     "fix period); 403 for the reviewer who rejected, 409 if already decided or the state moved",
     request=schemas.RECONSIDERATION_DECISION, response=schemas.APPLICATION, errors=(403, 404, 409),
     tags=("review",))
def decide_reconsideration(application_id):
    me = _reviewer()
    decision = ReconsiderationDecision.from_json(json_object(current_request(), schemas.RECONSIDERATION_DECISION))
    return views.reconsideration_entry(service.decide(bootstrap.deps(), me, application_id, decision, now()))
