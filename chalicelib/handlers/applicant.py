"""Applicant routes (SPEC §3 Applicant): profile, eligibility, applications, materials, messages, certificates."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.domain.accounts import Role
from chalicelib.domain.commands import CreateApplication, SaveDraft, Submit
from chalicelib.handlers import cursors, schemas, views
from chalicelib.handlers.guard import bearer, signed_in
from chalicelib.handlers.openapi import doc
from chalicelib.handlers.routing import current_request
from chalicelib.handlers.edge import json_object, now
from chalicelib.services import applicant as service
from chalicelib.services import certificates

applicant = Blueprint(__name__)
TAGS = ("applicant",)
CURSOR = {"cursor": cursors.QUERY_SCHEMA}


def _me():
    return signed_in(current_request(), Role.APPLICANT)


def _cursor(route: str, me) -> str | None:
    """The page position in `?cursor=`: 400 BAD_CURSOR unless `route` sealed it for `me`."""
    return cursors.opened(current_request(), route=route, caller=me.account_id)


def _sealed(position: str | None, route: str, me) -> str | None:
    return cursors.sealed(position, route=route, caller=me.account_id)


@applicant.route("/me", methods=["GET"])
@bearer
@doc("My profile from the register: name, masked ID, certificate, registrations, and `ce`: the CE hours "
     "of the current cycle (since the end of the last registration year) against the level's requirement",
     response=schemas.PROFILE, tags=TAGS)
def me():
    return views.profile(service.profile(bootstrap.deps(), _me(), now()))


@applicant.route("/me/eligibility", methods=["GET"])
@bearer
@doc("Which of the four registration types apply in the open window, with reasons, and `warnings` "
     "on a type whose choice would hurt me (creating it then needs acknowledge_warnings: true)",
     response=schemas.ELIGIBILITY, tags=TAGS)
def my_eligibility():
    return views.eligibility(service.eligibility(bootstrap.deps(), _me(), now()))


@applicant.route("/applications", methods=["POST"])
@bearer
@doc("Start a draft application of a type (422 WARNING_NOT_ACKNOWLEDGED for a type with warnings "
     "without acknowledge_warnings: true)", status=201, request=schemas.CREATE_APPLICATION,
     response=schemas.APPLICATION, errors=(409,), tags=TAGS)
def create_application():
    me = _me()
    command = CreateApplication.from_json(json_object(current_request(), schemas.CREATE_APPLICATION))
    created = service.create_application(bootstrap.deps(), me, command, now())
    return Response(body=views.application(created), status_code=201)


@applicant.route("/applications", methods=["GET"])
@bearer
@doc("My applications, all windows, newest first", response=schemas.APPLICATION_PAGE, query=CURSOR,
     errors=(400,), tags=TAGS)
def list_applications():
    me = _me()
    page = service.list_applications(bootstrap.deps(), me, _cursor("GET /applications", me))
    return {"items": [views.application_summary(a) for a in page.items],
            "cursor": _sealed(page.position, "GET /applications", me)}


@applicant.route("/applications/{application_id}", methods=["GET"])
@bearer
@doc("One of my applications: fields, materials, history, review rounds", response=schemas.APPLICATION,
     errors=(404,), tags=TAGS)
def get_application(application_id):
    return views.application(service.get_application(bootstrap.deps(), _me(), application_id))


@applicant.route("/applications/{application_id}", methods=["PATCH"])
@bearer
@doc("Save the draft (partial update; every bad field named)", request=schemas.FIELDS,
     response=schemas.APPLICATION, errors=(404, 409), tags=TAGS)
def update_application(application_id):
    me = _me()
    # Unknown and read-only fields are named by the form, with every other problem at once.
    draft = SaveDraft.from_json(json_object(current_request(), schemas.FIELDS, refuse_unknown=False))
    return views.application(service.update_application(bootstrap.deps(), me, application_id, draft, now()))


@applicant.route("/applications/{application_id}", methods=["DELETE"])
@bearer
@doc("Discard a draft (kept in my history as discarded, its photos deleted); I may then start another "
     "type in the same window. 409 for an application already submitted", status=204, errors=(404, 409),
     tags=TAGS)
def discard_application(application_id):
    service.discard(bootstrap.deps(), _me(), application_id, now())
    return Response(body="", status_code=204)


@applicant.route("/applications/{application_id}/materials/{kind}/upload", methods=["POST"])
@bearer
@doc("A presigned S3 POST for one material photo (up to 10 MB, 5 minutes)", response=schemas.UPLOAD,
     errors=(404, 409, 422, 429), tags=TAGS)
def upload_material(application_id, kind):
    return service.upload_url(bootstrap.deps(), _me(), application_id, kind, now())


@applicant.route("/applications/{application_id}/materials/{kind}", methods=["DELETE"])
@bearer
@doc("Remove a material (the ×)", response=schemas.APPLICATION, errors=(404, 409, 422), tags=TAGS)
def delete_material(application_id, kind):
    return views.application(service.delete_material(bootstrap.deps(), _me(), application_id, kind, now()))


@applicant.route("/applications/{application_id}/materials/registration_cert/attach-certificate",
                 methods=["POST"])
@bearer
@doc("Attach my own e-certificate as the registration certificate", response=schemas.APPLICATION,
     errors=(404, 409, 422), tags=TAGS)
def attach_certificate(application_id):
    return views.application(service.attach_certificate(bootstrap.deps(), _me(), application_id, now()))


@applicant.route("/applications/{application_id}/submit", methods=["POST"])
@bearer
@doc("Submit for review (declaration required; everything missing is named at once)", request=schemas.SUBMIT,
     response=schemas.APPLICATION, errors=(404, 409), tags=TAGS)
def submit(application_id):
    me = _me()
    command = Submit.from_json(json_object(current_request(), schemas.SUBMIT))
    return views.application(service.submit(bootstrap.deps(), me, application_id, command, now()))


@applicant.route("/messages", methods=["GET"])
@bearer
@doc("My messages (我的消息), newest first, with the unread count", response=schemas.MESSAGES, query=CURSOR,
     errors=(400,), tags=TAGS)
def list_messages():
    me = _me()
    page, unread = service.messages(bootstrap.deps(), me, _cursor("GET /messages", me))
    return {"items": [views.message(m) for m in page.items], "cursor": _sealed(page.position, "GET /messages", me),
            "unread": unread}


@applicant.route("/messages/{message_id}/read", methods=["POST"])
@bearer
@doc("Mark a message read", errors=(404,), tags=TAGS)
def read_message(message_id):
    return views.message(service.read_message(bootstrap.deps(), _me(), message_id))


@applicant.route("/certificates", methods=["GET"])
@bearer
@doc("My e-certificates, newest first, each with its paper copy's mailing (state, tracking number; null "
     "when picked up electronically)", response=schemas.CERTIFICATES, tags=TAGS)
def list_certificates():
    at = now()
    return {"items": [views.certificate(c, at, mailing=m)
                      for c, m in certificates.certificates_with_mailings(bootstrap.deps(), _me())]}


@applicant.route("/certificates/{registration_no}", methods=["GET"])
@bearer
@doc("One of my e-certificates with PDF and PNG download links (valid 5 minutes); a replaced one names "
     "its successor (replaced_by) and has no links",
     response=schemas.CERTIFICATE, errors=(404,), tags=TAGS)
def get_certificate(registration_no):
    certificate, links, mailing = certificates.certificate_with_mailing(bootstrap.deps(), _me(), registration_no)
    return views.certificate(certificate, now(), links, mailing=mailing)
