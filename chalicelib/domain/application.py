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
reviewer's decision must meet (opinion, issues, caps) are in `chalicelib.domain.review`; the fix
period's values and reconsideration (复核) in `chalicelib.domain.reconsideration`.
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
from chalicelib.domain.eligibility import (
    PickupMethod, RegistrationType, ReissueReason, TypeVerdict, allowed_reissue_reasons)
from chalicelib.domain.errors import ConflictError, InvalidTransitionError, PermissionDeniedError, RuleViolationError
from chalicelib.domain.events import (
    ApplicationApproved,
    ApplicationEvent,
    ApplicationExpired,
    ApplicationRejected,
    ApplicationSubmitted,
    ApplicationReopened,
    CertificateIssued,
    ReminderDue,
)
from chalicelib.domain.levels import Level, valid_until
from chalicelib.domain.materials import Material, MaterialKind, MaterialSlots, material_problems
from chalicelib.domain.reconsideration import (
    RECONSIDERATION_DAYS,
    Reconsideration,
    ReconsiderationDecided,
    ReconsiderationOutcome,
    ReconsiderationRequested,
    RejectedWithFixPeriod,
    clean_reason,
    request_deadline,
)
from chalicelib.domain.register import Practitioner
from chalicelib.domain.review import (
    DEFAULT_FIX_DAYS,
    DEFAULT_LEASE,
    MAX_REVIEW_ROUNDS,
    Lease,
    ReviewIssue,
    ReviewOutcome,
    ReviewRound,
    approval_opinion,
    beijing_time,
    clean_opinion,
    fix_period,
    fix_until,
    parse_rejection,
)
from chalicelib.domain.staff_actions import check_fix_until, clean_note
from chalicelib.domain.windows import Window


class ApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CERTIFIED = "certified"
    DISCARDED = "discarded"
    RECONSIDERATION_REQUESTED = "reconsideration_requested"

    @property
    def chinese(self) -> str:
        return texts.STATE_LABELS[self.value]

    @property
    def is_terminal(self) -> bool:
        return not TRANSITIONS[self]


_S = ApplicationStatus
TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    _S.DRAFT: frozenset({_S.SUBMITTED, _S.EXPIRED, _S.DISCARDED}),
    _S.SUBMITTED: frozenset({_S.IN_REVIEW}),
    # back to the queue: released by the holder (`release`)
    _S.IN_REVIEW: frozenset({_S.APPROVED, _S.REJECTED, _S.SUBMITTED}),
    # rejected → rejected: an admin's reopen sets a new fix period (`reopen`)
    _S.REJECTED: frozenset({_S.SUBMITTED, _S.EXPIRED, _S.REJECTED}),
    _S.APPROVED: frozenset({_S.CERTIFIED}),
    # after a rejection, once and within RECONSIDERATION_DAYS (`request_reconsideration`);
    # an admin's reopen (`reopen`)
    _S.EXPIRED: frozenset({_S.RECONSIDERATION_REQUESTED, _S.REJECTED}),
    # overturn, uphold (final: a reconsideration is asked once), reopen (with a new fix_until)
    _S.RECONSIDERATION_REQUESTED: frozenset({_S.APPROVED, _S.EXPIRED, _S.REJECTED}),
    _S.CERTIFIED: frozenset(),
    _S.DISCARDED: frozenset(),
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
    # (window, status, type) as the repository last read or wrote it, set like `version` and never
    # stored: a write moves the stats counters from it to the key now (`domain/tally.py`). None: new.
    stored_key: tuple[int, ApplicationStatus, RegistrationType] | None = field(default=None, compare=False,
                                                                               repr=False)
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
    # A rejection's fix period (SPEC §2.6): editing and resubmitting stay allowed until then even
    # with the window closed. Set by `reject` (None when the window left time enough) and a
    # reconsideration's reopen; cleared by `submit`.
    fix_until: datetime | None = None
    # The one reconsideration (复核) this application may have, asked and then decided.
    reconsideration: Reconsideration | None = None
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
        """Draft or rejected. A rejected one is editable only while its window is open or its
        fix period lasts, which `update_fields` checks (it is given the window)."""
        return self.status in (ApplicationStatus.DRAFT, ApplicationStatus.REJECTED)

    def in_fix_period(self, now: datetime) -> bool:
        """Rejected with a fix period not yet over: it may be edited and resubmitted whether or
        not its window is open, and the window's close does not expire it."""
        return self.status is ApplicationStatus.REJECTED and self.fix_until is not None and now < self.fix_until

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
        if self.status not in (ApplicationStatus.DRAFT, ApplicationStatus.REJECTED):  # not a release
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
        self.fix_until = None
        self.review_rounds.append(ReviewRound(number=len(self.review_rounds) + 1, submitted_at=now))
        self.events.append(ApplicationSubmitted(self.application_id, self.id_number, now,
                                                round_number=len(self.review_rounds)))

    def discard(self, now: datetime, actor: str) -> None:
        """Draft → discarded, by the applicant who picked the wrong type: kept in the history,
        its materials dropped (the caller deletes their objects). Releasing the one-live-
        application guard is the repository's `save_discarded`.

        Raises InvalidTransitionError from any other status: a submitted application
        cannot be withdrawn (the manual)."""
        self._transition(ApplicationStatus.DISCARDED, now, actor, texts.history_note("DISCARDED"))
        self.materials = {}

    def _submit_problems(self, now: datetime, window: Window, declaration: bool) -> dict[str, str]:
        problems: dict[str, str] = {}
        if declaration is not True:
            problems["declaration"] = texts.reason("DECLARATION_REQUIRED")
        if not self._may_file(now, window):
            problems["window"] = (texts.reason("FIX_PERIOD_ENDED_FOR_SUBMIT", fix_until=beijing_time(self.fix_until))
                                  if self._fix_period_over(now)
                                  else texts.reason("WINDOW_NOT_OPEN_FOR_SUBMIT", year=self.window_year))
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

    def release(self, reviewer: str, now: datetime) -> None:
        """In review → submitted, by the holder of a live lease giving it up: the application goes
        back to its place in the queue (its submission time) and the round waits for a new claim.

        Raises InvalidTransitionError for an application that is not in review, and ConflictError
        CLAIM_NOT_HELD when `reviewer` does not hold a live lease (another's, or one that ran out:
        that one is anybody's to take over by a claim)."""
        if self.status is not ApplicationStatus.IN_REVIEW:
            raise InvalidTransitionError(self.status.value, ApplicationStatus.SUBMITTED.value, move="release")
        if self.lease is None or self.lease.reviewer != reviewer or not self.lease.is_live(now):
            raise ConflictError(code="CLAIM_NOT_HELD")
        self._transition(ApplicationStatus.SUBMITTED, now, reviewer, texts.history_note("RELEASED"))
        self._update_round(reviewer=None, claimed_at=None)

    def reassign(self, reviewer: str, now: datetime, actor: str, lease: timedelta = DEFAULT_LEASE) -> Lease:
        """An admin (`actor`) gives the claim to `reviewer` with a fresh lease, whoever held it and
        whether or not that lease was live: a submitted application goes into review (a history
        entry), one in review changes hands (no status change, so no history entry; the service
        audits it). Whether `reviewer` is active staff is the caller's check.

        Raises InvalidTransitionError for an application neither submitted nor in review."""
        if lease <= timedelta(0):
            raise ValueError("a lease must last some time")
        if self.status is ApplicationStatus.SUBMITTED:
            self._transition(ApplicationStatus.IN_REVIEW, now, actor,
                             texts.history_note("REASSIGNED", reviewer=reviewer))
        elif self.status is ApplicationStatus.IN_REVIEW:
            self._touch(now)
        else:
            raise InvalidTransitionError(self.status.value, ApplicationStatus.IN_REVIEW.value, move="reassign")
        self._update_round(reviewer=reviewer, claimed_at=now)
        self.lease = Lease(reviewer, now + lease)
        return self.lease

    def approve(self, reviewer: str, now: datetime, opinion: str | None = None) -> None:
        """In review → approved, by the reviewer holding the lease. Closes the review round."""
        self._require_decider(ApplicationStatus.APPROVED, reviewer)
        text = approval_opinion(opinion)
        self._transition(ApplicationStatus.APPROVED, now, reviewer, text or texts.history_note("APPROVED"))
        self._close_round(now, ReviewOutcome.APPROVED, text, ())
        self.events.append(ApplicationApproved(self.application_id, self.id_number, now, opinion=text,
                                               mailed=self.fields.pickup_method is PickupMethod.MAIL))

    def reject(self, reviewer: str, now: datetime, opinion: str,
               issues: Iterable[ReviewIssue | Mapping[str, Any]] = (), *, window: Window | None = None,
               fix_days: int = DEFAULT_FIX_DAYS) -> None:
        """In review → rejected, by the reviewer holding the lease, with an opinion and optionally
        the fields or materials at fault. Closes the review round. Decided after `window` (the
        application's) closed or fewer than `fix_days` days before, the rejection gets a fix
        period (`fix_until`, `review.fix_until`) and its event says until when.

        Raises ValidationError naming an empty opinion and every issue whose item
        is not a field or material of this application (`review.parse_rejection`).
        """
        self._require_decider(ApplicationStatus.REJECTED, reviewer)
        text, parsed = parse_rejection(opinion, issues, self.issue_items)
        until = fix_until(now, window.closes_at, fix_days) if window is not None else None
        self._transition(ApplicationStatus.REJECTED, now, reviewer, text)
        self._close_round(now, ReviewOutcome.REJECTED, text, parsed)
        self.fix_until = until
        if until is None:
            self.events.append(ApplicationRejected(self.application_id, self.id_number, now,
                                                   opinion=text, issues=parsed))
        else:
            self.events.append(RejectedWithFixPeriod(self.application_id, self.id_number, now,
                                                     opinion=text, issues=parsed, fix_until=until))

    # --- expiry, reminders and the certificate -----------------------------------

    def expire(self, now: datetime, actor: str = "system") -> None:
        """Draft or rejected → expired, when the window has closed (the caller's judgement).
        The event says which, so a rejected applicant is told it was not resubmitted in time.

        Raises ConflictError FIX_PERIOD_OPEN for a rejected application still in its fix
        period (`in_fix_period`): the window's close does not end that; InvalidTransitionError
        from any status but draft and rejected (a pending reconsideration expires only by its
        decision, `decide_reconsideration`)."""
        if self.status not in (ApplicationStatus.DRAFT, ApplicationStatus.REJECTED):
            raise InvalidTransitionError(self.status.value, ApplicationStatus.EXPIRED.value)
        if self.in_fix_period(now):
            raise ConflictError(code="FIX_PERIOD_OPEN", fix_until=beijing_time(self.fix_until),
                                details={"fix_until": self.fix_until.isoformat()})
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
        if not self.is_editable or days_before in self.reminders_sent or self.fix_until is not None:
            return False  # a rejection with a fix period was told its own date, not the window's
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

    # --- reconsideration (复核) ----------------------------------------------------

    def request_reconsideration(self, reason: object, now: datetime, actor: str) -> None:
        """Expired after a rejection → reconsideration requested, by the applicant, with a reason:
        once per application, and within RECONSIDERATION_DAYS of expiring (the history says when).

        Raises ConflictError RECONSIDERATION_ALREADY_REQUESTED for a second request (whatever
        became of the first), InvalidTransitionError from any status but expired, ConflictError
        RECONSIDERATION_NOT_AFTER_REJECTION for one that expired as a draft, RuleViolationError
        RECONSIDERATION_TOO_LATE after the deadline, and ValidationError for a missing or
        over-long reason.
        """
        if self.reconsideration is not None:
            raise ConflictError(code="RECONSIDERATION_ALREADY_REQUESTED")
        target = ApplicationStatus.RECONSIDERATION_REQUESTED
        if target not in TRANSITIONS[self.status]:
            raise InvalidTransitionError(self.status.value, target.value)
        expiry = self.history[-1]  # the move into `expired`: only transitions write history
        if expiry.from_status is not ApplicationStatus.REJECTED:
            raise ConflictError(code="RECONSIDERATION_NOT_AFTER_REJECTION")
        deadline = request_deadline(expiry.at)
        if now > deadline:
            raise RuleViolationError(code="RECONSIDERATION_TOO_LATE", days=RECONSIDERATION_DAYS,
                                     deadline=beijing_time(deadline), details={"deadline": deadline.isoformat()})
        text = clean_reason(reason)
        rejected_by = next((r.reviewer for r in reversed(self.review_rounds)
                            if r.outcome is ReviewOutcome.REJECTED), None)
        self._transition(target, now, actor, texts.history_note("RECONSIDERATION_REQUESTED"))
        self.reconsideration = Reconsideration(requested_at=now, reason=text, rejected_by=rejected_by)
        self.events.append(ReconsiderationRequested(self.application_id, self.id_number, now))

    def decide_reconsideration(self, reviewer: str, outcome: ReconsiderationOutcome, opinion: object,
                               now: datetime, fix_days: int = DEFAULT_FIX_DAYS) -> None:
        """Reconsideration requested → approved (overturn: the certificate run issues it),
        expired (uphold: final, no second request) or rejected with a new fix period ending
        `fix_days` from now (reopen), by a reviewer other than the one whose rejection was
        asked about, with an opinion.

        Raises InvalidTransitionError unless a reconsideration is pending (a second decision
        included), PermissionDeniedError RECONSIDERATION_OWN_REJECTION for the rejecting
        reviewer, and ValidationError for a missing or over-long opinion.
        """
        target, note = {
            ReconsiderationOutcome.OVERTURN: (ApplicationStatus.APPROVED, "RECONSIDERATION_OVERTURNED"),
            ReconsiderationOutcome.UPHOLD: (ApplicationStatus.EXPIRED, "RECONSIDERATION_UPHELD"),
            ReconsiderationOutcome.REOPEN: (ApplicationStatus.REJECTED, "RECONSIDERATION_REOPENED"),
        }[outcome]
        if self.status is not ApplicationStatus.RECONSIDERATION_REQUESTED:
            raise InvalidTransitionError(self.status.value, target.value)
        if reviewer == self.reconsideration.rejected_by:
            raise PermissionDeniedError(code="RECONSIDERATION_OWN_REJECTION")
        text = clean_opinion(opinion)
        until = now + fix_period(fix_days) if outcome is ReconsiderationOutcome.REOPEN else None
        params = {"fix_until": beijing_time(until)} if until is not None else {}
        self._transition(target, now, reviewer, texts.history_note(note, opinion=text, **params))
        self.reconsideration = replace(self.reconsideration, decided_at=now, reviewer=reviewer, outcome=outcome,
                                       opinion=text)
        self.fix_until = until
        self.events.append(ReconsiderationDecided(self.application_id, self.id_number, now, outcome=outcome,
                                                  opinion=text, fix_until=until,
                                                  mailed=self.fields.pickup_method is PickupMethod.MAIL))

    # --- the helpdesk ------------------------------------------------------------

    def reopen(self, note: object, fix_until: datetime, now: datetime, actor: str) -> bool:
        """Expired or rejected → rejected with a fix period ending `fix_until`, by an admin (`actor`)
        for a case decided at the counter: the applicant may edit and resubmit until then whether
        or not the window is open. The note is kept in the history (the applicant sees it) and goes
        into the notice (`ApplicationReopened`). True when reopened; False, changing nothing and
        raising no event, for a repeat of the reopen that made the application what it is (the same
        note and `fix_until`: a double click), so the applicant is told once.

        Raises InvalidTransitionError from any other status, RuleViolationError
        REOPEN_ROUNDS_EXHAUSTED when its MAX_REVIEW_ROUNDS review rounds are used up (`submit`
        would refuse the resubmission), and ValidationError for a missing or over-long note or a
        `fix_until` not ahead of `now` (or further than `MAX_FIX_PERIOD`)."""
        if self.status not in (ApplicationStatus.EXPIRED, ApplicationStatus.REJECTED):
            raise InvalidTransitionError(self.status.value, ApplicationStatus.REJECTED.value, move="reopen")
        text = clean_note(note)
        if self.is_reopened_as(text, fix_until):
            return False
        if len(self.review_rounds) >= MAX_REVIEW_ROUNDS:
            raise RuleViolationError(code="REOPEN_ROUNDS_EXHAUSTED", rounds=MAX_REVIEW_ROUNDS)
        until = check_fix_until(fix_until, now)
        self._transition(ApplicationStatus.REJECTED, now, actor, _reopened_note(text, until))
        self.fix_until = until
        self.events.append(ApplicationReopened(self.application_id, self.id_number, now, note=text, fix_until=until))
        return True

    def is_reopened_as(self, note: object, fix_until: datetime) -> bool:
        """Whether the last move was an admin's reopen with this note until `fix_until`, and nothing
        has changed the status since (a ValidationError for a note `reopen` would refuse)."""
        last = self.history[-1] if self.history else None
        return (self.status is ApplicationStatus.REJECTED and self.fix_until == fix_until
                and last is not None and last.to_status is ApplicationStatus.REJECTED
                and last.note == _reopened_note(clean_note(note), fix_until))

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
        if self.status is ApplicationStatus.REJECTED and not self._may_file(now, window):
            reason = (texts.reason("FIX_PERIOD_ENDED_FOR_EDIT", fix_until=beijing_time(self.fix_until))
                      if self._fix_period_over(now) else texts.reason("WINDOW_ENDED_FOR_EDIT", year=self.window_year))
            raise RuleViolationError(code="WINDOW_CLOSED", year=self.window_year, details={"window": reason})

    def _may_file(self, now: datetime, window: Window | None) -> bool:
        """Edits and submissions need the application's window open, or its fix period."""
        window_open = window is not None and window.year == self.window_year and window.is_open(now)
        return window_open or self.in_fix_period(now)

    def _fix_period_over(self, now: datetime) -> bool:
        return self.status is ApplicationStatus.REJECTED and self.fix_until is not None and now >= self.fix_until

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


def _reopened_note(note: str, fix_until: datetime) -> str:
    return texts.history_note("REOPENED", fix_until=beijing_time(fix_until), note=note)
