"""`make run`'s stack answers /health and leaves no process behind after Ctrl-C."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
import urllib.request
from pathlib import Path

from chalicelib.cli.environment import ROOT
from chalicelib.domain.windows import SHANGHAI
from devstack.ports import free_port
from tests.ids import make_id


def _processes_mentioning(*needles: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(needle in cmdline for needle in needles):
            found.append(f"{proc.name}: {cmdline}")
    return found


def _health(port: int) -> tuple[int, dict] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
            return response.status, json.loads(response.read())
    except OSError:
        return None


def _operator_cli_talks_to_the_running_stack(env: dict, tmp_path: Path) -> None:
    swreg = str(Path(sys.executable).parent / "swreg")
    register = tmp_path / "register.csv"
    register.write_text("name,id_number,certificate_no,level,qualification_year\n"
                        f"周晓梅,{make_id(seq=31)},Z2021000031,assistant,2021\n", encoding="utf-8")

    def swreg_ok(*args: str) -> str:
        result = subprocess.run([swreg, *args], env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    assert "imported 1" in swreg_ok("import", "practitioners", str(register))
    assert "unchanged 1" in swreg_ok("import", "practitioners", str(register))
    # the demo seed opened this year's window on first start; the operator moves it
    year = str(datetime.now(SHANGHAI).year)
    assert f"window {year} moved" in swreg_ok("window", "open", "--year", year, "--opens", f"{year}-01-01",
                                              "--closes", f"{year}-12-31T23:59")


def _call(port: int, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def _the_web_client_is_served_pointing_at_the_api_which_answers_its_origin(site: int, api: int) -> None:
    origin = f"http://127.0.0.1:{site}"
    with urllib.request.urlopen(origin + "/applications/any", timeout=10) as response:  # a screen, not a file
        assert '<div id="app">' in response.read().decode()
    with urllib.request.urlopen(origin + "/config.json", timeout=10) as response:
        assert json.loads(response.read()) == {"apiBase": f"http://127.0.0.1:{api}"}
    request = urllib.request.Request(f"http://127.0.0.1:{api}/guide", headers={"Origin": origin})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Access-Control-Allow-Origin"] == origin


def _refusals_leave_in_the_api_shape(port: int) -> None:
    """`chalice local` has no authorizer or content-type check of its own in front of ours: a
    missing or malformed Authorization header, a wrong content type and a malformed id are
    answered by the app, in SPEC §3's error shape with a Chinese message."""
    import urllib.error
    for method, path, headers, status, code in [
        ("GET", "/me", {}, 401, "MISSING_TOKEN"),
        ("GET", "/me", {"Authorization": "Basic dXNlcjpwYXNz"}, 401, "MISSING_TOKEN"),
        ("GET", "/me", {"Authorization": "Bearer not.a.jwt"}, 401, "INVALID_TOKEN"),
        ("POST", "/auth/login", {"Content-Type": "text/plain"}, 415, "UNSUPPORTED_MEDIA_TYPE"),
        ("GET", "/applications/" + "a" * 3000, {}, 401, "MISSING_TOKEN"),  # who asks comes first
        ("GET", "/verify/" + "A" * 3000, {}, 404, "NOT_FOUND"),
    ]:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, headers=headers,
                                         data=b"phone=1" if method == "POST" else None)
        try:
            urllib.request.urlopen(request, timeout=30)
        except urllib.error.HTTPError as refused:
            body = json.loads(refused.read())
            assert (refused.code, body["error"]["code"]) == (status, code), (method, path, body)
            assert re.search(r"[\u4e00-\u9fff]", body["error"]["message"]) and "details" in body["error"]
        else:
            raise AssertionError(f"{method} {path[:40]} was not refused")


def _an_upload_is_processed_by_the_local_event_runner(api: int, tmp_path: Path) -> None:
    """A demo practitioner signs up, uploads a camera photo through the presigned POST, and the
    runner delivers the S3 event: the material turns ready without anyone calling the handler."""
    import io

    import urllib3
    from PIL import Image

    from chalicelib.services.demo import demo_register
    person = demo_register(datetime.now(SHANGHAI).year)[0][0]
    phone = "13700001234"
    _call(api, "POST", "/auth/sms-codes", {"phone": phone, "purpose": "signup"})
    sms = (ROOT / ".local" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    code = re.search(r"验证码是(\d{6})", [json.loads(line) for line in sms if phone in line][-1]["text"]).group(1)
    token = _call(api, "POST", "/auth/signup", {"phone": phone, "code": code, "name": person.name,
                                                "id_number": person.id_number, "password": "goodpass123"})["token"]
    app_id = _call(api, "POST", "/applications", {"type": "first"}, token)["application_id"]
    post = _call(api, "POST", f"/applications/{app_id}/materials/id_photo/upload", None, token)
    photo = io.BytesIO()
    Image.effect_noise((3000, 4000), 30).convert("RGB").save(photo, "JPEG", quality=92)
    fields = dict(post["fields"], file=("camera.jpg", photo.getvalue(), "image/jpeg"))
    assert urllib3.request("POST", post["url"], fields=fields).status in (200, 204)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        # No material until the object arrives, then pending until the pipeline is done.
        material = _call(api, "GET", f"/applications/{app_id}", None, token)["materials"].get(
            "id_photo", {"status": "pending"})
        if material["status"] != "pending":
            break
        time.sleep(0.5)
    assert (material["status"], material["width"], material["height"]) == ("ready", 413, 626), material


def _an_older_versions_local(local: Path, port: int) -> None:
    """DynamoDB Local data as an older version left it: only a registrations table, without the index
    by registration number (`make run` must add what it lacks instead of failing)."""
    import boto3

    from chalicelib.adapters.dynamo.models import RegistrationItem
    from devstack import dynamodb_local, processes
    ddb = dynamodb_local.start(port, db_path=local / "dynamodb", log_path=str(local / "older-dynamodb.log"))
    try:
        keys = sorted(RegistrationItem._get_schema()["key_schema"], key=lambda key: key["KeyType"])
        boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                     aws_access_key_id="local", aws_secret_access_key="local").create_table(
            TableName="swreg-local-registrations", KeySchema=keys, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id_number", "AttributeType": "S"},
                                  {"AttributeName": "registration_year", "AttributeType": "N"}])
    finally:
        processes.stop(ddb)


def test_make_run_upgrades_an_older_local_serves_health_and_stops_cleanly_on_ctrl_c(tmp_path):
    api, ddb, s3, site = free_port(), free_port(), free_port(), free_port()
    _an_older_versions_local(tmp_path / "local", ddb)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SWREG_", "AWS_", "POWERTOOLS_"))}
    env.update(PORT=str(api), SWREG_DDB_PORT=str(ddb), SWREG_S3_PORT=str(s3), WEB_PORT=str(site),
               SWREG_LOCAL_DIR=str(tmp_path / "local"))
    started = time.monotonic()
    runner = subprocess.Popen([sys.executable, "-m", "devstack.run"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        answer = None
        while time.monotonic() - started < 60 and answer is None and runner.poll() is None:
            answer = _health(api)
            time.sleep(0.5)
        assert answer == (200, {"status": "ok", "checks": {"dynamodb": "ok", "s3": "ok"}}), \
            runner.stdout.read() if runner.poll() is not None else "no answer within 60 s"
        assert (tmp_path / "local" / "stack.json").exists()
        _operator_cli_talks_to_the_running_stack(env, tmp_path)
        _refusals_leave_in_the_api_shape(api)
        _an_upload_is_processed_by_the_local_event_runner(api, tmp_path)
        _the_web_client_is_served_pointing_at_the_api_which_answers_its_origin(site, api)
    finally:
        runner.send_signal(signal.SIGINT)
        output, _ = runner.communicate(timeout=60)
    assert runner.returncode == 0, output
    assert "swreg is up" in output
    assert "index by_registration_no added to swreg-local-registrations" in output
    assert "demo practitioners" in output and "首登记" in output and "demo-reviewer" in output
    assert f"http://127.0.0.1:{site}" in output
    # the emulators' request logs go to files, not to the console
    assert not re.search(r'"(GET|PUT|POST) /', output), output
    logs = tmp_path / "local" / "logs"
    assert {"api.log", "dynamodb-local.log", "s3-emulator.log"} <= {path.name for path in logs.iterdir()}
    assert "GET /swreg-local-files" in (logs / "s3-emulator.log").read_text(encoding="utf-8")
    time.sleep(0.5)
    assert _processes_mentioning(str(tmp_path), f"--port {api}", f"-port {ddb}") == []
    assert not (tmp_path / "local" / "stack.json").exists()
