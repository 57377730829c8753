"""The form an applicant fills (SPEC §2.4): its fields (labelled from `texts.ITEM_LABELS`), how a
draft save is parsed and checked, and what a complete form needs before submit.

Pure values and functions: `Application` holds an `ApplicationFields` and calls these with
what they need of it (its type, its materials, its CE snapshot), so the form's rules read
in one place and the entity keeps only its state and its transitions.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Iterable, Mapping

from chalicelib.domain import texts
from chalicelib.domain.eligibility import PickupMethod, RegistrationType, ReissueReason
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.identity import clean_text, parse_district, parse_mobile, parse_postal_code
from chalicelib.domain.levels import Level
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.options import education_reason, is_education, parse_education
from chalicelib.domain.register import format_hours, parse_hours

# The form's fields and the mailing address's parts, with their labels (`texts.ITEM_LABELS`).
FIELD_LABELS = {name: texts.ITEM_LABELS[name] for name in (
    "phone", "employer", "district", "education", "pickup_method", "mailing_address", "reissue_reason",
    "declared_ce_hours")}
ADDRESS_LABELS = {part: texts.ITEM_LABELS[f"mailing_address.{part}"]
                  for part in ("recipient", "phone", "address", "postal_code")}
# Filled from the register or by the system: shown on the form, never changed by the applicant.
READ_ONLY_FIELDS = frozenset({
    "application_id", "id_number", "name", "certificate_no", "level", "qualification_year", "gender",
    "birth_date", "window_year", "type", "status", "registration_no", "materials",
})
_ALWAYS_REQUIRED = ("phone", "employer", "district", "education", "pickup_method")


def item_label(item: str) -> str:
    """The Chinese name of a form field (`phone`), a mailing-address part (`mailing_address.recipient`)
    or a material kind (`id_photo`), as the applicant sees it on the form; ValueError for any other name."""
    if item not in texts.ITEM_LABELS:
        raise ValueError(f"no form field, address part or material is named {item!r}")
    return texts.ITEM_LABELS[item]


@dataclass(frozen=True)
class MailingAddress:
    """Where a mailed certificate goes; parts may be missing in a draft, never at submit."""

    recipient: str | None = None
    phone: str | None = None
    address: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True)
class ApplicationFields:
    """The form the applicant fills (SPEC §2.4); None is "not filled in yet". `district` and
    `education` hold values of `domain/options.py`'s lists."""

    phone: str | None = None
    employer: str | None = None
    district: str | None = None
    education: str | None = None
    pickup_method: PickupMethod | None = None
    mailing_address: MailingAddress | None = None
    reissue_reason: ReissueReason | None = None
    declared_ce_hours: Decimal | None = None


def is_blank(raw: object) -> bool:
    """None or only whitespace: "not filled in"."""
    return raw is None or (isinstance(raw, str) and not raw.strip())


def refuse(field_name: str, reason: str) -> ValidationError:
    """The ValidationError naming one item and what is wrong with it (a sentence of `texts.REASONS`)."""
    return ValidationError(details={field_name: reason})


def reviewable_items(type: RegistrationType, allowed_materials: Iterable[MaterialKind]) -> frozenset[str]:
    """What a reviewer may name as at fault on an application of `type`: its fields and materials."""
    allowed_materials = tuple(allowed_materials)
    names = set(_ALWAYS_REQUIRED) | {"mailing_address"} | {f"mailing_address.{k}" for k in ADDRESS_LABELS}
    if type is RegistrationType.REISSUE:
        names.add("reissue_reason")
    if MaterialKind.CE_PROOF in allowed_materials:
        names.add("declared_ce_hours")
    return frozenset(names | {kind.value for kind in allowed_materials})


# --- a draft save ------------------------------------------------------------------


def apply_changes(form: ApplicationFields, changes: Mapping[str, Any], *, type: RegistrationType,
                  allowed_materials: tuple[MaterialKind, ...],
                  reissue_reasons: tuple[ReissueReason, ...]) -> ApplicationFields:
    """`form` with part of it saved: None or "" clears a field; `mailing_address` is merged part
    by part. Raises one ValidationError naming every unknown, read-only or bad field."""
    if not isinstance(changes, Mapping):
        raise refuse("fields", texts.reason("FORM_NOT_A_MAPPING"))
    problems: dict[str, str] = {}
    updates: dict[str, Any] = {}
    for name, raw in changes.items():
        if name in READ_ONLY_FIELDS:
            problems[str(name)] = texts.reason("FIELD_READ_ONLY")
        elif name not in FIELD_LABELS:
            problems[str(name)] = texts.reason("FIELD_UNKNOWN")
        else:
            try:
                if name == "mailing_address":
                    updates[name] = _parse_address(raw, form.mailing_address)
                elif name == "reissue_reason":
                    updates[name] = None if is_blank(raw) else _parse_reissue_reason(raw, type, reissue_reasons)
                elif name == "declared_ce_hours":
                    updates[name] = None if is_blank(raw) else _parse_declared_hours(raw, type, allowed_materials)
                else:
                    updates[name] = _parse_field(name, raw)
            except ValidationError as exc:
                problems.update(exc.details)
    if problems:
        raise ValidationError(details=problems)
    return replace(form, **updates)


def _parse_field(name: str, raw: object) -> Any:
    if is_blank(raw):
        return None
    if name == "phone":
        return parse_mobile(raw, field=name)
    if name == "district":
        return parse_district(raw, field=name)
    if name == "employer":
        return clean_text(raw, field=name, label=FIELD_LABELS[name], max_length=100)
    if name == "education":
        return parse_education(raw, field=name)
    try:
        return PickupMethod(raw.strip() if isinstance(raw, str) else raw)
    except ValueError:
        raise refuse(name, texts.reason("PICKUP_METHOD_UNKNOWN")) from None


def _parse_declared_hours(raw: object, type: RegistrationType, allowed_materials: tuple[MaterialKind, ...]) -> Decimal:
    """Hours completed since the last registration that are not on record (SPEC §2.3)."""
    if MaterialKind.CE_PROOF not in allowed_materials:
        raise refuse("declared_ce_hours", texts.reason("CE_HOURS_NOT_FOR_TYPE", type=type.chinese))
    return parse_hours(raw, field="declared_ce_hours", label=FIELD_LABELS["declared_ce_hours"])


def _parse_reissue_reason(raw: object, type: RegistrationType,
                          reissue_reasons: tuple[ReissueReason, ...]) -> ReissueReason:
    if type is not RegistrationType.REISSUE:
        raise refuse("reissue_reason", texts.reason("REISSUE_REASON_NOT_FOR_TYPE"))
    allowed = "、".join(f"{r.chinese}（{r.value}）" for r in reissue_reasons)
    try:
        reason = ReissueReason(raw.strip() if isinstance(raw, str) else raw)
    except ValueError:
        reason = None
    if reason not in reissue_reasons:
        raise refuse("reissue_reason", texts.reason("REISSUE_REASON_UNKNOWN", allowed=allowed))
    return reason


def _parse_address(raw: object, current: MailingAddress | None) -> MailingAddress | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise refuse("mailing_address", texts.reason("ADDRESS_NOT_A_MAPPING"))
    problems: dict[str, str] = {}
    parts: dict[str, str | None] = {}
    for key, value in raw.items():
        path = f"mailing_address.{key}"
        try:
            parts[key] = _parse_address_part(key, value, path)
        except ValidationError as exc:
            problems.update(exc.details)
    if problems:
        raise ValidationError(details=problems)
    return replace(current or MailingAddress(), **parts)


def _parse_address_part(key: object, value: object, path: str) -> str | None:
    if key not in ADDRESS_LABELS:
        raise refuse(path, texts.reason("FIELD_UNKNOWN"))
    if is_blank(value):
        return None
    if key == "phone":
        return parse_mobile(value, field=path)
    if key == "postal_code":
        return parse_postal_code(value, field=path)
    limit = 50 if key == "recipient" else 200
    return clean_text(value, field=path, label=ADDRESS_LABELS[key], max_length=limit)


# --- completeness ------------------------------------------------------------------


def form_problems(form: ApplicationFields, type: RegistrationType) -> dict[str, str]:
    """Every field a submit needs that is not filled in, item → what to do (Chinese)."""
    problems: dict[str, str] = {}
    for name in _ALWAYS_REQUIRED:
        if getattr(form, name) is None:
            problems[name] = texts.reason("REQUIRED", label=FIELD_LABELS[name])
    if form.education is not None and not is_education(form.education):
        problems["education"] = education_reason()  # free text saved before the list was closed
    if form.pickup_method is PickupMethod.MAIL:
        address = form.mailing_address or MailingAddress()
        for key, label in ADDRESS_LABELS.items():
            if getattr(address, key) is None:
                problems[f"mailing_address.{key}"] = texts.reason("ADDRESS_PART_REQUIRED", label=label)
    if type is RegistrationType.REISSUE and form.reissue_reason is None:
        problems["reissue_reason"] = texts.reason("REISSUE_REASON_REQUIRED")
    return problems


def ce_hours_problems(declared: Decimal | None, *, proof_required: bool, proof_present: bool,
                      on_record: Decimal | None, required: int | None, level: Level) -> dict[str, str]:
    """Declared CE hours and the CE proof go together, and with the hours on record they must
    reach what `level` requires when the proof is required."""
    if declared is None:
        if proof_required or proof_present:
            return {"declared_ce_hours": texts.reason("CE_HOURS_WITH_PROOF")}
        return {}
    if not proof_required and not proof_present:
        return {"ce_proof": texts.reason("CE_PROOF_WITH_HOURS", material=MaterialKind.CE_PROOF.chinese)}
    if proof_required and required is not None:
        on_record = on_record or Decimal(0)
        if on_record + declared < required:
            return {"declared_ce_hours": texts.reason(
                "CE_HOURS_SHORT", on_record=format_hours(on_record), declared=format_hours(declared),
                level=level.chinese, required=required)}
    return {}
