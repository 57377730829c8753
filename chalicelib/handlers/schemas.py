"""JSON Schemas of request and response bodies, for the OpenAPI document."""
from __future__ import annotations


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
PHONE = {"type": "string", "example": "13812345678"}

TOKEN = obj({"token": STR, "expires_in": INT, "role": {"type": "string", "enum": ["applicant", "reviewer", "admin"]}},
            ("token", "expires_in", "role"))
SMS_CODE_REQUEST = obj({"phone": PHONE, "purpose": {"type": "string", "enum": ["login", "signup"]}}, ("phone",))
ACCEPTED = obj({"status": STR}, ("status",))
SIGNUP = obj({"phone": PHONE, "code": STR, "name": STR, "id_number": STR, "password": STR},
             ("phone", "code", "name", "id_number", "password"))
LOGIN = obj({"phone": PHONE, "password": STR, "code": STR, "username": STR})

APPLICATION = obj({"application_id": STR, "type": STR, "status": STR, "window_year": INT, "fields": ANY_OBJ,
                   "materials": ANY_OBJ, "history": {"type": "array", "items": ANY_OBJ},
                   "review_rounds": {"type": "array", "items": ANY_OBJ}}, ("application_id", "status"), extra=True)
APPLICATION_PAGE = obj({"items": {"type": "array", "items": ANY_OBJ}, "cursor": NULLABLE_STR}, ("items", "cursor"))
CREATE_APPLICATION = obj({"type": {"type": "string", "enum": ["first", "renewal", "late", "reissue"]}}, ("type",))
ADDRESS = obj({"recipient": NULLABLE_STR, "phone": NULLABLE_STR, "address": NULLABLE_STR,
               "postal_code": NULLABLE_STR})
FIELDS = obj({"phone": NULLABLE_STR, "employer": NULLABLE_STR, "district": NULLABLE_STR,
              "education": NULLABLE_STR, "pickup_method": {"type": "string", "enum": ["mail", "electronic"],
                                                           "nullable": True},
              "mailing_address": {**ADDRESS, "nullable": True}, "reissue_reason": NULLABLE_STR,
              "declared_ce_hours": {"oneOf": [{"type": "string"}, {"type": "number"}], "nullable": True}})
UPLOAD = obj({"url": STR, "fields": {"type": "object", "additionalProperties": STR}, "max_bytes": INT,
              "expires_in": INT, "upload_id": STR}, ("url", "fields", "max_bytes"))
SUBMIT = obj({"declaration": BOOL}, ("declaration",))
MESSAGES = obj({"items": {"type": "array", "items": ANY_OBJ}, "cursor": NULLABLE_STR, "unread": INT},
               ("items", "unread"))
DECISION = obj({"outcome": {"type": "string", "enum": ["approve", "reject"]}, "opinion": NULLABLE_STR,
                "issues": {"type": "array", "items": obj({"item": STR, "note": STR}, ("item",))}}, ("outcome",))
CERTIFICATE = obj({"registration_no": STR, "status": {"type": "string", "enum": ["valid", "expired", "revoked"]},
                   "registration_year": INT, "valid_until": INT, "level": STR, "issued_at": STR,
                   "downloads": obj({"pdf": STR, "png": STR, "expires_in": INT})},
                  ("registration_no", "status", "registration_year", "valid_until"), extra=True)
CERTIFICATES = obj({"items": {"type": "array", "items": CERTIFICATE}}, ("items",))
VERIFICATION = obj({"registration_no": STR, "status": {"type": "string", "enum": ["valid", "expired", "revoked"]},
                    "name": STR, "level": STR, "registration_year": INT, "valid_until": INT},
                   ("registration_no", "status", "name", "level", "registration_year", "valid_until"), extra=True)
