"""JSON Schemas of request and response bodies and path parameters, for the OpenAPI document
and for the edge (`edge.json_object`, `edge.edge`), which enforces the same limits.

Every string and list a client may send has a documented maximum (`maxLength`,
`maxItems`; SPEC §3): together with the 1 MB body cap and the 32-level nesting
cap, nothing a request schema accepts can outgrow a DynamoDB item (400 KB).
"""
from __future__ import annotations

from chalicelib.domain.certificates import CertificateStatus
from chalicelib.domain.corrections import NOTE_MAX_LENGTH as CORRECTION_NOTE_MAX_LENGTH
from chalicelib.domain.corrections import CorrectionField, CorrectionOutcome, CorrectionStatus
from chalicelib.domain.credentials import PASSWORD_MAX_LENGTH, SmsPurpose
from chalicelib.domain.eligibility import ReissueReason
from chalicelib.domain.identity import NAME_MAX_LENGTH
from chalicelib.domain.mailing import CARRIER_MAX_LENGTH as MAILING_CARRIER_MAX_LENGTH
from chalicelib.domain.mailing import NOTE_MAX_LENGTH as MAILING_NOTE_MAX_LENGTH
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.options import Education
from chalicelib.domain.reconsideration import REASON_MAX_LENGTH, ReconsiderationOutcome
from chalicelib.domain.review import MAX_ISSUES, NOTE_MAX_LENGTH, OPINION_MAX_LENGTH
from chalicelib.domain.staff_actions import NOTE_MAX_LENGTH as HELPDESK_NOTE_MAX_LENGTH
from chalicelib.domain.staff_actions import USERNAME_MAX_LENGTH as HELPDESK_USERNAME_MAX_LENGTH
from chalicelib.domain.verification import BATCH_MAX as VERIFY_BATCH_MAX
from chalicelib.domain.verification import NUMBER_MAX_LENGTH as VERIFY_NUMBER_MAX_LENGTH


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
SMS_CODE_REQUEST = obj({"phone": PHONE, "purpose": {"type": "string", "enum": [p.value for p in SmsPurpose]}},
                       ("phone",))
PASSWORD_RESET = obj({"phone": PHONE, "code": SMS_CODE, "new_password": PASSWORD}, ("phone", "code", "new_password"))
PASSWORD_CHANGE = obj({"current_password": PASSWORD, "new_password": PASSWORD}, ("current_password", "new_password"))
PHONE_CHANGE = obj({"new_phone": PHONE, "code": SMS_CODE}, ("new_phone", "code"))
ACCOUNT_PHONE = obj({"phone": STR}, ("phone",))
ACCEPTED = obj({"status": STR}, ("status",))
SIGNUP = obj({"phone": PHONE, "code": SMS_CODE, "name": text(NAME_MAX_LENGTH), "id_number": text(32),
              "password": PASSWORD},
             ("phone", "code", "name", "id_number", "password"))
LOGIN = obj({"phone": PHONE, "password": PASSWORD, "code": SMS_CODE, "username": USERNAME})

APPLICATION = obj({"application_id": STR, "type": STR, "status": STR, "window_year": INT, "fields": ANY_OBJ,
                   "materials": ANY_OBJ, "history": {"type": "array", "items": ANY_OBJ},
                   "review_rounds": {"type": "array", "items": ANY_OBJ}}, ("application_id", "status"), extra=True)
APPLICATION_PAGE = obj({"items": {"type": "array", "items": ANY_OBJ}, "cursor": NULLABLE_STR}, ("items", "cursor"))
# `acknowledge_warnings`: true is needed for a type whose eligibility carries warnings.
CREATE_APPLICATION = obj({"type": {"type": "string", "enum": ["first", "renewal", "late", "reissue"]},
                          "acknowledge_warnings": BOOL}, ("type",))
# The form's limits are the domain's (chalicelib/domain/application_form.py `_parse_field`).
ADDRESS = obj({"recipient": text(50, nullable=True), "phone": text(20, nullable=True),
               "address": text(200, nullable=True), "postal_code": text(10, nullable=True)})
FIELDS = obj({"phone": text(20, nullable=True), "employer": text(100, nullable=True),
              "district": text(20, nullable=True),
              "education": text(30, enum=[level.value for level in Education], nullable=True),
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
CERTIFICATE_STATUS = {"type": "string", "enum": [status.value for status in CertificateStatus]}
# A mailed paper certificate's progress, as the holder sees it beside the e-certificate.
MAILING_SUMMARY_FIELDS = obj({"state": {"type": "string", "enum": ["to_print", "printed", "shipped", "delivered",
                                                                   "returned"]},
                              "state_name": STR, "carrier": NULLABLE_STR, "tracking_no": NULLABLE_STR,
                              "shipped_at": NULLABLE_STR},
                             ("state", "state_name", "carrier", "tracking_no", "shipped_at"))
# A replaced certificate (a reissue replaced it) names its successor and has no downloads.
RECONSIDERATION_REQUEST = obj({"reason": text(REASON_MAX_LENGTH)}, ("reason",))
RECONSIDERATION_DECISION = obj({"outcome": {"type": "string", "enum": [o.value for o in ReconsiderationOutcome]},
                                "opinion": text(OPINION_MAX_LENGTH)}, ("outcome", "opinion"))
CERTIFICATE = obj({"registration_no": STR, "status": CERTIFICATE_STATUS,
                   "registration_year": INT, "valid_until": INT, "level": STR, "issued_at": STR,
                   "replaced_by": NULLABLE_STR, "replaced_at": NULLABLE_STR,
                   "downloads": obj({"pdf": STR, "png": STR, "expires_in": INT}),
                   # null when the application chose electronic pickup (domain/mailing.py)
                   "mailing": {**MAILING_SUMMARY_FIELDS, "nullable": True}},
                  ("registration_no", "status", "registration_year", "valid_until"), extra=True)
CERTIFICATES = obj({"items": {"type": "array", "items": CERTIFICATE}}, ("items",))
# Verification (domain/verification.py): without the code only the status; with the right code
# the masked name, level and validity; a paper-era registration its years, never a name or level.
VERIFICATION = obj({"registration_no": STR, "status": CERTIFICATE_STATUS, "status_text": STR, "valid": BOOL,
                    "paper": BOOL, "verified_code": BOOL, "name": STR, "level": STR, "level_name": STR,
                    "registration_year": INT, "valid_until": INT, "issuing_authority": STR},
                   ("registration_no", "status", "status_text", "valid", "paper"))
VERIFY_BATCH = obj({"registration_nos": array(text(VERIFY_NUMBER_MAX_LENGTH), VERIFY_BATCH_MAX)},
                   ("registration_nos",))
NULLABLE_INT = {"type": "integer", "nullable": True}
VERIFICATION_ROW = obj({"registration_no": STR,
                        "status": {"type": "string", "enum": [*CERTIFICATE_STATUS["enum"], "unknown"]},
                        "status_text": STR, "name": NULLABLE_STR, "level": NULLABLE_STR, "level_name": NULLABLE_STR,
                        "valid_until": NULLABLE_INT, "paper": BOOL},
                       ("registration_no", "status", "status_text", "name", "level", "level_name", "valid_until",
                        "paper"))
VERIFICATION_BATCH = obj({"items": {"type": "array", "items": VERIFICATION_ROW}}, ("items",))
OPTION = obj({"value": STR, "label": STR}, ("value", "label"))
OPTIONS = obj({"districts": {"type": "array", "items": OPTION}, "education": {"type": "array", "items": OPTION}},
              ("districts", "education"))
# CE hours of the current cycle (since the end of the last registration year) against the level's need.
CE_PROGRESS = obj({"hours": STR, "required": INT, "cycle_start_year": {"type": "integer", "nullable": True},
                   "display": STR, "note": STR}, ("hours", "required", "cycle_start_year", "display"))
PROFILE = obj({"phone": STR, "in_register": BOOL, "id_number_masked": STR, "ce": CE_PROGRESS}, ("in_register",),
              extra=True)
# Each type's `warnings` (Chinese) and `warning_codes`: creating a warned type needs acknowledge_warnings.
TYPE_VERDICT = obj({"type": STR, "eligible": BOOL, "reason": STR, "warnings": {"type": "array", "items": STR},
                    "warning_codes": {"type": "array", "items": STR}},
                   ("type", "eligible", "reason", "warnings"), extra=True)
ELIGIBILITY = obj({"window": {**ANY_OBJ, "nullable": True}, "in_register": BOOL,
                   "types": {"type": "array", "items": TYPE_VERDICT}}, ("types",), extra=True)

# Path parameters, checked once at the edge (`edge.edge`): any other value is 404.
# Correction requests (反馈): a value is a register column as text (a year may be a number); a
# registration is its year and number. Limits are the import's (domain/register.py, identity.py).
CORRECTION_REGISTRATION = obj({"registration_year": {"oneOf": [text(4), INT]}, "registration_no": text(40)})
CORRECTION_REQUEST = obj({"field": {"type": "string", "enum": [f.value for f in CorrectionField]},
                          "proposed_value": {"oneOf": [text(NAME_MAX_LENGTH), INT, CORRECTION_REGISTRATION]},
                          "note": text(CORRECTION_NOTE_MAX_LENGTH, nullable=True)},
                         ("field", "proposed_value"))
CORRECTION = obj({"correction_id": STR, "field": STR, "field_label": STR, "proposed_value": {},
                  "current_value": {"nullable": True}, "note": STR,
                  "status": {"type": "string", "enum": [s.value for s in CorrectionStatus]}, "status_text": STR,
                  "created_at": STR, "evidence": {**ANY_OBJ, "nullable": True},
                  "decision": {**ANY_OBJ, "nullable": True}},
                 ("correction_id", "field", "status"), extra=True)
CORRECTION_PAGE = obj({"items": {"type": "array", "items": CORRECTION}, "cursor": NULLABLE_STR}, ("items", "cursor"))
CORRECTION_DECISION = obj({"outcome": {"type": "string", "enum": [o.value for o in CorrectionOutcome]},
                           "note": text(CORRECTION_NOTE_MAX_LENGTH, nullable=True)}, ("outcome",))

# Staff actions (domain/staff_actions.py): release, reassign, reopen; disable, enable, unbind an account.
REASSIGN = obj({"reviewer": text(HELPDESK_USERNAME_MAX_LENGTH)}, ("reviewer",))
REOPEN = obj({"note": text(HELPDESK_NOTE_MAX_LENGTH),
              "fix_until": text(40, example="2026-05-10T18:00:00+08:00")}, ("note", "fix_until"))
ACCOUNT_ACTION = obj({"note": text(HELPDESK_NOTE_MAX_LENGTH)}, ("note",))
ACCOUNT_STATE = obj({"account_id": STR, "role": STR, "disabled": BOOL, "unbound": BOOL},
                    ("account_id", "role", "disabled", "unbound"))

# Mailing paper certificates (domain/mailing.py): the admins' list and actions.
MAILING_STATE = MAILING_SUMMARY_FIELDS["properties"]["state"]
MAILING = obj({"registration_no": STR, "window_year": INT, "level": STR, "level_name": STR, "recipient": STR,
               "phone": STR, "address": STR, "postal_code": STR, "state": MAILING_STATE, "state_name": STR,
               "carrier": NULLABLE_STR, "tracking_no": NULLABLE_STR, "shipped_at": NULLABLE_STR,
               "history": {"type": "array", "items": ANY_OBJ}},
              ("registration_no", "state", "state_name", "history"), extra=True)
MAILING_PAGE = obj({"items": {"type": "array", "items": MAILING}, "cursor": NULLABLE_STR}, ("items", "cursor"))
MAILING_SHIPMENT = obj({"carrier": text(MAILING_CARRIER_MAX_LENGTH), "tracking_no": text(30)},
                       ("carrier", "tracking_no"))
MAILING_RETURNED = obj({"note": text(MAILING_NOTE_MAX_LENGTH)}, ("note",))
MAILING_DELIVERED = obj({"note": text(MAILING_NOTE_MAX_LENGTH, nullable=True)})

PATH_PARAMETERS: dict[str, dict] = {
    # chalicelib/adapters/clock.py UuidIds: uuid4().hex
    "correction_id": {"type": "string", "pattern": "^[0-9a-f]{32}$", "example": "0123456789abcdef0123456789abcdef"},
    # services/applicant.py: uuid4().hex
    "application_id": {"type": "string", "pattern": "^[0-9a-f]{32}$", "example": "0123456789abcdef0123456789abcdef"},
    # services/auth.py, services/staff.py: deps.ids.new_id() (uuid4().hex)
    "account_id": {"type": "string", "pattern": "^[0-9a-f]{32}$", "example": "0123456789abcdef0123456789abcdef"},
    # domain/notifications.py `new_message_id`: 20260315T083000123456Z-0123456789ab
    "message_id": {"type": "string", "pattern": "^[0-9]{8}T[0-9]{12}Z-[0-9a-f]{12}$",
                   "example": "20260315T083000123456Z-0123456789ab"},
    "kind": {"type": "string", "enum": [kind.value for kind in MaterialKind], "example": "id_photo"},
    # issued BJ + year + sequence (domain/certificates.py); imported ones letters, digits and "-" (register.py)
    "registration_no": {"type": "string", "pattern": "^[A-Za-z0-9-]{1,40}$", "example": "BJ2026000001"},
}
