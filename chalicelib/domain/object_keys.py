"""The files bucket's key layout: every object key the service writes, reads, listens to or sweeps.

Three families, each under its own prefix:

    uploads/{application id}/{kind}/{issued µs}-{nonce}-{signature}   a raw browser upload
    materials/{application id}/{kind}/{upload id}.jpg                  the photo normalised from one upload
    certificates/{registration no}.pdf and .png                        an issued e-certificate

and the evidence photos of correction requests (反馈), raw uploads under the same
`uploads/` (so the same S3 event and expiry rule cover them), normalised under their own prefix:

    uploads/corrections/{correction id}/{issued µs}-{nonce}-{signature}   a raw evidence upload
    evidence/{correction id}/{upload id}.jpg                             its normalised photo

Objects already stored are found by exactly these forms, so none may change.
The S3 upload event listens under `UPLOADS_PREFIX`, and the bucket's lifecycle
rule (infra/stateful.yaml) expires what stays there after a day.

An upload key is self-authenticating (see `services.uploads`): its signature
is an HMAC-SHA256 of application id, kind, issue time and nonce, keyed with
the service's upload key (`Deps.keys.uploads`, passed in here as `secret`). A
key we never issued, or one edited to point at another application or kind
or to claim another issue time, fails `UploadKey.is_authentic`.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from chalicelib.domain.materials import MaterialKind

UPLOADS_PREFIX = "uploads/"
MATERIALS_PREFIX = "materials/"
CERTIFICATES_PREFIX = "certificates/"
EVIDENCE_UPLOADS_PREFIX = f"{UPLOADS_PREFIX}corrections/"
EVIDENCE_PREFIX = "evidence/"
_MATERIAL_SUFFIX = ".jpg"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SIGNATURE_HEX = 32  # 128 bits of the HMAC


def certificate_keys(registration_no: str) -> tuple[str, str]:
    """(PDF key, PNG key) of the e-certificate numbered `registration_no`."""
    return (f"{CERTIFICATES_PREFIX}{registration_no}.pdf", f"{CERTIFICATES_PREFIX}{registration_no}.png")


def slot_folders(application_id: str, kind: MaterialKind) -> tuple[str, str]:
    """The folders of one material slot: its raw uploads and its normalised photos. Nothing
    else is ever the slot's own (an attached e-certificate's PNG is only pointed to)."""
    return (f"{UPLOADS_PREFIX}{application_id}/{kind.value}/", f"{MATERIALS_PREFIX}{application_id}/{kind.value}/")


def upload_id_in(folder: str, key: str) -> str:
    """The upload id of `key`, an object listed under one of `slot_folders`."""
    return key[len(folder):].removesuffix(_MATERIAL_SUFFIX)


def issued_at_of(upload_id: str) -> datetime | None:
    """When the URL of `upload_id` was issued, or None for an id not in the issued form
    (an attached e-certificate's, or one from before signed ids)."""
    micros, _, rest = upload_id.partition("-")
    if len(micros) != 16 or not micros.isdigit() or not rest:
        return None
    return _EPOCH + timedelta(microseconds=int(micros))


def _signature(secret: bytes, application_id: str, kind: MaterialKind, stamp: str) -> str:
    message = f"{application_id}/{kind.value}/{stamp}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:_SIGNATURE_HEX]


@dataclass(frozen=True)
class UploadKey:
    """One upload of one material slot, as its raw object's key names it."""

    application_id: str
    kind: MaterialKind
    upload_id: str

    @classmethod
    def issue(cls, secret: bytes, application_id: str, kind: MaterialKind, now: datetime) -> "UploadKey":
        """A new key for one upload of `kind`, issued at `now` and signed with `secret`."""
        micros = (now - _EPOCH) // timedelta(microseconds=1)
        stamp = f"{micros:016d}-{secrets.token_hex(8)}"
        return cls(application_id, kind, f"{stamp}-{_signature(secret, application_id, kind, stamp)}")

    @classmethod
    def parse(cls, key: str) -> "UploadKey | None":
        """The upload `key` names, or None for a key outside the uploads layout."""
        parts = key[len(UPLOADS_PREFIX):].split("/") if key.startswith(UPLOADS_PREFIX) else []
        if len(parts) != 3 or not all(parts):
            return None
        try:
            return cls(parts[0], MaterialKind(parts[1]), parts[2])
        except ValueError:
            return None

    def is_authentic(self, secret: bytes) -> bool:
        """True when we issued this key: its signature matches application, kind and stamp."""
        stamp, _, signature = self.upload_id.rpartition("-")
        if issued_at_of(stamp) is None or len(signature) != _SIGNATURE_HEX:
            return False
        return hmac.compare_digest(_signature(secret, self.application_id, self.kind, stamp), signature)

    @property
    def issued_at(self) -> datetime | None:
        return issued_at_of(self.upload_id)

    @property
    def key(self) -> str:
        """Where the raw upload lands."""
        return f"{slot_folders(self.application_id, self.kind)[0]}{self.upload_id}"

    @property
    def material_key(self) -> str:
        """Where the normalised JPEG lives: one object per upload, so a replay rewrites the same bytes."""
        return f"{slot_folders(self.application_id, self.kind)[1]}{self.upload_id}{_MATERIAL_SUFFIX}"


def evidence_folders(correction_id: str) -> tuple[str, str]:
    """The folders of one correction request's evidence: its raw uploads and its normalised photos."""
    return f"{EVIDENCE_UPLOADS_PREFIX}{correction_id}/", f"{EVIDENCE_PREFIX}{correction_id}/"


def _evidence_signature(secret: bytes, correction_id: str, stamp: str) -> str:
    message = f"corrections/{correction_id}/{stamp}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:_SIGNATURE_HEX]


@dataclass(frozen=True)
class EvidenceKey:
    """One upload of a correction request's evidence photo, as its raw object's key names it;
    self-authenticating like `UploadKey` (signed over the request id and the stamp)."""

    correction_id: str
    upload_id: str

    @classmethod
    def issue(cls, secret: bytes, correction_id: str, now: datetime) -> "EvidenceKey":
        micros = (now - _EPOCH) // timedelta(microseconds=1)
        stamp = f"{micros:016d}-{secrets.token_hex(8)}"
        return cls(correction_id, f"{stamp}-{_evidence_signature(secret, correction_id, stamp)}")

    @classmethod
    def parse(cls, key: str) -> "EvidenceKey | None":
        """The upload `key` names, or None for a key outside the evidence layout."""
        parts = key[len(EVIDENCE_UPLOADS_PREFIX):].split("/") if key.startswith(EVIDENCE_UPLOADS_PREFIX) else []
        return cls(parts[0], parts[1]) if len(parts) == 2 and all(parts) else None

    def is_authentic(self, secret: bytes) -> bool:
        stamp, _, signature = self.upload_id.rpartition("-")
        if issued_at_of(stamp) is None or len(signature) != _SIGNATURE_HEX:
            return False
        return hmac.compare_digest(_evidence_signature(secret, self.correction_id, stamp), signature)

    @property
    def issued_at(self) -> datetime | None:
        return issued_at_of(self.upload_id)

    @property
    def key(self) -> str:
        return f"{evidence_folders(self.correction_id)[0]}{self.upload_id}"

    @property
    def photo_key(self) -> str:
        """Where the normalised JPEG lives."""
        return f"{evidence_folders(self.correction_id)[1]}{self.upload_id}{_MATERIAL_SUFFIX}"
