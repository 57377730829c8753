"""Applications at each stage of their lifecycle, built through the entity, for the domain tests.

One practitioner (`PERSON`) per type in the 2022 window; `start` begins a draft, and
`submitted`, `in_review`, `rejected` and `approved` drive it there with a complete form.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from chalicelib.domain.application import Application
from chalicelib.domain.eligibility import RegistrationType, evaluate
from chalicelib.domain.levels import Level
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.register import CeRecord, Practitioner, Registration
from chalicelib.domain.windows import SHANGHAI, Window
from tests.ids import make_id

WINDOW = Window.create(2022, datetime(2022, 3, 1, 9, tzinfo=SHANGHAI), datetime(2022, 4, 1, tzinfo=SHANGHAI))
NOW = datetime(2022, 3, 2, 10, 0, tzinfo=SHANGHAI)
AFTER_CLOSE = WINDOW.closes_at + timedelta(hours=1)
PERSON = make_id()
ADDRESS = {"recipient": "周晓梅", "phone": "13900139000", "address": "北京市海淀区中关村大街1号",
           "postal_code": "100080"}
FORM = {"phone": "13800138000", "employer": "北京市某社会工作服务中心", "district": "海淀区", "education": "bachelor",
        "mailing_address": ADDRESS}

# (qualification year, registration years, CE hours on record) per type.
SCENARIOS = {
    RegistrationType.FIRST: (2021, (), 0),
    RegistrationType.RENEWAL: (2016, (2019,), 80),
    RegistrationType.LATE: (2010, (2017,), 80),
    RegistrationType.REISSUE: (2019, (), 0),
}


def start(type_: RegistrationType = RegistrationType.FIRST, *, qualified: int | None = None,
          years: tuple[int, ...] | None = None, ce_hours: float | None = None, now: datetime = NOW) -> Application:
    default_q, default_years, default_hours = SCENARIOS[type_]
    person = Practitioner(PERSON, "周晓梅", "Z2015000001", Level.ASSISTANT,
                          default_q if qualified is None else qualified)
    registrations = [Registration(PERSON, y, f"BJ{y}-1") for y in (default_years if years is None else years)]
    hours = default_hours if ce_hours is None else ce_hours
    records = [CeRecord(PERSON, date(2020, 6, 1), Decimal(str(hours)), "课程", "机构")] if hours else []
    verdict = evaluate(person, registrations, records, WINDOW).verdict(type_)
    return Application.start("app-1", person, verdict, WINDOW, now, actor="applicant")


def upload(app: Application, kind: MaterialKind, upload_id: str | None = None, now: datetime = NOW) -> bool:
    upload_id = upload_id or f"up-{kind.value}"
    app.start_upload(kind, upload_id, now)
    return app.record_material_ready(kind, upload_id, width=1600, height=1200, size_bytes=400_000,
                                     sha256="ab" * 32, object_key=f"materials/{kind.value}.jpg", now=now)


def complete(app: Application, **extra) -> Application:
    app.update_fields({**FORM, **extra}, NOW, WINDOW)
    for kind in app.required_materials:
        upload(app, kind)
    return app


def submitted(type_: RegistrationType = RegistrationType.FIRST, **kwargs) -> Application:
    app = complete(start(type_, **kwargs))
    app.submit(NOW, WINDOW, declaration=True, actor="applicant")
    return app


def in_review(reviewer: str = "rev-a") -> Application:
    app = submitted()
    app.claim(reviewer, NOW)
    return app


def rejected() -> Application:
    app = in_review()
    app.reject("rev-a", NOW, "照片不清晰", [{"item": "id_photo", "note": "请重新拍摄"}])
    return app


def approved() -> Application:
    app = in_review()
    app.approve("rev-a", NOW)
    return app
