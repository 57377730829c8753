"""The upload pipeline (SPEC §2.5): an uploaded object becomes a pending, then ready — or refused — material.

Issuing an upload URL changes nothing on the application; only an object that
arrives does. So the arriving object must prove by itself that we issued its
key, and say when. Its key is self-authenticating (`domain.object_keys`):

    uploads/{application id}/{kind}/{issued µs}-{nonce}-{signature}

where the signature is an HMAC-SHA256 (keyed with `Deps.keys.uploads`, derived
from the service's signing key) of application id, kind, issue time and
nonce. An event is verified with
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

A correction request's evidence photo (反馈) arrives by the same event under
`uploads/corrections/` (`object_keys.EvidenceKey`, signed the same way) and is
checked and normalised the same way (`process_evidence`): the newest upload
issued wins, its photo is kept under `evidence/`, and what it replaced goes.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.domain import texts
from chalicelib.domain.errors import ConcurrentUpdateError, DomainError, NotFoundError
from chalicelib.domain.materials import MaterialKind, MaterialStatus
from chalicelib.domain.corrections import EVIDENCE_PHOTO_KIND
from chalicelib.domain.object_keys import (
    EVIDENCE_UPLOADS_PREFIX, EvidenceKey, UploadKey, evidence_folders, issued_at_of, slot_folders, upload_id_in)
from chalicelib.domain.ports import PhotoRejectedError
from chalicelib.observability import logger
from chalicelib.services.deps import Deps

MISSING_RETRIES = 2
SAVE_ATTEMPTS = 3


class UploadNotVisibleError(RuntimeError):
    """The object of an event is not there (yet): raised so the invocation is retried."""


def issue_upload_key(deps: Deps, application_id: str, kind: MaterialKind, now: datetime) -> UploadKey:
    """A new key, signed with the service's upload key, for one upload of `kind` issued at `now`."""
    return UploadKey.issue(deps.keys.uploads, application_id, kind, now)


def process_upload(deps: Deps, key: str, now: datetime) -> str:
    """Validate and normalise one uploaded object; returns what happened (for logs and tests).

    Raises UploadNotVisibleError (so the event is redelivered) while the object
    is not visible yet, at most MISSING_RETRIES times per upload.
    """
    if key.startswith(EVIDENCE_UPLOADS_PREFIX):
        return process_evidence(deps, key, now)
    upload = UploadKey.parse(key)
    if upload is None or not upload.is_authentic(deps.keys.uploads):
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
    refusal = deps.photos.rejection_for_size(size)
    if refusal is None:
        try:
            photo = deps.photos.normalise(data, upload.kind)
        except PhotoRejectedError as exc:
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


def sweep(deps: Deps, application, kind: MaterialKind) -> list[str]:
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
    for folder in slot_folders(application.application_id, kind):
        for key in deps.files.keys(folder):
            upload_id = upload_id_in(folder, key)
            issued_at = issued_at_of(upload_id)
            if upload_id == keep or (floor is not None and issued_at is not None and issued_at >= floor):
                continue
            doomed.append(key)
    if doomed:
        deps.files.delete_many(doomed)
    return doomed


def process_evidence(deps: Deps, key: str, now: datetime) -> str:
    """The evidence photo of a correction request (`object_keys.EvidenceKey`): checked and
    normalised like a material, recorded pending → ready | rejected on the request. The newest
    upload issued wins; a stale one, or one for a decided request, is dropped. Raises
    UploadNotVisibleError while the object is not visible yet, at most MISSING_RETRIES times."""
    upload = EvidenceKey.parse(key)
    if upload is None or not upload.is_authentic(deps.keys.uploads):
        logger.warning("evidence upload with a key we never issued", extra={"key": key[:300]})
        deps.files.delete(key)
        return "ignored"
    correction = _load_correction(deps, upload.correction_id)
    if correction is None or not correction.wants_evidence(upload.upload_id, upload.issued_at):
        _forget_evidence(deps, upload, correction)  # stale, done, or for a decided request
        return "ignored"
    size = deps.files.size(key)
    if size is None:
        if deps.rate_limiter.take(f"upload-missing#{upload.upload_id}", MISSING_RETRIES,
                                  now + timedelta(days=1), now) is None:
            raise UploadNotVisibleError(f"evidence upload {upload.upload_id} not found; will retry")
        return "ignored"
    if not _save_evidence(deps, upload, lambda c: c.start_evidence(upload.upload_id, upload.issued_at)):
        _forget_evidence(deps, upload)
        return "ignored"
    refusal = deps.photos.rejection_for_size(size)
    data = deps.files.read_if_present(key) if refusal is None else None
    if refusal is None and data is not None:
        try:
            photo = deps.photos.normalise(data, EVIDENCE_PHOTO_KIND)
        except PhotoRejectedError as exc:
            refusal = exc
    if refusal is None and data is not None:
        deps.files.write(upload.photo_key, photo.jpeg, "image/jpeg")
        recorded = _save_evidence(deps, upload, lambda c: c.record_evidence(upload.upload_id,
                                                                          object_key=upload.photo_key))
        outcome = "ready"
    else:
        reason = refusal.reason if refusal is not None else texts.reason("UPLOAD_LOST")
        recorded = _save_evidence(deps, upload, lambda c: c.record_evidence(upload.upload_id, reason=reason))
        outcome = f"rejected:{refusal.code if refusal is not None else 'UPLOAD_LOST'}"
    if not recorded:
        _forget_evidence(deps, upload)
        return "ignored"
    _sweep_evidence(deps, upload)
    return outcome


def _load_correction(deps: Deps, correction_id: str):
    try:
        return deps.corrections.get(correction_id)
    except NotFoundError:
        return None


def _forget_evidence(deps: Deps, upload: EvidenceKey, correction=None) -> None:
    """An evidence upload we are done with: its raw object goes and, unless it is the request's
    evidence, any photo made from it."""
    correction = correction or _load_correction(deps, upload.correction_id)
    current = correction.evidence.object_key if correction is not None and correction.evidence else None
    deps.files.delete_many([upload.key] + ([upload.photo_key] if upload.photo_key != current else []))


def _save_evidence(deps: Deps, upload: EvidenceKey, change) -> bool:
    """Apply `change` to the request and save it under its optimistic lock; False when the change
    no longer applies (the request is gone or decided, or a newer upload took its place)."""
    for _ in range(SAVE_ATTEMPTS):
        correction = _load_correction(deps, upload.correction_id)
        if correction is None or not change(correction):
            return False
        try:
            deps.corrections.save(correction)
            return True
        except ConcurrentUpdateError:
            continue
    raise ConcurrentUpdateError()


def _sweep_evidence(deps: Deps, upload: EvidenceKey) -> None:
    """The objects this upload replaced go, and its own raw object; its photo stays, and so does any
    upload issued after it (it may still be arriving, and would win)."""
    doomed = [key for folder in evidence_folders(upload.correction_id) for key in deps.files.keys(folder)
              if key != upload.photo_key and (key == upload.key or (
                  issued_at_of(upload_id_in(folder, key)) or upload.issued_at) < upload.issued_at)]
    if doomed:
        deps.files.delete_many(doomed)


def _load(deps: Deps, application_id: str):
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


def _forget(deps: Deps, upload: UploadKey, application=None) -> None:
    """An upload we are done with: its raw object goes and, unless it is the slot's current
    material, any photo made from it (an invocation that lost a race may have written one)."""
    application = application or _load(deps, upload.application_id)
    keys = [upload.key]
    if _standing(application, upload) not in ("pending", "done"):
        keys.append(upload.material_key)
    deps.files.delete_many(keys)


def _arrive(deps: Deps, upload: UploadKey, now: datetime) -> bool:
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


def _missing(deps: Deps, upload: UploadKey, now: datetime) -> str:
    """Retry a bounded number of times (the object may not be visible yet), then give up:
    an object that never arrived changes nothing — unless an earlier delivery already made
    it the pending material, which must not stay pending for ever."""
    if deps.rate_limiter.take(f"upload-missing#{upload.upload_id}", MISSING_RETRIES,
                              now + timedelta(days=1), now) is None:
        raise UploadNotVisibleError(f"upload {upload.upload_id} not found; will retry")
    return _record(deps, upload, now, rejected=("UPLOAD_LOST", texts.reason("UPLOAD_LOST")))


def _record(deps: Deps, upload: UploadKey, now: datetime, *, ready=None, rejected=None) -> str:
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
