"""Every domain error leaves in the SPEC §3 shape and status; junk input never yields a 500."""
from __future__ import annotations

import json

import pytest
from chalice import Chalice
from chalice.test import Client

from chalicelib.cli.environment import ROOT
from chalicelib.domain import errors as domain
from chalicelib.handlers import errors
from chalicelib.handlers.requests import MAX_JSON_BYTES, json_object

RAISED = {
    "validation": domain.ValidationError("bad", details={"phone": "手机号格式不正确"}),
    "rule": domain.RuleViolationError("no", code="TYPE_NOT_ELIGIBLE"),
    "missing": domain.NotFoundError("gone"),
    "conflict": domain.ConflictError("taken"),
    "transition": domain.InvalidTransitionError("draft", "approved"),
    "stale": domain.ConcurrentUpdateError("moved"),
    "auth": domain.AuthenticationError("who"),
    "role": domain.PermissionDeniedError("not you"),
    "limit": domain.RateLimitedError("slow down", retry_after=42),
}


@pytest.fixture(scope="module")
def probe():
    app = Chalice(app_name="errors-probe")
    app.debug = True  # even in debug, no traceback may leave

    @app.route("/raise/{name}", methods=["GET"])
    def raise_named(name):
        raise RAISED[name]

    @app.route("/crash", methods=["GET"])
    def crash():
        raise RuntimeError("secret internals 110101199003077715")

    @app.route("/echo", methods=["POST"])
    def echo():
        return json_object(app.current_request)

    errors.install(app)
    with Client(app, stage_name="test", project_dir=str(ROOT)) as client:
        yield client


@pytest.mark.parametrize("name, status, code", [
    ("validation", 422, "VALIDATION_FAILED"), ("rule", 422, "TYPE_NOT_ELIGIBLE"),
    ("missing", 404, "NOT_FOUND"), ("conflict", 409, "CONFLICT"),
    ("transition", 409, "INVALID_TRANSITION"), ("stale", 409, "CONCURRENT_UPDATE"),
    ("auth", 401, "UNAUTHORIZED"), ("role", 403, "FORBIDDEN"), ("limit", 429, "RATE_LIMITED"),
])
def test_each_domain_error_maps_to_its_status_and_shape(probe, name, status, code):
    response = probe.http.get(f"/raise/{name}")
    assert response.status_code == status
    error = response.json_body["error"]
    assert error["code"] == code
    assert error["message"]
    assert isinstance(error["details"], dict)


def test_validation_details_name_the_field(probe):
    assert probe.http.get("/raise/validation").json_body["error"]["details"] == {"phone": "手机号格式不正确"}


def test_rate_limited_answer_says_when_to_retry(probe):
    assert probe.http.get("/raise/limit").headers["Retry-After"] == "42"


def test_an_unexpected_exception_is_a_bare_500_without_traceback(probe):
    response = probe.http.get("/crash")
    assert response.status_code == 500
    assert response.json_body["error"]["code"] == "INTERNAL_ERROR"
    assert b"Traceback" not in response.body and b"secret" not in response.body


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b"[1, 2]", b'"text"', b"null"])
def test_a_body_that_is_not_a_json_object_is_400_bad_json(probe, body):
    response = probe.http.post("/echo", body=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json_body["error"]["code"] == "BAD_JSON"


def test_a_body_over_one_megabyte_is_413(probe):
    body = json.dumps({"padding": "x" * MAX_JSON_BYTES}).encode()
    response = probe.http.post("/echo", body=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json_body["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_a_json_object_is_passed_through(probe):
    response = probe.http.post("/echo", body=b'{"a": 1}', headers={"Content-Type": "application/json"})
    assert response.status_code == 200 and response.json_body == {"a": 1}
