"""Where the browser tests leave pictures: a failed test's last page, and the README's screenshots
(taken by the journey test, so they always show the client as it is)."""
from __future__ import annotations

import re

from chalicelib.cli.environment import ROOT

SCREENSHOTS = ROOT / ".local" / "screenshots"
README = SCREENSHOTS / "readme"


def failure_screenshot(page, test_name: str) -> None:
    """The page as the failed test left it; a page that is gone leaves nothing (the failure says why)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    file_name = re.sub(r"[^\w.-]+", "_", test_name) + ".png"
    try:
        page.screenshot(path=str(SCREENSHOTS / file_name), full_page=True)
    except Exception:  # a crashed page must not hide the test's own failure
        pass


def readme_screenshot(page, name: str, top=None) -> None:
    """One of the README's pictures (`form-phone`, `rejection-notice`): one screenful, as a person
    sees it, scrolled so that the locator `top` starts the screen (the page's top without one)."""
    README.mkdir(parents=True, exist_ok=True)
    if top is None:
        page.evaluate("() => window.scrollTo(0, 0)")
    else:
        top.evaluate("(element) => element.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(README / f"{name}.png"))
