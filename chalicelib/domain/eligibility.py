"""Which of the four registration types a practitioner may apply for in a window year, and why.

SPEC §2.3, for window year Y, qualification year Q and last registration
year L (the latest registration of year ≤ Y; none if never registered):

- first   (首登记): never registered and Q = Y−1.
- renewal (再登记): L = Y−3.
- late    (补登记): L < Y−3.
- reissue (补证):   (a) never registered and Q ≤ Y−2 — reason `never_registered`;
                    (b) L+3 ≥ Y, only if the certificate was lost or damaged.

CE hours (decision): renewal and late stay eligible when the recorded hours
since L fall short of the level's hours; the applicant then declares the
missing hours and `ce_proof` becomes required (reason codes `*_CE_SHORT`).
Every verdict, yes or no, carries a Chinese sentence for the applicant
(`texts.ELIGIBILITY_REASONS`, keyed by the reason code).

Warnings (SPEC §2.9): an eligible type may carry warnings when choosing it would
hurt the applicant; starting an application of it then needs the applicant's
acknowledgement (`TypeVerdict.require_acknowledged`). The one case: 补证 (b)
while a renewal is due — a reissue keeps the old validity, so the registration
still runs out this year and the year's one application is spent on it. (Late
and reissue (b) are never both eligible: late needs L < Y−3, reissue (b) L ≥ Y−3.)
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Iterable

from chalicelib.domain import texts
from chalicelib.domain.errors import RuleViolationError
from chalicelib.domain.levels import valid_until
from chalicelib.domain.materials import BASE_MATERIALS, MaterialKind
from chalicelib.domain.register import CeRecord, Practitioner, Registration, ce_hours_between, format_hours
from chalicelib.domain.windows import Window


class RegistrationType(StrEnum):
    FIRST = "first"
    RENEWAL = "renewal"
    LATE = "late"
    REISSUE = "reissue"

    @property
    def chinese(self) -> str:
        return _TYPE_CHINESE[self]


_TYPE_CHINESE = {RegistrationType.FIRST: "首登记", RegistrationType.RENEWAL: "再登记",
                 RegistrationType.LATE: "补登记", RegistrationType.REISSUE: "补证"}


class PickupMethod(StrEnum):
    MAIL = "mail"
    ELECTRONIC = "electronic"

    @property
    def chinese(self) -> str:
        return "邮寄" if self is PickupMethod.MAIL else "电子证"


class ReissueReason(StrEnum):
    NEVER_REGISTERED = "never_registered"
    LOST = "lost"
    DAMAGED = "damaged"

    @property
    def chinese(self) -> str:
        return _REISSUE_CHINESE[self]


_REISSUE_CHINESE = {ReissueReason.NEVER_REGISTERED: "取得证书后从未登记",
                    ReissueReason.LOST: "登记证书遗失", ReissueReason.DAMAGED: "登记证书损坏"}

DEFAULT_PICKUP = {RegistrationType.FIRST: PickupMethod.MAIL, RegistrationType.RENEWAL: PickupMethod.ELECTRONIC,
                   RegistrationType.LATE: PickupMethod.ELECTRONIC, RegistrationType.REISSUE: PickupMethod.MAIL}


@dataclass(frozen=True)
class TypeWarning:
    """Why choosing a type would hurt the applicant: a stable code and its sentence."""

    code: str
    message: str


@dataclass(frozen=True)
class TypeVerdict:
    """Whether one type applies, why (code for clients, sentence for the applicant), and what it needs."""

    type: RegistrationType
    eligible: bool
    reason_code: str
    reason: str
    required_materials: tuple[MaterialKind, ...]
    optional_materials: tuple[MaterialKind, ...]
    default_pickup: PickupMethod
    ce_hours_on_record: Decimal | None = None
    ce_hours_required: int | None = None
    last_registration_year: int | None = None
    warnings: tuple[TypeWarning, ...] = ()

    def require_acknowledged(self, acknowledged: bool) -> None:
        """Raises RuleViolationError WARNING_NOT_ACKNOWLEDGED, quoting every warning, when this
        type carries warnings and the applicant has not acknowledged them."""
        if self.warnings and acknowledged is not True:
            said = "".join(w.message for w in self.warnings)
            raise RuleViolationError(code="WARNING_NOT_ACKNOWLEDGED", warnings=said,
                                     details={"acknowledge_warnings": said})

    @property
    def hours_summary(self) -> str | None:
        """"58 / 72 h" when both sides are known."""
        if self.ce_hours_on_record is None or self.ce_hours_required is None:
            return None
        return f"{format_hours(self.ce_hours_on_record)} / {self.ce_hours_required} h"

    @property
    def ce_short(self) -> bool:
        return (self.ce_hours_on_record is not None and self.ce_hours_required is not None
                and self.ce_hours_on_record < self.ce_hours_required)


@dataclass(frozen=True)
class Eligibility:
    """All four verdicts for one practitioner and window year, in the order first, renewal, late, reissue."""

    year: int
    verdicts: tuple[TypeVerdict, ...]

    def verdict(self, type: RegistrationType) -> TypeVerdict:
        return next(v for v in self.verdicts if v.type is RegistrationType(type))

    @property
    def eligible_types(self) -> tuple[RegistrationType, ...]:
        return tuple(v.type for v in self.verdicts if v.eligible)


def allowed_reissue_reasons(verdict: TypeVerdict) -> tuple[ReissueReason, ...]:
    """The `reissue_reason` values an application made from this verdict may carry."""
    if verdict.type is not RegistrationType.REISSUE or not verdict.eligible:
        return ()
    if verdict.last_registration_year is None:
        return (ReissueReason.NEVER_REGISTERED,)
    return (ReissueReason.LOST, ReissueReason.DAMAGED)


def evaluate(practitioner: Practitioner, registrations: Iterable[Registration],
             ce_records: Iterable[CeRecord], window: Window) -> Eligibility:
    """The four verdicts for `window.year`. Registrations of later years are ignored, so a
    past window is judged as it stood; CE records count up to the window's closing day."""
    year = window.year
    years = [r.registration_year for r in registrations
             if r.id_number == practitioner.id_number and r.registration_year <= year]
    last = max(years, default=None)
    hours = None
    if last is not None:
        own = [r for r in ce_records if r.id_number == practitioner.id_number]
        hours = ce_hours_between(own, last, window.closes_on)
    facts = _Facts(year, practitioner, last, hours)
    renewal, late = _renewal(facts), _late(facts)
    return Eligibility(year, (_first(facts), renewal, late, _warned_reissue(_reissue(facts), (renewal, late), facts)))


def _warned_reissue(reissue: TypeVerdict, due: tuple[TypeVerdict, ...], facts: "_Facts") -> TypeVerdict:
    """补证 while a renewal (or late registration) is due: validity is not extended."""
    instead = next((v for v in due if v.eligible), None)
    if not reissue.eligible or instead is None:
        return reissue
    warning = TypeWarning("REISSUE_WHILE_DUE", texts.eligibility_warning(
        "REISSUE_WHILE_DUE", due_type=instead.type.chinese, until=valid_until(facts.last)))
    return replace(reissue, warnings=(warning,))


@dataclass(frozen=True)
class _Facts:
    year: int
    practitioner: Practitioner
    last: int | None
    hours: Decimal | None

    @property
    def qualified(self) -> int:
        return self.practitioner.qualification_year

    @property
    def required_hours(self) -> int:
        return self.practitioner.level.ce_hours

    @property
    def ce_short(self) -> bool:
        return self.hours is not None and self.hours < self.required_hours


def _verdict(facts: _Facts, type: RegistrationType, eligible: bool, code: str, **params: object) -> TypeVerdict:
    required, optional = list(BASE_MATERIALS), []
    counts_ce = type in (RegistrationType.RENEWAL, RegistrationType.LATE)
    if counts_ce:
        required.append(MaterialKind.REGISTRATION_CERT)
        (required if facts.ce_short else optional).append(MaterialKind.CE_PROOF)
    elif type is RegistrationType.REISSUE:
        optional.append(MaterialKind.CE_PROOF)
    return TypeVerdict(
        type=type, eligible=eligible, reason_code=code, reason=texts.eligibility_reason(code, **params),
        required_materials=tuple(required), optional_materials=tuple(optional),
        default_pickup=DEFAULT_PICKUP[type],
        ce_hours_on_record=facts.hours,
        ce_hours_required=facts.required_hours if counts_ce and facts.last is not None else None,
        last_registration_year=facts.last,
    )


def _first(f: _Facts) -> TypeVerdict:
    t = RegistrationType.FIRST
    if f.last is not None:
        return _verdict(f, t, False, "FIRST_ALREADY_REGISTERED", last=f.last)
    if f.qualified == f.year - 1:
        return _verdict(f, t, True, "FIRST_DUE", qualified=f.qualified)
    if f.qualified >= f.year:
        return _verdict(f, t, False, "FIRST_NOT_YET", qualified=f.qualified, first_year=f.qualified + 1)
    return _verdict(f, t, False, "FIRST_MISSED", qualified=f.qualified, first_year=f.qualified + 1)


def _ce_short(f: _Facts) -> dict[str, object]:
    """The parameters of the `*_CE_SHORT` sentences: hours on record since the last registration."""
    return {"ce_since": f.last + 1, "ce_hours": format_hours(f.hours), "level": f.practitioner.level.chinese,
            "ce_required": f.required_hours}


def _renewal(f: _Facts) -> TypeVerdict:
    t = RegistrationType.RENEWAL
    if f.last is None:
        return _verdict(f, t, False, "RENEWAL_NEVER_REGISTERED")
    until = valid_until(f.last)
    if f.last == f.year - 3:
        if f.ce_short:
            return _verdict(f, t, True, "RENEWAL_DUE_CE_SHORT", last=f.last, until=until, **_ce_short(f))
        return _verdict(f, t, True, "RENEWAL_DUE", last=f.last, until=until)
    if f.last > f.year - 3:
        return _verdict(f, t, False, "RENEWAL_NOT_DUE", last=f.last, until=until)
    return _verdict(f, t, False, "RENEWAL_MISSED", last=f.last, until=until)


def _late(f: _Facts) -> TypeVerdict:
    t = RegistrationType.LATE
    if f.last is None:
        return _verdict(f, t, False, "LATE_NEVER_REGISTERED")
    until = valid_until(f.last)
    if f.last < f.year - 3:
        if f.ce_short:
            return _verdict(f, t, True, "LATE_DUE_CE_SHORT", last=f.last, until=until, **_ce_short(f))
        return _verdict(f, t, True, "LATE_DUE", last=f.last, until=until)
    if f.last == f.year - 3:
        return _verdict(f, t, False, "LATE_RENEWAL_DUE_INSTEAD", last=f.last, until=until)
    return _verdict(f, t, False, "LATE_NOT_MISSED", last=f.last, until=until)


def _reissue(f: _Facts) -> TypeVerdict:
    t = RegistrationType.REISSUE
    if f.last is None:
        if f.qualified <= f.year - 2:
            return _verdict(f, t, True, "REISSUE_NEVER_REGISTERED", qualified=f.qualified)
        if f.qualified == f.year - 1:
            return _verdict(f, t, False, "REISSUE_FIRST_INSTEAD", qualified=f.qualified)
        return _verdict(f, t, False, "REISSUE_NOT_YET", qualified=f.qualified, first_year=f.qualified + 1)
    until = valid_until(f.last)
    if until >= f.year:
        return _verdict(f, t, True, "REISSUE_LOST_OR_DAMAGED", last=f.last, until=until)
    return _verdict(f, t, False, "REISSUE_REGISTRATION_EXPIRED", last=f.last, until=until)
