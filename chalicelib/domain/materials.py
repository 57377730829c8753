"""The photos an application carries (SPEC §2.5), where each one is in the upload pipeline, and
the application's material slots: what may be uploaded, an upload arriving, the pipeline's
result, removal, and what a submit still lacks.

`MaterialSlots` is mixed into `Application`: it reads and writes only the application's
`materials` and `upload_floors` (never `status`), and uses its `type`, `allowed_materials`,
`is_editable`, `_require_editable_state` and `_touch`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Mapping

from chalicelib.domain import texts
from chalicelib.domain.errors import RuleViolationError


class MaterialKind(StrEnum):
    ID_PHOTO = "id_photo"
    ID_CARD_FRONT = "id_card_front"
    ID_CARD_BACK = "id_card_back"
    QUALIFICATION_CERT = "qualification_cert"
    REGISTRATION_CERT = "registration_cert"
    CE_PROOF = "ce_proof"

    @property
    def chinese(self) -> str:
        """The material's label, as the applicant sees it (`texts.ITEM_LABELS`)."""
        return texts.ITEM_LABELS[self.value]


# What every application needs whatever its type (manual §2.2).
BASE_MATERIALS: tuple[MaterialKind, ...] = (
    MaterialKind.ID_PHOTO, MaterialKind.ID_CARD_FRONT, MaterialKind.ID_CARD_BACK,
    MaterialKind.QUALIFICATION_CERT,
)


class MaterialStatus(StrEnum):
    PENDING = "pending"
    READY = "ready"
    REJECTED = "rejected"

    @property
    def chinese(self) -> str:
        return _STATUS_CHINESE[self]


_STATUS_CHINESE = {MaterialStatus.PENDING: "处理中", MaterialStatus.READY: "已上传",
                   MaterialStatus.REJECTED: "未通过"}


@dataclass(frozen=True)
class Material:
    """One material slot's current upload. A new upload replaces it whole once its object
    arrives (asking for an upload URL changes nothing); `upload_id` tells a late pipeline
    result for an older upload from the current one. `object_key` is where the photo is:
    the pipeline's own JPEG under `materials/`, or an attached e-certificate's PNG, which
    the material only points to and never deletes."""

    kind: MaterialKind
    status: MaterialStatus
    upload_id: str
    reason_code: str | None = None
    reason: str | None = None
    width: int | None = None
    height: int | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    object_key: str | None = None
    updated_at: datetime | None = None


def material_problems(required: tuple[MaterialKind, ...], materials: Mapping[MaterialKind, Material]) -> dict[str, str]:
    """Every material a submit needs that is missing, still processing or refused, and every
    optional one present but not usable, kind → what to do (Chinese)."""
    problems: dict[str, str] = {}
    for kind in required:
        reason = _material_problem(kind, materials.get(kind))
        if reason:
            problems[kind.value] = reason
    for kind, material in materials.items():
        reason = _material_problem(kind, material)
        if reason and kind not in required:
            problems[kind.value] = reason
    return problems


def _material_problem(kind: MaterialKind, material: Material | None) -> str | None:
    if material is None:
        return texts.reason("MATERIAL_MISSING", material=kind.chinese)
    if material.status is MaterialStatus.PENDING:
        return texts.reason("MATERIAL_PENDING", material=kind.chinese)
    if material.status is MaterialStatus.REJECTED:
        return texts.reason("MATERIAL_REJECTED", material=kind.chinese,
                            reason=material.reason or texts.reason("MATERIAL_REUPLOAD"))
    return None


class MaterialSlots:
    """The material methods of `Application` (see the module docstring for what they use of it)."""

    def allow_upload(self, kind: MaterialKind | str) -> MaterialKind:
        """Check, changing nothing, that a photo of `kind` may be uploaded now. Asking for an
        upload URL leaves the slot as it is: only an object that arrives (`start_upload`) replaces it.

        Raises ConflictError NOT_EDITABLE after submit and RuleViolationError
        MATERIAL_NOT_ALLOWED for a kind this application neither needs nor accepts.
        """
        self._require_editable_state()
        return self._allowed_kind(kind)

    def start_upload(self, kind: MaterialKind | str, upload_id: str, now: datetime, *,
                     issued_at: datetime | None = None) -> Material | None:
        """An uploaded object arrived: it replaces the slot's material, which waits (pending) for
        the photo pipeline. `issued_at` is when its upload URL was issued (default `now`).

        None, and no change, when the upload is already the slot's current one, or is stale:
        issued before the slot's floor — the issue time of the upload that last arrived, or the
        moment the material was removed or attached. So an older upload whose event S3 delivers
        late never replaces a newer photo, nor brings back one the applicant removed.
        Same refusals as `allow_upload`.
        """
        kind = self.allow_upload(kind)
        issued_at = issued_at or now
        current = self.materials.get(kind)
        floor = self.upload_floors.get(kind)
        if (current is not None and current.upload_id == upload_id) or (floor is not None and issued_at < floor):
            return None
        material = Material(kind, MaterialStatus.PENDING, upload_id, updated_at=now)
        self._touch(now)
        self.materials[kind] = material
        self.upload_floors[kind] = issued_at
        return material

    def record_material_ready(self, kind: MaterialKind | str, upload_id: str, *, width: int, height: int,
                              size_bytes: int, sha256: str, object_key: str, now: datetime) -> bool:
        """The pipeline stored the processed photo. False (and no change) when the result is
        for an upload that is no longer current, already recorded, or the application
        is no longer editable — so a redelivered or late event is harmless."""
        current = self._pending(kind, upload_id)
        if current is None:
            return False
        self._touch(now)
        self.materials[current.kind] = replace(
            current, status=MaterialStatus.READY, width=width, height=height, size_bytes=size_bytes,
            sha256=sha256, object_key=object_key, updated_at=now)
        return True

    def attach_e_certificate(self, registration_no: str, *, width: int, height: int, size_bytes: int,
                             sha256: str, object_key: str, now: datetime) -> Material:
        """Use the applicant's own e-certificate (its PNG preview) as `registration_cert`:
        ready at once, no upload. Same refusals as `start_upload`."""
        upload_id = f"e-certificate-{registration_no}"
        self.start_upload(MaterialKind.REGISTRATION_CERT, upload_id, now)
        self.record_material_ready(MaterialKind.REGISTRATION_CERT, upload_id, width=width, height=height,
                                   size_bytes=size_bytes, sha256=sha256, object_key=object_key, now=now)
        return self.materials[MaterialKind.REGISTRATION_CERT]

    def record_material_rejected(self, kind: MaterialKind | str, upload_id: str, reason_code: str,
                                 reason: str, now: datetime) -> bool:
        """The pipeline refused the upload, with a reason the applicant can act on.
        Same idempotence as `record_material_ready`."""
        current = self._pending(kind, upload_id)
        if current is None:
            return False
        self._touch(now)
        self.materials[current.kind] = replace(
            current, status=MaterialStatus.REJECTED, reason_code=reason_code, reason=reason, updated_at=now)
        return True

    def remove_material(self, kind: MaterialKind | str, now: datetime) -> bool:
        """The "×" on a photo; True when there was one. Every upload issued before `now` becomes
        stale (see `start_upload`): a late event cannot bring the photo back. Same refusals as
        `allow_upload`."""
        kind = self.allow_upload(kind)
        self._touch(now)
        self.upload_floors[kind] = now
        return self.materials.pop(kind, None) is not None

    def _pending(self, kind: MaterialKind | str, upload_id: str) -> Material | None:
        try:
            current = self.materials.get(MaterialKind(kind))
        except ValueError:
            return None
        if (not self.is_editable or current is None or current.upload_id != upload_id
                or current.status is not MaterialStatus.PENDING):
            return None
        return current

    def _allowed_kind(self, kind: MaterialKind | str) -> MaterialKind:
        try:
            kind = MaterialKind(kind)
        except ValueError:
            raise RuleViolationError(code="MATERIAL_NOT_ALLOWED", details={"kind": texts.reason("MATERIAL_UNKNOWN")},
                                     type=self.type.chinese, material=texts.reason("MATERIAL_UNKNOWN_NAME")) from None
        if kind not in self.allowed_materials:
            raise RuleViolationError(code="MATERIAL_NOT_ALLOWED",
                                     details={"kind": texts.reason("MATERIAL_NOT_FOR_TYPE", type=self.type.chinese,
                                                                  material=kind.chinese)},
                                     type=self.type.chinese, material=kind.chinese)
        return kind
