"""`swreg seed-demo`: a demo register that shows every registration type, an open window, a reviewer,
and one e-certificate (downloads, verification and attach-certificate have something to show).

Idempotent: running it again rewrites the same rows and leaves an existing
window for the year as it is.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from chalicelib.domain.certificates import Certificate
from chalicelib.domain.errors import ConflictError
from chalicelib.domain.identity import check_char
from chalicelib.domain.levels import Level
from chalicelib.domain.object_keys import certificate_keys
from chalicelib.domain.register import CeRecord, Practitioner, Registration
from chalicelib.domain.windows import SHANGHAI, Window
from chalicelib.services import staff
from chalicelib.services.certificates import render_and_store
from chalicelib.services.deps import Deps

DEMO_REVIEWER = "demo-reviewer"
DEMO_REVIEWER_PASSWORD = "demo-review-2026"
DEMO_CERTIFIED = "李建国"  # due for renewal: can attach the e-certificate of his last registration


def _id(birth: str, seq: int) -> str:
    body = f"110108{birth}{seq:03d}"
    return body + check_char(body)


def demo_register(year: int) -> tuple[list[Practitioner], list[Registration], list[CeRecord], list[str]]:
    """Practitioners for window year `year`, with the case each one demonstrates."""
    people = [  # (name, birth, level, qualified, registered years, CE hours, what it shows)
        ("周晓梅", "19900307", Level.ASSISTANT, year - 1, [], 0, "首登记 (first)"),
        ("李建国", "19850612", Level.ASSISTANT, year - 7, [year - 6, year - 3], 80, "再登记 (renewal), CE complete"),
        ("王芳", "19881121", Level.INTERMEDIATE, year - 7, [year - 3], 40, "再登记 with CE short: needs ce_proof"),
        ("阿依古丽·买买提", "19790415", Level.SENIOR, year - 10, [year - 9, year - 6], 95, "补登记 (late)"),
        ("张伟", "19920101", Level.ASSISTANT, year - 3, [], 0, "补证 (reissue) — qualified, never registered"),
        ("刘洋", "19870808", Level.INTERMEDIATE, year - 4, [year - 1], 0, "nothing due; 补证 only if lost"),
        ("陈晨", "19990909", Level.ASSISTANT, year, [], 0, "nothing yet (qualified this year)"),
        ("王䶮", "19930303", Level.ASSISTANT, year - 1, [], 0, "首登记, a name outside GB2312"),
    ]
    practitioners, registrations, records, cases = [], [], [], []
    for seq, (name, birth, level, qualified, years, hours, shows) in enumerate(people, start=11):
        id_number = _id(birth, seq * 2 + 1)
        practitioners.append(Practitioner(id_number, name, f"DEMO{qualified}{seq:04d}", level, qualified))
        registrations += [Registration(id_number, y, f"BJDEMO{y}{seq:04d}") for y in years]
        if hours:
            last = max(years)
            records += [CeRecord(id_number, date(last + 1, 6, 1), Decimal(hours // 2), "社会工作实务", "北京社会工作者协会"),
                        CeRecord(id_number, date(last + 2, 6, 1), Decimal(hours - hours // 2), "社会工作伦理",
                                 "北京社会工作者协会")]
        cases.append(f"{name}  {id_number}  {shows}")
    return practitioners, registrations, records, cases


def seed(deps: Deps, now: datetime) -> list[str]:
    """Load the demo register and open this year's window if none exists; returns lines to print."""
    year = now.astimezone(SHANGHAI).year
    practitioners, registrations, records, _ = demo_register(year)
    deps.register.upsert_practitioners(practitioners)
    deps.register.upsert_registrations(registrations)
    deps.register.upsert_ce_records(records)
    window = deps.windows.get(year)
    if window is None:
        window = Window.create(year, now - timedelta(days=7), now + timedelta(days=23))
        deps.windows.put(window)
    try:
        staff.add_staff(deps, DEMO_REVIEWER, DEMO_REVIEWER_PASSWORD, admin=False, now=now)
    except ConflictError:
        pass  # seeded before
    return [f"window {year}: {window.opens_at:%Y-%m-%d %H:%M} → {window.closes_at:%Y-%m-%d %H:%M} (Asia/Shanghai)",
            *logins(year)]


def logins(year: int) -> list[str]:
    """The demo's logins, as `seed-demo` and `make run` print them."""
    cases = demo_register(year)[3]
    return [f"reviewer login: {DEMO_REVIEWER} / {DEMO_REVIEWER_PASSWORD}  (POST /auth/login {{username, password}})",
            "demo practitioners (sign up with any phone; the code arrives in the SMS file):",
            *(f"  {case}" for case in cases), _certificate_line(_certified(year)[1].registration_no)]


def _certified(year: int) -> tuple[Practitioner, Registration]:
    """DEMO_CERTIFIED and the last registration his demo e-certificate shows."""
    practitioners, registrations, _, _ = demo_register(year)
    holder = next(p for p in practitioners if p.name == DEMO_CERTIFIED)
    return holder, max((r for r in registrations if r.id_number == holder.id_number),
                       key=lambda r: r.registration_year)


def _certificate_line(registration_no: str) -> str:
    return f"e-certificate {registration_no} ({DEMO_CERTIFIED}): GET /verify/{registration_no}"


def seed_certificate(deps: Deps, now: datetime) -> str:
    """An e-certificate for DEMO_CERTIFIED's last registration (rendered like the job's, with
    a drawn placeholder photo); returns a line to print. Idempotent."""
    holder, last = _certified(now.astimezone(SHANGHAI).year)
    line = _certificate_line(last.registration_no)
    if deps.certificates.get(last.registration_no) is not None:
        return line
    pdf_key, png_key = certificate_keys(last.registration_no)
    certificate = Certificate(last.registration_no, holder.id_number, "demo", holder.name, holder.certificate_no,
                              holder.level, last.registration_year, last.valid_until, now, pdf_key, png_key)
    render_and_store(deps, certificate, deps.renderer.placeholder_photo())
    deps.certificates.add(certificate)
    return line
