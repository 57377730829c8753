"""Commands: what a request asks for, as frozen typed values the services take (never a request dict).

Each command's `from_json` (or `from_query`) turns the body the edge has already
size-checked (`handlers/edge.json_object`) into the command, or raises one
ValidationError naming every bad field at once. A single bad field keeps the error
its parser raises (code and reason); several are merged under the command's code.
Rules that need stored state (the form's fields against the application, a
rejection's issues against its materials, the declaration against what is
missing) stay with the domain objects, which name those problems together.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping, Sequence, TypeVar

from chalicelib.domain import credentials, texts
from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.corrections import CorrectionField, CorrectionOutcome, CorrectionStatus
from chalicelib.domain.corrections import parse_note as parse_correction_note
from chalicelib.domain.credentials import SmsPurpose
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.identity import normalize_name, parse_id_number, parse_mobile
from chalicelib.domain.reconsideration import ReconsiderationOutcome, clean_reason, parse_outcome
from chalicelib.domain.review import clean_opinion

T = TypeVar("T")

# What a reviewer works on (SPEC §3): a draft is the applicant's own business, an expired
# application nobody's; neither is ever listed to staff.
REVIEWABLE = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.APPROVED,
              ApplicationStatus.REJECTED, ApplicationStatus.CERTIFIED)


class _Problems:
    """Collects the ValidationErrors of a command's fields, then raises them as one."""

    def __init__(self) -> None:
        self.errors: list[ValidationError] = []

    def take(self, parse: Callable[[Any], T], raw: Any) -> T | None:
        try:
            return parse(raw)
        except ValidationError as exc:
            self.errors.append(exc)
            return None

    def refuse(self, code: str, field_name: str, reason: str) -> None:
        self.errors.append(ValidationError(code=code, details={field_name: reason}))

    def raise_any(self, code: str, *, lone_keeps_its_code: bool = True) -> None:
        """Nothing when every field parsed. One bad field: its own error (unless
        `lone_keeps_its_code` is False). Several: one ValidationError `code` with every reason."""
        if not self.errors:
            return
        if len(self.errors) == 1 and lone_keeps_its_code:
            raise self.errors[0]
        details: dict[str, Any] = {}
        for error in self.errors:
            details.update(error.details)
        raise ValidationError(code=code, details=details)


def _body(raw: Any) -> Mapping[str, Any]:
    return raw if isinstance(raw, Mapping) else {}


# --- auth ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RequestSmsCode:
    """Send a code to `phone`; without `purpose` the service picks signup or login."""

    phone: str = field(repr=False)
    purpose: SmsPurpose | None = None

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> RequestSmsCode:
        body, problems = _body(body), _Problems()
        phone = problems.take(parse_mobile, body.get("phone"))
        purpose = problems.take(credentials.parse_sms_purpose, body.get("purpose"))
        problems.raise_any("SMS_CODE_REQUEST_INVALID")
        return cls(phone, purpose)


@dataclass(frozen=True)
class Signup:
    """A new applicant account: the phone's code proves the phone, the ID number binds the person."""

    phone: str = field(repr=False)  # personal data stays out of logs and tracebacks
    code: str = field(repr=False)
    name: str = field(repr=False)
    id_number: str = field(repr=False)
    password: str = field(repr=False)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Signup:
        body, problems = _body(body), _Problems()
        values = {name: problems.take(parse, body.get(name))
                  for name, parse in (("phone", parse_mobile), ("name", normalize_name),
                                      ("id_number", parse_id_number), ("code", credentials.parse_sms_code))}
        values["password"] = problems.take(lambda raw: credentials.check_password_policy(
            raw, phone=values["phone"], id_number=values["id_number"]), body.get("password"))
        problems.raise_any("SIGNUP_INVALID", lone_keeps_its_code=False)
        return cls(**values)


@dataclass(frozen=True)
class ResetPassword:
    """A forgotten password: the phone's `reset` code proves the phone. The new password is held to
    the rules the request alone can check (the phone); the service checks the ID number once the
    code is proved."""

    phone: str = field(repr=False)
    code: str = field(repr=False)
    new_password: str = field(repr=False)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> ResetPassword:
        body, problems = _body(body), _Problems()
        phone = problems.take(parse_mobile, body.get("phone"))
        code = problems.take(credentials.parse_sms_code, body.get("code"))
        password = problems.take(lambda raw: _new_password(raw, phone=phone), body.get("new_password"))
        problems.raise_any("PASSWORD_RESET_INVALID")  # a lone weak password: PASSWORD_POLICY, stating the rule
        return cls(phone, code, password)


@dataclass(frozen=True)
class ChangePassword:
    """A signed-in applicant's new password; the service checks it against the account's phone and
    ID number (the rules) and `current_password` against the stored hash."""

    current_password: str = field(repr=False)
    new_password: str = field(repr=False)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> ChangePassword:
        body, problems = _body(body), _Problems()
        current = problems.take(lambda raw: _login_password(raw, field_name="current_password",
                                                            code="PASSWORD_CHANGE_INVALID"),
                                body.get("current_password"))
        password = problems.take(_new_password, body.get("new_password"))
        problems.raise_any("PASSWORD_CHANGE_INVALID")  # a lone weak password: PASSWORD_POLICY, stating the rule
        return cls(current, password)


@dataclass(frozen=True)
class ChangePhone:
    """Sign in with `new_phone` from now on; `code` is the `change_phone` code sent to it."""

    new_phone: str = field(repr=False)
    code: str = field(repr=False)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> ChangePhone:
        body, problems = _body(body), _Problems()
        phone = problems.take(lambda raw: parse_mobile(raw, field="new_phone"), body.get("new_phone"))
        code = problems.take(credentials.parse_sms_code, body.get("code"))
        problems.raise_any("PHONE_CHANGE_INVALID", lone_keeps_its_code=False)
        return cls(phone, code)


def _new_password(raw: Any, *, phone: str | None = None) -> str:
    return credentials.check_password_policy(raw, phone=phone, field="new_password")


@dataclass(frozen=True)
class Login:
    """One of: staff `username` + `password`; `phone` + `code`; `phone` + `password`."""

    phone: str | None = field(default=None, repr=False)
    username: str | None = None  # trimmed and lower-cased, as staff logins are stored
    code: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Login:
        body, problems = _body(body), _Problems()
        if body.get("username") is not None:
            username = body.get("username")
            if not isinstance(username, str) or not username.strip():
                problems.refuse("LOGIN_INVALID", "username", texts.reason("USERNAME_REQUIRED"))
            password = problems.take(_login_password, body.get("password"))
            problems.raise_any("LOGIN_INVALID")
            return cls(username=username.strip().lower(), password=password)
        phone = problems.take(parse_mobile, body.get("phone"))
        if body.get("code") is not None:
            code = problems.take(credentials.parse_sms_code, body.get("code"))
            problems.raise_any("LOGIN_INVALID")
            return cls(phone=phone, code=code)
        password = problems.take(_login_password, body.get("password"))
        problems.raise_any("LOGIN_INVALID")
        return cls(phone=phone, password=password)


def _login_password(raw: Any, *, field_name: str = "password", code: str = "LOGIN_INVALID") -> str:
    """Only present and not over-long: a login is checked against the stored hash, not the policy."""
    if not isinstance(raw, str) or not raw:
        raise ValidationError(code=code, details={field_name: texts.reason("PASSWORD_REQUIRED")})
    if len(raw) > credentials.PASSWORD_MAX_LENGTH:
        raise ValidationError(code=code,
                              details={field_name: texts.reason("PASSWORD_TOO_LONG",
                                                                max_length=credentials.PASSWORD_MAX_LENGTH)})
    return raw


# --- applicant ----------------------------------------------------------------------------

@dataclass(frozen=True)
class CreateApplication:
    """Start a draft of `type` in the open window; `acknowledge_warnings` accepts the type's
    eligibility warnings (absent is false; anything but a JSON boolean is refused)."""

    type: RegistrationType
    acknowledge_warnings: bool = False

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> CreateApplication:
        body, problems = _body(body), _Problems()
        kind = problems.take(_registration_type, body.get("type"))
        acknowledge = body.get("acknowledge_warnings", False)
        if not isinstance(acknowledge, bool):
            problems.refuse("CREATE_APPLICATION_INVALID", "acknowledge_warnings",
                            texts.reason("ACKNOWLEDGE_NOT_BOOLEAN"))
        problems.raise_any("CREATE_APPLICATION_INVALID")
        return cls(kind, acknowledge)


def _registration_type(raw: Any) -> RegistrationType:
    try:
        return RegistrationType(raw)
    except ValueError:
        raise ValidationError(details={"type": texts.reason("TYPE_UNKNOWN")}) from None


@dataclass(frozen=True)
class SaveDraft:
    """A partial save of the form, field name → value as sent (None or "" clears). The form
    itself names unknown, read-only and bad fields together (`Application.update_fields`):
    which are bad depends on the application, and a closed draft answers 409 before any."""

    changes: Mapping[str, Any]

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> SaveDraft:
        return cls(MappingProxyType(dict(_body(body))))


@dataclass(frozen=True)
class Submit:
    """Submit for review; only a literal `true` declaration counts as ticked."""

    declaration: bool

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Submit:
        return cls(_body(body).get("declaration") is True)


# --- review -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Decision:
    """Approve or reject. `issues` stay as sent: whether an item names a field or material of
    the application is checked by `Application.reject`, with the opinion."""

    outcome: str  # "approve" or "reject"
    opinion: str | None = None
    issues: tuple[Any, ...] = ()

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Decision:
        body, problems = _body(body), _Problems()
        outcome = body.get("outcome")
        if outcome not in ("approve", "reject"):
            problems.refuse("DECISION_INVALID", "outcome", texts.reason("DECISION_OUTCOME_UNKNOWN"))
        issues = body.get("issues") or []
        if not isinstance(issues, list):
            problems.refuse("DECISION_INVALID", "issues", texts.reason("DECISION_ISSUES_NOT_A_LIST"))
            issues = []
        opinion = body.get("opinion")
        if opinion is not None and not isinstance(opinion, str):
            problems.take(clean_opinion, opinion)
        problems.raise_any("DECISION_INVALID")
        return cls(outcome, opinion, tuple(issues))


@dataclass(frozen=True)
class RequestReconsideration:
    """Ask for reconsideration (复核) of a rejection, with the applicant's reason (cleaned, capped)."""

    reason: str

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> RequestReconsideration:
        problems = _Problems()
        reason = problems.take(clean_reason, _body(body).get("reason"))
        problems.raise_any("RECONSIDERATION_INVALID", lone_keeps_its_code=False)
        return cls(reason)


@dataclass(frozen=True)
class ReconsiderationDecision:
    """A second reviewer's decision on a reconsideration: uphold, overturn or reopen, with an opinion."""

    outcome: ReconsiderationOutcome
    opinion: str

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> ReconsiderationDecision:
        body, problems = _body(body), _Problems()
        outcome = problems.take(parse_outcome, body.get("outcome"))
        opinion = problems.take(clean_opinion, body.get("opinion"))
        problems.raise_any("RECONSIDERATION_DECISION_INVALID", lone_keeps_its_code=False)
        return cls(outcome, opinion)


def _choice(raw: Any, allowed: Sequence, name: str, problems: _Problems, default=None):
    """One of `allowed` (enum members) by value; absent or empty is `default`."""
    if raw in (None, ""):
        return default
    chosen = next((member for member in allowed if member.value == raw), None)
    if chosen is None:
        choices = "、".join(member.value for member in allowed)
        problems.refuse("REVIEW_QUERY_INVALID", name, texts.reason("QUERY_CHOICE", name=name, choices=choices))
    return chosen or default


def _window(raw: Any) -> int | None:
    """`?window=`: a four-digit year; None when absent (the service then takes this year in Beijing)."""
    if raw in (None, ""):
        return None
    if not (isinstance(raw, str) and len(raw) == 4 and raw.isascii() and raw.isdigit() and raw[0] != "0"):
        raise ValidationError(code="REVIEW_QUERY_INVALID", details={"window": texts.reason("QUERY_WINDOW")})
    return int(raw)


@dataclass(frozen=True)
class QueueQuery:
    """The review queue's filters (`?window=&status=&type=`); status defaults to submitted."""

    window: int | None = None
    status: ApplicationStatus = ApplicationStatus.SUBMITTED
    type: RegistrationType | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> QueueQuery:
        query, problems = _body(query), _Problems()
        window = problems.take(_window, query.get("window"))
        status = _choice(query.get("status"), REVIEWABLE, "status", problems, ApplicationStatus.SUBMITTED)
        kind = _choice(query.get("type"), tuple(RegistrationType), "type", problems)
        problems.raise_any("REVIEW_QUERY_INVALID")
        return cls(window, status, kind)


@dataclass(frozen=True)
class StatsQuery:
    """The window (`?window=`) the review counts are for; None for this year in Beijing."""

    window: int | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> StatsQuery:
        return cls(_window(_body(query).get("window")))


# --- correction requests (反馈) -----------------------------------------------------------

@dataclass(frozen=True)
class RequestCorrection:
    """Ask for `field` of my register row to hold `proposed_value`. The value stays as sent: it is
    checked against the row it would change (`corrections.parse_proposal`), with the import's parsers."""

    field: CorrectionField
    proposed_value: Any = field(repr=False)
    note: str = field(default="", repr=False)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> RequestCorrection:
        body, problems = _body(body), _Problems()
        chosen = next((member for member in CorrectionField if member.value == body.get("field")), None)
        if chosen is None:
            problems.refuse("CORRECTION_INVALID", "field", texts.reason(
                "CORRECTION_FIELD_UNKNOWN", choices="、".join(member.value for member in CorrectionField)))
        proposed = body.get("proposed_value")
        if proposed is None or proposed == "":
            problems.refuse("CORRECTION_INVALID", "proposed_value", texts.reason(
                "REQUIRED", label=chosen.label if chosen else texts.CORRECTION_FIELD_LABELS["registration"]))
        note = problems.take(parse_correction_note, body.get("note"))
        problems.raise_any("CORRECTION_INVALID", lone_keeps_its_code=False)
        return cls(chosen, proposed, note)


@dataclass(frozen=True)
class CorrectionDecision:
    """An admin's decision on a correction request: accept or decline, with a note (required to decline)."""

    outcome: CorrectionOutcome
    note: str = ""

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> CorrectionDecision:
        body, problems = _body(body), _Problems()
        outcome = next((member for member in CorrectionOutcome if member.value == body.get("outcome")), None)
        if outcome is None:
            problems.refuse("CORRECTION_DECISION_INVALID", "outcome", texts.reason("CORRECTION_OUTCOME_UNKNOWN"))
        note = problems.take(parse_correction_note, body.get("note"))
        problems.raise_any("CORRECTION_DECISION_INVALID", lone_keeps_its_code=False)
        return cls(outcome, note)


@dataclass(frozen=True)
class CorrectionQuery:
    """The admins' list of correction requests (`?status=`); open ones unless told otherwise."""

    status: CorrectionStatus = CorrectionStatus.OPEN

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> CorrectionQuery:
        raw = _body(query).get("status")
        if raw in (None, ""):
            return cls()
        chosen = next((member for member in CorrectionStatus if member.value == raw), None)
        if chosen is None:
            raise ValidationError(code="CORRECTION_QUERY_INVALID",
                                  details={"status": texts.reason("CORRECTION_STATUS_UNKNOWN")})
        return cls(chosen)
