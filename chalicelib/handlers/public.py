"""Public routes: health, the registration guide, the form's option lists, certificate verification
and the API description."""
from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.domain import options as form_options
from chalicelib.domain.guide import guide_for_year
from chalicelib.domain.verification import CODE_MAX_LENGTH, VerifyBatch
from chalicelib.domain.windows import SHANGHAI
from chalicelib.handlers.openapi import doc, document
from chalicelib.handlers.routing import current_request, served
from chalicelib.handlers import schemas
from chalicelib.handlers import verification_views
from chalicelib.handlers.edge import json_object, now, source_ip
from chalicelib.services import verification
from chalicelib.services import health as health_service

public = Blueprint(__name__)

VERIFY_QUERY = {"code": {"type": "string", "maxLength": CODE_MAX_LENGTH, "example": "ABCD-EFGH"}}
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
@doc("Is this registration number a genuine, valid certificate? Without `code` only the status; with the "
     "code printed under the e-certificate's QR also the masked name, level and validity (a wrong code: 422 "
     "VERIFICATION_CODE_WRONG). A paper-era registration from the old register: its status and years, "
     "`paper: true`", response=schemas.VERIFICATION, query=VERIFY_QUERY, errors=(404, 422, 429), tags=("public",))
def verify(registration_no):
    request = current_request()
    code = (request.query_params or {}).get("code") or None
    answer = verification.verify(bootstrap.deps(), registration_no, code, source_ip(request), now())
    return verification_views.verification(answer)


@public.route("/verify/batch", methods=["POST"])
@doc("Verify up to 100 registration numbers at once (employers): each one's status (valid, expired, revoked, "
     "replaced or unknown), masked name, level and validity, in the order asked. JSON, or with "
     "`Accept: text/csv` the same rows as a UTF-8 CSV download (BOM, Chinese header). Rate limited per address",
     request=schemas.VERIFY_BATCH, response=schemas.VERIFICATION_BATCH, media={"text/csv": {"type": "string"}},
     errors=(429,), tags=("public",))
def verify_batch():
    request = current_request()
    command = VerifyBatch.from_json(json_object(request, schemas.VERIFY_BATCH))
    at = now()
    answers = verification.verify_batch(bootstrap.deps(), command, source_ip(request), at)
    if verification_views.wants_csv(request.headers.get("accept")):
        return verification_views.batch_csv(answers, at)
    return {"items": [verification_views.batch_item(found) for found in answers]}


@public.route("/openapi.json", methods=["GET"])
@doc("This OpenAPI 3 document", tags=("public",))
def openapi():
    return document(served())
