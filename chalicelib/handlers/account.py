"""Account routes (SPEC §3 Applicant): change the password, change the phone."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.domain.accounts import Role
from chalicelib.domain.commands import ChangePassword, ChangePhone
from chalicelib.handlers import schemas, views
from chalicelib.handlers.edge import json_object, now, source_ip
from chalicelib.handlers.guard import bearer, session
from chalicelib.handlers.openapi import doc
from chalicelib.handlers.routing import current_request
from chalicelib.services import account as service

account = Blueprint(__name__)
TAGS = ("applicant",)


@account.route("/me/password", methods=["POST"])
@bearer
@doc("Change my password; every other session ends, this token keeps working. 422 CURRENT_PASSWORD_WRONG "
     "counts like a failed login towards the lockout", status=204, request=schemas.PASSWORD_CHANGE,
     errors=(409, 429), tags=TAGS)
def change_password():
    request = current_request()
    me = session(request, Role.APPLICANT)
    command = ChangePassword.from_json(json_object(request, schemas.PASSWORD_CHANGE))
    service.change_password(bootstrap.deps(), me.account, me.session_id, command, source_ip(request), now())
    return Response(body="", status_code=204)


@account.route("/me/phone", methods=["POST"])
@bearer
@doc("Sign in with a new phone, proved by its change_phone code; the old number is told by SMS, every other "
     "session ends, this token keeps working. Answers the account's phone as /me shows it. 409 PHONE_TAKEN "
     "for another account's number", request=schemas.PHONE_CHANGE, response=schemas.ACCOUNT_PHONE,
     errors=(409,), tags=TAGS)
def change_phone():
    request = current_request()
    me = session(request, Role.APPLICANT)
    command = ChangePhone.from_json(json_object(request, schemas.PHONE_CHANGE))
    return views.account_phone(service.change_phone(bootstrap.deps(), me.account, me.session_id, command, now()))
