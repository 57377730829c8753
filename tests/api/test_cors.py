"""Browser front ends on the configured origins may read every answer of the API, errors and
preflights included; pages on any other origin get the same answers without the CORS headers,
so the browser hides them (SPEC §3)."""
from __future__ import annotations

import json

import pytest
from chalice import Chalice
from chalice.test import Client

from chalicelib.cli.environment import ROOT
from chalicelib.domain.errors import RateLimitedError
from chalicelib.handlers import errors, wiring
from chalicelib.handlers.cors import cors

SITE = "http://127.0.0.1:8080"  # the test stage's SWREG_CORS_ORIGINS, as the local stage's
OTHER = "http://127.0.0.1:8081"


def _get(client, path: str, origin: str = SITE, **headers):
    return client.http.get(path, headers={"Origin": origin, **headers})


def _preflight(client, path: str, origin: str = SITE, method: str = "POST"):
    return client.http.request("OPTIONS", path, headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type"})


def test_an_allowed_origin_reads_an_answer_and_caches_know_it_varies_by_origin(client):
    response = _get(client, "/health")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    assert "Origin" in response.headers["Vary"]
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_another_origin_gets_the_same_answer_without_the_headers_a_browser_needs(client):
    response = _get(client, "/health", origin=OTHER)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.headers["Vary"]


def test_no_origin_header_means_no_cors_headers(client):
    response = client.http.get("/health")
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("origin", ["null", "*", SITE + "/", SITE.replace("http", "https"), "http://localhost:8081"])
def test_lookalike_origins_are_not_allowed(client, origin):
    assert "Access-Control-Allow-Origin" not in _get(client, "/health", origin=origin).headers


def test_a_preflight_names_the_paths_methods_and_the_headers_a_page_may_send(client):
    response = _preflight(client, "/applications/a1b2c3d4e5f6a7b8c9d0e1f2", method="PATCH")
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert methods == {"DELETE", "GET", "PATCH", "OPTIONS"}
    allowed = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert int(response.headers["Access-Control-Max-Age"]) > 0


def test_a_preflight_from_another_origin_carries_no_permission(client):
    response = _preflight(client, "/auth/login", origin=OTHER)
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize("path", sorted({path for path, *_ in wiring.ROUTES}))
def test_every_path_of_the_api_answers_a_preflight(client, path):
    concrete = (path.replace("{application_id}", "a1b2c3d4e5f6a7b8c9d0e1f2")
                .replace("{correction_id}", "a1b2c3d4e5f6a7b8c9d0e1f2").replace("{kind}", "id_photo")
                .replace("{registration_no}", "BJ2026000001").replace("{message_id}", "a1b2c3d4e5f6a7b8c9d0e1f2"))
    response = _preflight(client, concrete)
    assert response.headers.get("Access-Control-Allow-Origin") == SITE, (path, response.status_code, response.body)


def test_preflights_stay_out_of_the_openapi_document(client):
    document = json.loads(client.http.get("/openapi.json").body)
    assert not [path for path, operations in document["paths"].items() if "options" in operations]


@pytest.mark.parametrize("method, path, headers, body, status", [
    ("GET", "/me", {}, None, 401),  # the guard
    ("POST", "/auth/login", {"Content-Type": "text/plain"}, b"x", 415),  # the edge, before any view
    ("PUT", "/me", {}, None, 405),
    ("GET", "/verify/not-a-number", {}, None, 404),
    ("POST", "/auth/login", {"Content-Type": "application/json"}, b"{not json", 400),
    ("POST", "/auth/signup", {"Content-Type": "application/json"}, b"{}", 422),
])
def test_error_answers_carry_the_headers_so_a_page_can_show_their_message(client, method, path, headers, body,
                                                                          status):
    response = client.http.request(method, path, headers={"Origin": SITE, **headers}, body=body)
    assert response.status_code == status
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    assert json.loads(response.body)["error"]["message"]


def test_a_page_can_read_how_long_a_rate_limit_asks_it_to_wait():
    probe = Chalice(app_name="cors-probe")
    probe.register_middleware(cors(lambda: frozenset({SITE})), "http")

    @probe.route("/limited", methods=["GET"])
    @errors.mapped
    def limited():
        raise RateLimitedError(retry_after=42)

    with Client(probe, stage_name="test", project_dir=str(ROOT)) as client:
        response = _get(client, "/limited")
    assert response.status_code == 429 and response.headers["Retry-After"] == "42"
    assert response.headers["Access-Control-Allow-Origin"] == SITE
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]


def test_the_files_bucket_takes_presigned_uploads_from_the_same_origins(s3, deps):
    (rule,) = s3.get_bucket_cors(Bucket=deps.settings.bucket)["CORSRules"]
    assert set(rule["AllowedOrigins"]) == deps.settings.allowed_origins()
    assert "POST" in rule["AllowedMethods"]
