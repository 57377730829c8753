"""The photos an application carries (SPEC §2.5) and where each one is in the upload pipeline."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class MaterialKind(StrEnum):
    ID_PHOTO = "id_photo"
    ID_CARD_FRONT = "id_card_front"
    ID_CARD_BACK = "id_card_back"
    QUALIFICATION_CERT = "qualification_cert"
    REGISTRATION_CERT = "registration_cert"
    CE_PROOF = "ce_proof"

    @property
    def chinese(self) -> str:
        return _KIND_CHINESE[self]


_KIND_CHINESE = {
    MaterialKind.ID_PHOTO: "两寸免冠照片",
    MaterialKind.ID_CARD_FRONT: "身份证人像面照片",
    MaterialKind.ID_CARD_BACK: "身份证国徽面照片",
    MaterialKind.QUALIFICATION_CERT: "社会工作者职业水平证书照片",
    MaterialKind.REGISTRATION_CERT: "登记证书照片或电子证书",
    MaterialKind.CE_PROOF: "继续教育证明照片",
}

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
