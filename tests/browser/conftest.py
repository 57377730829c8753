"""Browser tests: the reference web client (web/) in the system Chromium, driven by Playwright,
against the real local stack — the session's DynamoDB Local and S3 emulator, the API in its own
process (tests/browser/api_server.py), the event runner delivering uploads, and the client built
and served by devstack/web.py on a free port. Plain `pytest` (and so `make test`) runs them.

Everything costly is started once for this folder (package scope) and stopped when its last test
ends, so the rest of the session never meets the runner or the API process. Each test gets a
fresh browser context (no token, no storage): `phone_page` (375×667, touch) or `desktop_page`
(1280×800), in Chinese, opened on the client's origin (`page.goto("/signup")`).
`page.get_by_test_id(x)` finds the client's `data-test="x"`.

Helpers: `api` (tests.browser.through_api.Api: SMS codes, sign-up, a reviewer's decisions),
`practitioner` (a new person in the register), `run_job` (run a scheduled job now),
`tests.browser.axe.axe(page)` (no serious or critical accessibility violation), and
`tests.browser.screenshots` (the README's pictures). A failed test leaves its page's screenshot
in .local/screenshots/<test>.png.

Chromium and the CJK fonts come from apt, never from `playwright install`: a machine without
them fails here, saying how to install them.
"""
from __future__ import annotations

import logging
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from chalicelib import bootstrap
from chalicelib.domain.windows import Window
from tests.browser import through_api
from tests.browser.live_stack import LiveStack
from tests.browser.screenshots import failure_screenshot

INSTALL = "apt-get install -y chromium fonts-noto-cjk"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 375, "height": 667}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
REPORTS = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so the page fixtures know whether it failed."""
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


@pytest.fixture(scope="package")
def open_window(stack):
    """This year's registration window, open (as tests/api's is)."""
    now = datetime.now(timezone.utc)
    window = Window.create(now.year, now - timedelta(days=3), now + timedelta(days=20))
    bootstrap.deps().windows.put(window)
    return window


@pytest.fixture(scope="package")
def live(stack, open_window, tmp_path_factory):
    """The running service (tests.browser.live_stack.LiveStack): `web_url`, `api_url`."""
    running = LiveStack(tmp_path_factory.mktemp("browser"))
    # The S3 emulator logs each request, and the runner polls it: a failure's report would drown.
    requests = logging.getLogger("werkzeug")
    level = requests.level
    requests.setLevel(logging.WARNING)
    try:
        yield running.start()
    finally:
        running.stop()
        requests.setLevel(level)


@pytest.fixture(scope="package")
def api(live):
    return through_api.Api(live.api_url, Path(bootstrap.deps().settings.sms_file))


@pytest.fixture
def practitioner(live):
    """A new practitioner in the register, due for first registration this year."""
    return through_api.practitioner()


@pytest.fixture
def run_job(live):
    """`run_job("sms-dispatch")`: a scheduled job runs now; returns its summary."""
    return live.run_job


@pytest.fixture(scope="package")
def browser():
    """The system Chromium, headless, launched once for the folder (each test gets its own context)."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail(f"the browser tests need the system Chromium: {INSTALL}", pytrace=False)
    if shutil.which("fc-list") and not subprocess.run(["fc-list", ":lang=zh"], capture_output=True,
                                                      text=True).stdout.strip():
        pytest.fail(f"no Chinese font: pages and screenshots would show boxes: {INSTALL}", pytrace=False)
    from playwright.sync_api import expect, sync_playwright
    expect.set_options(timeout=10_000)  # a 2-core CI machine runs the API, the runner and Chromium at once
    with sync_playwright() as playwright:
        playwright.selectors.set_test_id_attribute("data-test")  # the client's attribute (get_by_test_id)
        launched = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _page(browser, live, request, device: dict):
    context = browser.new_context(base_url=live.web_url, locale="zh-CN", timezone_id="Asia/Shanghai", **device)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    reports = request.node.stash.get(REPORTS, {})
    if any(report.failed for report in reports.values()):
        failure_screenshot(page, request.node.name)
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def phone_page(browser, live, request):
    """A fresh phone-sized touch page (375×667) on the client's origin."""
    yield from _page(browser, live, request, PHONE)


@pytest.fixture
def desktop_page(browser, live, request):
    """A fresh desktop page (1280×800) on the client's origin."""
    yield from _page(browser, live, request, DESKTOP)
