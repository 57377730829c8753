"""API-test helpers: a register, an open window and signed-in applicants."""
from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from chalicelib.domain.commands import RequestSmsCode
from chalicelib.domain.credentials import SmsPurpose
from chalicelib.domain.levels import Level
from chalicelib.services import staff
from chalicelib.services.auth import request_sms_code
from chalicelib.domain.register import Practitioner, Registration
from chalicelib.domain.windows import Window
from tests.ids import unique_id


def last_code(deps, phone: str) -> str:
    """The newest code texted to `phone`, read from the local SMS sink like a person would."""
    records = [json.loads(line) for line in Path(deps.settings.sms_file).read_text(encoding="utf-8").splitlines()]
    text = [r["text"] for r in records if r["to"] == phone][-1]
    return re.search(r"验证码是(\d{6})", text).group(1)


def unique_phone() -> str:
    return f"139{uuid.uuid4().int % 10**8:08d}"


@pytest.fixture(scope="session")
def open_window(stack):
    from chalicelib import bootstrap
    now = datetime.now(timezone.utc)
    window = Window.create(now.year, now - timedelta(days=3), now + timedelta(days=20))
    bootstrap.deps().windows.put(window)
    return window


@pytest.fixture
def person(deps, open_window):
    """A practitioner due for first registration this year."""
    id_number = unique_id("11")
    practitioner = Practitioner(id_number, "周晓梅", f"Z{uuid.uuid4().int % 10**9:09d}", Level.ASSISTANT,
                                open_window.year - 1)
    deps.register.upsert_practitioners([practitioner])
    return practitioner


@pytest.fixture
def renewer(deps, open_window):
    """Registered three years ago, no CE on record: renewal needs CE proof."""
    id_number = unique_id("12")
    practitioner = Practitioner(id_number, "阿依古丽·买买提", f"Z{uuid.uuid4().int % 10**9:09d}",
                                Level.INTERMEDIATE, open_window.year - 6)
    deps.register.upsert_practitioners([practitioner])
    # upper-case, as the import stores a number (register.parse_code) and verification looks one up
    deps.register.upsert_registrations([Registration(id_number, open_window.year - 3,
                                                     f"BJ{uuid.uuid4().hex[:8].upper()}")])
    return practitioner


def sign_up(client, deps, practitioner, password="goodpass123") -> tuple[str, str]:
    """Sign up through the API; returns (token, phone)."""
    phone = unique_phone()
    # Every test client request comes from one source IP, whose daily cap on SMS codes the
    # suite would exhaust; the code is requested as from a distinct address instead.
    request_sms_code(deps, RequestSmsCode(phone, SmsPurpose.SIGNUP), f"198.51.{uuid.uuid4().int % 65536 // 256}."
                     f"{uuid.uuid4().int % 256}", datetime.now(timezone.utc))
    response = client.http.post("/auth/signup", headers=JSON, body=json.dumps({
        "phone": phone, "code": last_code(deps, phone), "name": practitioner.name,
        "id_number": practitioner.id_number, "password": password}))
    assert response.status_code == 201, response.body
    return response.json_body["token"], phone


JSON = {"Content-Type": "application/json"}


def auth(token: str) -> dict:
    return {**JSON, "Authorization": f"Bearer {token}"}


def staff_token(client, deps, *, admin: bool) -> str:
    """A new reviewer (or admin) signed in through the API; returns the token."""
    username = f"adm{uuid.uuid4().hex[:8]}"
    staff.add_staff(deps, username, "adminpass1", admin=admin, now=datetime.now(timezone.utc))
    response = client.http.post("/auth/login", headers=JSON,
                                body=json.dumps({"username": username, "password": "adminpass1"}))
    assert response.status_code == 200, response.body
    return response.json_body["token"]


@pytest.fixture
def admin(client, deps) -> str:
    return staff_token(client, deps, admin=True)


@pytest.fixture
def reviewer(client, deps) -> str:
    return staff_token(client, deps, admin=False)
