"""The running service the browser tests drive: the API in a process of its own, the event runner
in a thread, and the built web client on a free port, over the pytest session's DynamoDB Local
and S3 emulator.

The runner delivers uploads as they arrive but fires no job on its own (its clock stands still):
a test runs a job when it wants one (`run_job`), so no timer changes what another test sees.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from chalicelib import bootstrap
from chalicelib.cli.environment import ROOT
from devstack import processes, s3_emulator, web
from devstack.event_runner import EventRunner
from devstack.ports import free_port, wait_until_listening

# How often the runner looks for new uploads: a photo turns ready about this much sooner.
UPLOAD_POLL_SECONDS = 0.25


class LiveStack:
    """`start()` it once; `web_url` is the client, `api_url` the API it calls, `stop()` ends it all."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir
        self.api_url = self.web_url = ""
        self.dist: Path | None = None
        self._api: subprocess.Popen | None = None
        self._site: web.WebServer | None = None
        self._runner: EventRunner | None = None
        self._worker: threading.Thread | None = None
        self._stop = threading.Event()
        self._bucket_origins: frozenset[str] = frozenset()

    def start(self) -> "LiveStack":
        self.dist = web.build(out_dir=self.work_dir / "dist")
        api_port = free_port()
        self.api_url = f"http://127.0.0.1:{api_port}"
        self._site = web.serve(self.dist, 0, self.api_url)
        self.web_url = self._site.url
        self._start_api(api_port)
        self._allow_uploads_from(self.web_url)
        self._start_runner()
        return self

    def serve_elsewhere(self) -> web.WebServer:
        """The same client on another free port: an origin the API does not allow. Stop it after use."""
        return web.serve(self.dist, 0, self.api_url)

    def run_job(self, name: str):
        """Run a scheduled job now (`sms-dispatch`, `window-tick`, `issue-certificates`), as its
        schedule would; returns the job's summary. A run that finds the job's lease held (the
        runner's own every-minute run of the SMS dispatcher, say) is fired again once it is free."""
        deadline = time.monotonic() + 60
        while (summary := self._runner.fire(name, datetime.now(timezone.utc))).get("busy") \
                and time.monotonic() < deadline:
            time.sleep(0.5)
        return summary

    def api_log(self) -> str:
        return (self.work_dir / "api.log").read_text(errors="replace")

    def stop(self) -> None:
        self._stop.set()
        if self._worker is not None:
            self._worker.join(timeout=10)
        if self._site is not None:
            self._site.stop()
        if self._api is not None:
            processes.stop(self._api)
        if self._bucket_origins:
            self._set_bucket_origins(self._bucket_origins)

    def _start_api(self, port: int) -> None:
        env = {**os.environ, "SWREG_CORS_ORIGINS": self.web_url}
        self._api = processes.spawn([sys.executable, "-m", "tests.browser.api_server", str(port)],
                                    env=env, cwd=str(ROOT), log_path=str(self.work_dir / "api.log"))
        try:
            wait_until_listening(port, timeout=60, is_alive=lambda: self._api.poll() is None)
        except (RuntimeError, TimeoutError) as failed:
            raise RuntimeError(f"{failed}; the API's log:\n{self.api_log()[-4000:]}") from None

    def _allow_uploads_from(self, origin: str) -> None:
        """The session's bucket lets the test stage's origins POST; the client's origin joins them
        until `stop()` puts the stage's rule back."""
        settings = bootstrap.deps().settings
        self._bucket_origins = settings.allowed_origins()
        self._set_bucket_origins(self._bucket_origins | {origin})

    def _set_bucket_origins(self, origins: frozenset[str]) -> None:
        settings = bootstrap.deps().settings
        s3_emulator.ensure_bucket(bootstrap.stores(settings).s3, settings.bucket, origins)

    def _start_runner(self) -> None:
        from app import app  # reads the settings: only once the session's stack is up
        settings = bootstrap.deps().settings
        started = datetime.now(timezone.utc)
        self._runner = EventRunner(app, bootstrap.stores(settings).s3, region=settings.region,
                                   clock=lambda: started)
        self._worker = threading.Thread(target=self._runner.run, args=(self._stop, UPLOAD_POLL_SECONDS),
                                        name="event-runner", daemon=True)
        self._worker.start()
