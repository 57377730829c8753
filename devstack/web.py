"""The web client on this machine: build `web/` with npm when its sources changed, and serve the build.

`make run` and the browser tests both call `build()` then `serve()`. The build is skipped when
dist/ is newer than every input, so a second start is instant; npm stays quiet unless it fails.
The server answers `/config.json` with the API's address (one build serves every stage, see
web/vite.config.js) and sends index.html for any path without a file, because the client routes
in history mode (/applications/… is a screen, not a file).
"""
from __future__ import annotations

import fcntl
import hashlib
import io
import json
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
# What the build reads besides node_modules: a newer one of these makes dist/ stale.
BUILD_INPUTS = ("index.html", "vite.config.js", "package.json", "package-lock.json")
# Content types by suffix, so they do not depend on the machine's /etc/mime.types.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".map": "application/json",
    ".txt": "text/plain; charset=utf-8",
}


class WebBuildError(RuntimeError):
    """`npm ci` or `npm run build` failed; the message holds npm's output."""


def build(web_dir: Path = WEB, out_dir: Path | None = None) -> Path:
    """Install the pinned dependencies and build the client if anything changed; returns the
    build's folder (`web_dir/dist`, or `out_dir`: the tests build into their own, so a person
    rebuilding web/ meanwhile cannot pull files from under them). Raises WebBuildError."""
    out = out_dir or web_dir / "dist"
    with _exclusive(web_dir):
        installed = web_dir / "node_modules" / ".package-lock.json"  # npm ci writes it last
        if not installed.exists() or _mtime(installed) < _mtime(web_dir / "package-lock.json"):
            _npm(web_dir, "ci", "--no-audit", "--no-fund", "--loglevel=error")
        built = out / "index.html"
        if not built.exists() or _mtime(built) < _newest_input(web_dir):
            _npm(web_dir, "run", "build", "--", "--outDir", str(out), "--emptyOutDir", "--logLevel", "error")
    return out


def _newest_input(web_dir: Path) -> float:
    inputs = [web_dir / name for name in BUILD_INPUTS if (web_dir / name).exists()]
    inputs += [path for path in (web_dir / "src").rglob("*") if path.is_file()]
    return max(map(_mtime, inputs))


def _mtime(path: Path) -> float:
    return path.stat().st_mtime


def _npm(web_dir: Path, *args: str) -> None:
    result = subprocess.run(["npm", *args], cwd=web_dir, capture_output=True, text=True)
    if result.returncode != 0:
        raise WebBuildError(f"npm {' '.join(args)} failed in {web_dir} ({result.returncode}):\n"
                            f"{result.stdout}{result.stderr}")


@contextmanager
def _exclusive(web_dir: Path) -> Iterator[None]:
    """One install or build of `web_dir` at a time on this machine (`make run` beside a test run)."""
    digest = hashlib.sha256(str(web_dir.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"swreg-web-{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class WebServer:
    """A running static server: `url` to open, `stop()` to end it."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self.host, self.port = server.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(target=server.serve_forever, name=f"web:{self.port}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve(dist: Path, port: int, api_base: str, host: str = "127.0.0.1") -> WebServer:
    """Serve `dist` on host:port (0 picks a free port) in a background thread, the client
    pointed at the API on `api_base`."""
    config = json.dumps({"apiBase": api_base}).encode()
    handler = partial(_ClientHandler, config, directory=str(dist))
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return WebServer(server)


class _ClientHandler(SimpleHTTPRequestHandler):
    """Files of the build, /config.json, and index.html for a screen's path."""

    def __init__(self, config: bytes, *args, **kwargs) -> None:
        self._config = config
        super().__init__(*args, **kwargs)

    def send_head(self):
        route = self.path.split("?", 1)[0].split("#", 1)[0]
        if route == "/config.json":
            return self._answer(self._config, "application/json")
        target = Path(self.translate_path(self.path))
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            if route.startswith("/assets/"):  # a missing script must not come back as a page
                self.send_error(404)
                return None
            target = Path(self.directory) / "index.html"
        if target.name == "index.html":
            return self._answer(target.read_bytes(), CONTENT_TYPES[".html"])
        return super().send_head()

    def _answer(self, body: bytes, content_type: str):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")  # a new build must reach the next visit
        self.end_headers()
        return io.BytesIO(body)

    def guess_type(self, path) -> str:
        return CONTENT_TYPES.get(Path(str(path)).suffix.lower(), "application/octet-stream")

    def log_message(self, format, *args) -> None:
        """No request log: `make run`'s console is for what a person needs."""
