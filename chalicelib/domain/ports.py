"""What services need from storage and the outside world, as interfaces.

Adapters implement these (DynamoDB in `chalicelib/adapters/dynamo/`); tests
use the in-memory fakes in `tests/fakes.py`, which one contract test keeps
honest against the real repositories.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Protocol, Sequence

if TYPE_CHECKING:
    from chalicelib.domain.accounts import Account
    from chalicelib.domain.application import Application, ApplicationStatus
    from chalicelib.domain.certificates import Certificate
    from chalicelib.domain.corrections import Correction, CorrectionStatus
    from chalicelib.domain.eligibility import RegistrationType
    from chalicelib.domain.mailing import Mailing, MailingState
    from chalicelib.domain.materials import MaterialKind
    from chalicelib.domain.notifications import Message
    from chalicelib.domain.outbox import OutboxStatus, Sms, SmsContent
    from chalicelib.domain.register import CeRecord, Practitioner, Registration
    from chalicelib.domain.windows import Window


@dataclass(frozen=True)
class UpsertCounts:
    """What an import batch did: new rows, changed rows, rows already identical."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: "UpsertCounts") -> "UpsertCounts":
        return UpsertCounts(self.imported + other.imported, self.updated + other.updated,
                            self.unchanged + other.unchanged)


@dataclass(frozen=True)
class Page:
    """One page of a list, and where the next one starts (None on the last page).

    `position` is the sort-key value of the page's last item: a time and an
    opaque id, never a partition value such as an ID number (the repository
    re-derives that from its own arguments). Jobs pass it back as it is; the
    HTTP edge seals it into a client cursor bound to the route and the caller
    (`chalicelib/handlers/cursors.py`), so a client can neither read nor forge one.
    """

    items: list
    position: str | None


@dataclass(frozen=True)
class AuditEntry:
    """Who did what to a subject (an application id, `certificate#<no>`), and when."""

    at: datetime
    actor: str
    action: str
    subject: str = ""  # filled on every entry a listing returns (helpdesk audit listing)


class RegisterRepository(Protocol):
    """The qualification register, past registrations and CE records (operator-imported)."""

    def get_practitioner(self, id_number: str) -> "Practitioner | None": ...

    def registrations_of(self, id_number: str) -> list["Registration"]:
        """Oldest first. Unpaged on purpose: bounded by the register (at most one per
        registration year, about one per three-year cycle: a career holds a dozen or
        so), and only the operator's import adds any."""

    def ce_records_of(self, id_number: str) -> list["CeRecord"]:
        """Unpaged on purpose: bounded by the register (a person's CE courses, tens per
        career), written only by the operator's import, never by a request."""

    # --- helpdesk look-ups (exact keys, one index query each; see services/helpdesk.py) ---
    def registration_by_no(self, registration_no: str) -> "Registration | None":
        """The registration with that number (index `by_registration_no`), or None."""

    def practitioners_by_certificate_no(self, certificate_no: str, limit: int) -> list["Practitioner"]:
        """Register rows with that certificate management number, at most `limit`."""

    def practitioners_named(self, name: str, limit: int) -> list["Practitioner"]:
        """Register rows with exactly that name, at most `limit` (namesakes are common)."""

    def upsert_practitioners(self, rows: Sequence["Practitioner"]) -> UpsertCounts:
        """Idempotent: writing the same rows twice changes nothing the second time.
        Each row is written whole or not at all."""

    def upsert_registrations(self, rows: Sequence["Registration"]) -> UpsertCounts: ...

    def upsert_ce_records(self, rows: Sequence["CeRecord"]) -> UpsertCounts: ...


class CorrectionRepository(Protocol):
    """Correction requests (反馈), with the one-open-request-per-field guard."""

    def get(self, correction_id: str) -> "Correction":
        """Raises NotFoundError."""

    def add(self, correction: "Correction") -> None:
        """Store a new open request. Raises ConflictError CORRECTION_ALREADY_OPEN when the person
        has an open one for the same field — a conditional write, never a read first."""

    def save(self, correction: "Correction") -> None:
        """Write back a loaded request (its evidence). Raises ConcurrentUpdateError when it was
        saved since it was loaded (optimistic locking on `version`)."""

    def decide(self, correction: "Correction", row: "Practitioner | Registration | None", audit: AuditEntry,
               messages: Sequence["Message"], sms: Sequence["Sms"]) -> None:
        """Store a decision made by `Correction.decide`, all or nothing: the request (conditional on
        its version and on being open when loaded), the register `row` an acceptance writes (the
        import's row, put whole), the audit entry under `correction#<id>`, the notices, and the
        field's guard released. Raises ConcurrentUpdateError when any condition fails."""

    def list_for_applicant(self, id_number: str, position: str | None, limit: int) -> Page:
        """One person's requests, newest first, `limit` at most per page."""

    def queue_page(self, status: "CorrectionStatus", position: str | None, limit: int) -> Page:
        """Requests in `status`: open ones oldest first (first come, first served), decided ones
        newest first."""


class WindowRepository(Protocol):
    def get(self, year: int) -> "Window | None": ...

    def put(self, window: "Window") -> bool:
        """Create or move the year's window; True when it was new."""

    def around(self, year: int) -> Iterable["Window"]:
        """The windows of `year` and the next year, those that exist."""


class ApplicationRepository(Protocol):
    def get(self, application_id: str) -> "Application":
        """Raises NotFoundError."""

    def add(self, application: "Application") -> None:
        """Store a new application. Raises ConflictError (code LIVE_APPLICATION_EXISTS)
        when the practitioner already has one for that window — decided by a
        conditional write, never by reading first."""

    def save(self, application: "Application", messages: Sequence["Message"] = (),
             sms: Sequence["Sms"] = ()) -> None:
        """Write back a loaded application, with the notices (`messages`, outbox `sms`) it
        produced, all or nothing. Raises ConcurrentUpdateError when someone else saved it
        since it was loaded (optimistic locking on `version`)."""

    def save_discarded(self, application: "Application") -> None:
        """Write back a draft just discarded and release its one-live-application guard, all or
        nothing, so the practitioner may start another type in the window. Raises
        ConcurrentUpdateError when it was saved meanwhile (a racing submit wins)."""

    def save_reopened(self, application: "Application", messages: Sequence["Message"] = (),
                      sms: Sequence["Sms"] = ()) -> None:
        """Write back an application an admin reopened (`Application.reopen`) with its notices and
        hold its window's one-live-application guard again, all or nothing. Raises ConflictError
        LIVE_APPLICATION_EXISTS when another application of the person holds that window's guard,
        ConcurrentUpdateError when the application was saved since it was loaded."""

    def list_for_applicant(self, id_number: str, position: str | None, limit: int) -> Page:
        """The practitioner's applications, newest first, `limit` at most per page."""

    def queue_page(self, year: int, status: "ApplicationStatus", kind: "RegistrationType | None",
                   position: str | None, limit: int) -> Page:
        """A window's applications in one status (and type), oldest submission first. Not for
        `reconsideration_requested`, which is one queue across windows: `reconsideration_page`."""

    def reconsideration_page(self, position: str | None, limit: int) -> Page:
        """Every window's applications awaiting a reconsideration decision, oldest request first
        (one index query per page, never a scan)."""

    def counts(self, year: int) -> dict[tuple["ApplicationStatus", "RegistrationType"], int]:
        """Applications per (status, type) in a window; combinations with none are left out.
        Read from counters every write keeps (at most two requests, whatever the window's size)."""

    def recount_one(self, year: int, status: "ApplicationStatus", kind: "RegistrationType") -> int:
        """The window's applications of a status and type counted from the applications themselves
        (an index query, not the counters): what `swreg stats recount` holds the counters to."""

    def correct_counts(self, year: int, drift: dict[tuple["ApplicationStatus", "RegistrationType"], int]) -> None:
        """Add `drift` (per status and type, may be negative) to the window's counters, atomically."""


class AccountRepository(Protocol):
    """Accounts, their unique login keys, and the password-lockout counters."""

    def get(self, account_id: str) -> "Account | None": ...

    def by_login(self, login_key: str) -> "Account | None": ...

    def bound_to(self, id_number: str) -> "Account | None":
        """The applicant account the ID number is bound to (its `identity#` unique key), or None
        when none is (never signed up, or unbound)."""

    def create(self, account: "Account", unique: dict[str, str]) -> None:
        """Store a new account with its unique keys (`unique`: key -> error code). Raises
        ConflictError whose code is the `unique` value of the first key already taken
        (ACCOUNT_EXISTS for the login key itself) — a conditional write, never a read first."""

    def count_login_attempt(self, lock_key: str, now: datetime) -> int | None:
        """Add one try to `lock_key`'s counter and return the count this very write produced
        (parallel tries each get their own number); None, counting nothing, while it is locked."""

    def lock_login(self, lock_key: str, until: datetime, now: datetime) -> None:
        """Lock `lock_key` until `until`, its count back to zero, unless a lock already holds."""

    def clear_login_failures(self, lock_key: str) -> None:
        """After a right password: the count and any lock go."""

    def lift_login_locks(self, account_id: str) -> None:
        """Leave every lockout counter of the account behind (raises its `lock_epoch`)."""

    def save_credentials(self, account: "Account") -> None:
        """Persist a changed password hash or the disabled flag."""

    def save_password(self, account: "Account") -> None:
        """Persist `Account.change_password`: the hash, the raised session version and the kept
        session, in one write conditional on the stored version being the one before. Raises
        ConcurrentUpdateError when another change (or reset) won meanwhile."""

    def move_phone(self, account: "Account", previous_login_key: str, notice: "Sms") -> None:
        """Persist `Account.change_phone` in one transaction: claim the new login key, release
        `previous_login_key`, update the account (conditional on its session version, as
        `save_password`) and queue `notice` in the outbox. Raises ConflictError PHONE_TAKEN when
        the new phone belongs to another account, ConcurrentUpdateError when the account moved."""

    def save_status(self, account: "Account") -> None:
        """Persist `Account.disable` or `.enable`: the disabled flag and the raised session version, in
        one write conditional on the stored version being the one before (ConcurrentUpdateError)."""

    def unbind(self, account: "Account", previous_login_key: str) -> None:
        """Persist `Account.unbind` in one transaction: the account (its new login key, disabled, the
        raised session version; conditional on `previous_login_key` and the version before) and the
        release of its `previous_login_key` and ID-number keys (each only if the account's or gone).
        Raises ConcurrentUpdateError when the account moved meanwhile."""


class SmsCodeRepository(Protocol):
    """One-time SMS codes, kept as hashes: at most one live code per key."""

    def put(self, key: str, code_hash: str, expires_at: datetime) -> None:
        """Store a code, replacing the key's earlier one."""

    def consume(self, key: str, code_hash: str, now: datetime, max_attempts: int) -> bool:
        """True exactly once for the right, unexpired code; every wrong try counts, and
        after `max_attempts` tries the code is dead."""

    def matches(self, key: str, code_hash: str, now: datetime, max_attempts: int) -> bool:
        """Whether the key's live code is the right one, consuming nothing: a wrong try counts
        as in `consume`. For a use that checks more after the code (then `consume`s it)."""


class RateLimiter(Protocol):
    """Fixed-window counters."""

    def take(self, key: str, limit: int, resets_at: datetime, now: datetime) -> datetime | None:
        """None when allowed (fewer than `limit` taken in the window, which a first take
        starts, ending at `resets_at`); otherwise when the current window resets."""

    def give_back(self, key: str, now: datetime) -> None:
        """Undo one `take` of the current window; never below zero, nothing once it reset."""


class CertificateRepository(Protocol):
    """Issued e-certificates and the registration-number counters."""

    def get(self, registration_no: str) -> "Certificate | None": ...

    def get_many(self, registration_nos: Sequence[str]) -> dict[str, "Certificate"]:
        """The certificates of those numbers (at most 100 distinct) by number, in batch reads;
        unknown numbers are absent (batch verification)."""

    def of_holder(self, id_number: str) -> list["Certificate"]:
        """Newest first."""

    def add(self, certificate: "Certificate") -> bool:
        """Store a certificate issued outside the job (the demo's); False when the number exists."""

    def next_sequence(self, name: str) -> int:
        """Atomic: concurrent callers never get the same value."""

    def issue(self, application: "Application", certificate: "Certificate", registration: "Registration | None",
              messages: Sequence["Message"], sms: Sequence["Sms"], now: datetime, *,
              replacing: Sequence["Certificate"] = (), mailing: "Mailing | None" = None) -> None:
        """The certified application (conditional on its version), the certificate (conditional
        on its number being new), the registration record, the certificates it replaces (as
        `replaced_by_successor` made them; each conditional on being still current and its
        revocation unchanged since read), the certificate's `mailing` when its application chose
        mail (conditional on not existing) and the notices, all or nothing.
        Raises ConcurrentUpdateError when any condition fails."""

    def revoke(self, certificate: "Certificate") -> None:
        """Store a revocation made by `Certificate.revoke`. Raises NotFoundError for an unknown
        number and ConflictError ALREADY_REVOKED when someone revoked it first."""


class MailingRepository(Protocol):
    """Mailed paper certificates (邮寄), one per registration number, with optimistic locking."""

    def get(self, registration_no: str) -> "Mailing | None": ...

    def get_many(self, registration_nos: Sequence[str]) -> dict[str, "Mailing"]:
        """The mailings of those numbers by number, in batch reads; numbers without one are absent."""

    def add(self, mailing: "Mailing") -> bool:
        """Store a new mailing; False, writing nothing, when the number already has one (a
        conditional write, never a read first). The job starts mailings in `CertificateRepository.issue`;
        this starts those of certificates issued before (`services/mailings.backfill`)."""

    def save(self, mailing: "Mailing", messages: Sequence["Message"] = (), sms: Sequence["Sms"] = ()) -> None:
        """Write back a loaded mailing with the notices it produced, all or nothing. Raises
        ConcurrentUpdateError when it was saved since it was loaded (or is not stored)."""

    def save_many(self, mailings: Sequence["Mailing"]) -> None:
        """Write back many loaded mailings (an export's marks), each conditional on its version,
        in all-or-nothing chunks of up to 100. Raises ConcurrentUpdateError at the first chunk
        refused; the chunks before it stay written."""

    def window_page(self, year: int, state: "MailingState", position: str | None, limit: int) -> Page:
        """A window's mailings in `state`, by registration number, `limit` at most per page; one
        index query per page. The position is the page's last registration number."""


class MessageRepository(Protocol):
    def list(self, owner: str, position: str | None, limit: int) -> Page:
        """One person's messages, newest first, `limit` at most per page."""

    def unread_count(self, owner: str) -> int:
        """Reads all of one person's messages: bounded (a few per application and year)."""

    def mark_read(self, owner: str, message_id: str) -> "Message":
        """Raises NotFoundError for another person's or an unknown message."""


class ObjectStore(Protocol):
    """Objects in the stage's bucket: raw uploads, normalised materials, certificate files."""

    def size(self, key: str) -> int | None:
        """The stored object's size, or None when it is missing."""

    def read(self, key: str) -> bytes:
        """Raises for a missing key."""

    def read_if_present(self, key: str) -> bytes | None: ...

    def write(self, key: str, body: bytes, content_type: str) -> None: ...

    def delete(self, key: str) -> None:
        """Idempotent: deleting a missing key is not an error."""

    def delete_many(self, keys: Iterable[str]) -> None:
        """Delete every key; missing keys are fine. Raises ServiceBusyError when any is refused."""

    def keys(self, prefix: str) -> list[str]:
        """Every key under `prefix`."""

    def download_url(self, key: str, expires_in: int = 300) -> str:
        """A short-lived link to read the object."""


class UploadSigner(Protocol):
    def presigned_post(self, key: str, max_bytes: int, expires_in: int) -> dict:
        """A browser upload form (`url`, `fields`) for exactly `key`, 1 byte to `max_bytes`,
        valid `expires_in` seconds."""


class TokenSigner(Protocol):
    """The API's bearer tokens."""

    @property
    def expires_in(self) -> int:
        """Seconds a fresh token lives."""

    def issue(self, subject: str, role: str, now: datetime, **claims: Any) -> str: ...

    def verify(self, token: str, now: datetime | None = None) -> dict[str, Any]:
        """The token's claims. Raises AuthenticationError (INVALID_TOKEN, TOKEN_EXPIRED)."""


class Continuation(Protocol):
    def request(self, job: str) -> None:
        """Have `job`, which spent its time budget, go on: at once, or with its next run."""


class JobLeases(Protocol):
    """Who runs an exclusive job now (`services.jobs`): a lease per job name, taken and dropped by
    conditional writes, that lapses on its own when its holder dies."""

    def acquire(self, name: str, holder: str, until: datetime, now: datetime) -> bool:
        """Hold `name`'s lease until `until`: True when it was free, had lapsed (its `until` ≤ `now`)
        or is already `holder`'s; False while another holder's lease runs. Of racing callers one wins."""

    def release(self, name: str, holder: str) -> None:
        """Drop `name`'s lease if `holder` still holds it (nothing when it lapsed and another took it)."""


class WorkQueue(Protocol):
    """A queue of work items (SQS) that Lambda hands to a consumer in batches, in parallel, at least once."""

    def send(self, items: Sequence[dict]) -> None:
        """Enqueue JSON work items, up to 10 per request; raises when SQS refuses any entry."""

    def done(self, receipts: Sequence[str]) -> None:
        """Delete handled messages by their receipt handles: a consumer whose batch partly failed
        removes what succeeded before it raises, so only the failures come back."""


@dataclass(frozen=True)
class FailedInvocation:
    """What a dead-letter queue holds: an asynchronous invocation Lambda gave up on, as its
    on-failure destination recorded it, or a work item (certificates, job continuations) that failed
    its receives.

    `function` is where a replay goes: the ARN that failed, or the work item's source queue ("" when
    the message is neither), `event` the original event or work item to send again, `error` the function's last error ("" when none was recorded),
    `receipt` the queue's handle of this hold of the message (opaque)."""

    message_id: str
    receipt: str
    function: str
    failed_at: datetime | None
    condition: str
    attempts: int
    event: dict
    error: str


class ReplayRefusedError(Exception):
    """Lambda (or the source queue) did not take a replayed event; `reason` says why (its error code and message)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeadLetterQueue(Protocol):
    """A dead-letter queue (SQS) and the way back: the async-failure queue the S3 and scheduled
    functions send their on-failure records to (replayed by invoking the function), or a work
    queue's `-dlq` (replayed by sending the item to its queue again)."""

    def hold(self, limit: int, seconds: int) -> list[FailedInvocation]:
        """Up to `limit` (at most 10) messages nobody holds, each hidden from every other reader
        for `seconds`; [] when none is left."""

    def release(self, held: Sequence[FailedInvocation]) -> None:
        """Make held messages visible again at once."""

    def replay(self, failed: FailedInvocation) -> None:
        """Send `failed.event` to `failed.function` again: an asynchronous invocation, or a message to
        the source queue. Raises ReplayRefusedError."""

    def delete(self, failed: FailedInvocation) -> None:
        """Remove a held message for good."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""


class IdGenerator(Protocol):
    def new_id(self) -> str:
        """A fresh unique id (32 lowercase hex digits)."""


class AuditLog(Protocol):
    """Append-only; it grows with every look at a file, so reads are paged."""

    def record(self, subject: str, actor: str, action: str, at: datetime) -> None: ...

    def page(self, subject: str, position: str | None, limit: int, actor: str | None = None) -> Page:
        """A subject's entries (`AuditEntry`), newest first, `limit` at most per page; only
        `actor`'s when given (a filter on the subject's entries)."""

    def by_actor(self, actor: str, position: str | None, limit: int) -> Page:
        """One staff member's entries across subjects, newest first (index `by_actor`)."""

    def newest(self, position: str | None, limit: int) -> Page:
        """Every entry, newest first (index `by_feed`), `limit` at most per page."""


@dataclass(frozen=True)
class NormalisedPhoto:
    """A material's stored JPEG, as the photo processor made it; `sha256` is of `jpeg`."""

    jpeg: bytes
    width: int
    height: int
    sha256: str


class PhotoRejectedError(Exception):
    """An upload the photo processor refuses: `code` (UPPER_SNAKE) for the record, `reason` (Chinese)
    for the applicant. An answer about the upload, not a fault: the material is recorded as rejected."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


class PhotoProcessor(Protocol):
    """Untrusted upload bytes in, a material's stored JPEG (or the reason to refuse them) out (SPEC §2.5)."""

    def rejection_for_size(self, size: int) -> PhotoRejectedError | None:
        """The refusal (EMPTY, TOO_LARGE) for an upload of `size` bytes, or None. Reads no bytes,
        so it can be asked before a download."""

    def normalise(self, data: bytes, kind: "MaterialKind") -> NormalisedPhoto:
        """The stored JPEG for material `kind`: upright, RGB, no metadata, at most 1 MiB; an ID
        photo exactly 413×626, any other kind at most 1600 px on its long side, never enlarged.
        Raises PhotoRejectedError (EMPTY, TOO_LARGE, HEIC_UNSUPPORTED, NOT_AN_IMAGE, BOMB,
        TRUNCATED, TOO_SMALL) and nothing else, whatever the bytes."""


@dataclass(frozen=True)
class RenderedCertificate:
    """A certificate's two files: the PDF (text, not pictures of text) and a PNG preview of the same page."""

    pdf: bytes
    png: bytes


class CertificateRenderer(Protocol):
    """Draws e-certificates (SPEC §2.6)."""

    def render(self, certificate: "Certificate", photo_jpeg: bytes, verify_url: str,
               verification_code: str) -> RenderedCertificate:
        """The certificate's PDF and PNG: its printed fields, the ID photo (`photo_jpeg`, the
        normalised 413×626 JPEG), a QR code of `verify_url` and, under it, `verification_code`
        (as `核验码 ABCD-EFGH`, for a person to type). The same arguments give the same bytes, so a
        retried job rewrites identical objects."""

    def placeholder_photo(self) -> bytes:
        """A drawn stand-in for an ID photo (a 413×626 JPEG), for certificates with no applicant photo: the demo's."""


class OutboxRepository(Protocol):
    """Outbox texts; every `bool` method is a conditional write that says whether it won."""

    def get(self, outbox_id: str) -> "Sms":
        """Raises NotFoundError."""

    def due(self, status: "OutboxStatus", now: datetime, limit: int) -> list["Sms"]:
        """Texts of `status` whose `due_at` is not after `now`, oldest first."""

    def list(self, status: "OutboxStatus", limit: int) -> list["Sms"]:
        """Texts of `status`, oldest `due_at` first."""

    def claim(self, sms: "Sms", token: str, lease_until: datetime) -> bool:
        """SENDING under `token` until `lease_until`, one more attempt counted — only if the
        text is still as `sms` saw it (same status and due time; for SENDING, same token)."""

    def mark_sent(self, outbox_id: str, token: str, provider_message_id: str, sent_at: datetime) -> bool:
        """SENT, if the text is still SENDING under `token`."""

    def release(self, outbox_id: str, token: str, status: "OutboxStatus", due_at: datetime, error: str, *,
                refund_attempt: bool = False) -> bool:
        """Back to PENDING (due at `due_at`) or DEAD, if the text is still SENDING under `token`;
        `refund_attempt` takes back the attempt its claim counted (the provider only throttled)."""

    def requeue(self, sms: "Sms", due_at: datetime) -> "Sms":
        """PENDING, due at `due_at`, attempts reset — if the text is still as `sms` saw it.
        Raises ConcurrentUpdateError otherwise."""


class SmsSender(Protocol):
    def send(self, phone: str, content: "SmsContent") -> str:
        """Hand the text to the provider (a mainland one takes the template and its parameters, the
        others the rendered text); returns its message id. Raises SmsRefusedError, with the
        provider's reason, when the provider refused the text for good; may raise anything else
        for a fault worth a retry (throttling, a timeout)."""
