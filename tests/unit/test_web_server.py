"""devstack/web.py: the client is rebuilt only when its inputs changed, and served the way a
history-mode single-page app needs (config, fallback to index.html, content types, caching).

The build tests put a stand-in `npm` first on PATH that records its calls and writes what the
real one would, so they run in milliseconds and without node.
"""
from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import pytest

from devstack import web

FAKE_NPM = """#!/bin/sh
echo "$@" >> "$NPM_CALLS"
case "$1" in
  ci) mkdir -p node_modules && touch node_modules/.package-lock.json ;;
  run) [ -n "$NPM_FAILS" ] && { echo "src/App.vue: Unexpected token"; exit 1; }
       out=dist; while [ $# -gt 0 ]; do [ "$1" = --outDir ] && out="$2"; shift; done
       mkdir -p "$out" && touch "$out/index.html" ;;
esac
"""


@pytest.fixture
def npm(tmp_path, monkeypatch):
    """A web/ folder and the stand-in npm; `npm()` lists the calls made so far."""
    bin_dir, web_dir, calls = tmp_path / "bin", tmp_path / "web", tmp_path / "calls"
    bin_dir.mkdir()
    (bin_dir / "npm").write_text(FAKE_NPM)
    (bin_dir / "npm").chmod(0o755)
    (web_dir / "src").mkdir(parents=True)
    for name in ("package.json", "package-lock.json", "index.html", "vite.config.js", "src/main.js"):
        (web_dir / name).write_text("")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("NPM_CALLS", str(calls))

    def made() -> list[str]:
        return [line.split()[0] + (" " + line.split()[1] if line.startswith("run") else "")
                for line in calls.read_text().splitlines()] if calls.exists() else []
    made.web_dir = web_dir
    return made


def _touch_later(path: Path) -> None:
    later = time.time() + 5
    os.utime(path, (later, later))


def test_a_fresh_checkout_is_installed_and_built_and_a_second_start_does_nothing(npm):
    assert web.build(npm.web_dir) == npm.web_dir / "dist"
    assert npm() == ["ci", "run build"]
    web.build(npm.web_dir)
    assert npm() == ["ci", "run build"]


def test_a_changed_source_file_rebuilds_without_reinstalling(npm):
    web.build(npm.web_dir)
    _touch_later(npm.web_dir / "src" / "main.js")
    web.build(npm.web_dir)
    assert npm() == ["ci", "run build", "run build"]


def test_a_changed_lock_file_reinstalls_and_rebuilds(npm):
    web.build(npm.web_dir)
    _touch_later(npm.web_dir / "package-lock.json")
    web.build(npm.web_dir)
    assert npm() == ["ci", "run build", "ci", "run build"]


def test_the_build_can_go_to_a_folder_of_its_own(npm, tmp_path):
    assert web.build(npm.web_dir, out_dir=tmp_path / "out") == tmp_path / "out"
    assert (tmp_path / "out" / "index.html").exists()
    assert not (npm.web_dir / "dist").exists()


def test_a_failed_build_raises_with_what_npm_said(npm, monkeypatch):
    monkeypatch.setenv("NPM_FAILS", "1")
    with pytest.raises(web.WebBuildError, match="Unexpected token"):
        web.build(npm.web_dir)


@pytest.fixture
def site(tmp_path):
    """A built client's files served on a free port, pointed at an API."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>登记</title>", encoding="utf-8")
    for name in ("index-1a2b.js", "index-1a2b.css", "icon.svg", "vant-icon.woff2"):
        (dist / "assets" / name).write_bytes(b"x")
    handle = web.serve(dist, 0, "http://127.0.0.1:8000")
    yield handle
    handle.stop()


def _get(url: str) -> tuple[int, Message, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers, refused.read()


def test_config_json_names_the_api_and_is_never_cached(site):
    status, headers, body = _get(site.url + "/config.json")
    assert (status, json.loads(body)) == (200, {"apiBase": "http://127.0.0.1:8000"})
    assert headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("path", ["/", "/index.html", "/applications/01J9ZK?tab=materials", "/verify"])
def test_every_screen_path_answers_with_the_page(site, path):
    status, headers, body = _get(site.url + path)
    assert (status, headers["Content-Type"], headers["Cache-Control"]) == (
        200, "text/html; charset=utf-8", "no-cache")
    assert "登记".encode() in body


@pytest.mark.parametrize("name, content_type", [
    ("index-1a2b.js", "text/javascript; charset=utf-8"), ("index-1a2b.css", "text/css; charset=utf-8"),
    ("icon.svg", "image/svg+xml"), ("vant-icon.woff2", "font/woff2")])
def test_assets_are_sent_with_the_content_type_browsers_require(site, name, content_type):
    status, headers, _ = _get(f"{site.url}/assets/{name}")
    assert (status, headers["Content-Type"]) == (200, content_type)


def test_a_missing_asset_is_not_found_rather_than_the_page(site):
    assert _get(site.url + "/assets/index-old.js")[0] == 404


def test_the_server_logs_no_requests(site, capsys):
    _get(site.url + "/")
    captured = capsys.readouterr()
    assert captured.out == captured.err == ""
