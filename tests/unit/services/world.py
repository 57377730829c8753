"""The service tests' world: a `Deps` made of the in-memory fakes, and the people and applications in it.

Nothing here touches DynamoDB, S3 or the network, so the whole service layer runs
in a second or two. The fakes are held to the real adapters by the contract tests
named in `tests/fakes.py`. `conftest.py` hands these out as the `fakes` and `world` fixtures.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from chalicelib.domain.accounts import Account, Role
from chalicelib.domain.application import Application
from chalicelib.domain.commands import CreateApplication, Decision, SaveDraft, Submit
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.domain.levels import Level
from chalicelib.domain.register import Practitioner, Registration
from chalicelib.domain.windows import SHANGHAI, Window
from chalicelib.services import applicant, review
from chalicelib.services.deps import Deps, Keys
from chalicelib.settings import Settings
from tests.fakes import (
    FakeAccountRepository,
    FakeApplicationRepository,
    FakeAuditLog,
    FakeCertificateRenderer,
    FakeCertificateRepository,
    FakeClock,
    FakeCorrectionRepository,
    FakeContinuation,
    FakeDeadLetterQueue,
    FakeIdGenerator,
    FakeJobLeases,
    FakeMailingRepository,
    FakeMessageRepository,
    FakeObjectStore,
    FakeOutbox,
    FakePhotoProcessor,
    FakeRateLimiter,
    FakeRegisterRepository,
    FakeSms,
    FakeSmsCodeRepository,
    FakeTokenSigner,
    FakeUploadSigner,
    FakeWorkQueue,
    FakeWindowRepository,
)
from tests.ids import make_id

SETTINGS = Settings(stage="test", region="cn-north-1", table_prefix="swreg-test-", bucket="swreg-test",
                    sms_sink="file", sms_file="sms.log", jwt_key_file="jwt.key", jwt_key_parameter=None,
                    debug=False, verify_base_url="https://swreg.test/verify/", upload_urls_per_material_per_day=3)
YEAR = 2026
OPENS_AT = datetime(YEAR, 3, 1, 9, tzinfo=SHANGHAI)
CLOSES_AT = datetime(YEAR, 4, 1, tzinfo=SHANGHAI)
NOW = datetime(YEAR, 3, 10, 10, tzinfo=SHANGHAI)
FORM = {"employer": "西城社工", "district": "西城区", "education": "bachelor", "pickup_method": "electronic"}


def fake_deps() -> Deps:
    """A `Deps` whose every port is a fake."""
    messages, outbox, register = FakeMessageRepository(), FakeOutbox(), FakeRegisterRepository()
    applications = FakeApplicationRepository(messages=messages, outbox=outbox)
    audit = FakeAuditLog()
    mailings = FakeMailingRepository(messages, outbox)
    return Deps(
        settings=SETTINGS, register=register, windows=FakeWindowRepository(), applications=applications,
        accounts=FakeAccountRepository(), sms_codes=FakeSmsCodeRepository(), rate_limiter=FakeRateLimiter(),
        messages=messages, outbox=outbox, audit=audit,
        certificates=FakeCertificateRepository(applications, register, mailings), continuation=FakeContinuation(),
        certificate_queue=FakeWorkQueue(), job_leases=FakeJobLeases(),
        mailings=mailings,
        corrections=FakeCorrectionRepository(register, audit, messages, outbox),
        dead_letters=FakeDeadLetterQueue(),
        uploads=FakeUploadSigner(), files=FakeObjectStore(), sms=FakeSms(), photos=FakePhotoProcessor(),
        renderer=FakeCertificateRenderer(), tokens=FakeTokenSigner(), clock=FakeClock(NOW), ids=FakeIdGenerator(),
        keys=Keys(lambda: b"service-test signing key, 32 bytes or more"), health_probes={})


class World:
    """Stores the window of YEAR and makes applicants and their applications at any stage."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.window = Window.create(YEAR, OPENS_AT, CLOSES_AT)
        deps.windows.put(self.window)

    def applicant(self, name: str = "周晓梅", *, in_register: bool = True,
                  registered_in: int | None = None) -> Account:
        """An applicant account; in the register unless told otherwise: due for first registration,
        or last registered in `registered_in`."""
        id_number = make_id(seq=uuid.uuid4().int % 999)
        while id_number in self.deps.register.practitioners:
            id_number = make_id(seq=uuid.uuid4().int % 999)
        if in_register:
            self.deps.register.upsert_practitioners(
                [Practitioner(id_number, name, f"Z{uuid.uuid4().int % 10**9:09d}", Level.INTERMEDIATE,
                              (registered_in or YEAR) - 1)])
        if registered_in is not None:
            self.deps.register.upsert_registrations(
                [Registration(id_number, registered_in, f"BJ{registered_in}000999")])
        phone = f"139{uuid.uuid4().int % 10**8:08d}"
        return Account(account_id=uuid.uuid4().hex, login_key=f"phone#{phone}", role=Role.APPLICANT,
                       password_hash="-", created_at=OPENS_AT, phone=phone, id_number=id_number)

    def reviewer(self, username: str = "rev1") -> Account:
        return Account(account_id=uuid.uuid4().hex, login_key=f"user#{username}", role=Role.REVIEWER,
                       password_hash="-", created_at=OPENS_AT, username=username)

    def draft(self, account: Account, *, complete: bool = True, phone: str | None = "13800138000",
              at: datetime = NOW, kind: RegistrationType = RegistrationType.FIRST) -> Application:
        """A stored draft of `kind`; with `complete`, its form filled and every material ready."""
        application = applicant.create_application(self.deps, account, CreateApplication(kind), at)
        if complete:
            fields = {**FORM, "phone": phone} if phone else dict(FORM)
            if kind is RegistrationType.REISSUE:
                fields["reissue_reason"] = "lost"
            application = applicant.update_application(self.deps, account, application.application_id,
                                                       SaveDraft(fields), at)
            for kind in application.required_materials:
                key = f"materials/{application.application_id}/{kind.value}/u-{kind.value}.jpg"
                self.deps.files.write(key, b"\xff\xd8stored photo\xff\xd9", "image/jpeg")
                application.start_upload(kind, f"u-{kind.value}", at)
                application.record_material_ready(kind, f"u-{kind.value}", width=413, height=626, size_bytes=20,
                                                  sha256="0" * 64, object_key=key, now=at)
            self.deps.applications.save(application)
        return self.deps.applications.get(application.application_id)

    def submitted(self, account: Account, at: datetime = NOW, **draft) -> Application:
        draft = self.draft(account, at=at, **draft)
        return applicant.submit(self.deps, account, draft.application_id, Submit(True), at)

    def in_review(self, account: Account, reviewer: Account, at: datetime = NOW, **draft) -> Application:
        application = self.submitted(account, at, **draft)
        return review.claim(self.deps, reviewer, application.application_id, at)

    def approved(self, account: Account, reviewer: Account, at: datetime = NOW, **draft) -> Application:
        application = self.in_review(account, reviewer, at, **draft)
        return review.decide(self.deps, reviewer, application.application_id, Decision("approve"),
                             at + timedelta(minutes=5))

    def rejected(self, account: Account, reviewer: Account, at: datetime = NOW) -> Application:
        application = self.in_review(account, reviewer, at)
        return review.decide(self.deps, reviewer, application.application_id,
                             Decision("reject", "照片不清晰"), at + timedelta(minutes=5))

    def texts_to(self, phone: str) -> list[str]:
        """The text of every SMS queued in the outbox for `phone`, whatever its status."""
        return [sms.text for sms in sorted(self.deps.outbox.texts.values(), key=lambda sms: sms.due_at)
                if sms.phone == phone]

    def messages_of(self, account: Account) -> list:
        """The applicant's in-app messages, newest first."""
        return self.deps.messages.list(account.id_number, None, 100).items
