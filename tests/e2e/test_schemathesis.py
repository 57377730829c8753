"""Schemathesis against `make run`'s API: no input gets a 5xx, every error is in SPEC §3's shape.

Issue 4 ("Tests"), issue 12 (item 18, property-based negative testing) and issue 15
("OpenAPI grows with every route; schemathesis covers them").

The whole local stack (`python -m devstack.run`: DynamoDB Local, the S3 emulator,
`chalice local`) runs on free ports with its data in a tmp dir, as in
test_make_run.py. Schemathesis reads the app's own GET /openapi.json, six times:

- as an applicant (every route), then as a reviewer (the /review routes only),
  then as an admin (the /admin routes only), its `examples` and `fuzzing` phases
  with positive and negative data mixed;
- as each of the three again, NEGATIVE data only (`--mode negative`): the
  `coverage` phase (every schema violation it can derive, deterministically:
  wrong types, values past each maximum, missing and unknown fields, bodies in
  another media type, a missing Authorization header, a method the path does not
  have), then a few fuzzed negative cases per operation.

Each run's HAR report is read back: every operation the run selects must have been
requested (a route added without schemathesis reaching it fails here), and the mixed
runs must have reached the real ids they were given (a draft discarded, a
correction decided).

Every response goes through three checks: schemathesis' `not_a_server_error`, and
two of ours, defined below: `error_in_spec_shape` (every 4xx or 5xx body is
`{"error": {"code": "UPPER_SNAKE", "message": "<Chinese>", "details": {...}}}`,
JSON, no stack trace) and `retry_after_on_429_and_503`. The schemathesis process
imports this module as its hooks module to get them. The stack runs with low
limits on failed logins per address and on SMS per hour, used up before the
applicant run, so its well-formed logins and code requests get 429s and the
Retry-After check is exercised, not vacuous (the applicant run asserts it saw one).

Authenticated routes are fuzzed with real tokens so requests get past the
authorizer: an applicant signed up over HTTP (register row imported and window
opened with the operator CLI, code read from the SMS sink) for every operation,
then a reviewer and an admin (added with the CLI) for the /review and the /admin
routes, which answer an applicant 403 before reading any input. In the mixed runs
real ids are put in the path half of the time, so the routes reach real items
instead of only ever answering 404 (odd ids are still tried the other half): the
applicant's draft for `application_id` (PATCH, upload, submit, reconsideration),
and the applicant's correction request for `correction_id` (its evidence upload,
the admin's decision). Discarding (DELETE /applications/{id}) would end the draft
the other routes need, so that one operation runs as a second applicant, on that
applicant's own draft. The negative runs always use the real ids, so each bad body
is judged by the route's validation rather than refused for an unknown id.

Bounded (examples per operation, one worker) so the module takes about 3 minutes
on 2 cores (measured 2 min 47 s: stack start and set-up 17 s, the applicant's runs
about 1 min each, the reviewer's 15 s, the admin's 5 s; nearer 5 minutes with other
tests running beside it); a fixed seed and no example database make every run
generate the same cases.
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
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis

from chalicelib.cli.environment import ROOT
from chalicelib.domain.windows import SHANGHAI
from devstack.ports import free_port
from tests.ids import make_id

BIN = Path(sys.executable).parent
STARTUP_TIMEOUT = 90
# Bounded so the module (stack start, six runs, stop) stays around 3 minutes on 2 cores.
APPLICANT_EXAMPLES = 25
REVIEWER_EXAMPLES = 20
ADMIN_EXAMPLES = 20
NEGATIVE_EXAMPLES = 8  # fuzzed negative cases per operation, after the coverage phase's own
SEED = 20240604
# Low, so that the applicant run can use up its address's failed logins and the hour's SMS
# quickly, and its well-formed requests then meet real 429s for the Retry-After check. The
# `tokens` fixture's two sign-up codes are the hour's SMS. A 422 counts against neither limit.
LOGIN_FAILURES_PER_IP = 3
SMS_PER_HOUR = 2
# This module, imported by the schemathesis process for the two checks below.
HOOKS_MODULE = "tests.e2e.test_schemathesis"
CHECKS = "not_a_server_error,error_in_spec_shape,retry_after_on_429_and_503"
ERROR_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")
CJK = re.compile(r"[\u4e00-\u9fff]")
MATERIAL_KINDS = ("id_photo", "id_card_front", "id_card_back", "qualification_cert",
                  "registration_cert", "ce_proof")


@schemathesis.check
def error_in_spec_shape(ctx, response, case):
    """SPEC §3: every error is {"error": {"code": "UPPER_SNAKE", "message": "...", "details": {...}}},
    JSON, with a Chinese message and never a stack trace — on every route, whatever the status."""
    if response.status_code < 400:
        return None
    status = response.status_code
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), \
        f"{status} error answered as {content_type or 'no Content-Type'}, not application/json"
    assert b"Traceback (most recent call last)" not in response.content, f"{status} error shows a stack trace"
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{status} error body is not JSON") from None
    keys = sorted(body) if isinstance(body, dict) else type(body).__name__
    assert isinstance(body, dict) and set(body) == {"error"} and isinstance(body["error"], dict), \
        f"{status} error body is not {{\"error\": {{...}}}} (top level: {keys})"
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, \
        f"{status} error has keys {sorted(error)}, not exactly code, message, details"
    code = error["code"]
    assert isinstance(code, str) and ERROR_CODE.match(code), f"{status} error code {code!r} is not UPPER_SNAKE"
    assert isinstance(error["message"], str) and CJK.search(error["message"]), \
        f"{status} {code}: message {error['message']!r} is not Chinese"
    assert isinstance(error["details"], dict), \
        f"{status} {code}: details is {type(error['details']).__name__}, not an object"
    return None


@schemathesis.check
def retry_after_on_429_and_503(ctx, response, case):
    """SPEC §3: a 429 (rate limited) and a 503 (SERVICE_BUSY) say when to come back, in seconds."""
    if response.status_code in (429, 503):
        value = (response.headers.get("retry-after") or [""])[0].strip()
        assert value.isdigit() and int(value) > 0, \
            f"{response.status_code} without a Retry-After in whole seconds (got {value!r})"
    return None


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
               SWREG_LOCAL_DIR=str(tmp / "local"), SWREG_SMS_FILE=str(tmp / "sms.jsonl"),
               SWREG_LOGIN_FAILURES_PER_IP_PER_HOUR=str(LOGIN_FAILURES_PER_IP),
               SWREG_SMS_PER_HOUR=str(SMS_PER_HOUR))
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
    """Who the runs sign in as, and the real ids they put in paths."""

    applicant: str
    reviewer: str
    admin: str
    application_id: str  # the applicant's draft
    correction_id: str  # the applicant's correction request
    discarder: str  # a second applicant, who runs DELETE /applications/{id} ...
    discard_id: str  # ... on this draft of their own


def _signed_up(api: Api, phone: str, name: str, id_number: str) -> str:
    """A token for a new applicant account, signed up with the code texted to `phone`."""
    status, body = _request("POST", api.base + "/auth/sms-codes", {"phone": phone, "purpose": "signup"})
    assert status == 202, body
    status, body = _request("POST", api.base + "/auth/signup", {
        "phone": phone, "code": _code_texted_to(api, phone), "name": name,
        "id_number": id_number, "password": "goodpass123"})
    assert status == 201, body
    return body["token"]


def _draft(api: Api, token: str) -> str:
    status, body = _request("POST", api.base + "/applications", {"type": "first"}, token=token)
    assert status == 201, body
    return body["application_id"]


def _staff(api: Api, username: str, *role: str) -> str:
    """A token for a staff account added with the CLI (`role`: nothing for a reviewer, or --admin)."""
    password = "staff-pass-2026"
    _swreg(api, "reviewer", "add", username, *role, stdin=password + "\n")
    status, body = _request("POST", api.base + "/auth/login", {"username": username, "password": password})
    assert status == 200, body
    return body["token"]


@pytest.fixture(scope="module")
def tokens(api):
    """Two applicants due for first registration, each with a draft, the first with a correction
    request; a reviewer and an admin — all through the operator CLI and the HTTP API only, as a
    newcomer with `make run` would do it."""
    serial = uuid.uuid4().int
    region, seq, number = serial % 9000 + 1000, serial % 999, serial % 10**8
    people = [("周晓梅", make_id(region=f"11{region:04d}", seq=seq), f"139{number:08d}"),
              ("李雷", make_id(region=f"12{region:04d}", seq=seq), f"138{number:08d}")]
    year = datetime.now(SHANGHAI).year
    register = api.tmp / "register.csv"
    register.write_text("name,id_number,certificate_no,level,qualification_year\n" + "".join(
        f"{name},{id_number},Z{n}{number:08d},assistant,{year - 1}\n"
        for n, (name, id_number, _) in enumerate(people)), encoding="utf-8")
    assert "imported 2" in _swreg(api, "import", "practitioners", str(register))
    _swreg(api, "window", "open", "--year", str(year), "--opens", f"{year}-01-01",
           "--closes", f"{year}-12-31T23:59")

    applicant, discarder = (_signed_up(api, phone, name, id_number) for name, id_number, phone in people)
    status, body = _request("POST", api.base + "/me/corrections", {
        "field": "name", "proposed_value": "周小梅", "note": "户口本上是“小”字"}, token=applicant)
    assert status == 201, body
    suffix = f"{serial % 10**6:06d}"
    return Tokens(applicant=applicant, reviewer=_staff(api, f"fuzz-reviewer-{suffix}"),
                  admin=_staff(api, f"fuzz-admin-{suffix}", "--admin"), application_id=_draft(api, applicant),
                  correction_id=body["correction_id"], discarder=discarder, discard_id=_draft(api, discarder))


DISCARD = "DELETE /applications/{application_id}"


@dataclass
class Run:
    """What one run got: how many responses of each status, and the statuses each operation
    ("METHOD /path/{template}") answered — from its HAR report."""

    statuses: dict[int, int]
    answers: dict[str, set[int]]


def _config(tokens: Tokens, negative: bool, unexpected_methods: tuple[str, ...]) -> str:
    """The run's schemathesis.toml. Real ids go in mixed (not forced, so odd ids are still tried)
    or, in a negative run, always (a bad body is judged by validation, not refused as an unknown id)."""
    def real(value: str, dictionary: str) -> str:
        return json.dumps(value) if negative else f'{{ dictionary = "{dictionary}", probability = 0.5 }}'

    return (
        f"hooks = {json.dumps(HOOKS_MODULE)}\n\n"
        f"[dictionaries.applications]\nvalues = [{json.dumps(tokens.application_id)}]\n\n"
        f"[dictionaries.corrections]\nvalues = [{json.dumps(tokens.correction_id)}]\n\n"
        f"[dictionaries.discards]\nvalues = [{json.dumps(tokens.discard_id)}]\n\n"
        f"[dictionaries.kinds]\nvalues = {json.dumps(list(MATERIAL_KINDS))}\n\n"
        "[parameters]\n"
        f'"path.application_id" = {real(tokens.application_id, "applications")}\n'
        f'"path.correction_id" = {real(tokens.correction_id, "corrections")}\n'
        '"path.kind" = { dictionary = "kinds", probability = 0.5 }\n\n'
        # Methods a path lacks, probed by the coverage phase: not TRACE or QUERY, which `chalice
        # local` itself answers 501 before the app sees them, nor OPTIONS (its CORS preflight).
        "[phases.coverage]\n"
        f"unexpected-methods = {json.dumps(list(unexpected_methods))}\n\n"
        # Discarding ends a draft: the second applicant's, so the first one's stays for the others.
        "[[operations]]\n"
        f"include-name = {json.dumps(DISCARD)}\n"
        f"headers = {{ Authorization = {json.dumps('Bearer ' + tokens.discarder)} }}\n"
        f'parameters = {{ "path.application_id" = {real(tokens.discard_id, "discards")} }}\n')


def _schemathesis(api: Api, token: str, tokens: Tokens, max_examples: int, *extra: str,
                  negative: bool = False, unexpected_methods: tuple[str, ...] = ()) -> Run:
    """One schemathesis run with our checks; fails with its report. Returns what the run got,
    so a test can show its checks were exercised and its operations reached."""
    # A config file of our own: hermetic (no schemathesis.toml discovered above the cwd), the only
    # way to hand the fuzzer real ids, and where the hooks module with our checks is named.
    config = api.tmp / f"schemathesis-{uuid.uuid4().hex[:8]}.toml"
    config.write_text(_config(tokens, negative, unexpected_methods), encoding="utf-8")
    har = config.with_suffix(".har")
    command = [
        str(BIN / "schemathesis"), "--config-file", str(config), "--no-color",
        "run", api.base + "/openapi.json",
        *(["--phases", "coverage,fuzzing", "--mode", "negative"] if negative
          else ["--phases", "examples,fuzzing", "--mode", "all"]),
        "--checks", CHECKS,
        "--header", f"Authorization: Bearer {token}",
        "--max-examples", str(max_examples),
        "--seed", str(SEED),
        "--generation-database", "none",  # no replay of earlier runs' cases: the seed alone decides
        "--suppress-health-check", "too_slow",  # a busy machine must not fail the run
        "--workers", "1",
        "--request-timeout", "30",
        "--continue-on-failure",
        "--report", "har", "--report-har-path", str(har),
        *extra,
    ]
    # The hooks module is this one, imported by name from the repo root.
    env = {**api.env, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), api.env.get("PYTHONPATH")]))}
    result = subprocess.run(command, cwd=api.tmp, env=env, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    if result.returncode != 0:  # schemathesis' report, then the server's side of the last requests
        api_log = api.tmp / "local" / "api.log"
        if api_log.exists():
            output += "\n---- chalice local: last lines of api.log ----\n" + "\n".join(
                api_log.read_text(errors="replace").splitlines()[-80:])
    assert result.returncode == 0, output
    phases = ("Coverage", "Fuzzing") if negative else ("Examples", "Fuzzing")
    assert all(phase in output for phase in phases), output
    statuses: dict[int, int] = {}
    answers: dict[str, set[int]] = {}
    operations = _operations(api)
    for entry in json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]:
        status = entry["response"]["status"]
        statuses[status] = statuses.get(status, 0) + 1
        operation = _operation_of(operations, entry["request"]["method"], entry["request"]["url"])
        if operation is not None:
            answers.setdefault(operation, set()).add(status)
    return Run(statuses, answers)


def _operations(api: Api) -> dict[str, re.Pattern]:
    """Every operation of the app's OpenAPI document ("METHOD /path/{template}"), with a pattern
    its request paths match."""
    status, document = _request("GET", api.base + "/openapi.json")
    assert status == 200, document
    return {f"{method.upper()} {path}": re.compile(
                "^" + "/".join("[^/]+" if re.fullmatch(r"\{[^}]+\}", part) else re.escape(part)
                               for part in path.split("/")) + "$")
            for path, item in document["paths"].items() for method in item
            if method in ("get", "post", "put", "patch", "delete")}


def _operation_of(operations: dict[str, re.Pattern], method: str, url: str) -> str | None:
    """The operation a request was for; of two that match, the one with more fixed path parts."""
    path = urlsplit(url).path
    matches = [name for name, pattern in operations.items()
               if name.startswith(method.upper() + " ") and pattern.match(path)]
    return max(matches, key=lambda name: name.count("/") - name.count("{"), default=None)


def _selected(api: Api, prefix: str = "/") -> set[str]:
    """The operations under `prefix` a run must request; not the document, which schemathesis
    reads to start and does not fuzz."""
    return {name for name in _operations(api)
            if name.split(" ", 1)[1].startswith(prefix) and name != "GET /openapi.json"}


def _use_up_this_hours_limits(api: Api) -> str:
    """Fail logins from this address until one is refused 429, and ask for one more SMS code than
    the service may send this hour, so that every well-formed login or code request of the run
    (the schema's example code request is one) is a 429 for the Retry-After check. Returns the
    hour (UTC) the limits hold for: both count per clock hour."""
    hour = datetime.now(timezone.utc).strftime("%Y%m%d%H")
    status, body = _request("POST", api.base + "/auth/sms-codes", {"phone": "13700000000"})
    assert status in (202, 429), body
    for _ in range(LOGIN_FAILURES_PER_IP + 1):
        status, body = _request("POST", api.base + "/auth/login",
                                {"phone": "13800000000", "password": "not-the-password"})
        if status == 429:
            return hour
        assert status == 401, body
    raise AssertionError(f"no 429 after {LOGIN_FAILURES_PER_IP + 1} failed logins")


def test_no_input_gets_a_server_error_as_an_applicant(api, tokens):
    limited_hour = _use_up_this_hours_limits(api)
    run = _schemathesis(api, tokens.applicant, tokens, APPLICANT_EXAMPLES)
    # Unless the hour turned in between and the limits started afresh, some requests met them.
    if datetime.now(timezone.utc).strftime("%Y%m%d%H") == limited_hour:
        assert run.statuses.get(429), f"the Retry-After check never saw a 429: {run.statuses}"
    assert _selected(api) <= set(run.answers), f"never requested: {sorted(_selected(api) - set(run.answers))}"
    # The real ids were reached: the second applicant's draft discarded, the correction's evidence upload signed.
    assert 204 in run.answers[DISCARD], run.answers[DISCARD]
    evidence = "POST /me/corrections/{correction_id}/evidence/upload"
    assert 200 in run.answers[evidence], run.answers[evidence]


def test_no_input_gets_a_server_error_as_a_reviewer(api, tokens):
    run = _schemathesis(api, tokens.reviewer, tokens, REVIEWER_EXAMPLES, "--include-path-regex", "^/review")
    assert _selected(api, "/review") <= set(run.answers), sorted(_selected(api, "/review") - set(run.answers))


def test_no_input_gets_a_server_error_as_an_admin(api, tokens):
    run = _schemathesis(api, tokens.admin, tokens, ADMIN_EXAMPLES, "--include-path-regex", "^/admin")
    assert _selected(api, "/admin") <= set(run.answers), sorted(_selected(api, "/admin") - set(run.answers))
    decision = "POST /admin/corrections/{correction_id}/decision"
    assert 200 in run.answers[decision], run.answers[decision]  # the applicant's request, decided


def test_every_negative_input_is_refused_in_the_spec_error_shape_as_an_applicant(api, tokens):
    run = _schemathesis(api, tokens.applicant, tokens, NEGATIVE_EXAMPLES,
                        negative=True, unexpected_methods=("delete", "put"))
    # Each kind of refusal was produced, so the shape check was not vacuous for any of them.
    assert {400, 401, 404, 405, 415, 422} <= set(run.statuses), run.statuses


def test_every_negative_input_is_refused_in_the_spec_error_shape_as_a_reviewer(api, tokens):
    run = _schemathesis(api, tokens.reviewer, tokens, NEGATIVE_EXAMPLES,
                        "--include-path-regex", "^/review", negative=True)
    assert {401, 422} <= set(run.statuses), run.statuses


def test_every_negative_input_is_refused_in_the_spec_error_shape_as_an_admin(api, tokens):
    run = _schemathesis(api, tokens.admin, tokens, NEGATIVE_EXAMPLES,
                        "--include-path-regex", "^/admin", negative=True)
    assert {401, 422} <= set(run.statuses), run.statuses


def _response(status: int, body: bytes, headers: dict[str, str] | None = None) -> schemathesis.Response:
    return schemathesis.Response(status_code=status, headers={k: [v] for k, v in (headers or {}).items()},
                                 content=body, request=requests.Request("GET", "http://api/").prepare(),
                                 elapsed=0.01, verify=False)


JSON_TYPE = {"Content-Type": "application/json"}


@pytest.mark.parametrize("status, body, headers", [
    (401, b'{"message": "Unauthorized"}', JSON_TYPE),  # Chalice's authorizer
    (415, b'{"Code": "BadRequest", "Message": "Unsupported Media Type"}', JSON_TYPE),  # Chalice's
    (501, b"<html><body>Unsupported method</body></html>", {"Content-Type": "text/html"}),
    (400, b'{"error": {"code": "BAD_JSON", "message": "\\u8bf7\\u91cd\\u8bd5\\u3002"}}', JSON_TYPE),
    (422, b'{"error": {"code": "bad_cursor", "message": "\\u8bf7\\u91cd\\u8bd5\\u3002", "details": {}}}',
     JSON_TYPE),
    (422, b'{"error": {"code": "UNKNOWN_FIELDS", "message": "unknown fields", "details": {}}}', JSON_TYPE),
    (404, b'{"error": {"code": "NOT_FOUND", "message": "\\u8bf7\\u91cd\\u8bd5\\u3002", "details": []}}',
     JSON_TYPE),
    (404, b'{"error": {"code": "NOT_FOUND", "message": "\\u8bf7\\u91cd\\u8bd5\\u3002", "details": {}}}', {}),
    (500, b'{"error": {"code": "INTERNAL_ERROR", "message": "\\u8bf7\\u91cd\\u8bd5\\u3002", "details": '
          b'{"trace": "Traceback (most recent call last): ..."}}}', JSON_TYPE),
])
def test_the_shape_check_refuses_every_error_body_outside_the_spec(status, body, headers):
    with pytest.raises(AssertionError):
        error_in_spec_shape(None, _response(status, body, headers), None)


def test_the_shape_check_accepts_the_spec_error_and_leaves_successes_alone():
    good = b'{"error": {"code": "BAD_JSON", "message": "\\u8bf7\\u91cd\\u8bd5\\u3002", "details": {"a": 1}}}'
    assert error_in_spec_shape(None, _response(400, good, {"Content-Type": "application/json; charset=utf-8"}),
                               None) is None
    assert error_in_spec_shape(None, _response(200, b"<html></html>", {"Content-Type": "text/html"}), None) is None


@pytest.mark.parametrize("status, headers", [(429, {}), (503, {}), (429, {"Retry-After": "soon"}),
                                             (503, {"Retry-After": "0"})])
def test_the_retry_after_check_refuses_a_429_or_503_without_seconds_to_wait(status, headers):
    with pytest.raises(AssertionError):
        retry_after_on_429_and_503(None, _response(status, b"{}", headers), None)


def test_the_retry_after_check_accepts_seconds_and_ignores_other_statuses():
    assert retry_after_on_429_and_503(None, _response(429, b"{}", {"Retry-After": "60"}), None) is None
    assert retry_after_on_429_and_503(None, _response(422, b"{}"), None) is None
