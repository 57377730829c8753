"""The key screens work on a phone (375×667, touch) and on a desktop (1280×800): nothing is wider
than the screen (no sideways scrolling, nothing cut off at the right edge), and on the form the
save and submit buttons can be reached and pressed (not hidden under the tab bar)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import through_api

OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth
  const wide = [...document.querySelectorAll('body *')].filter((element) => {
    const box = element.getBoundingClientRect()
    return box.width > 0 && box.right > width + 1 && getComputedStyle(element).position !== 'fixed'
  })
  const named = (e) => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5).map(named)}
}"""
# Whether the point at the middle of the element is the element (or inside it): nothing covers it.
UNCOVERED = """(element) => {
  const box = element.getBoundingClientRect()
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2)
  return element.contains(hit)
}"""
PUBLIC = ["/login", "/signup", "/reset", "/verify", "/guide"]
SIGNED_IN = ["/", "/eligibility", "/messages", "/history", "/certificates"]
DEVICES = ["phone_page", "desktop_page"]


@pytest.fixture(scope="module")
def applicant(api):
    """One applicant for every screen here (signing up costs a password hash): (token, draft id),
    the draft with the mailing address asked for, the widest the form gets."""
    token, phone = api.sign_up(through_api.practitioner())
    draft = api.call("POST", "/applications", {"type": "first"}, token)["application_id"]
    api.call("PATCH", f"/applications/{draft}", {"phone": phone, "employer": "北京市东城区社会工作服务中心",
                                                 "pickup_method": "mail"}, token)
    return token, draft


def sign_in(page, token: str) -> None:
    """Hold `token` as the client does after a login (sessionStorage), without the login screen."""
    page.goto("/guide")
    page.evaluate("(token) => { sessionStorage.setItem('swreg.token', token); "
                  "sessionStorage.setItem('swreg.role', 'applicant') }", token)


def press(locator, device: str) -> None:
    """A finger's tap on the phone, a mouse click on the desktop."""
    if device == "phone_page":
        locator.tap()
    else:
        locator.click()


def open_screen(page, path: str) -> None:
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")


def too_wide(page, screen: str) -> str:
    """What on the page is wider than the screen ('' when everything fits)."""
    layout = page.evaluate(OVERFLOWING)
    fits = layout["scrollWidth"] <= layout["width"] and not layout["wide"]
    return "" if fits else f"{screen}: {layout}"


@pytest.mark.parametrize("device", DEVICES)
def test_every_public_screen_fits_the_screen(request, device):
    page = request.getfixturevalue(device)
    problems = []
    for path in PUBLIC:
        open_screen(page, path)
        problems.append(too_wide(page, path))
    assert not any(problems), f"wider than a {device}:\n" + "\n".join(filter(None, problems))


@pytest.mark.parametrize("device", DEVICES)
def test_every_signed_in_screen_fits_the_screen(request, live, applicant, device):
    page = request.getfixturevalue(device)
    sign_in(page, applicant[0])
    problems = []
    for path in SIGNED_IN:
        open_screen(page, path)
        problems.append(too_wide(page, path))
        expect(page).to_have_url(live.web_url + path)  # still signed in: not sent to the login screen
    assert not any(problems), f"wider than a {device}:\n" + "\n".join(filter(None, problems))


@pytest.mark.parametrize("device", DEVICES)
def test_the_form_fits_and_its_save_and_submit_buttons_can_be_pressed(request, applicant, device):
    page = request.getfixturevalue(device)
    token, draft = applicant
    sign_in(page, token)
    open_screen(page, f"/applications/{draft}")
    expect(page.get_by_label("收件地址")).to_be_visible()
    assert not (problem := too_wide(page, "the form")), problem
    press(page.get_by_role("checkbox", name="我保证上述所填信息均真实有效"), device)
    for name in ("保存草稿", "提交"):
        button = page.get_by_role("button", name=name, exact=True)
        button.scroll_into_view_if_needed()
        expect(button).to_be_enabled()
        assert button.evaluate(UNCOVERED), f"the {name} button is covered on a {device}"
    press(page.get_by_role("button", name="提交", exact=True), device)
    expect(page.get_by_role("dialog", name="提交审核")).to_be_visible()
