"""CORS as a browser enforces it: a page served from the client's own origin reads the API's
answers, refusals included (their Chinese message is what the screens show); the same page
served from an origin the API does not name cannot read anything, so another site cannot use
the API with an applicant's browser."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

FETCH = """async ([url, init]) => {
  try {
    const response = await fetch(url, init)
    return {status: response.status, body: await response.json()}
  } catch (error) {
    return {rejected: String(error)}
  }
}"""
LOGIN = {"method": "POST", "headers": {"Content-Type": "application/json"},
         "body": '{"username": "nobody", "password": "wrongpass1"}'}


@pytest.fixture
def elsewhere(live):
    """The same client, served on another free port: an origin not in SWREG_CORS_ORIGINS."""
    site = live.serve_elsewhere()
    yield site
    site.stop()


def test_the_clients_origin_reads_a_refusal_and_its_chinese_message(desktop_page, live):
    desktop_page.goto("/")
    answer = desktop_page.evaluate(FETCH, [live.api_url + "/me", {}])
    assert answer["status"] == 401, answer
    assert answer["body"]["error"]["code"] == "MISSING_TOKEN"
    assert re.search(r"[\u4e00-\u9fff]", answer["body"]["error"]["message"])


def test_the_clients_origin_passes_the_preflight_of_a_json_post(desktop_page, live):
    desktop_page.goto("/")
    answer = desktop_page.evaluate(FETCH, [live.api_url + "/auth/login", LOGIN])
    assert answer["status"] == 401, answer
    assert re.search(r"[\u4e00-\u9fff]", answer["body"]["error"]["message"])


@pytest.mark.parametrize("path, init", [("/health", {}), ("/me", {}), ("/auth/login", LOGIN)],
                         ids=["public", "refusal", "json-post"])
def test_a_page_on_another_origin_cannot_read_the_api(desktop_page, live, elsewhere, path, init):
    desktop_page.goto(elsewhere.url + "/")
    answer = desktop_page.evaluate(FETCH, [live.api_url + path, init])
    assert "rejected" in answer, f"{elsewhere.url} read {path}: {answer}"


def test_the_client_served_from_another_origin_says_it_cannot_connect_and_offers_a_retry(phone_page, elsewhere):
    page = phone_page
    page.goto(elsewhere.url + "/login")
    page.get_by_label("手机号").fill("13912345678")
    page.get_by_label("密码", exact=True).fill("goodpass123")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("网络连接失败")
    expect(page.get_by_role("alert").get_by_role("button", name="重试")).to_be_visible()
