"""Reviewer routes (SPEC §3 Reviewer): queue, claim, release, the file, decision, stats."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.domain.accounts import Role
from chalicelib.domain.commands import REVIEWABLE, Decision, QueueQuery, StatsQuery
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.handlers import cursors, schemas, views
from chalicelib.handlers.guard import bearer, signed_in
from chalicelib.handlers.openapi import doc
from chalicelib.handlers.routing import current_request
from chalicelib.handlers.edge import json_object, now
from chalicelib.services import claims
from chalicelib.services import review as service

review = Blueprint(__name__)
TAGS = ("review",)
QUEUE_QUERY = {"window": {"type": "integer", "minimum": 1000, "maximum": 9999},
               "status": {"type": "string", "enum": [s.value for s in REVIEWABLE]},
               "type": {"type": "string", "enum": [t.value for t in RegistrationType]},
               "cursor": cursors.QUERY_SCHEMA}
FILE_QUERY = {"audit_cursor": cursors.QUERY_SCHEMA}
QUEUE_ROUTE = "GET /review/applications"


def _reviewer():
    return signed_in(current_request(), Role.REVIEWER, Role.ADMIN)


def _query() -> dict:
    return dict(current_request().query_params or {})


@review.route("/review/applications", methods=["GET"])
@bearer
@doc("The review queue, oldest submission first (filters combinable)", response=schemas.APPLICATION_PAGE,
     query=QUEUE_QUERY, errors=(400, 422), tags=TAGS)
def queue():
    me = _reviewer()
    position = cursors.opened(current_request(), route=QUEUE_ROUTE, caller=me.account_id)
    page = service.queue(bootstrap.deps(), QueueQuery.from_query(_query()), now(), position)
    return {"items": [views.queue_entry(a) for a in page.items],
            "cursor": cursors.sealed(page.position, route=QUEUE_ROUTE, caller=me.account_id)}


@review.route("/review/applications/{application_id}/claim", methods=["POST"])
@bearer
@doc("Claim (or renew) a review lease; 409 while another reviewer holds it", response=schemas.APPLICATION,
     errors=(404, 409), tags=TAGS)
def claim(application_id):
    return views.queue_entry(service.claim(bootstrap.deps(), _reviewer(), application_id, now()))


@review.route("/review/applications/{application_id}/release", methods=["POST"])
@bearer
@doc("Give up my live claim: the application goes back to the queue (submitted) at its place; 409 when I "
     "do not hold a live claim on it", response=schemas.APPLICATION, errors=(404, 409), tags=TAGS)
def release(application_id):
    return views.queue_entry(claims.release(bootstrap.deps(), _reviewer(), application_id, now()))


@review.route("/review/applications/{application_id}", methods=["GET"])
@bearer
@doc("Everything filed, the register row, CE hours, rounds, photo links (access is audited); the audit "
     "log a page at a time, newest first: pass the answer's `audit_cursor` as `?audit_cursor=` for the next",
     response=schemas.APPLICATION, query=FILE_QUERY, errors=(400, 404), tags=TAGS)
def review_file(application_id):
    me = _reviewer()
    route = f"GET /review/applications/{application_id}"  # an audit cursor is one application's
    position = cursors.opened(current_request(), route=route, caller=me.account_id, param="audit_cursor")
    found = service.review_file(bootstrap.deps(), me, application_id, now(), position)
    return views.review_file(found, cursors.sealed(found.audit_position, route=route, caller=me.account_id))


@review.route("/review/applications/{application_id}/decision", methods=["POST"])
@bearer
@doc("Approve or reject (all problems at once); 409 if the state moved", request=schemas.DECISION,
     response=schemas.APPLICATION, errors=(404, 409), tags=TAGS)
def decide(application_id):
    me = _reviewer()
    decision = Decision.from_json(json_object(current_request(), schemas.DECISION))
    return views.queue_entry(service.decide(bootstrap.deps(), me, application_id, decision, now()))


@review.route("/review/stats", methods=["GET"])
@bearer
@doc("Counts by status and type for a window", query={"window": {"type": "integer"}}, errors=(422,), tags=TAGS)
def stats():
    _reviewer()
    return service.stats(bootstrap.deps(), StatsQuery.from_query(_query()), now())
