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
from chalicelib.domain.credentials import SmsPurpose
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.identity import normalize_name, parse_id_number, parse_mobile
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
                                      ("id_number", parse_id_number),
                                      ("password", credentials.check_password_policy),
                                      ("code", credentials.parse_sms_code))}
        problems.raise_any("SIGNUP_INVALID", lone_keeps_its_code=False)
        return cls(**values)


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


def _login_password(raw: Any) -> str:
    """Only present and not over-long: a login is checked against the stored hash, not the policy."""
    if not isinstance(raw, str) or not raw:
        raise ValidationError(code="LOGIN_INVALID", details={"password": texts.reason("PASSWORD_REQUIRED")})
    if len(raw) > credentials.PASSWORD_MAX_LENGTH:
        raise ValidationError(code="LOGIN_INVALID",
                              details={"password": texts.reason("PASSWORD_TOO_LONG",
                                                                max_length=credentials.PASSWORD_MAX_LENGTH)})
    return raw


# --- applicant ----------------------------------------------------------------------------

@dataclass(frozen=True)
class CreateApplication:
    """Start a draft of `type` in the open window."""

    type: RegistrationType

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> CreateApplication:
        try:
            return cls(RegistrationType(_body(body).get("type")))
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
