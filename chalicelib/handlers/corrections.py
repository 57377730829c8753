"""Correction requests (反馈, SPEC §2.9): the applicant's requests and evidence, the admins' decisions."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.domain.accounts import Role
from chalicelib.domain.commands import CorrectionDecision, CorrectionQuery, RequestCorrection
from chalicelib.domain.corrections import CorrectionStatus
from chalicelib.handlers import cursors, schemas, views
from chalicelib.handlers.edge import json_object, now
from chalicelib.handlers.guard import bearer, signed_in
from chalicelib.handlers.openapi import doc
from chalicelib.handlers.routing import current_request
from chalicelib.services import corrections as service

corrections = Blueprint(__name__)
APPLICANT_TAGS = ("applicant",)
ADMIN_TAGS = ("admin",)
MINE_ROUTE = "GET /me/corrections"
ADMIN_ROUTE = "GET /admin/corrections"
ADMIN_QUERY = {"status": {"type": "string", "enum": [s.value for s in CorrectionStatus]},
               "cursor": cursors.QUERY_SCHEMA}


def _applicant():
    return signed_in(current_request(), Role.APPLICANT)


def _admin():
    return signed_in(current_request(), Role.ADMIN)


@corrections.route("/me/corrections", methods=["POST"])
@bearer
@doc("Ask for a correction of my register row (name, level, qualification year, certificate number, "
     "a registration); one open request per field", status=201, request=schemas.CORRECTION_REQUEST,
     response=schemas.CORRECTION, errors=(409, 422), tags=APPLICANT_TAGS)
def request_correction():
    me = _applicant()
    command = RequestCorrection.from_json(json_object(current_request(), schemas.CORRECTION_REQUEST))
    created = service.request_correction(bootstrap.deps(), me, command, now())
    return Response(body=views.correction(created), status_code=201)


@corrections.route("/me/corrections", methods=["GET"])
@bearer
@doc("My correction requests, newest first", response=schemas.CORRECTION_PAGE,
     query={"cursor": cursors.QUERY_SCHEMA}, errors=(400,), tags=APPLICANT_TAGS)
def my_corrections():
    me = _applicant()
    position = cursors.opened(current_request(), route=MINE_ROUTE, caller=me.account_id)
    page = service.my_corrections(bootstrap.deps(), me, position)
    return {"items": [views.correction(c) for c in page.items],
            "cursor": cursors.sealed(page.position, route=MINE_ROUTE, caller=me.account_id)}


@corrections.route("/me/corrections/{correction_id}/evidence/upload", methods=["POST"])
@bearer
@doc("A presigned S3 POST for the request's evidence photo (up to 10 MB, 5 minutes); a new upload "
     "replaces the last", response=schemas.UPLOAD, errors=(404, 409, 429), tags=APPLICANT_TAGS)
def upload_evidence(correction_id):
    return service.evidence_upload_url(bootstrap.deps(), _applicant(), correction_id, now())


@corrections.route("/admin/corrections", methods=["GET"])
@bearer
@doc("Correction requests of a status (open by default: first come, first served; decided ones newest "
     "first), with links to the evidence photos (valid 5 minutes)", response=schemas.CORRECTION_PAGE,
     query=ADMIN_QUERY, errors=(400, 403, 422), tags=ADMIN_TAGS)
def admin_corrections():
    me = _admin()
    query = CorrectionQuery.from_query(dict(current_request().query_params or {}))
    route = f"{ADMIN_ROUTE}?status={query.status.value}"  # a cursor pages one status
    position = cursors.opened(current_request(), route=route, caller=me.account_id)
    deps = bootstrap.deps()
    page = service.queue(deps, query, position)
    return {"items": [views.correction_for_admin(c, service.evidence_url(deps, c)) for c in page.items],
            "cursor": cursors.sealed(page.position, route=route, caller=me.account_id)}


@corrections.route("/admin/corrections/{correction_id}/decision", methods=["POST"])
@bearer
@doc("Accept (the register row is updated as an import would, audited; eligibility follows) or decline "
     "(a note says why); the applicant gets an SMS and a message. Decided once: 409 after",
     request=schemas.CORRECTION_DECISION, response=schemas.CORRECTION, errors=(403, 404, 409, 422),
     tags=ADMIN_TAGS)
def decide_correction(correction_id):
    me = _admin()
    decision = CorrectionDecision.from_json(json_object(current_request(), schemas.CORRECTION_DECISION))
    return views.correction_for_admin(service.decide(bootstrap.deps(), me, correction_id, decision, now()))
