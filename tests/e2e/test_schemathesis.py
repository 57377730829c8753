"""Schemathesis against `make run`'s API: no input gets a 5xx (issue 4, "Tests").

The whole local stack (`python -m devstack.run`: DynamoDB Local, the S3 emulator,
`chalice local`) runs on free ports with its data in a tmp dir, as in
test_make_run.py. Schemathesis reads the app's own GET /openapi.json and runs its
`examples` and `fuzzing` phases with the `not_a_server_error` check only. The
`coverage` phase is left out on purpose: it sends TRACE, which chalice local
answers 501 by itself, before the app sees the request.

Authenticated routes are fuzzed with real tokens so requests get past the
authorizer: an applicant signed up over HTTP (register row imported and window
opened with the operator CLI, code read from the SMS sink) for every operation,
then a reviewer (added with the CLI) for the /review routes, which answer an
applicant 403 before reading any input. A real draft id is mixed into the
`application_id` path parameter half of the time, so PATCH, upload, delete and
submit reach the draft instead of only ever answering 404.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from chalicelib.cli.environment import ROOT
from chalicelib.domain.windows import SHANGHAI
from devstack.ports import free_port
from tests.ids import make_id

BIN = Path(sys.executable).parent
STARTUP_TIMEOUT = 90
# Bounded so the module (stack start, both runs, stop) stays well under 3 minutes on 2 cores.
APPLICANT_EXAMPLES = 40
REVIEWER_EXAMPLES = 25
SEED = 20240604
MATERIAL_KINDS = ("id_photo", "id_card_front", "id_card_back", "qualification_cert",
                  "registration_cert", "ce_proof")


@dataclass
class Api:
    base: str
    env: dict
    tmp: Path


def _request(method: str, url: str, body: dict | None = None, token: str | None = None,
             timeout: float = 15) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def _healthy(base: str) -> bool:
    try:
        return _request("GET", base + "/health", timeout=2)[0] == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """`make run` on free ports until the module ends; stopped with Ctrl-C (SIGINT) whatever happens."""
    tmp = tmp_path_factory.mktemp("schemathesis")
    port, ddb, s3 = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SWREG_", "AWS_", "POWERTOOLS_", "SCHEMATHESIS_"))}
    env.update(PORT=str(port), SWREG_DDB_PORT=str(ddb), SWREG_S3_PORT=str(s3),
               SWREG_LOCAL_DIR=str(tmp / "local"), SWREG_SMS_FILE=str(tmp / "sms.jsonl"))
    base = f"http://127.0.0.1:{port}"
    log = tmp / "make-run.log"
    # To a file, not a pipe: the event runner logs every second and a full pipe would stall it.
    with log.open("w") as out:
        runner = subprocess.Popen([sys.executable, "-m", "devstack.run"], cwd=ROOT, env=env,
                                  stdout=out, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _healthy(base):
            assert runner.poll() is None, f"make run exited ({runner.returncode}):\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no /health 200 within {STARTUP_TIMEOUT} s:\n{log.read_text()}"
            time.sleep(0.5)
        yield Api(base, env, tmp)
    finally:
        if runner.poll() is None:
            runner.send_signal(signal.SIGINT)
        try:
            runner.wait(timeout=60)
        except subprocess.TimeoutExpired:
            runner.kill()
            runner.wait(timeout=30)
    assert runner.returncode == 0, log.read_text()


def _swreg(api: Api, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run([str(BIN / "swreg"), *args], env=api.env, cwd=ROOT, input=stdin,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"swreg {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


def _sms_files(api: Api) -> list[Path]:
    """Where the code may land. `chalice local` applies the `local` stage's variables from
    .chalice/config.json over its environment, so the API writes to `.local/sms.jsonl`
    relative to the repo root whatever SWREG_SMS_FILE says; the other places are checked
    in case that changes."""
    return [ROOT / ".local" / "sms.jsonl", Path(api.env["SWREG_SMS_FILE"]),
            Path(api.env["SWREG_LOCAL_DIR"]) / "sms.jsonl"]


def _code_texted_to(api: Api, phone: str, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    while True:
        for path in _sms_files(api):
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except OSError:
                continue
            for line in reversed(lines):
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                found = re.search(r"验证码是(\d{6})", record.get("text", ""))
                if record.get("to") == phone and found:
                    return found.group(1)
        assert time.monotonic() < deadline, \
            f"no code for {phone} in any of {[str(p) for p in _sms_files(api)]}"
        time.sleep(0.2)


@dataclass
class Tokens:
    applicant: str
    reviewer: str
    application_id: str


@pytest.fixture(scope="module")
def tokens(api):
    """An applicant due for first registration, with a draft, and a reviewer — all through the
    operator CLI and the HTTP API only, as a newcomer with `make run` would do it."""
    serial = uuid.uuid4().int
    id_number = make_id(region=f"11{serial % 9000 + 1000:04d}", seq=serial % 999)
    year = datetime.now(SHANGHAI).year
    register = api.tmp / "register.csv"
    register.write_text("name,id_number,certificate_no,level,qualification_year\n"
                        f"周晓梅,{id_number},Z{serial % 10**9:09d},assistant,{year - 1}\n", encoding="utf-8")
    assert "imported 1" in _swreg(api, "import", "practitioners", str(register))
    _swreg(api, "window", "open", "--year", str(year), "--opens", f"{year}-01-01",
           "--closes", f"{year}-12-31T23:59")

    phone = f"139{serial % 10**8:08d}"
    status, body = _request("POST", api.base + "/auth/sms-codes", {"phone": phone, "purpose": "signup"})
    assert status == 202, body
    status, body = _request("POST", api.base + "/auth/signup", {
        "phone": phone, "code": _code_texted_to(api, phone), "name": "周晓梅",
        "id_number": id_number, "password": "goodpass123"})
    assert status == 201, body
    applicant = body["token"]
    status, body = _request("POST", api.base + "/applications", {"type": "first"}, token=applicant)
    assert status == 201, body
    application_id = body["application_id"]

    username, password = f"fuzz-reviewer-{serial % 10**6:06d}", "review-pass-2026"
    _swreg(api, "reviewer", "add", username, stdin=password + "\n")
    status, body = _request("POST", api.base + "/auth/login", {"username": username, "password": password})
    assert status == 200, body
    return Tokens(applicant, body["token"], application_id)


def _schemathesis(api: Api, token: str, application_id: str, max_examples: int, *extra: str) -> None:
    # A config file of our own: hermetic (no schemathesis.toml discovered above the cwd) and the
    # only way to hand the fuzzer real ids — mixed in, not forced, so odd ids are still tried.
    config = api.tmp / f"schemathesis-{uuid.uuid4().hex[:8]}.toml"
    config.write_text(
        "[dictionaries.applications]\n"
        f"values = [{json.dumps(application_id)}]\n\n"
        "[dictionaries.kinds]\n"
        f"values = {json.dumps(list(MATERIAL_KINDS))}\n\n"
        "[parameters]\n"
        '"path.application_id" = { dictionary = "applications", probability = 0.5 }\n'
        '"path.kind" = { dictionary = "kinds", probability = 0.5 }\n', encoding="utf-8")
    command = [
        str(BIN / "schemathesis"), "--config-file", str(config), "--no-color",
        "run", api.base + "/openapi.json",
        "--phases", "examples,fuzzing",
        "--checks", "not_a_server_error",
        "--header", f"Authorization: Bearer {token}",
        "--max-examples", str(max_examples),
        "--seed", str(SEED),
        "--generation-database", "none",  # no replay of earlier runs' cases: the seed alone decides
        "--workers", "1",
        "--request-timeout", "30",
        "--continue-on-failure",
        *extra,
    ]
    result = subprocess.run(command, cwd=api.tmp, env=api.env, capture_output=True, text=True, timeout=240)
    output = result.stdout + result.stderr
    if result.returncode != 0:  # schemathesis' report, then the server's side of the last requests
        api_log = api.tmp / "local" / "api.log"
        if api_log.exists():
            output += "\n---- chalice local: last lines of api.log ----\n" + "\n".join(
                api_log.read_text(errors="replace").splitlines()[-80:])
    assert result.returncode == 0, output
    assert "Examples" in output and "Fuzzing" in output, output


def test_no_input_gets_a_server_error_as_an_applicant(api, tokens):
    _schemathesis(api, tokens.applicant, tokens.application_id, APPLICANT_EXAMPLES)


def test_no_input_gets_a_server_error_as_a_reviewer(api, tokens):
    _schemathesis(api, tokens.reviewer, tokens.application_id, REVIEWER_EXAMPLES,
                  "--include-path-regex", "^/review")
