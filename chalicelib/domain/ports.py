"""What services need from storage and the outside world, as interfaces.

Adapters implement these (DynamoDB in `chalicelib/adapters/dynamo/`); tests
use the in-memory fakes in `tests/fakes.py`, which one contract test keeps
honest against the real repositories.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Iterable, Protocol, Sequence

if TYPE_CHECKING:
    from chalicelib.domain.application import Application, ApplicationStatus
    from chalicelib.domain.certificates import Certificate
    from chalicelib.domain.eligibility import RegistrationType
    from chalicelib.domain.materials import MaterialKind
    from chalicelib.domain.notifications import Message
    from chalicelib.domain.outbox import OutboxStatus, Sms
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

    def upsert_practitioners(self, rows: Sequence["Practitioner"]) -> UpsertCounts:
        """Idempotent: writing the same rows twice changes nothing the second time.
        Each row is written whole or not at all."""

    def upsert_registrations(self, rows: Sequence["Registration"]) -> UpsertCounts: ...

    def upsert_ce_records(self, rows: Sequence["CeRecord"]) -> UpsertCounts: ...


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

    def save(self, application: "Application") -> None:
        """Write back a loaded application. Raises ConcurrentUpdateError when someone
        else saved it since it was loaded (optimistic locking on `version`)."""

    def list_for_applicant(self, id_number: str, position: str | None, limit: int) -> Page:
        """The practitioner's applications, newest first, `limit` at most per page."""

    def queue_page(self, year: int, status: "ApplicationStatus", kind: "RegistrationType | None",
                   position: str | None, limit: int) -> Page:
        """A window's applications in one status (and type), oldest submission first."""


class MessageRepository(Protocol):
    def list(self, owner: str, position: str | None, limit: int) -> Page:
        """One person's messages, newest first, `limit` at most per page."""

    def unread_count(self, owner: str) -> int:
        """Reads all of one person's messages: bounded (a few per application and year)."""

    def mark_read(self, owner: str, message_id: str) -> "Message":
        """Raises NotFoundError for another person's or an unknown message."""


class AuditLog(Protocol):
    """Append-only; it grows with every look at a file, so reads are paged."""

    def record(self, subject: str, actor: str, action: str, at: datetime) -> None: ...

    def page(self, subject: str, position: str | None, limit: int) -> Page:
        """A subject's entries (`AuditEntry`), newest first, `limit` at most per page."""


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

    def render(self, certificate: "Certificate", photo_jpeg: bytes, verify_url: str) -> RenderedCertificate:
        """The certificate's PDF and PNG: its printed fields, the ID photo (`photo_jpeg`, the
        normalised 413×626 JPEG) and a QR code of `verify_url`. The same arguments give the same
        bytes, so a retried job rewrites identical objects."""

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

    def release(self, outbox_id: str, token: str, status: "OutboxStatus", due_at: datetime, error: str) -> bool:
        """Back to PENDING (due at `due_at`) or DEAD, if the text is still SENDING under `token`."""

    def requeue(self, sms: "Sms", due_at: datetime) -> "Sms":
        """PENDING, due at `due_at`, attempts reset — if the text is still as `sms` saw it.
        Raises ConcurrentUpdateError otherwise."""


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> str:
        """Hand the text to the provider; returns its message id. May raise anything."""
