"""The registration application: its state, its review rounds and its one lifecycle table.

Every status change goes through `Application._transition`, which checks
`TRANSITIONS`, raises `InvalidTransitionError` for a forbidden move, records a
`HistoryEntry` and is the only writer of `status`. Creation is recorded as
the first history entry (from None to draft), so `history` always holds one
entry more than the transitions made. State-changing methods append domain
events (`chalicelib.domain.events`) that the service layer collects with
`pull_events()`. The entity never bumps `version`: that is the repository's
optimistic lock.

The form's rules (fields, parsing, labels, completeness) are in
`chalicelib.domain.application_form`; the material slots' methods come from
`chalicelib.domain.materials.MaterialSlots`; leases, review rounds and the rules a
reviewer's decision must meet (opinion, issues, caps) are in `chalicelib.domain.review`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Iterable, Mapping

from chalicelib.domain import texts
from chalicelib.domain.application_form import (
    ApplicationFields,
    apply_changes,
    ce_hours_problems,
    form_problems,
    is_blank,
    item_label,
    refuse,
    reviewable_items,
)
from chalicelib.domain.eligibility import RegistrationType, ReissueReason, TypeVerdict, allowed_reissue_reasons
from chalicelib.domain.errors import ConflictError, InvalidTransitionError, RuleViolationError
from chalicelib.domain.events import (
    ApplicationApproved,
    ApplicationEvent,
    ApplicationExpired,
    ApplicationRejected,
    ApplicationSubmitted,
    CertificateIssued,
    ReminderDue,
)
from chalicelib.domain.levels import Level, valid_until
from chalicelib.domain.materials import Material, MaterialKind, MaterialSlots, material_problems
from chalicelib.domain.register import Practitioner
from chalicelib.domain.review import (
    DEFAULT_LEASE,
    MAX_REVIEW_ROUNDS,
    Lease,
    ReviewIssue,
    ReviewOutcome,
    ReviewRound,
    approval_opinion,
    parse_rejection,
)
from chalicelib.domain.windows import Window


class ApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CERTIFIED = "certified"

    @property
    def chinese(self) -> str:
        return texts.STATE_LABELS[self.value]

    @property
    def is_terminal(self) -> bool:
        return not TRANSITIONS[self]


_S = ApplicationStatus
TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    _S.DRAFT: frozenset({_S.SUBMITTED, _S.EXPIRED}),
    _S.SUBMITTED: frozenset({_S.IN_REVIEW}),
    _S.IN_REVIEW: frozenset({_S.APPROVED, _S.REJECTED}),
    _S.REJECTED: frozenset({_S.SUBMITTED, _S.EXPIRED}),
    _S.APPROVED: frozenset({_S.CERTIFIED}),
    _S.EXPIRED: frozenset(),
    _S.CERTIFIED: frozenset(),
}

@dataclass(frozen=True)
class HistoryEntry:
    """One status change: who, when, from, to, note. Creation has `from_status` None."""

    at: datetime
    actor: str
    from_status: ApplicationStatus | None
    to_status: ApplicationStatus
    note: str | None = None


@dataclass
class Application(MaterialSlots):
    """One practitioner's application for one registration type in one window year.

    `name`, `certificate_no` and `level` are snapshots of the register taken at
    start; `required_materials`, `optional_materials`, `reissue_reasons` and the
    CE hours are snapshots of the verdict the application was started from.
    """

    application_id: str
    id_number: str
    name: str
    certificate_no: str
    level: Level
    window_year: int
    type: RegistrationType
    status: ApplicationStatus
    created_at: datetime
    updated_at: datetime
    fields: ApplicationFields
    required_materials: tuple[MaterialKind, ...]
    optional_materials: tuple[MaterialKind, ...] = ()
    reissue_reasons: tuple[ReissueReason, ...] = ()
    ce_hours_on_record: Decimal | None = None
    ce_hours_required: int | None = None
    last_registration_year: int | None = None
    version: int = 0
    submitted_at: datetime | None = None
    materials: dict[MaterialKind, Material] = field(default_factory=dict)
    history: list[HistoryEntry] = field(default_factory=list)
    review_rounds: list[ReviewRound] = field(default_factory=list)
    lease: Lease | None = None
    registration_no: str | None = None
    # Drawn before the certificate is rendered; certifying must use it (see `reserve_registration_no`).
    reserved_registration_no: str | None = None
    # The reminder thresholds (days before the window closes) already sent: each goes at most once.
    reminders_sent: tuple[int, ...] = ()
    # Per material kind, the issue time an arriving upload must not predate (see `start_upload`).
    upload_floors: dict[MaterialKind, datetime] = field(default_factory=dict)
    events: list[ApplicationEvent] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def start(cls, application_id: str, practitioner: Practitioner, verdict: TypeVerdict,
              window: Window, now: datetime, actor: str) -> "Application":
        """A new draft of `verdict.type`, pickup method defaulted per type.

        Raises RuleViolationError TYPE_NOT_ELIGIBLE (with the verdict's reason)
        when the type does not apply, and WINDOW_CLOSED outside the window.
        When only one reissue reason is possible (never registered) it is pre-filled.
        """
        if not verdict.eligible:
            raise RuleViolationError(code="TYPE_NOT_ELIGIBLE", details={"type": verdict.reason},
                                     reason=verdict.reason)
        if not window.is_open(now):
            raise RuleViolationError(code="WINDOW_CLOSED", year=window.year,
                                     details={"window": texts.reason("WINDOW_NOT_OPEN", year=window.year)})
        reasons = allowed_reissue_reasons(verdict)
        return cls(
            application_id=application_id, id_number=practitioner.id_number, name=practitioner.name,
            certificate_no=practitioner.certificate_no, level=practitioner.level, window_year=window.year,
            type=verdict.type, status=ApplicationStatus.DRAFT, created_at=now, updated_at=now,
            fields=ApplicationFields(pickup_method=verdict.default_pickup,
                                     reissue_reason=reasons[0] if len(reasons) == 1 else None),
            required_materials=verdict.required_materials, optional_materials=verdict.optional_materials,
            reissue_reasons=reasons, ce_hours_on_record=verdict.ce_hours_on_record,
            ce_hours_required=verdict.ce_hours_required, last_registration_year=verdict.last_registration_year,
            history=[HistoryEntry(now, actor, None, ApplicationStatus.DRAFT, texts.history_note("CREATED"))],
        )

    # --- what the application is -------------------------------------------------

    @property
    def is_editable(self) -> bool:
        """Draft or rejected. A rejected one is editable only while its window is open,
        which `update_fields` checks (it is given the window)."""
        return self.status in (ApplicationStatus.DRAFT, ApplicationStatus.REJECTED)

    @property
    def allowed_materials(self) -> tuple[MaterialKind, ...]:
        return self.required_materials + self.optional_materials

    @property
    def current_round(self) -> ReviewRound | None:
        return self.review_rounds[-1] if self.review_rounds else None

    @property
    def issue_items(self) -> frozenset[str]:
        """What a reviewer may name as at fault: this application's fields and materials."""
        return reviewable_items(self.type, self.allowed_materials)

    @property
    def certificate_registration_year(self) -> int:
        """A reissue for a lost or damaged certificate keeps the registration it replaces;
        every other type registers in the window year."""
        if self.type is RegistrationType.REISSUE and self.last_registration_year is not None:
            return self.last_registration_year
        return self.window_year

    @property
    def certificate_valid_until(self) -> int:
        return valid_until(self.certificate_registration_year)

    def pull_events(self) -> list[ApplicationEvent]:
        """The events raised since the last pull, oldest first; clears them."""
        pulled, self.events = self.events, []
        return pulled

    # --- the form ----------------------------------------------------------------

    def update_fields(self, changes: Mapping[str, Any], now: datetime, window: Window) -> None:
        """Save part of the form (a draft save, "否"). None or "" clears a field;
        `mailing_address` is merged part by part.

        Raises ConflictError NOT_EDITABLE after submit, RuleViolationError
        WINDOW_CLOSED for a rejected application whose window has closed, and
        one ValidationError naming every unknown, read-only or bad field (nothing
        is saved then).
        """
        self._require_editable(now, window)
        fields = apply_changes(self.fields, changes, type=self.type, allowed_materials=self.allowed_materials,
                               reissue_reasons=self.reissue_reasons)
        self._touch(now)
        self.fields = fields

    # --- the lifecycle -----------------------------------------------------------

    def submit(self, now: datetime, window: Window, declaration: bool, actor: str) -> None:
        """Draft or rejected → submitted ("是"); a new review round starts.

        Raises InvalidTransitionError from any other status, and one
        RuleViolationError SUBMIT_INCOMPLETE whose details name every missing or
        bad item (declaration, window, each field, each material) at once.
        """
        if ApplicationStatus.SUBMITTED not in TRANSITIONS[self.status]:
            raise InvalidTransitionError(self.status.value, ApplicationStatus.SUBMITTED.value)
        resubmission = self.status is ApplicationStatus.REJECTED
        if resubmission and len(self.review_rounds) >= MAX_REVIEW_ROUNDS:
            raise RuleViolationError(code="REVIEW_ROUNDS_EXHAUSTED", rounds=MAX_REVIEW_ROUNDS)
        problems = self._submit_problems(now, window, declaration)
        if problems:
            raise RuleViolationError(code="SUBMIT_INCOMPLETE", details=problems)
        self._transition(ApplicationStatus.SUBMITTED, now, actor,
                         texts.history_note("RESUBMITTED" if resubmission else "SUBMITTED"))
        self.submitted_at = now
        self.review_rounds.append(ReviewRound(number=len(self.review_rounds) + 1, submitted_at=now))
        self.events.append(ApplicationSubmitted(self.application_id, self.id_number, now,
                                                round_number=len(self.review_rounds)))

    def _submit_problems(self, now: datetime, window: Window, declaration: bool) -> dict[str, str]:
        problems: dict[str, str] = {}
        if declaration is not True:
            problems["declaration"] = texts.reason("DECLARATION_REQUIRED")
        if window is None or window.year != self.window_year or not window.is_open(now):
            problems["window"] = texts.reason("WINDOW_NOT_OPEN_FOR_SUBMIT", year=self.window_year)
        problems.update(self.missing_for_submit())
        return problems

    def missing_for_submit(self) -> dict[str, str]:
        """What the form still lacks for `submit`, item → what to do (Chinese): every required
        field not filled in, the CE hours, every material missing, still processing or refused.
        `submit` refuses with exactly these plus the declaration and the window; empty means
        the form is complete. Pure: reads nothing but the application."""
        problems = form_problems(self.fields, self.type)
        problems.update(ce_hours_problems(
            self.fields.declared_ce_hours, proof_required=MaterialKind.CE_PROOF in self.required_materials,
            proof_present=MaterialKind.CE_PROOF in self.materials, on_record=self.ce_hours_on_record,
            required=self.ce_hours_required, level=self.level))
        problems.update(material_problems(self.required_materials, self.materials))
        return problems

    # --- review ------------------------------------------------------------------

    def claim(self, reviewer: str, now: datetime, lease: timedelta = DEFAULT_LEASE) -> Lease:
        """Take a submitted application into review with a lease, or renew one's own lease, or take
        over an expired one. Renewing or taking over is not a status change: no history entry.

        Raises ConflictError CLAIMED while another reviewer's lease is live, and
        InvalidTransitionError for an application that is not submitted or in review.
        """
        if lease <= timedelta(0):
            raise ValueError("a lease must last some time")
        if self.status is ApplicationStatus.IN_REVIEW:
            holder = self.lease
            if holder is not None and holder.reviewer != reviewer and holder.is_live(now):
                raise ConflictError(code="CLAIMED", reviewer=holder.reviewer,
                                    details={"reviewer": holder.reviewer, "lease_until": holder.until.isoformat()})
            self._touch(now)
            if holder is None or holder.reviewer != reviewer:
                self._update_round(reviewer=reviewer, claimed_at=now)
        else:
            self._transition(ApplicationStatus.IN_REVIEW, now, reviewer, texts.history_note("CLAIMED"))
            self._update_round(reviewer=reviewer, claimed_at=now)
        self.lease = Lease(reviewer, now + lease)
        return self.lease

    def approve(self, reviewer: str, now: datetime, opinion: str | None = None) -> None:
        """In review → approved, by the reviewer holding the lease. Closes the review round."""
        self._require_decider(ApplicationStatus.APPROVED, reviewer)
        text = approval_opinion(opinion)
        self._transition(ApplicationStatus.APPROVED, now, reviewer, text or texts.history_note("APPROVED"))
        self._close_round(now, ReviewOutcome.APPROVED, text, ())
        self.events.append(ApplicationApproved(self.application_id, self.id_number, now, opinion=text))

    def reject(self, reviewer: str, now: datetime, opinion: str,
               issues: Iterable[ReviewIssue | Mapping[str, Any]] = ()) -> None:
        """In review → rejected, by the reviewer holding the lease, with an opinion and optionally
        the fields or materials at fault. Closes the review round.

        Raises ValidationError naming an empty opinion and every issue whose item
        is not a field or material of this application (`review.parse_rejection`).
        """
        self._require_decider(ApplicationStatus.REJECTED, reviewer)
        text, parsed = parse_rejection(opinion, issues, self.issue_items)
        self._transition(ApplicationStatus.REJECTED, now, reviewer, text)
        self._close_round(now, ReviewOutcome.REJECTED, text, parsed)
        self.events.append(ApplicationRejected(self.application_id, self.id_number, now,
                                               opinion=text, issues=parsed))

    # --- expiry, reminders and the certificate -----------------------------------

    def expire(self, now: datetime, actor: str = "system") -> None:
        """Draft or rejected → expired, when the window has closed (the caller's judgement).
        The event says which, so a rejected applicant is told it was not resubmitted in time."""
        after_rejection = self.status is ApplicationStatus.REJECTED
        self._transition(ApplicationStatus.EXPIRED, now, actor,
                         texts.history_note("EXPIRED_AFTER_REJECTION" if after_rejection else "EXPIRED"))
        self.events.append(ApplicationExpired(self.application_id, self.id_number, now,
                                              after_rejection=after_rejection))

    def remind(self, days_before: int, now: datetime, closes_at: datetime | None = None) -> bool:
        """Tell the applicant, `days_before` days ahead of the window's close (`closes_at`), what
        `missing_for_submit` still lists: a ReminderDue event, and the threshold recorded in
        `reminders_sent`. Not a status change: no history entry, `updated_at` unchanged.

        False, and no change, when this threshold was already sent or nothing awaits the
        applicant (neither draft nor rejected) — so a repeated or late call is harmless.
        Whether a reminder is due is the caller's judgement, as for `expire`.
        """
        if isinstance(days_before, bool) or not isinstance(days_before, int) or days_before <= 0:
            raise ValueError("days_before must be a positive number of days")
        if now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        if not self.is_editable or days_before in self.reminders_sent:
            return False
        self.reminders_sent = tuple(sorted({*self.reminders_sent, days_before}, reverse=True))
        self.events.append(ReminderDue(self.application_id, self.id_number, now, days_left=days_before,
                                       missing=tuple(item_label(item) for item in self.missing_for_submit()),
                                       closes_at=closes_at,
                                       after_rejection=self.status is ApplicationStatus.REJECTED))
        return True

    def reserve_registration_no(self, number: str) -> str:
        """Pin an approved application's registration number before its certificate is
        rendered: a run that dies between rendering and certifying is resumed under the
        same number, never a second one. Returns the number reserved (the first one wins)."""
        if self.status is not ApplicationStatus.APPROVED:
            raise InvalidTransitionError(self.status.value, ApplicationStatus.CERTIFIED.value)
        if self.reserved_registration_no is None:
            self.reserved_registration_no = number
        return self.reserved_registration_no

    def certify(self, registration_no: str, now: datetime, actor: str = "system") -> None:
        """Approved → certified with its registration number; certified is terminal, so a
        second certificate is an InvalidTransitionError. A reserved number must be the one used."""
        if is_blank(registration_no):
            raise refuse("registration_no", texts.reason("REGISTRATION_NO_REQUIRED"))
        registration_no = registration_no.strip()
        if self.reserved_registration_no not in (None, registration_no):
            raise ConflictError(code="REGISTRATION_NO_RESERVED", registration_no=self.reserved_registration_no,
                                details={"registration_no": self.reserved_registration_no})
        self._transition(ApplicationStatus.CERTIFIED, now, actor,
                         texts.history_note("CERTIFIED", registration_no=registration_no))
        self.registration_no = registration_no
        self.events.append(CertificateIssued(
            self.application_id, self.id_number, now, registration_no=registration_no,
            registration_year=self.certificate_registration_year, valid_until=self.certificate_valid_until))

    # --- the machinery -----------------------------------------------------------

    def _transition(self, target: ApplicationStatus, now: datetime, actor: str, note: str | None) -> None:
        """The one writer of `status`."""
        if target not in TRANSITIONS[self.status]:
            raise InvalidTransitionError(self.status.value, target.value)
        self._touch(now)
        self.history.append(HistoryEntry(now, actor, self.status, target, note))
        self.status = target
        if target is not ApplicationStatus.IN_REVIEW:
            self.lease = None

    def _touch(self, now: datetime) -> None:
        if now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        self.updated_at = now

    def _require_editable_state(self) -> None:
        if not self.is_editable:
            raise ConflictError(code="NOT_EDITABLE", details={"status": self.status.value},
                                status=self.status.chinese)

    def _require_editable(self, now: datetime, window: Window) -> None:
        self._require_editable_state()
        if self.status is ApplicationStatus.REJECTED and (
                window is None or window.year != self.window_year or not window.is_open(now)):
            raise RuleViolationError(code="WINDOW_CLOSED", year=self.window_year,
                                     details={"window": texts.reason("WINDOW_ENDED_FOR_EDIT", year=self.window_year)})

    def _require_decider(self, target: ApplicationStatus, reviewer: str) -> None:
        """Decision: a reviewer who does not hold the lease gets a ConflictError (409,
        NOT_CLAIMED), not a permission error — it is the application's state (who
        holds it) that is in the way, and it can change between read and write.
        The holder may still decide after the lease ran out, as long as nobody
        took it over."""
        if self.status is not ApplicationStatus.IN_REVIEW:
            raise InvalidTransitionError(self.status.value, target.value)
        if self.lease is None or self.lease.reviewer != reviewer:
            raise ConflictError(code="NOT_CLAIMED",
                                details={"reviewer": self.lease.reviewer if self.lease else None})

    def _update_round(self, **changes: Any) -> None:
        self.review_rounds[-1] = replace(self.review_rounds[-1], **changes)

    def _close_round(self, now: datetime, outcome: ReviewOutcome, opinion: str | None,
                     issues: tuple[ReviewIssue, ...]) -> None:
        self._update_round(decided_at=now, outcome=outcome, opinion=opinion, issues=issues)
