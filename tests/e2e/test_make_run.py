"""`make run`'s stack answers /health and leaves no process behind after Ctrl-C."""
from __future__ import annotations

import json
import os
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


def test_make_run_serves_health_and_stops_cleanly_on_ctrl_c(tmp_path):
    api, ddb, s3 = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SWREG_", "AWS_", "POWERTOOLS_"))}
    env.update(PORT=str(api), SWREG_DDB_PORT=str(ddb), SWREG_S3_PORT=str(s3),
               SWREG_LOCAL_DIR=str(tmp_path / "local"), SWREG_SMS_FILE=str(tmp_path / "sms.jsonl"))
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
    finally:
        runner.send_signal(signal.SIGINT)
        output, _ = runner.communicate(timeout=60)
    assert runner.returncode == 0, output
    assert "swreg is up" in output
    assert "demo practitioners" in output and "首登记" in output
    time.sleep(0.5)
    assert _processes_mentioning(str(tmp_path), f"--port {api}", f"-port {ddb}") == []
    assert not (tmp_path / "local" / "stack.json").exists()
