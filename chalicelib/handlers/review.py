"""Reviewer routes (SPEC §3 Reviewer): queue, claim, the file, decision, stats."""
from __future__ import annotations

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.domain.accounts import Role
from chalicelib.handlers import schemas, views
from chalicelib.handlers.guard import bearer, signed_in
from chalicelib.handlers.openapi import doc
from chalicelib.handlers.requests import json_object, now
from chalicelib.services import review as service

review = Blueprint(__name__)
TAGS = ("review",)
QUEUE_QUERY = {"window": {"type": "integer"}, "status": {"type": "string"}, "type": {"type": "string"},
               "cursor": {"type": "string"}}


def _reviewer():
    return signed_in(review.current_request, Role.REVIEWER, Role.ADMIN)


def _query() -> dict:
    return dict(review.current_request.query_params or {})


@review.route("/review/applications", methods=["GET"], authorizer=bearer)
@doc("The review queue, oldest submission first (filters combinable)", response=schemas.APPLICATION_PAGE,
     query=QUEUE_QUERY, errors=(422,), tags=TAGS)
def queue():
    _reviewer()
    page = service.queue(bootstrap.deps(), _query(), now())
    return {"items": [views.queue_entry(a) for a in page.items], "cursor": page.cursor}


@review.route("/review/applications/{application_id}/claim", methods=["POST"], authorizer=bearer)
@doc("Claim (or renew) a review lease; 409 while another reviewer holds it", response=schemas.APPLICATION,
     errors=(404, 409), tags=TAGS)
def claim(application_id):
    return views.queue_entry(service.claim(bootstrap.deps(), _reviewer(), application_id, now()))


@review.route("/review/applications/{application_id}", methods=["GET"], authorizer=bearer)
@doc("Everything filed, the register row, CE hours, rounds, photo links (access is audited)",
     response=schemas.APPLICATION, errors=(404,), tags=TAGS)
def review_file(application_id):
    return views.review_file(service.review_file(bootstrap.deps(), _reviewer(), application_id, now()))


@review.route("/review/applications/{application_id}/decision", methods=["POST"], authorizer=bearer)
@doc("Approve or reject (all problems at once); 409 if the state moved", request=schemas.DECISION,
     response=schemas.APPLICATION, errors=(404, 409), tags=TAGS)
def decide(application_id):
    body = json_object(review.current_request, allowed=frozenset({"outcome", "opinion", "issues"}))
    return views.queue_entry(service.decide(bootstrap.deps(), _reviewer(), application_id, body, now()))


@review.route("/review/stats", methods=["GET"], authorizer=bearer)
@doc("Counts by status and type for a window", query={"window": {"type": "integer"}}, errors=(422,), tags=TAGS)
def stats():
    _reviewer()
    return service.stats(bootstrap.deps(), _query(), now())
