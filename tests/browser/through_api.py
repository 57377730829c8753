"""What the browser tests do through the API rather than a page: the register a person signs up
against, the SMS codes they read on their phone, and what staff do (a reviewer claims and
decides) — the reference client is for applicants only.
"""
from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from chalicelib import bootstrap
from chalicelib.domain.commands import RequestSmsCode
from chalicelib.domain.credentials import SmsPurpose
from chalicelib.domain.levels import Level
from chalicelib.domain.register import Practitioner
from chalicelib.services import staff
from chalicelib.services.auth import request_sms_code
from tests.ids import unique_id

PASSWORD = "goodpass123"
STAFF_PASSWORD = "reviewpass1"


class ApiRefusedError(AssertionError):
    """The API answered an error; `status` and `error` ({code, message, details}) say which."""

    def __init__(self, method: str, path: str, status: int, error: dict) -> None:
        super().__init__(f"{method} {path} → {status} {json.dumps(error, ensure_ascii=False)}")
        self.status = status
        self.error = error


@dataclass
class Api:
    """The live API at `base`, called as a program would (no Origin: CORS does not apply)."""

    base: str
    sms_file: Path

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict | None:
        """The answer's JSON (None for 204); ApiRefusedError for an error answer."""
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.base + path, method=method, headers=headers,
                                         data=None if body is None else json.dumps(body).encode())
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                data = response.read()
        except urllib.error.HTTPError as refused:
            raise ApiRefusedError(method, path, refused.code, json.loads(refused.read() or b"{}").get("error", {}))
        return json.loads(data) if data else None

    def sms_code(self, phone: str, after: int = 0, timeout: float = 10.0) -> str:
        """The newest six-digit code texted to `phone` (waiting for it), read from the SMS file like a
        person reads their phone. `after`: how many texts to `phone` came before (see `texts_to`)."""
        deadline = time.monotonic() + timeout
        while True:
            texts = self.texts_to(phone)
            if len(texts) > after and (code := re.search(r"验证码是(\d{6})", texts[-1])):
                return code.group(1)
            if time.monotonic() > deadline:
                raise AssertionError(f"no SMS code for {phone} within {timeout:.0f} s: {texts}")
            time.sleep(0.1)

    def texts_to(self, phone: str) -> list[str]:
        if not self.sms_file.exists():
            return []
        lines = self.sms_file.read_text(encoding="utf-8").splitlines()
        return [record["text"] for record in map(json.loads, lines) if record["to"] == phone]

    def sign_up(self, practitioner: Practitioner) -> tuple[str, str]:
        """An applicant account for `practitioner` on a new phone; returns (token, phone)."""
        phone = new_phone()
        # As from an address of its own: the browser's code requests keep the API's allowance per address.
        address = f"2001:db8::a:{uuid.uuid4().hex[:4]}"
        request_sms_code(bootstrap.deps(), RequestSmsCode(phone, SmsPurpose.SIGNUP), address, datetime.now(timezone.utc))
        answer = self.call("POST", "/auth/signup", {
            "phone": phone, "code": self.sms_code(phone), "name": practitioner.name,
            "id_number": practitioner.id_number, "password": PASSWORD})
        return answer["token"], phone

    def staff(self, *, admin: bool = False) -> str:
        """A new reviewer (or admin) account, signed in; returns its token."""
        username = f"rev{uuid.uuid4().hex[:8]}"
        staff.add_staff(bootstrap.deps(), username, STAFF_PASSWORD, admin=admin, now=datetime.now(timezone.utc))
        return self.call("POST", "/auth/login", {"username": username, "password": STAFF_PASSWORD})["token"]

    def review(self, application_id: str, *, reject: list[tuple[str, str]] | None = None,
               opinion: str = "材料需补正", reviewer: str | None = None) -> dict:
        """A reviewer claims the submitted application and approves it, or rejects it with the
        `reject` items ((item, note) pairs: a material kind or a form field). Returns the decision's answer."""
        reviewer = reviewer or self.staff()
        self.call("POST", f"/review/applications/{application_id}/claim", token=reviewer)
        decision = ({"outcome": "approve"} if reject is None else
                    {"outcome": "reject", "opinion": opinion,
                     "issues": [{"item": item, "note": note} for item, note in reject]})
        return self.call("POST", f"/review/applications/{application_id}/decision", decision, token=reviewer)


def new_phone() -> str:
    return f"139{uuid.uuid4().int % 10**8:08d}"


def practitioner(name: str = "周晓梅") -> Practitioner:
    """A new practitioner in the register, under an ID number of its own, due for first
    registration this year (qualified last year, never registered)."""
    year = datetime.now(timezone.utc).year
    person = Practitioner(unique_id("11"), name, f"Z{uuid.uuid4().int % 10**9:09d}", Level.ASSISTANT, year - 1)
    bootstrap.deps().register.upsert_practitioners([person])
    return person
