"""Every domain error leaves in the SPEC §3 shape and status; junk input never yields a 500."""
from __future__ import annotations

import json
import re

import pytest
from chalice import Chalice
from chalice.test import Client

from chalicelib.cli.environment import ROOT
from chalicelib.domain import errors as domain
from chalicelib.handlers import errors
from chalicelib.handlers import schemas
from chalicelib.handlers.edge import MAX_DEPTH, MAX_JSON_BYTES, json_object, nests_deeper_than

RAISED = {
    "validation": domain.ValidationError(details={"phone": "手机号格式不正确"}),
    "rule": domain.RuleViolationError(code="TYPE_NOT_ELIGIBLE", reason="您尚未取得职业水平证书。"),
    "missing": domain.NotFoundError(),
    "conflict": domain.ConflictError(),
    "transition": domain.InvalidTransitionError("draft", "approved"),
    "stale": domain.ConcurrentUpdateError(),
    "auth": domain.AuthenticationError(),
    "role": domain.PermissionDeniedError(),
    "limit": domain.RateLimitedError(retry_after=42),
}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def probe():
    app = Chalice(app_name="errors-probe")
    app.debug = True  # even in debug, no traceback may leave

    @app.route("/raise/{name}", methods=["GET"])
    @errors.mapped
    def raise_named(name):
        raise RAISED[name]

    @app.route("/crash", methods=["GET"])
    @errors.mapped
    def crash():
        raise RuntimeError("secret internals 110101199003077715")

    @app.route("/echo", methods=["POST"])
    @errors.mapped
    def echo():
        return json_object(app.current_request, {"type": "object"})

    @app.route("/decide", methods=["POST"])
    @errors.mapped
    def decide():
        return json_object(app.current_request, schemas.DECISION)

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
    assert CJK.search(error["message"]) and error["message"].endswith("。")
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


def _post(probe, body: bytes | str, path: str = "/echo"):
    return probe.http.post(path, body=body, headers={"Content-Type": "application/json"})


def _nested(depth: int) -> str:
    return '{"a":' * (depth - 1) + "[1]" + "}" * (depth - 1)


def test_nesting_of_exactly_32_levels_is_read_and_33_is_400(probe):
    assert _post(probe, _nested(MAX_DEPTH)).status_code == 200
    response = _post(probe, _nested(MAX_DEPTH + 1))
    assert response.status_code == 400
    assert response.json_body["error"]["code"] == "BAD_JSON"
    assert response.json_body["error"]["details"] == {"body": "嵌套不能超过32层"}


@pytest.mark.parametrize("body", [b"[" * 50_000, b"{" * 50_000, b'{"a": ' + b"[" * 100_000,
                                  b"[" * 500_000 + b"]" * 500_000])
def test_pathologically_deep_json_is_400_bad_json_not_a_recursion_error(probe, body):
    response = _post(probe, body)
    assert response.status_code == 400 and response.json_body["error"]["code"] == "BAD_JSON"


def test_brackets_inside_strings_do_not_count_as_nesting(probe):
    body = json.dumps({"text": "[" * 1000 + '\\"{' * 100, "more": '"]]' * 50})
    assert _post(probe, body).json_body == json.loads(body)


@pytest.mark.parametrize("text, deeper", [
    ("[" * 32 + "]" * 32, False), ("[" * 33 + "]" * 33, True), ('["' + "[" * 40 + '"]', False),
    ('["\\\\", ' + "[" * 33 + "]" * 33 + "]", True),   # an escaped backslash ends the string
    ('["\\"' + "[" * 40 + '"]', False),                   # an escaped quote does not
    ('"' + "[" * 50_000, False),                          # unterminated string: json.loads refuses it flat
    ('"\\"' * 300_000, False),                             # linear even with every quote escaped
])
def test_nesting_is_measured_by_a_linear_scan_that_skips_strings(text, deeper):
    assert nests_deeper_than(text, MAX_DEPTH) is deeper


@pytest.mark.parametrize("body, reason", [
    (b'{"a": 1, "a": 2}', "字段“a”重复出现"),
    (b'{"outer": {"b": 1, "b": 1}}', "字段“b”重复出现"),
    (b'{"a": NaN}', "不支持NaN"),
    (b'{"a": -Infinity}', "不支持-Infinity"),
    (b'{"a": ' + b"1" * 5000 + b"}", "请求内容不是有效的JSON"),
    (b'{"a": 1', "第1行第8列不是有效的JSON"),
    (b'{"a": "\\ud800"}', "请求内容含有无效的Unicode字符"),
    (b'{"\\udc00x": 1}', "请求内容含有无效的Unicode字符"),
])
def test_duplicate_keys_non_finite_numbers_lone_surrogates_and_junk_are_400_with_a_chinese_reason(probe, body, reason):
    response = _post(probe, body)
    assert response.status_code == 400
    assert response.json_body["error"]["code"] == "BAD_JSON"
    assert response.json_body["error"]["details"] == {"body": reason}


def test_strings_and_lists_over_the_schema_limits_are_422_naming_each_path_and_limit(probe):
    response = _post(probe, json.dumps({"outcome": "reject", "opinion": "长" * 1001,
                                        "issues": [{"item": "employer", "note": "x" * 501}]}), "/decide")
    assert response.status_code == 422
    assert response.json_body["error"]["code"] == "FIELD_TOO_LARGE"
    assert response.json_body["error"]["details"] == {"opinion": "不能超过1000个字", "issues[0].note": "不能超过500个字"}


def test_values_of_another_type_than_the_schema_are_left_to_the_type_checks(probe):
    body = {"outcome": "reject", "opinion": ["not", "text"], "issues": {"item": "x" * 5000}}
    assert _post(probe, json.dumps(body), "/decide").json_body == body


def test_a_body_at_the_limits_passes_the_edge(probe):
    body = {"outcome": "reject", "opinion": "长" * 1000, "issues": [{"item": "employer", "note": "x" * 500}] * 50}
    assert _post(probe, json.dumps(body), "/decide").json_body == body
