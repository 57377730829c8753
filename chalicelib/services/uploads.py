"""The upload pipeline (SPEC §2.5): an S3 upload becomes a ready — or refused — material.

S3 delivers each event at least once and in any order, so every step is
keyed on the upload id the server handed out: an event for an upload that is
no longer the material's current one, or already recorded, changes nothing.
The result is recorded with the application's optimistic lock, so a draft
saved meanwhile by the applicant is neither lost nor overwritten.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.errors import ConcurrentUpdateError, NotFoundError
from chalicelib.domain.materials import MaterialKind, MaterialStatus
from chalicelib.observability import logger
from chalicelib.settings import MATERIALS_PREFIX, UPLOADS_PREFIX

MISSING_RETRIES = 2
SAVE_ATTEMPTS = 3
UPLOAD_LOST_REASON = "照片上传未完成，请重新上传"


class UploadNotVisibleError(RuntimeError):
    """The object of an event is not there (yet): raised so the invocation is retried."""


@dataclass(frozen=True)
class UploadKey:
    application_id: str
    kind: MaterialKind
    upload_id: str

    @classmethod
    def parse(cls, key: str) -> "UploadKey | None":
        parts = key[len(UPLOADS_PREFIX):].split("/") if key.startswith(UPLOADS_PREFIX) else []
        if len(parts) != 3 or not all(parts):
            return None
        try:
            return cls(parts[0], MaterialKind(parts[1]), parts[2])
        except ValueError:
            return None

    @property
    def material_key(self) -> str:
        """Where the normalised JPEG lives: one object per upload, so a replay rewrites the same bytes."""
        return f"{MATERIALS_PREFIX}{self.application_id}/{self.kind.value}/{self.upload_id}.jpg"


def process_upload(deps, key: str, now: datetime) -> str:
    """Validate and normalise one uploaded object; returns what happened (for logs and tests)."""
    upload = UploadKey.parse(key)
    if upload is None:
        logger.warning("upload with a key we never issued", extra={"key": key})
        deps.files.delete(key)
        return "ignored"
    if not _is_current(deps, upload):
        deps.files.delete(key)
        return "ignored"
    size = deps.files.size(key)
    if size is None:
        return _missing(deps, upload, now)
    from chalicelib.adapters import photos  # Pillow only on this path, never at API cold start
    refusal = photos.rejection_for_size(size)
    if refusal is None:
        try:
            photo = photos.normalise(deps.files.read(key), upload.kind.value)
        except photos.PhotoRejected as exc:
            refusal = exc
    if refusal is not None:
        outcome = _record(deps, upload, now, rejected=(refusal.code, refusal.reason))
    else:
        deps.files.write(upload.material_key, photo.jpeg, "image/jpeg")
        outcome = _record(deps, upload, now, ready=photo)
    deps.files.delete(key)
    return outcome


def _is_current(deps, upload: UploadKey) -> bool:
    try:
        application = deps.applications.get(upload.application_id)
    except NotFoundError:
        return False
    material = application.materials.get(upload.kind)
    return (application.is_editable and material is not None and material.upload_id == upload.upload_id
            and material.status is MaterialStatus.PENDING)


def _missing(deps, upload: UploadKey, now: datetime) -> str:
    """Retry a bounded number of times (the object may not be visible yet), then give up."""
    if deps.rate_limiter.take(f"upload-missing#{upload.upload_id}", MISSING_RETRIES,
                              now + timedelta(days=1), now) is None:
        raise UploadNotVisibleError(f"upload {upload.upload_id} not found; will retry")
    return _record(deps, upload, now, rejected=("UPLOAD_LOST", UPLOAD_LOST_REASON))


def _record(deps, upload: UploadKey, now: datetime, *, ready=None, rejected=None) -> str:
    for _ in range(SAVE_ATTEMPTS):
        application = deps.applications.get(upload.application_id)
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
    raise ConcurrentUpdateError("application kept changing while recording an upload")
