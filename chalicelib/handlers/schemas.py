"""JSON Schemas of request and response bodies and path parameters, for the OpenAPI document
and for the edge (`edge.json_object`, `edge.edge`), which enforces the same limits.

Every string and list a client may send has a documented maximum (`maxLength`,
`maxItems`; SPEC §3): together with the 1 MB body cap and the 32-level nesting
cap, nothing a request schema accepts can outgrow a DynamoDB item (400 KB).
"""
from __future__ import annotations

from chalicelib.domain.credentials import PASSWORD_MAX_LENGTH
from chalicelib.domain.eligibility import ReissueReason
from chalicelib.domain.identity import NAME_MAX_LENGTH
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.review import MAX_ISSUES, NOTE_MAX_LENGTH, OPINION_MAX_LENGTH


def text(max_length: int, **extra) -> dict:
    """A string a client sends, at most `max_length` characters."""
    return {"type": "string", "maxLength": max_length, **extra}


def array(items: dict, max_items: int) -> dict:
    """A list a client sends, at most `max_items` long."""
    return {"type": "array", "items": items, "maxItems": max_items}


def obj(properties: dict, required: tuple[str, ...] = (), extra: bool = False) -> dict:
    schema = {"type": "object", "properties": properties, "additionalProperties": extra}
    if required:
        schema["required"] = list(required)
    return schema


STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
NULLABLE_STR = {"type": "string", "nullable": True}
ANY_OBJ = {"type": "object"}
PHONE = text(20, example="13812345678")  # 11 digits, written with spaces, hyphens or +86
SMS_CODE = text(16, example="123456")
PASSWORD = text(PASSWORD_MAX_LENGTH)
USERNAME = text(32)

TOKEN = obj({"token": STR, "expires_in": INT, "role": {"type": "string", "enum": ["applicant", "reviewer", "admin"]}},
            ("token", "expires_in", "role"))
SMS_CODE_REQUEST = obj({"phone": PHONE, "purpose": {"type": "string", "enum": ["login", "signup"]}}, ("phone",))
ACCEPTED = obj({"status": STR}, ("status",))
SIGNUP = obj({"phone": PHONE, "code": SMS_CODE, "name": text(NAME_MAX_LENGTH), "id_number": text(32),
              "password": PASSWORD},
             ("phone", "code", "name", "id_number", "password"))
LOGIN = obj({"phone": PHONE, "password": PASSWORD, "code": SMS_CODE, "username": USERNAME})

APPLICATION = obj({"application_id": STR, "type": STR, "status": STR, "window_year": INT, "fields": ANY_OBJ,
                   "materials": ANY_OBJ, "history": {"type": "array", "items": ANY_OBJ},
                   "review_rounds": {"type": "array", "items": ANY_OBJ}}, ("application_id", "status"), extra=True)
APPLICATION_PAGE = obj({"items": {"type": "array", "items": ANY_OBJ}, "cursor": NULLABLE_STR}, ("items", "cursor"))
CREATE_APPLICATION = obj({"type": {"type": "string", "enum": ["first", "renewal", "late", "reissue"]}}, ("type",))
# The form's limits are the domain's (chalicelib/domain/application_form.py `_parse_field`).
ADDRESS = obj({"recipient": text(50, nullable=True), "phone": text(20, nullable=True),
               "address": text(200, nullable=True), "postal_code": text(10, nullable=True)})
FIELDS = obj({"phone": text(20, nullable=True), "employer": text(100, nullable=True),
              "district": text(20, nullable=True), "education": text(30, nullable=True),
              "pickup_method": {"type": "string", "enum": ["mail", "electronic"], "nullable": True},
              "mailing_address": {**ADDRESS, "nullable": True},
              "reissue_reason": {"type": "string", "enum": [reason.value for reason in ReissueReason],
                                 "nullable": True},
              "declared_ce_hours": {"oneOf": [text(10), {"type": "number"}], "nullable": True}})
UPLOAD = obj({"url": STR, "fields": {"type": "object", "additionalProperties": STR}, "max_bytes": INT,
              "expires_in": INT, "upload_id": STR}, ("url", "fields", "max_bytes"))
SUBMIT = obj({"declaration": BOOL}, ("declaration",))
MESSAGES = obj({"items": {"type": "array", "items": ANY_OBJ}, "cursor": NULLABLE_STR, "unread": INT},
               ("items", "unread"))
# A review opinion ≤ 1,000 characters and ≤ 50 issues of ≤ 500: one round stays far below 400 KB.
DECISION = obj({"outcome": {"type": "string", "enum": ["approve", "reject"]},
                "opinion": text(OPINION_MAX_LENGTH, nullable=True),
                "issues": array(obj({"item": text(40), "note": text(NOTE_MAX_LENGTH, nullable=True)}, ("item",)),
                                MAX_ISSUES)},
               ("outcome",))
CERTIFICATE = obj({"registration_no": STR, "status": {"type": "string", "enum": ["valid", "expired", "revoked"]},
                   "registration_year": INT, "valid_until": INT, "level": STR, "issued_at": STR,
                   "downloads": obj({"pdf": STR, "png": STR, "expires_in": INT})},
                  ("registration_no", "status", "registration_year", "valid_until"), extra=True)
CERTIFICATES = obj({"items": {"type": "array", "items": CERTIFICATE}}, ("items",))
VERIFICATION = obj({"registration_no": STR, "status": {"type": "string", "enum": ["valid", "expired", "revoked"]},
                    "name": STR, "level": STR, "registration_year": INT, "valid_until": INT},
                   ("registration_no", "status", "name", "level", "registration_year", "valid_until"), extra=True)

# Path parameters, checked once at the edge (`edge.edge`): any other value is 404.
PATH_PARAMETERS: dict[str, dict] = {
    # services/applicant.py: uuid4().hex
    "application_id": {"type": "string", "pattern": "^[0-9a-f]{32}$", "example": "0123456789abcdef0123456789abcdef"},
    # domain/notifications.py `new_message_id`: 20260315T083000123456Z-0123456789ab
    "message_id": {"type": "string", "pattern": "^[0-9]{8}T[0-9]{12}Z-[0-9a-f]{12}$",
                   "example": "20260315T083000123456Z-0123456789ab"},
    "kind": {"type": "string", "enum": [kind.value for kind in MaterialKind], "example": "id_photo"},
    # issued BJ + year + sequence (domain/certificates.py); imported ones letters, digits and "-" (register.py)
    "registration_no": {"type": "string", "pattern": "^[A-Za-z0-9-]{1,40}$", "example": "BJ2026000001"},
}
