"""The upload pipeline (SPEC §2.5): an uploaded object becomes a pending, then ready — or refused — material.

Issuing an upload URL changes nothing on the application; only an object that
arrives does. So the arriving object must prove by itself that we issued its
key, and say when. Its key is self-authenticating:

    uploads/{application id}/{kind}/{issued µs}-{nonce}-{signature}

where the signature is an HMAC-SHA256 (key derived from the service's signing
key) of application id, kind, issue time and nonce. An event is verified with
no stored state: a key we never issued, or one edited to point at another
application or kind or to claim another issue time, fails the check and its
object is deleted. Nothing per URL is written anywhere, so a client asking for
URLs it never uses (bounded per day by `Settings.upload_urls_per_material_per_day`)
leaves no trace but a counter.

The issue time orders the uploads of one slot. The application keeps, per
kind, a floor (`Application.upload_floors`: the issue time of the upload that
last arrived, or when the material was removed or an e-certificate attached)
and refuses an upload issued before it. S3 delivers each event at least once
and in any order, so every step is idempotent: an event for an upload that is
stale, or already recorded, changes nothing; a redelivered event for the
upload still pending finishes its processing. Each write uses the
application's optimistic lock, so a draft saved meanwhile is neither lost nor
overwritten.

Objects never outlive their use (issue 12): after every change of a slot
(an upload arrives, the applicant removes the photo or attaches the
e-certificate) `sweep` deletes the slot's raw uploads and normalised photos
that can no longer be current. It only ever looks under this application's
`uploads/` and `materials/` prefixes for the kind, never at a key a material
merely points to (an attached e-certificate's PNG under `certificates/`).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from chalicelib.domain.errors import ConcurrentUpdateError, DomainError, NotFoundError
from chalicelib.domain.materials import MaterialKind, MaterialStatus
from chalicelib.observability import logger
from chalicelib.settings import MATERIALS_PREFIX, UPLOADS_PREFIX

MISSING_RETRIES = 2
SAVE_ATTEMPTS = 3
UPLOAD_LOST_REASON = "照片上传未完成，请重新上传"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SIGNATURE_HEX = 32  # 128 bits of the HMAC


class UploadNotVisibleError(RuntimeError):
    """The object of an event is not there (yet): raised so the invocation is retried."""


def _signature(secret: bytes, application_id: str, kind: MaterialKind, stamp: str) -> str:
    message = f"{application_id}/{kind.value}/{stamp}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:_SIGNATURE_HEX]


def issued_at_of(upload_id: str) -> datetime | None:
    """When the URL of `upload_id` was issued, or None for an id not in the issued form
    (an attached e-certificate's, or one from before signed ids)."""
    micros, _, rest = upload_id.partition("-")
    if len(micros) != 16 or not micros.isdigit() or not rest:
        return None
    return _EPOCH + timedelta(microseconds=int(micros))


@dataclass(frozen=True)
class UploadKey:
    application_id: str
    kind: MaterialKind
    upload_id: str

    @classmethod
    def issue(cls, deps, application_id: str, kind: MaterialKind, now: datetime) -> "UploadKey":
        """A new signed key for one upload of `kind`, issued at `now`."""
        micros = (now - _EPOCH) // timedelta(microseconds=1)
        stamp = f"{micros:016d}-{secrets.token_hex(8)}"
        return cls(application_id, kind, f"{stamp}-{_signature(deps.upload_key, application_id, kind, stamp)}")

    @classmethod
    def parse(cls, key: str) -> "UploadKey | None":
        parts = key[len(UPLOADS_PREFIX):].split("/") if key.startswith(UPLOADS_PREFIX) else []
        if len(parts) != 3 or not all(parts):
            return None
        try:
            return cls(parts[0], MaterialKind(parts[1]), parts[2])
        except ValueError:
            return None

    def is_authentic(self, deps) -> bool:
        """True when we issued this key: its signature matches application, kind and stamp."""
        stamp, _, signature = self.upload_id.rpartition("-")
        if issued_at_of(stamp) is None or len(signature) != _SIGNATURE_HEX:
            return False
        expected = _signature(deps.upload_key, self.application_id, self.kind, stamp)
        return hmac.compare_digest(expected, signature)

    @property
    def issued_at(self) -> datetime | None:
        return issued_at_of(self.upload_id)

    @property
    def key(self) -> str:
        return f"{UPLOADS_PREFIX}{self.application_id}/{self.kind.value}/{self.upload_id}"

    @property
    def material_key(self) -> str:
        """Where the normalised JPEG lives: one object per upload, so a replay rewrites the same bytes."""
        return f"{MATERIALS_PREFIX}{self.application_id}/{self.kind.value}/{self.upload_id}.jpg"


def process_upload(deps, key: str, now: datetime) -> str:
    """Validate and normalise one uploaded object; returns what happened (for logs and tests).

    Raises UploadNotVisibleError (so the event is redelivered) while the object
    is not visible yet, at most MISSING_RETRIES times per upload.
    """
    upload = UploadKey.parse(key)
    if upload is None or not upload.is_authentic(deps):
        logger.warning("upload with a key we never issued", extra={"key": key[:300]})
        deps.files.delete(key)
        return "ignored"
    application = _load(deps, upload.application_id)
    if _standing(application, upload) in ("stale", "done"):
        _forget(deps, upload, application)
        return "ignored"
    size = deps.files.size(key)
    if size is None:
        return _missing(deps, upload, now)
    if not _arrive(deps, upload, now):
        _forget(deps, upload)
        return "ignored"
    data = deps.files.read_if_present(key)
    if data is None:  # swept meanwhile: a newer upload arrived
        _forget(deps, upload)
        return "ignored"
    from chalicelib.adapters import photos  # Pillow only on this path, never at API cold start
    refusal = photos.rejection_for_size(size)
    if refusal is None:
        try:
            photo = photos.normalise(data, upload.kind.value)
        except photos.PhotoRejected as exc:
            refusal = exc
    if refusal is not None:
        outcome = _record(deps, upload, now, rejected=(refusal.code, refusal.reason))
    else:
        deps.files.write(upload.material_key, photo.jpeg, "image/jpeg")
        outcome = _record(deps, upload, now, ready=photo)
    if outcome == "ignored":  # replaced or removed while we worked
        _forget(deps, upload)
    else:
        deps.files.delete(key)
    return outcome


def sweep(deps, application, kind: MaterialKind) -> list[str]:
    """Delete the slot's objects that can no longer be current; returns their keys.

    Keeps the current material's raw upload and normalised photo, and any upload
    issued at or after the slot's floor (it may still be arriving, and would win).
    Looks only under `uploads/{application}/{kind}/` and `materials/{application}/{kind}/`,
    so a key a material merely points to elsewhere (an e-certificate's PNG) is never touched.
    """
    current = application.materials.get(kind)
    keep = current.upload_id if current is not None else None
    floor = application.upload_floors.get(kind)
    doomed = []
    for prefix in (UPLOADS_PREFIX, MATERIALS_PREFIX):
        folder = f"{prefix}{application.application_id}/{kind.value}/"
        for key in deps.files.keys(folder):
            upload_id = key[len(folder):].removesuffix(".jpg")
            issued_at = issued_at_of(upload_id)
            if upload_id == keep or (floor is not None and issued_at is not None and issued_at >= floor):
                continue
            doomed.append(key)
    if doomed:
        deps.files.delete_many(doomed)
    return doomed


def _load(deps, application_id: str):
    try:
        return deps.applications.get(application_id)
    except NotFoundError:
        return None


def _standing(application, upload: UploadKey) -> str:
    """Where the upload stands in its slot: "pending" (current, not yet recorded), "done"
    (current and recorded, or frozen by submit), "new" (may still become current) or
    "stale" (never will: issued before the slot's floor, or the application takes no upload)."""
    if application is None:
        return "stale"
    current = application.materials.get(upload.kind)
    if current is not None and current.upload_id == upload.upload_id:
        return "pending" if current.status is MaterialStatus.PENDING and application.is_editable else "done"
    floor = application.upload_floors.get(upload.kind)
    if (not application.is_editable or upload.kind not in application.allowed_materials
            or (floor is not None and upload.issued_at < floor)):
        return "stale"
    return "new"


def _forget(deps, upload: UploadKey, application=None) -> None:
    """An upload we are done with: its raw object goes and, unless it is the slot's current
    material, any photo made from it (an invocation that lost a race may have written one)."""
    application = application or _load(deps, upload.application_id)
    keys = [upload.key]
    if _standing(application, upload) not in ("pending", "done"):
        keys.append(upload.material_key)
    deps.files.delete_many(keys)


def _arrive(deps, upload: UploadKey, now: datetime) -> bool:
    """The object is there: make it the slot's pending material (unless an earlier delivery
    already did) and sweep what it replaced. False when it cannot be current after all."""
    for _ in range(SAVE_ATTEMPTS):
        application = _load(deps, upload.application_id)
        standing = _standing(application, upload)
        if standing in ("stale", "done"):
            return False
        if standing == "new":
            try:
                if application.start_upload(upload.kind, upload.upload_id, now, issued_at=upload.issued_at) is None:
                    return False
            except DomainError:  # the rules moved under us (submitted meanwhile)
                return False
            try:
                deps.applications.save(application)
            except ConcurrentUpdateError:
                continue
        sweep(deps, application, upload.kind)
        return True
    raise ConcurrentUpdateError()


def _missing(deps, upload: UploadKey, now: datetime) -> str:
    """Retry a bounded number of times (the object may not be visible yet), then give up:
    an object that never arrived changes nothing — unless an earlier delivery already made
    it the pending material, which must not stay pending for ever."""
    if deps.rate_limiter.take(f"upload-missing#{upload.upload_id}", MISSING_RETRIES,
                              now + timedelta(days=1), now) is None:
        raise UploadNotVisibleError(f"upload {upload.upload_id} not found; will retry")
    return _record(deps, upload, now, rejected=("UPLOAD_LOST", UPLOAD_LOST_REASON))


def _record(deps, upload: UploadKey, now: datetime, *, ready=None, rejected=None) -> str:
    for _ in range(SAVE_ATTEMPTS):
        application = _load(deps, upload.application_id)
        if application is None:
            return "ignored"
        if ready is not None:
            changed = application.record_material_ready(
                upload.kind, upload.upload_id, width=ready.width, height=ready.height,
                size_bytes=len(ready.jpeg), sha256=ready.sha256, object_key=upload.material_key, now=now)
        else:
            changed = application.record_material_rejected(upload.kind, upload.upload_id, *rejected, now=now)
        if not changed:
            return "ignored"
        try:
            deps.applications.save(application)
            return "ready" if ready is not None else f"rejected:{rejected[0]}"
        except ConcurrentUpdateError:
            continue
    raise ConcurrentUpdateError()
