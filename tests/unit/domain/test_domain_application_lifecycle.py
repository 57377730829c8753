"""Property-based (stateful) test of the application lifecycle against a small model of it.

Hypothesis drives random sequences of edits, uploads, submits, discards, claims,
releases, an admin's reassignments and reopens, decisions, expiry, reconsideration requests and decisions, certification and
the passing of time (across fix periods and the 15 days a reconsideration may
be asked in), and checks after every step that the entity did what the model
predicts and that: no move leaves a terminal state; an application gets at
most one certificate and at most one reconsideration; a rejection's fix period
is the one SPEC §2.6 gives; the history holds exactly one entry per transition
plus the creation entry and chains from draft to the current status through
moves the transition table allows; the status is always one the table knows.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from chalicelib.domain.application import TRANSITIONS, Application, ApplicationStatus
from chalicelib.domain.eligibility import RegistrationType, evaluate
from chalicelib.domain.errors import DomainError
from chalicelib.domain.events import CertificateIssued
from chalicelib.domain.levels import Level
from chalicelib.domain.materials import MaterialStatus
from chalicelib.domain.reconsideration import RECONSIDERATION_DAYS, ReconsiderationOutcome
from chalicelib.domain.register import CeRecord, Practitioner, Registration
from chalicelib.domain.review import MAX_REVIEW_ROUNDS, fix_until
from chalicelib.domain.windows import SHANGHAI, Window
from tests.ids import make_id

S = ApplicationStatus
WINDOW = Window.create(2022, datetime(2022, 3, 1, 9, tzinfo=SHANGHAI), datetime(2022, 3, 31, 9, tzinfo=SHANGHAI))
PERSON = make_id()
LEASE = timedelta(minutes=30)
FIX_DAYS = 7
# (qualification year, registration years) that make each type eligible in 2022, with CE enough for renewal/late.
SCENARIOS = {RegistrationType.FIRST: (2021, ()), RegistrationType.RENEWAL: (2016, (2019,)),
             RegistrationType.LATE: (2010, (2017,)), RegistrationType.REISSUE: (2019, ())}
FORM = {"phone": "13800138000", "employer": "北京市某社会工作服务中心", "district": "朝阳", "education": "master",
        "mailing_address": {"recipient": "周晓梅", "phone": "13900139000", "address": "北京市朝阳区某路1号",
                            "postal_code": "100020"}}


class ApplicationLifecycle(RuleBasedStateMachine):
    @initialize(type_=st.sampled_from(list(RegistrationType)), minutes=st.integers(0, 60 * 24 * 2))
    def start(self, type_, minutes):
        qualified, years = SCENARIOS[type_]
        person = Practitioner(PERSON, "周晓梅", "Z2015000001", Level.INTERMEDIATE, qualified)
        records = [CeRecord(PERSON, date(2020, 1, 1), Decimal(90), "课程", "机构")]
        verdict = evaluate(person, [Registration(PERSON, y, f"BJ{y}") for y in years], records, WINDOW).verdict(type_)
        self.now = WINDOW.opens_at + timedelta(minutes=minutes)
        self.app = Application.start("app-1", person, verdict, WINDOW, self.now, actor="applicant")
        self.app.update_fields(FORM, self.now, WINDOW)
        self.status = S.DRAFT
        self.lease: tuple[str, datetime] | None = None
        self.materials: dict = {}
        self.transitions = 0
        self.uploads = 0
        self.registration_no: str | None = None
        self.certificates = 0
        self.fix_until: datetime | None = None
        self.rejected_by: str | None = None
        self.expired: tuple[datetime, S] | None = None  # when it last expired, and from what
        self.reconsideration_asked = False
        for kind in self.app.required_materials:
            self.upload(kind, MaterialStatus.READY)

    def upload(self, kind, outcome):
        self.uploads += 1
        upload_id = f"u{self.uploads}"
        self.app.start_upload(kind, upload_id, self.now)
        self.materials[kind] = outcome
        if outcome is MaterialStatus.READY:
            assert self.app.record_material_ready(kind, upload_id, width=1600, height=1200, size_bytes=500_000,
                                                  sha256="0" * 64, object_key=f"m/{upload_id}", now=self.now)
        elif outcome is MaterialStatus.REJECTED:
            assert self.app.record_material_rejected(kind, upload_id, "TOO_SMALL", "图片太小", self.now)

    # --- the model's predictions -------------------------------------------------------

    def in_fix_period(self) -> bool:
        return self.status is S.REJECTED and self.fix_until is not None and self.now < self.fix_until

    def editable(self, needs_open_window: bool) -> bool:
        if self.status is S.REJECTED:
            return not needs_open_window or WINDOW.is_open(self.now) or self.in_fix_period()
        return self.status is S.DRAFT

    def complete(self) -> bool:
        return all(self.materials.get(kind) is MaterialStatus.READY for kind in self.app.required_materials)

    def act(self, action, *, succeeds: bool, becomes: S | None = None):
        """Run `action`; check it succeeded or was refused (with a DomainError) as predicted,
        and count a transition when the status moved."""
        before = self.app.status
        try:
            action()
        except DomainError:
            assert not succeeds, f"{action} refused in {before}"
            assert self.app.status is before
            return
        assert succeeds, f"{action} accepted in {before}"
        if becomes is not None:
            self.status = becomes
        assert self.app.status is self.status
        if self.app.status is not before:
            assert not before.is_terminal
            self.transitions += 1

    # --- what people and jobs do ---------------------------------------------------------

    @rule(minutes=st.sampled_from([1, 29, 31, 60 * 6, 60 * 24, 60 * 24 * 3, 60 * 24 * 10, 60 * 24 * 16]))
    def time_passes(self, minutes):
        self.now += timedelta(minutes=minutes)

    @rule(offset=st.sampled_from([-60 * 24 * 8, -60 * 24 * 3, -1, 1, 60 * 24 * 6, 60 * 24 * 8, 60 * 24 * 20]))
    def time_moves_to_around_the_close(self, offset):
        """Fix periods turn on where a rejection, a resubmission and expiry fall around the close."""
        self.now = max(self.now, WINDOW.closes_at + timedelta(minutes=offset))

    @rule(employer=st.sampled_from(["某社工机构", "另一家机构"]))
    def applicant_saves_the_form(self, employer):
        self.act(lambda: self.app.update_fields({"employer": employer}, self.now, WINDOW),
                 succeeds=self.editable(needs_open_window=True))

    @rule(data=st.data(), outcome=st.sampled_from([MaterialStatus.READY, MaterialStatus.READY, MaterialStatus.PENDING,
                                                   MaterialStatus.REJECTED]))
    def applicant_uploads_a_photo(self, data, outcome):
        kind = data.draw(st.sampled_from(self.app.required_materials))
        self.act(lambda: self.upload(kind, outcome), succeeds=self.editable(needs_open_window=False))

    @rule(declaration=st.booleans())
    def applicant_submits(self, declaration):
        rounds_left = self.status is not S.REJECTED or len(self.app.review_rounds) < MAX_REVIEW_ROUNDS
        ok = (self.status in (S.DRAFT, S.REJECTED) and (WINDOW.is_open(self.now) or self.in_fix_period())
              and declaration and self.complete() and rounds_left)
        self.act(lambda: self.app.submit(self.now, WINDOW, declaration, actor="applicant"),
                 succeeds=ok, becomes=S.SUBMITTED)
        if ok:
            self.lease = None
            self.fix_until = None

    @rule()
    def applicant_discards_the_draft(self):
        self.act(lambda: self.app.discard(self.now, actor="applicant"), succeeds=self.status is S.DRAFT,
                 becomes=S.DISCARDED)

    @rule(reviewer=st.sampled_from(["rev-a", "rev-b"]))
    def reviewer_claims(self, reviewer):
        if self.status is S.SUBMITTED:
            ok = True
        elif self.status is S.IN_REVIEW:
            holder, until = self.lease
            ok = holder == reviewer or self.now >= until
        else:
            ok = False
        self.act(lambda: self.app.claim(reviewer, self.now, LEASE), succeeds=ok, becomes=S.IN_REVIEW)
        if ok:
            self.lease = (reviewer, self.now + LEASE)
            assert (self.app.lease.reviewer, self.app.lease.until) == self.lease

    @rule(reviewer=st.sampled_from(["rev-a", "rev-b"]))
    def reviewer_releases(self, reviewer):
        ok = self.status is S.IN_REVIEW and self.lease[0] == reviewer and self.now < self.lease[1]
        self.act(lambda: self.app.release(reviewer, self.now), succeeds=ok, becomes=S.SUBMITTED)
        if ok:
            self.lease = None

    @rule(reviewer=st.sampled_from(["rev-a", "rev-b"]))
    def admin_reassigns(self, reviewer):
        ok = self.status in (S.SUBMITTED, S.IN_REVIEW)
        self.act(lambda: self.app.reassign(reviewer, self.now, actor="admin", lease=LEASE), succeeds=ok,
                 becomes=S.IN_REVIEW)
        if ok:
            self.lease = (reviewer, self.now + LEASE)

    @rule(days=st.sampled_from([1, 3, 10]))
    def admin_reopens(self, days):
        before, until = self.status, self.now + timedelta(days=days)
        # a double click: the same reopen again, nothing moved since (no history entry): a no-op
        repeat = getattr(self, "reopened", None) == (until, len(self.app.history))
        ok = before in (S.EXPIRED, S.REJECTED) and (repeat or len(self.app.review_rounds) < MAX_REVIEW_ROUNDS)
        self.act(lambda: self.app.reopen("窗口核实", until, self.now, actor="admin"), succeeds=ok, becomes=S.REJECTED)
        if ok and not repeat:
            self.fix_until = until
            self.transitions += before is S.REJECTED  # rejected → rejected: a move `act` cannot see
            self.reopened = (until, len(self.app.history))

    def may_decide(self, reviewer: str) -> bool:
        return self.status is S.IN_REVIEW and self.lease[0] == reviewer

    @rule(reviewer=st.sampled_from(["rev-a", "rev-b"]))
    def reviewer_approves(self, reviewer):
        self.act(lambda: self.app.approve(reviewer, self.now), succeeds=self.may_decide(reviewer),
                 becomes=S.APPROVED)

    @rule(reviewer=st.sampled_from(["rev-a", "rev-b"]), blame_photo=st.booleans())
    def reviewer_rejects(self, reviewer, blame_photo):
        issues = [{"item": "id_photo", "note": "请重拍"}] if blame_photo else []
        ok = self.may_decide(reviewer)
        self.act(lambda: self.app.reject(reviewer, self.now, "材料不符合要求", issues, window=WINDOW,
                                         fix_days=FIX_DAYS),
                 succeeds=ok, becomes=S.REJECTED)
        if ok:
            self.fix_until = fix_until(self.now, WINDOW.closes_at, FIX_DAYS)
            self.rejected_by = reviewer

    @precondition(lambda self: WINDOW.has_closed(self.now))
    @rule()
    def window_job_expires_it(self):
        before = self.status
        ok = before is S.DRAFT or (before is S.REJECTED and not self.in_fix_period())
        self.act(lambda: self.app.expire(self.now), succeeds=ok, becomes=S.EXPIRED)
        if ok:
            self.expired = (self.now, before)

    @rule()
    def applicant_asks_for_reconsideration(self):
        ok = (self.status is S.EXPIRED and not self.reconsideration_asked and self.expired[1] is S.REJECTED
              and self.now <= self.expired[0] + timedelta(days=RECONSIDERATION_DAYS))
        self.act(lambda: self.app.request_reconsideration("审核意见与事实不符", self.now, actor="applicant"),
                 succeeds=ok, becomes=S.RECONSIDERATION_REQUESTED)
        if ok:
            self.reconsideration_asked = True

    @rule(reviewer=st.sampled_from(["rev-a", "rev-b"]), outcome=st.sampled_from(list(ReconsiderationOutcome)))
    def reviewer_decides_the_reconsideration(self, reviewer, outcome):
        ok = self.status is S.RECONSIDERATION_REQUESTED and reviewer != self.rejected_by
        target = {ReconsiderationOutcome.OVERTURN: S.APPROVED, ReconsiderationOutcome.UPHOLD: S.EXPIRED,
                  ReconsiderationOutcome.REOPEN: S.REJECTED}[outcome]
        self.act(lambda: self.app.decide_reconsideration(reviewer, outcome, "复核意见", self.now, fix_days=FIX_DAYS),
                 succeeds=ok, becomes=target)
        if ok:
            self.fix_until = self.now + timedelta(days=FIX_DAYS) if target is S.REJECTED else None
            if target is S.EXPIRED:
                self.expired = (self.now, S.RECONSIDERATION_REQUESTED)

    @rule(number=st.sampled_from(["BJ2022-000001", "BJ2022-000002"]))
    def certificate_job_issues_it(self, number):
        ok = self.status is S.APPROVED
        self.act(lambda: self.app.certify(number, self.now), succeeds=ok, becomes=S.CERTIFIED)
        if ok:
            self.registration_no = number

    @rule(rejects=st.booleans(), outcome=st.sampled_from(list(ReconsiderationOutcome)))
    def the_usual_next_step_happens(self, rejects, outcome):
        """Keeps runs moving through the whole lifecycle instead of circling in draft
        (Hypothesis disables random subsets of rules per run)."""
        if self.status is S.REJECTED and (rejects or WINDOW.has_closed(self.now) and not self.in_fix_period()):
            # the applicant lets it lapse: past the close and the fix period, the window job expires it
            self.now = max(self.now, WINDOW.closes_at, self.fix_until or self.now) + timedelta(minutes=1)
            self.window_job_expires_it()
        elif self.status in (S.DRAFT, S.REJECTED):
            self.applicant_submits(declaration=True)
        elif self.status is S.SUBMITTED:
            self.reviewer_claims("rev-a")
        elif self.status is S.IN_REVIEW and rejects:
            self.reviewer_rejects(self.lease[0], blame_photo=False)
        elif self.status is S.IN_REVIEW:
            self.reviewer_approves(self.lease[0])
        elif self.status is S.APPROVED:
            self.certificate_job_issues_it("BJ2022-000001")
        elif self.status is S.EXPIRED:
            self.applicant_asks_for_reconsideration()
        elif self.status is S.RECONSIDERATION_REQUESTED:
            self.reviewer_decides_the_reconsideration("rev-b" if self.rejected_by == "rev-a" else "rev-a", outcome)

    # --- what must always hold ---------------------------------------------------------

    @invariant()
    def status_is_one_the_table_knows(self):
        assert self.app.status in TRANSITIONS

    @invariant()
    def history_has_one_entry_per_transition_plus_creation_and_chains(self):
        history = self.app.history
        assert len(history) == self.transitions + 1
        assert history[0].from_status is None and history[0].to_status is S.DRAFT
        assert all(a.to_status is b.from_status for a, b in zip(history, history[1:]))
        assert all(b.to_status in TRANSITIONS[b.from_status] for b in history[1:])
        assert history[-1].to_status is self.app.status

    @invariant()
    def the_fix_period_is_the_one_the_model_gives(self):
        assert self.app.fix_until == self.fix_until
        assert self.app.in_fix_period(self.now) is self.in_fix_period()

    @invariant()
    def a_reconsideration_is_asked_at_most_once_and_only_after_a_rejection(self):
        asked = [h for h in self.app.history if h.to_status is S.RECONSIDERATION_REQUESTED]
        assert len(asked) == int(self.reconsideration_asked) <= 1
        assert all(h.from_status is S.EXPIRED for h in asked)
        assert (self.app.reconsideration is not None) is self.reconsideration_asked

    @invariant()
    def at_most_one_certificate(self):
        self.certificates += sum(isinstance(e, CertificateIssued) for e in self.app.pull_events())
        assert self.certificates <= 1
        assert self.app.registration_no == self.registration_no
        assert (self.app.registration_no is not None) is (self.app.status is S.CERTIFIED)

    @invariant()
    def every_submission_has_its_review_round(self):
        submissions = sum(h.to_status is S.SUBMITTED and h.from_status is not S.IN_REVIEW  # a release is none
                          for h in self.app.history)
        assert [r.number for r in self.app.review_rounds] == list(range(1, submissions + 1))
        assert (self.app.lease is not None) is (self.app.status is S.IN_REVIEW)


ApplicationLifecycle.TestCase.settings = settings(max_examples=120, stateful_step_count=40, deadline=None)
test_application_lifecycle = ApplicationLifecycle.TestCase
