"""Approved applications for certificate tests: a practitioner in the register, a complete form,
a real normalised ID photo in the S3 emulator, driven through the domain to `approved`."""
from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta

from PIL import Image

from chalicelib.domain.application import Application, ApplicationStatus
from chalicelib.domain.eligibility import RegistrationType, evaluate
from chalicelib.domain.levels import Level
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.register import Practitioner, Registration
from chalicelib.domain.windows import SHANGHAI, Window
from tests.ids import unique_id

FORM = {"employer": "西城社工", "district": "西城区", "education": "bachelor", "pickup_method": "electronic"}


def spring_window(deps, year: int) -> Window:
    """`year`'s window, stored: 1 March 09:00 to 1 April 00:00, Beijing time."""
    window = Window.create(year, datetime(year, 3, 1, 9, tzinfo=SHANGHAI), datetime(year, 4, 1, tzinfo=SHANGHAI))
    deps.windows.put(window)
    return window


def id_photo_jpeg() -> bytes:
    """What the upload pipeline stores for an id_photo: 413 × 626 JPEG."""
    out = io.BytesIO()
    Image.new("RGB", (413, 626), (196, 210, 232)).save(out, "JPEG", quality=85)
    return out.getvalue()


def phone() -> str:
    return f"139{uuid.uuid4().int % 10**8:08d}"


def practitioner(deps, window: Window, name: str = "周晓梅", *, registered_in: int | None = None) -> Practitioner:
    """In the register: due for first registration in `window`, or registered in `registered_in`."""
    id_number = unique_id("14")
    qualified = window.year - 1 if registered_in is None else registered_in - 1
    person = Practitioner(id_number, name, f"Z{uuid.uuid4().int % 10**9:09d}", Level.INTERMEDIATE, qualified)
    deps.register.upsert_practitioners([person])
    if registered_in is not None:
        deps.register.upsert_registrations([Registration(id_number, registered_in, f"OLD{uuid.uuid4().hex[:8].upper()}")])
    return person


def complete(application: Application, window: Window, at: datetime, fields: dict | None = None,
             keys: dict[MaterialKind, str] | None = None) -> None:
    """Fill the form (FORM, a fresh phone, then `fields`) and mark every required material ready,
    as the upload pipeline would; `keys` names the stored object of some materials."""
    application.update_fields({"phone": phone(), **FORM, **(fields or {})}, at, window)
    for material in application.required_materials:
        key = (keys or {}).get(material, f"materials/{application.application_id}/{material.value}.jpg")
        application.start_upload(material, f"u-{material.value}", at)
        application.record_material_ready(material, f"u-{material.value}", width=413, height=626,
                                          size_bytes=1000, sha256="0" * 64, object_key=key, now=at)


def approved(deps, window: Window, name: str = "周晓梅", *, kind: RegistrationType = RegistrationType.FIRST,
             registered_in: int | None = None, at: datetime | None = None) -> Application:
    """An approved application of `kind` in `window`, stored; `reissue` is for a lost certificate."""
    person = practitioner(deps, window, name, registered_in=registered_in)
    return approve(deps, person, window, kind=kind, at=at)


def approve(deps, person: Practitioner, window: Window, *, kind: RegistrationType = RegistrationType.FIRST,
            at: datetime | None = None, photo: bytes | None = None, fields: dict | None = None) -> Application:
    """`person` (already in the register) applies, submits and is approved; stored with `photo`
    (default: `id_photo_jpeg()`) as the ID photo in S3, and the form's `fields` over the defaults
    (`{"pickup_method": "mail", "mailing_address": …}` for a paper certificate by post)."""
    at = at or window.opens_at + timedelta(days=1)
    photo = photo or id_photo_jpeg()
    verdict = evaluate(person, deps.register.registrations_of(person.id_number), [], window).verdict(kind)
    application = Application.start(uuid.uuid4().hex, person, verdict, window, at, actor="applicant")
    photo_key = f"materials/{application.application_id}/id_photo/u1.jpg"
    deps.files.write(photo_key, photo, "image/jpeg")
    reason = {"reissue_reason": "lost"} if kind is RegistrationType.REISSUE else {}
    complete(application, window, at, {**reason, **(fields or {})} or None, keys={MaterialKind.ID_PHOTO: photo_key})
    application.submit(at, window, declaration=True, actor="applicant")
    application.claim("rev1", at)
    application.approve("rev1", at)
    application.pull_events()
    deps.applications.add(application)
    assert application.status is ApplicationStatus.APPROVED
    return deps.applications.get(application.application_id)
