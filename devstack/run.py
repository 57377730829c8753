"""`make run`: the whole service on this machine, until Ctrl-C.

DynamoDB Local (data under .local/dynamodb), the S3 emulator (snapshotted to
.local/s3), `chalice local` serving the API on 127.0.0.1:$PORT (8000), and the
event runner delivering S3 uploads and schedules to the app's handlers.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import urllib.request
from pathlib import Path

from devstack import processes, s3_emulator
from devstack.ports import wait_until_listening
from devstack.stack import LocalStack

ROOT = Path(__file__).resolve().parent.parent
LOCAL = Path(os.environ.get("SWREG_LOCAL_DIR", ROOT / ".local"))
STAGE = "local"


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("devstack").setLevel(logging.INFO)
    processes.die_with_parent()  # `make` killed (not Ctrl-C'd) must not leave us running
    LOCAL.mkdir(exist_ok=True)
    api_port = int(os.environ.get("PORT", "8000"))
    stack = LocalStack(ddb_port=int(os.environ.get("SWREG_DDB_PORT", "8001")),
                       s3_port=int(os.environ.get("SWREG_S3_PORT", "8002")),
                       db_path=LOCAL / "dynamodb", log_dir=LOCAL).start()
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
            swreg(["--stage", STAGE, "seed-demo"])
            seeded.touch()
        settings = bootstrap.deps().settings
        s3, bucket = bootstrap.stores(settings).s3, settings.bucket
        s3_emulator.ensure_bucket(s3, bucket)
        restored = s3_emulator.restore(s3, bucket, LOCAL / "s3")
        api = processes.spawn(
            [str(Path(sys.executable).parent / "chalice"), "local", "--host", "127.0.0.1",
             "--port", str(api_port), "--stage", STAGE, "--no-autoreload"],
            env=dict(os.environ), cwd=str(ROOT), log_path=str(LOCAL / "api.log"))
        wait_until_listening(api_port, timeout=60, is_alive=lambda: api.poll() is None)
        from app import app
        from devstack.event_runner import EventRunner
        runner = EventRunner(app, s3, region=stack.env["AWS_REGION"])
        _banner(api_port, stack, restored, runner.describe())
        worker = threading.Thread(target=runner.run, args=(stop,), daemon=True)
        worker.start()
        while not stop.is_set():
            if api.poll() is not None:
                print(f"chalice local exited ({api.returncode}); see {LOCAL / 'api.log'}", flush=True)
                break
            stop.wait(0.5)
        stop.set()
        worker.join(timeout=10)
        saved = s3_emulator.save(s3, bucket, LOCAL / "s3")
        print(f"\nstopping: {saved} S3 objects saved to {LOCAL / 's3'}", flush=True)
        return 0
    finally:
        stack_file.unlink(missing_ok=True)
        processes.stop_all()
        stack.stop()


def _banner(api_port: int, stack: LocalStack, restored: int, handlers: list[str]) -> None:
    base = f"http://127.0.0.1:{api_port}"
    with urllib.request.urlopen(base + "/health", timeout=10) as response:
        health = json.loads(response.read())
    lines = [
        "", "swreg is up — Ctrl-C stops everything.",
        f"  API            {base}   (health: {health['status']}, OpenAPI: {base}/openapi.json)",
        f"  DynamoDB Local {stack.env['AWS_ENDPOINT_URL_DYNAMODB']}   (data: {LOCAL / 'dynamodb'})",
        f"  S3 emulator    {stack.env['AWS_ENDPOINT_URL_S3']}   ({restored} objects restored)",
        f"  SMS            {os.environ['SWREG_SMS_FILE']}   (one JSON line per message)",
        "  CLI            .venv/bin/swreg --help",
        f"  Logs           {LOCAL}/api.log, {LOCAL}/dynamodb-local.log",
        "  Event runner   " + "\n                 ".join(handlers or ["(no S3 or scheduled handlers yet)"]),
        "",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
