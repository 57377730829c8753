"""`make run`: the whole service on this machine, until Ctrl-C.

DynamoDB Local (data under .local/dynamodb), the S3 emulator (snapshotted to
.local/s3), `chalice local` serving the API on 127.0.0.1:$PORT (8000), the
event runner delivering S3 uploads, schedules and SQS batches (the emulator
serves the queues `swreg db migrate` creates) to the app's handlers, and
the reference web client (`web/`, built on start) on 127.0.0.1:$WEB_PORT (8080).

The console keeps what a person needs: where everything is, the demo logins,
each SMS as it is sent (phone masked), job runs that did something, and errors.
The emulators' and the API's own logs go to .local/logs/.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import urllib.request
from contextlib import redirect_stdout
from datetime import datetime
from pathlib import Path

from devstack import processes, s3_emulator, web
from devstack.ports import wait_until_listening
from devstack.stack import LocalStack

ROOT = Path(__file__).resolve().parent.parent
LOCAL = Path(os.environ.get("SWREG_LOCAL_DIR", ROOT / ".local"))
STAGE = "local"


def main() -> int:
    logs = LOCAL / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    _console_logging(logs)
    processes.die_with_parent()  # `make` killed (not Ctrl-C'd) must not leave us running
    api_port = int(os.environ.get("PORT", "8000"))
    web_port = int(os.environ.get("WEB_PORT", "8080"))
    # The web client's origin, wherever WEB_PORT puts it, is the one the local API answers (CORS);
    # the local stage leaves SWREG_CORS_ORIGINS to this line.
    os.environ.setdefault("SWREG_CORS_ORIGINS", f"http://127.0.0.1:{web_port},http://localhost:{web_port}")
    print("building the web client (web/) …", flush=True)
    dist = web.build()
    stack = LocalStack(ddb_port=int(os.environ.get("SWREG_DDB_PORT", "8001")),
                       s3_port=int(os.environ.get("SWREG_S3_PORT", "8002")),
                       db_path=LOCAL / "dynamodb", log_dir=logs).start()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stack_file = LOCAL / "stack.json"
    try:
        stack.export()
        stack_file.write_text(json.dumps(stack.env, indent=2))
        from chalicelib.cli import environment
        environment.apply(STAGE)
        sms_file = Path(os.environ["SWREG_SMS_FILE"])
        sms_file.parent.mkdir(parents=True, exist_ok=True)
        sms_file.touch()
        from chalicelib import bootstrap
        from chalicelib.cli import main as swreg
        # An older version's .local/ gains the tables and indexes this version reads.
        swreg(["--stage", STAGE, "db", "migrate"])
        seeded = LOCAL / "demo-seeded"
        if not seeded.exists():  # first start only: later starts keep what you changed
            with (logs / "seed-demo.log").open("w", encoding="utf-8") as seed_log, redirect_stdout(seed_log):
                swreg(["--stage", STAGE, "seed-demo"])  # the banner prints the logins on every start
            print("demo data loaded", flush=True)
            seeded.touch()
        settings = bootstrap.deps().settings
        s3, bucket = bootstrap.stores(settings).s3, settings.bucket
        s3_emulator.ensure_bucket(s3, bucket, settings.allowed_origins())
        restored = s3_emulator.restore(s3, bucket, LOCAL / "s3")
        api = processes.spawn(
            [str(Path(sys.executable).parent / "chalice"), "local", "--host", "127.0.0.1",
             "--port", str(api_port), "--stage", STAGE, "--no-autoreload"],
            env=dict(os.environ), cwd=str(ROOT), log_path=str(logs / "api.log"))
        wait_until_listening(api_port, timeout=60, is_alive=lambda: api.poll() is None)
        site = web.serve(dist, web_port, f"http://127.0.0.1:{api_port}")
        from app import app
        from devstack.event_runner import EventRunner
        # The functions' own INFO lines (a JSON "job finished" a minute) are for CloudWatch; the
        # runner prints the runs that did something, and warnings still show.
        logging.getLogger("swreg").setLevel(logging.WARNING)  # Powertools' logger (service "swreg")
        runner = EventRunner(app, s3, region=stack.env["AWS_REGION"], sqs_client=bootstrap.stores(settings).sqs)
        _banner(api_port, web_port, stack, restored, runner.describe(), logs)
        worker = threading.Thread(target=runner.run, args=(stop,), daemon=True)
        worker.start()
        sms = SmsEcho(sms_file)
        while not stop.is_set():
            if api.poll() is not None:
                print(f"chalice local exited ({api.returncode}); see {logs / 'api.log'}", flush=True)
                break
            sms.print_new()
            stop.wait(0.5)
        site.stop()
        stop.set()
        worker.join(timeout=10)
        saved = s3_emulator.save(s3, bucket, LOCAL / "s3")
        print(f"\nstopping: {saved} S3 objects saved to {LOCAL / 's3'}", flush=True)
        return 0
    finally:
        stack_file.unlink(missing_ok=True)
        processes.stop_all()
        stack.stop()


def _console_logging(logs: Path) -> None:
    """The console shows the devstack's lines and every warning; the S3 emulator's request log
    (one line a second: the runner polls) goes to logs/s3-emulator.log."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("devstack").setLevel(logging.INFO)
    requests = logging.getLogger("werkzeug")
    requests.addHandler(logging.FileHandler(logs / "s3-emulator.log", encoding="utf-8"))
    requests.setLevel(logging.INFO)
    requests.propagate = False


class SmsEcho:
    """Prints each SMS appended to the SMS file since the stack started, phone masked."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._offset = path.stat().st_size

    def print_new(self) -> None:
        with self._path.open("rb") as file:
            file.seek(self._offset)
            chunk = file.read()
        complete = chunk[:chunk.rfind(b"\n") + 1]
        self._offset += len(complete)
        for line in complete.decode("utf-8").splitlines():
            try:
                sms = json.loads(line)
                print(f"SMS → {mask_phone(str(sms['to']))}: {sms['text']}", flush=True)
            except (ValueError, KeyError, TypeError):
                continue


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 11 else "****"


def _banner(api_port: int, web_port: int, stack: LocalStack, restored: int, handlers: list[str],
            logs: Path) -> None:
    from chalicelib.domain.windows import SHANGHAI
    from chalicelib.services import demo
    base = f"http://127.0.0.1:{api_port}"
    with urllib.request.urlopen(base + "/health", timeout=10) as response:
        health = json.loads(response.read())
    lines = [
        "", "swreg is up — Ctrl-C stops everything.",
        f"  Web client     http://127.0.0.1:{web_port}   (open it on a phone-sized window)",
        f"  API            {base}   (health: {health['status']}, OpenAPI: {base}/openapi.json)",
        f"  DynamoDB Local {stack.env['AWS_ENDPOINT_URL_DYNAMODB']}   (data: {LOCAL / 'dynamodb'})",
        f"  S3 emulator    {stack.env['AWS_ENDPOINT_URL_S3']}   ({restored} objects restored; "
        "serves SQS too, its queues start empty)",
        f"  SMS            {os.environ['SWREG_SMS_FILE']}   (one JSON line per message; shown below as sent)",
        "  CLI            .venv/bin/swreg --help",
        f"  Logs           {logs}/ (api.log, dynamodb-local.log, s3-emulator.log)",
        "  Event runner   " + "\n                 ".join(handlers or ["(no S3, scheduled or SQS handlers yet)"]),
        "", *demo.logins(datetime.now(SHANGHAI).year), "",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
