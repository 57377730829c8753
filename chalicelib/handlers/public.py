"""Public routes: health, the registration guide, the form's option lists, certificate verification
and the API description."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.domain import options as form_options
from chalicelib.domain.guide import guide_for_year
from chalicelib.domain.windows import SHANGHAI
from chalicelib.handlers.openapi import doc, document
from chalicelib.handlers.routing import current_request, served
from chalicelib.handlers import schemas
from chalicelib.handlers.edge import now, source_ip
from chalicelib.services import certificates
from chalicelib.services import health as health_service

public = Blueprint(__name__)

_HEALTH = {"type": "object", "required": ["status", "checks"], "properties": {
    "status": {"type": "string", "enum": ["ok", "degraded"]},
    "checks": {"type": "object", "additionalProperties": {"type": "string"}}}}


@public.route("/health", methods=["GET"])
@doc("Liveness and reachability of DynamoDB and S3 (503 naming the failing part)",
     response=_HEALTH, tags=("public",))
def health():
    checks = health_service.check(bootstrap.deps())
    healthy = all(state == "ok" for state in checks.values())
    return Response(body={"status": "ok" if healthy else "degraded", "checks": checks},
                    status_code=200 if healthy else 503)


@public.route("/guide", methods=["GET"])
@doc("The registration guide: steps, the four types, materials and photo rules, FAQ, contacts",
     tags=("public",))
def guide():
    return guide_for_year(now().astimezone(SHANGHAI).year)


@public.route("/options", methods=["GET"])
@doc("The form's choices: Beijing's 16 districts and the education levels, each {value, label}; "
     "the form accepts exactly these values", response=schemas.OPTIONS, tags=("public",))
def options():
    return {"districts": [option._asdict() for option in form_options.districts()],
            "education": [option._asdict() for option in form_options.education_levels()]}


@public.route("/verify/{registration_no}", methods=["GET"])
@doc("Is this e-certificate genuine and valid? Status, level, years and a masked name only",
     response=schemas.VERIFICATION, errors=(404, 429), tags=("public",))
def verify(registration_no):
    return certificates.verify(bootstrap.deps(), registration_no, source_ip(current_request()), now())


@public.route("/openapi.json", methods=["GET"])
@doc("This OpenAPI 3 document", tags=("public",))
def openapi():
    return document(served())
