"""Correction requests (反馈, SPEC §2.9): an applicant asks for their register row to be corrected.

A request names one `CorrectionField` and the value the register should hold. It is
checked, when made and again when accepted, by building the import row it would write
and parsing that row with the import's own parsers (`domain.register.parse_practitioner`,
`parse_registration`): a correction can put nothing in the register an operator's CSV
could not. An admin accepts (the row is written, audited) or declines; either way it is
decided once. An optional evidence photo goes through the upload pipeline
(`services.uploads`) and shows `pending` → `ready` | `rejected`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Mapping

from chalicelib.domain import texts
from chalicelib.domain.errors import ConflictError, RuleViolationError, ValidationError
from chalicelib.domain.identity import clean_text
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.notifications import Message, new_message_id
from chalicelib.domain.outbox import Sms, SmsContent
from chalicelib.domain.register import Practitioner, Registration, parse_practitioner, parse_registration

NOTE_MAX_LENGTH = 500
# The evidence is a photo of a document: normalised as the certificate photos are (≤ 1600 px, ≤ 1 MiB).
EVIDENCE_PHOTO_KIND = MaterialKind.QUALIFICATION_CERT


class CorrectionField(StrEnum):
    """What of the register a request corrects: a column of the practitioner's row, or a
    registration (one missing from the import, or one whose number is wrong)."""

    NAME = "name"
    LEVEL = "level"
    QUALIFICATION_YEAR = "qualification_year"
    CERTIFICATE_NO = "certificate_no"
    REGISTRATION = "registration"

    @property
    def columns(self) -> tuple[str, ...]:
        """The import columns the proposed value fills."""
        return ("registration_year", "registration_no") if self is CorrectionField.REGISTRATION else (self.value,)

    @property
    def label(self) -> str:
        return texts.CORRECTION_FIELD_LABELS[self.value]


class CorrectionStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class CorrectionOutcome(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"


class EvidenceStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Evidence:
    """The request's evidence photo: the upload that last arrived, and what became of it."""

    upload_id: str
    issued_at: datetime
    status: EvidenceStatus = EvidenceStatus.PENDING
    object_key: str | None = None
    reason: str | None = None


# The row an accepted request writes: the practitioner's whole row, or one registration.
RegisterRow = Practitioner | Registration


def _practitioner_columns(practitioner: Practitioner) -> dict[str, str]:
    return {"id_number": practitioner.id_number, "name": practitioner.name,
            "certificate_no": practitioner.certificate_no, "level": practitioner.level.value,
            "qualification_year": str(practitioner.qualification_year)}


def _current(field_: CorrectionField, practitioner: Practitioner, registrations: list[Registration],
             proposed: Mapping[str, str]) -> dict[str, str]:
    """What the register holds now where the proposal would write ({} for a missing registration)."""
    if field_ is CorrectionField.REGISTRATION:
        year = int(proposed["registration_year"])
        found = next((r for r in registrations if r.registration_year == year), None)
        return {"registration_year": str(year), "registration_no": found.registration_no} if found else {}
    return {field_.value: _practitioner_columns(practitioner)[field_.value]}


def register_row(field_: CorrectionField, proposed: Mapping[str, str], practitioner: Practitioner) -> RegisterRow:
    """The import row the proposal writes, parsed by the import's parser (ValidationError naming the
    import columns at fault): the practitioner's row with the proposed column, or a registration."""
    if field_ is CorrectionField.REGISTRATION:
        return parse_registration({"id_number": practitioner.id_number, **proposed})
    return parse_practitioner({**_practitioner_columns(practitioner), **proposed})


def _as_text(raw: Any) -> Any:
    """A year may come as a JSON number; the import's parsers read text."""
    return str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw


def parse_proposal(field_: CorrectionField, raw: Any, practitioner: Practitioner) -> dict[str, str]:
    """The proposed value as import columns, normalised as the import stores them. Raises
    ValidationError CORRECTION_INVALID naming `proposed_value` (or its parts, for a registration)."""
    if field_ is CorrectionField.REGISTRATION:
        if not isinstance(raw, Mapping):
            raise ValidationError(code="CORRECTION_INVALID",
                                  details={"proposed_value": texts.reason("CORRECTION_REGISTRATION_SHAPE")})
        columns = {column: _as_text(raw.get(column)) for column in field_.columns}
    else:
        if not isinstance(raw, (str, int)) or isinstance(raw, bool):
            raise ValidationError(code="CORRECTION_INVALID", details={
                "proposed_value": texts.reason("REQUIRED", label=field_.label)})
        columns = {field_.value: _as_text(raw)}
    try:
        row = register_row(field_, columns, practitioner)
    except ValidationError as exc:
        details = {("proposed_value" if field_ is not CorrectionField.REGISTRATION else f"proposed_value.{name}"): why
                   for name, why in exc.details.items() if name in field_.columns}
        raise ValidationError(code="CORRECTION_INVALID",
                              details=details or {"proposed_value": texts.reason("CORRECTION_VALUE_INVALID")}) from None
    return {column: str(getattr(row, column).value if field_ is CorrectionField.LEVEL else getattr(row, column))
            for column in field_.columns}


def parse_note(raw: Any) -> str:
    """An optional note: trimmed, at most NOTE_MAX_LENGTH characters ("" when absent)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return ""
    return clean_text(raw, field="note", label=texts.CORRECTION_FIELD_LABELS["note"], max_length=NOTE_MAX_LENGTH)


@dataclass
class Correction:
    """One request, made by the account `account_id` (told of the decision at its phone of the
    day). `proposed` and `current` are import columns → text: what the applicant asks the register
    to hold, and what it held when they asked."""

    correction_id: str
    id_number: str
    account_id: str
    field: CorrectionField
    proposed: dict[str, str]
    current: dict[str, str]
    note: str
    created_at: datetime
    status: CorrectionStatus = CorrectionStatus.OPEN
    evidence: Evidence | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision_note: str | None = None
    version: int = field(default=0, compare=False)

    @classmethod
    def request(cls, correction_id: str, account_id: str, practitioner: Practitioner | None,
                registrations: list[Registration], field_: CorrectionField, proposed: Mapping[str, str], note: str,
                now: datetime) -> Correction:
        """A new open request. RuleViolationError NOT_IN_REGISTER without a register row to correct,
        CORRECTION_UNCHANGED when the register already holds the proposed value."""
        if practitioner is None:
            raise RuleViolationError(code="NOT_IN_REGISTER")
        current = _current(field_, practitioner, registrations, proposed)
        if current == dict(proposed):
            raise RuleViolationError(code="CORRECTION_UNCHANGED", details={"proposed_value": texts.reason(
                "CORRECTION_SAME_AS_REGISTER", label=field_.label)})
        return cls(correction_id, practitioner.id_number, account_id, field_, dict(proposed), current, note, now)

    @property
    def is_open(self) -> bool:
        return self.status is CorrectionStatus.OPEN

    def check_open(self) -> None:
        """ConflictError CORRECTION_ALREADY_DECIDED unless the request is still open."""
        if not self.is_open:
            raise ConflictError(code="CORRECTION_ALREADY_DECIDED", details={"status": self.status.value},
                                status=texts.CORRECTION_STATUS_LABELS[self.status.value])

    def decide(self, outcome: CorrectionOutcome, note: str, actor: str, now: datetime) -> None:
        """Accepted or declined, once. ConflictError CORRECTION_ALREADY_DECIDED after a decision;
        ValidationError CORRECTION_DECISION_INVALID for a decline without a note (the applicant
        is told why)."""
        self.check_open()
        if outcome is CorrectionOutcome.DECLINE and not note:
            raise ValidationError(code="CORRECTION_DECISION_INVALID",
                                  details={"note": texts.reason("CORRECTION_DECLINE_NOTE_REQUIRED")})
        self.status = CorrectionStatus.ACCEPTED if outcome is CorrectionOutcome.ACCEPT else CorrectionStatus.DECLINED
        self.decided_at, self.decided_by, self.decision_note = now, actor, note

    def row(self, practitioner: Practitioner | None) -> RegisterRow:
        """The register row accepting writes, built on the row as it is now (an import since the
        request keeps its other columns). RuleViolationError NOT_IN_REGISTER when it went."""
        if practitioner is None:
            raise RuleViolationError(code="NOT_IN_REGISTER")
        return register_row(self.field, self.proposed, practitioner)

    # --- the evidence photo -----------------------------------------------------------------

    def wants_evidence(self, upload_id: str, issued_at: datetime) -> bool:
        """Whether the upload `upload_id`, issued at `issued_at`, may still become (or finish
        becoming) the evidence: the request is open and it is the pending evidence, or no upload
        issued later has arrived."""
        if not self.is_open:
            return False
        if self.evidence is not None and self.evidence.upload_id == upload_id:
            return self.evidence.status is EvidenceStatus.PENDING
        return self.evidence is None or issued_at >= self.evidence.issued_at

    def start_evidence(self, upload_id: str, issued_at: datetime) -> bool:
        """The upload arrived: it is the pending evidence (True also when it already is, so a
        redelivered event finishes the work). False when it cannot be (stale, decided, done)."""
        if not self.wants_evidence(upload_id, issued_at):
            return False
        if self.evidence is None or self.evidence.upload_id != upload_id:
            self.evidence = Evidence(upload_id, issued_at)
        return True

    def record_evidence(self, upload_id: str, *, object_key: str | None = None, reason: str | None = None) -> bool:
        """The pending evidence `upload_id` is ready (its normalised `object_key`) or rejected
        (`reason`). False when it is no longer the pending evidence."""
        evidence = self.evidence
        if evidence is None or evidence.upload_id != upload_id or evidence.status is not EvidenceStatus.PENDING:
            return False
        status = EvidenceStatus.READY if object_key else EvidenceStatus.REJECTED
        self.evidence = Evidence(upload_id, evidence.issued_at, status, object_key, None if object_key else reason)
        return True


def _clause(note: str) -> str:
    """The admin's note without its closing punctuation: the notice supplies that."""
    return note.strip().rstrip(_CLOSING).strip()


_CLOSING = "。.．！!？?；;，,、：: \u3000"


def decision_notices(correction: Correction, phone: str | None) -> tuple[list[Message], list[Sms]]:
    """The in-app message and the SMS telling the applicant of a decision (no SMS without a phone)."""
    at, label, note = correction.decided_at, correction.field.label, _clause(correction.decision_note or "")
    if correction.status is CorrectionStatus.ACCEPTED:
        name = "CorrectionAccepted.with_note" if note else "CorrectionAccepted"
        title, body = texts.notice(name, field=label, note=note)
        template = "CorrectionAccepted"
    else:
        title, body = texts.notice("CorrectionDeclined", field=label, note=note)
        template = "CorrectionDeclined"
    message = Message(owner=correction.id_number, message_id=new_message_id(at), title=title, body=body, created_at=at)
    return [message], ([Sms.queue(phone, SmsContent.of(template), at)] if phone else [])
