"""Auth routes: SMS codes, sign-up, login, password reset (SPEC §3 Auth)."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.domain.accounts import Role
from chalicelib.domain.commands import Login, RequestSmsCode, ResetPassword, Signup
from chalicelib.domain.credentials import SmsPurpose
from chalicelib.handlers import schemas
from chalicelib.handlers.guard import signed_in
from chalicelib.handlers.openapi import doc
from chalicelib.handlers.routing import current_request
from chalicelib.handlers.edge import json_object, now, source_ip
from chalicelib.services import auth as service

auth = Blueprint(__name__)


@auth.route("/auth/sms-codes", methods=["POST"])
@doc("Send a 6-digit SMS code for a purpose: signup, login, reset (sent only when the phone has an account), "
     "change_phone (needs a bearer token; phone is the new number). Without purpose it serves signup for a "
     "phone without an account and login for one with an account. The answer is the same either way",
     status=202, request=schemas.SMS_CODE_REQUEST, response=schemas.ACCEPTED, errors=(401, 422, 429),
     tags=("auth",))
def request_sms_code():
    request = current_request()
    command = RequestSmsCode.from_json(json_object(request, schemas.SMS_CODE_REQUEST))
    caller = signed_in(request, Role.APPLICANT) if command.purpose is SmsPurpose.CHANGE_PHONE else None
    service.request_sms_code(bootstrap.deps(), command, source_ip(request), now(), caller)
    return Response(body={"status": "sent"}, status_code=202)


@auth.route("/auth/password-reset", methods=["POST"])
@doc("Set a new password with a reset code; every earlier session ends. A phone without an account is "
     "refused like a wrong code (401 INVALID_CODE)", status=204, request=schemas.PASSWORD_RESET,
     errors=(401, 409, 422, 429), tags=("auth",))
def reset_password():
    request = current_request()
    command = ResetPassword.from_json(json_object(request, schemas.PASSWORD_RESET))
    service.reset_password(bootstrap.deps(), command, source_ip(request), now())
    return Response(body="", status_code=204)


@auth.route("/auth/signup", methods=["POST"])
@doc("Create an applicant account bound to one ID number", status=201, request=schemas.SIGNUP,
     response=schemas.TOKEN, errors=(401, 409, 422), tags=("auth",))
def signup():
    command = Signup.from_json(json_object(current_request(), schemas.SIGNUP))
    return Response(body=service.signup(bootstrap.deps(), command, now()), status_code=201)


@auth.route("/auth/login", methods=["POST"])
@doc("Log in: phone + password, phone + code, or staff username + password", request=schemas.LOGIN,
     response=schemas.TOKEN, errors=(401, 422, 429), tags=("auth",))
def login():
    request = current_request()
    command = Login.from_json(json_object(request, schemas.LOGIN))
    return service.login(bootstrap.deps(), command, source_ip(request), now())
