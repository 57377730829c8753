"""The HTTP edge against hostile or careless clients, on every route the app has (issue 12, items 5, 7, 8, 9).

Each test walks `app.routes`, so a route added later is covered without touching
this file: deep or duplicate-keyed JSON is 400, an id outside its format 404,
an oversized string or list 422 naming the field and its limit, a wrong content
type 415, a missing or malformed `Authorization` header 401 — always in the
API's error shape, never a 5xx.
"""
from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timezone

import pytest
from chalice.test import Client

from chalicelib.cli.environment import ROOT
from chalicelib.domain import review as rules
from chalicelib.domain.application import Application, ApplicationStatus
from chalicelib.domain.eligibility import RegistrationType, evaluate
from chalicelib.domain.errors import RuleViolationError
from chalicelib.domain.levels import Level
from chalicelib.domain.register import Practitioner
from chalicelib.handlers.guard import is_secured
from chalicelib.handlers.openapi import described
from chalicelib.handlers.edge import MAX_JSON_BYTES
from chalicelib.handlers.schemas import PATH_PARAMETERS
from tests.api.conftest import JSON, auth, sign_up
from tests import approvals
from tests.api.test_review import _staff_token
from tests.ids import unique_id

CJK = re.compile(r"[\u4e00-\u9fff]")
BODY_METHODS = {"POST", "PUT", "PATCH"}


@pytest.fixture(scope="module")
def edge(stack, open_window):
    """The app, a test client, and a signed-in applicant and admin for the module."""
    from app import app
    from chalicelib import bootstrap
    deps = bootstrap.deps()
    practitioner = Practitioner(unique_id("13"),
                                "周晓梅", f"Z{uuid.uuid4().int % 10**9:09d}", Level.ASSISTANT, open_window.year - 1)
    deps.register.upsert_practitioners([practitioner])
    with Client(app, stage_name="test", project_dir=str(ROOT)) as client:
        applicant, _ = sign_up(client, deps, practitioner)
        staff, _ = _staff_token(client, deps, admin=True)
        yield Edge(app, client, applicant, staff)


class Edge:
    def __init__(self, app, client, applicant: str, staff: str) -> None:
        self.app, self.client, self.applicant, self.staff = app, client, applicant, staff

    def routes(self, methods: set[str] | None = None):
        """(path, method, route entry) of every route, sorted; CORS preflights are test_cors.py's."""
        for path, entries in sorted(self.app.routes.items()):
            for method, entry in sorted(entries.items()):
                if method != "OPTIONS" and (methods is None or method in methods):
                    yield path, method, entry

    def call(self, method: str, path: str, body: bytes | str = b"", headers: dict | None = None,
             signed: bool = True):
        """One request; a secured route is called as the applicant, then as an admin if the
        applicant may not (so /review and /admin routes get past the role check)."""
        base = dict(JSON if headers is None else headers)
        if not signed:
            return self.client.http.request(method, path, headers=base, body=body)
        response = self.client.http.request(method, path, headers={**base, **_bearer(self.applicant)}, body=body)
        if response.status_code == 403 and _code(response) == "FORBIDDEN":
            response = self.client.http.request(method, path, headers={**base, **_bearer(self.staff)}, body=body)
        return response


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _code(response) -> str | None:
    try:
        return response.json_body["error"]["code"]
    except (TypeError, KeyError, ValueError):
        return None


def _error(response) -> dict:
    """The error of an answer in the SPEC §3 shape (asserts the shape and a Chinese message)."""
    body = json.loads(response.body)
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"} and isinstance(error["details"], dict), error
    assert re.fullmatch(r"[A-Z][A-Z0-9_]*", error["code"]) and CJK.search(error["message"]), error
    return error


def _example(name: str) -> str:
    return PATH_PARAMETERS[name]["example"]


def _filled(path: str, **values: str) -> str:
    """`path` with each {parameter} replaced by `values` or its documented example."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), _example(m.group(1))), path)


def _request_schema(entry) -> dict | None:
    meta = described(entry.view_function)
    return meta["request"] if meta else None


# --- item 5: nesting and duplicate keys ------------------------------------------------------

HOSTILE_JSON = {
    "50,000 open brackets": b"[" * 50_000,
    "33 nested objects": ('{"a":' * 33 + "1" + "}" * 33).encode(),
    "33 nested lists in a field": ('{"issues": ' + "[" * 33 + "]" * 33 + "}").encode(),
    "a duplicate key": b'{"phone": "13812345678", "phone": "13900000000"}',
    "a duplicate nested key": b'{"mailing_address": {"address": "a", "address": "b"}}',
    "NaN": b'{"declaration": NaN}',
}


def test_every_route_that_reads_a_body_answers_hostile_json_with_400_bad_json(edge):
    failures = []
    routes = [(path, method, entry) for path, method, entry in edge.routes(BODY_METHODS) if _request_schema(entry)]
    assert len(routes) >= 7
    for path, method, entry in routes:
        for name, body in HOSTILE_JSON.items():
            response = edge.call(method, _filled(path), body, signed=is_secured(entry.view_function))
            if response.status_code != 400 or _error(response)["code"] != "BAD_JSON":
                failures.append(f"{method} {path} with {name}: {response.status_code} {response.body[:200]!r}")
    assert failures == []


def test_nesting_up_to_32_levels_is_read(edge):
    body = '{"issues": [' + "[" * 30 + "]" * 30 + "]}"  # the object, the list and 30 more: 32 levels
    response = edge.call("POST", _filled("/review/applications/{application_id}/decision"), body)
    assert _error(response)["code"] != "BAD_JSON"


def test_no_route_answers_a_deeply_nested_body_with_a_server_error(edge):
    failures = []
    for path, method, entry in edge.routes():
        response = edge.call(method, _filled(path), b"[" * 50_000)
        if response.status_code >= 500:
            failures.append(f"{method} {path}: {response.status_code}")
        elif response.status_code >= 400:
            _error(response)
    assert failures == []


# --- item 7: path parameters -----------------------------------------------------------------

def test_every_path_parameter_has_a_documented_format(edge):
    names = {name for _, _, entry in edge.routes() for name in entry.view_args}
    assert names - set(PATH_PARAMETERS) == set(), "add the parameter's format to schemas.PATH_PARAMETERS"
    for name in names:
        schema = PATH_PARAMETERS[name]
        assert ("enum" in schema or "pattern" in schema) and "example" in schema, name


@pytest.mark.parametrize("value", ["a" * 3000, "B" * 41, "not-an-id!", "0123456789ABCDEF0123456789ABCDEF"])
def test_every_path_parameter_outside_its_format_is_404_in_the_api_shape(edge, value):
    failures = []
    for path, method, entry in edge.routes():
        for name in entry.view_args:
            schema = PATH_PARAMETERS[name]
            if "pattern" in schema and re.fullmatch(schema["pattern"], value):
                continue  # a well-formed value for this parameter (the service decides)
            response = edge.call(method, _filled(path, **{name: value}), b"{}")
            error = _error(response)
            if response.status_code != 404 or error["code"] != "NOT_FOUND" or name not in error["details"]:
                failures.append(f"{method} {path} {name}={value[:20]}: {response.status_code} {error}")
    assert failures == []


def test_on_a_secured_route_the_token_and_the_role_are_checked_before_the_id(edge):
    path = "/review/applications/" + "a" * 3000
    assert _error(edge.client.http.get(path, headers=JSON))["code"] == "MISSING_TOKEN"
    assert _error(edge.client.http.get(path, headers={**JSON, **_bearer(edge.applicant)}))["code"] == "FORBIDDEN"
    assert _error(edge.client.http.get(path, headers={**JSON, **_bearer(edge.staff)}))["code"] == "NOT_FOUND"


def test_a_well_formed_unknown_id_still_reaches_the_service_and_is_404(edge):
    response = edge.call("GET", _filled("/applications/{application_id}"))
    assert response.status_code == 404 and "application_id" not in _error(response)["details"]


# --- item 8: size caps from the schema -------------------------------------------------------

def _string_or_list_limits(schema: dict, path: str = ""):
    """(path, kind, limit) of every capped string and list in `schema`; asserts none is uncapped."""
    for branch in schema.get("oneOf", []) + schema.get("anyOf", []):
        yield from _string_or_list_limits(branch, path)
    kind = schema.get("type")
    if kind == "string" and "enum" not in schema:
        assert "maxLength" in schema, f"string {path or '(body)'} has no maxLength"
        yield path, "string", schema["maxLength"]
    elif kind == "array":
        assert "maxItems" in schema, f"list {path} has no maxItems"
        yield path, "array", schema["maxItems"]
        yield from _string_or_list_limits(schema["items"], f"{path}[0]")
    elif kind == "object":
        assert "properties" in schema and schema.get("additionalProperties") is False, \
            f"object {path or '(body)'} must name its fields"
        for key, sub in schema["properties"].items():
            yield from _string_or_list_limits(sub, f"{path}.{key}" if path else key)


def test_every_string_and_list_a_request_schema_accepts_has_a_documented_maximum(edge):
    schemas = [_request_schema(entry) for _, _, entry in edge.routes() if _request_schema(entry)]
    limits = [limit for schema in schemas for limit in _string_or_list_limits(schema)]
    assert ("issues", "array", 50) in limits


def _oversized(schema: dict, path: str = "") -> tuple[object, dict[str, int]]:
    """A value breaking every limit in `schema` at once, and {field path: limit} it breaks."""
    for branch in schema.get("oneOf", []) + schema.get("anyOf", []):
        if "maxLength" in branch:
            schema = branch
    if "maxLength" in schema:
        return "长" * (schema["maxLength"] + 1), {path: schema["maxLength"]}
    if "maxItems" in schema:
        return [{}] * (schema["maxItems"] + 1), {path: schema["maxItems"]}
    value, broken = {}, {}
    for key, sub in schema.get("properties", {}).items():
        sub_value, sub_broken = _oversized(sub, f"{path}.{key}" if path else key)
        if sub_broken:
            value[key] = sub_value
            broken.update(sub_broken)
    return value, broken


def test_every_route_with_a_body_refuses_oversized_strings_and_lists_with_422_naming_field_and_limit(edge):
    failures = []
    for path, method, entry in edge.routes(BODY_METHODS):
        schema = _request_schema(entry)
        if not schema:
            continue
        body, broken = _oversized(schema)
        if not broken:
            continue  # enums and booleans only: nothing to make too large
        response = edge.call(method, _filled(path), json.dumps(body), signed=is_secured(entry.view_function))
        error = _error(response)
        named = {field: str(limit) in error["details"].get(field, "") for field, limit in broken.items()}
        if response.status_code != 422 or error["code"] != "FIELD_TOO_LARGE" or set(error["details"]) != set(broken) \
                or not all(named.values()):
            failures.append(f"{method} {path}: {response.status_code} {error} (expected {broken})")
    assert failures == []


def _claimed(client, deps, window) -> tuple[str, str]:
    """A submitted first registration, stored, and claimed over HTTP by a new reviewer: (token, id)."""
    person = approvals.practitioner(deps, window)
    at = datetime.now(timezone.utc)
    verdict = evaluate(person, [], [], window).verdict(RegistrationType.FIRST)
    application = Application.start(uuid.uuid4().hex, person, verdict, window, at, actor="applicant")
    approvals.complete(application, window, at)
    application.submit(at, window, declaration=True, actor="applicant")
    application.pull_events()
    deps.applications.add(application)
    reviewer, _ = _staff_token(client, deps)
    claim = client.http.post(f"/review/applications/{application.application_id}/claim", headers=auth(reviewer))
    assert claim.status_code == 200, claim.body
    return reviewer, application.application_id


def test_a_rejection_with_1800_issues_is_422_and_changes_nothing(client, deps, open_window):
    reviewer, app_id = _claimed(client, deps, open_window)
    issues = [{"item": "employer", "note": "请写全称" * 25}] * 1800
    body = json.dumps({"outcome": "reject", "opinion": "材料不全", "issues": issues}, ensure_ascii=False).encode()
    assert 400_000 < len(body) < MAX_JSON_BYTES  # under the body cap, over a DynamoDB item
    response = client.http.post(f"/review/applications/{app_id}/decision", headers=auth(reviewer), body=body)
    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "FIELD_TOO_LARGE" and error["details"] == {"issues": "不能超过50项"}
    assert deps.applications.get(app_id).status is ApplicationStatus.IN_REVIEW


def test_the_largest_rejection_the_rules_accept_is_stored(client, deps, open_window):
    reviewer, app_id = _claimed(client, deps, open_window)
    issues = [{"item": "employer", "note": "请" * 20}] * 50  # with the opinion, the 2,000-character budget
    response = client.http.post(f"/review/applications/{app_id}/decision", headers=auth(reviewer),
                                body=json.dumps({"outcome": "reject", "opinion": "审" * 1000, "issues": issues}))
    assert response.status_code == 200, response.body[:300]
    stored = deps.applications.get(app_id)
    assert stored.status is ApplicationStatus.REJECTED and len(stored.review_rounds[-1].issues) == 50


def test_a_rejection_over_the_text_budget_is_422_and_changes_nothing(client, deps, open_window):
    reviewer, app_id = _claimed(client, deps, open_window)
    issues = [{"item": "employer", "note": "请" * 500}] * 50  # each note within its own limit
    response = client.http.post(f"/review/applications/{app_id}/decision", headers=auth(reviewer),
                                body=json.dumps({"outcome": "reject", "opinion": "审" * 1000, "issues": issues}))
    assert response.status_code == 422 and "2000" in _error(response)["details"]["issues"]
    assert deps.applications.get(app_id).status is ApplicationStatus.IN_REVIEW


def test_every_review_round_the_rules_allow_fits_in_one_dynamodb_item(deps, open_window):
    """The worst case: the longest fields, and every round rejected with the most text, all in
    characters outside the BMP (4 bytes each in UTF-8)."""
    person = approvals.practitioner(deps, open_window)
    at = datetime.now(timezone.utc)
    verdict = evaluate(person, [], [], open_window).verdict(RegistrationType.FIRST)
    application = Application.start(uuid.uuid4().hex, person, verdict, open_window, at, actor="applicant")
    rare = "𪚥"
    approvals.complete(application, open_window, at, {
        "employer": rare * 100, "education": "below_secondary", "pickup_method": "mail",
        "mailing_address": {"recipient": rare * 50, "phone": approvals.phone(), "address": rare * 200,
                            "postal_code": "100000"}})
    note = rare * ((rules.MAX_DECISION_TEXT - rules.OPINION_MAX_LENGTH) // rules.MAX_ISSUES)
    issues = [{"item": "employer", "note": note}] * rules.MAX_ISSUES
    for _ in range(rules.MAX_REVIEW_ROUNDS):
        application.submit(at, open_window, declaration=True, actor="applicant")
        application.claim("rev1", at)
        application.reject("rev1", at, rare * rules.OPINION_MAX_LENGTH, issues)
    with pytest.raises(RuleViolationError) as refused:
        application.submit(at, open_window, declaration=True, actor="applicant")
    assert refused.value.code == "REVIEW_ROUNDS_EXHAUSTED"
    application.pull_events()
    deps.applications.add(application)
    assert len(deps.applications.get(application.application_id).review_rounds) == rules.MAX_REVIEW_ROUNDS


@pytest.mark.parametrize("body, field", [
    ({"phone": "13812345678", "colour": "red"}, "colour"),
    ({"phone": "13812345678", "purpose": "signup", "x" * 500: 1}, "x" * 100),
])
def test_a_field_the_schema_does_not_name_is_422_unknown_fields(client, body, field):
    response = client.http.post("/auth/sms-codes", headers=JSON, body=json.dumps(body))
    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "UNKNOWN_FIELDS" and error["details"] == {field: "不支持的字段"}


def test_an_unknown_field_inside_a_list_item_is_named_by_its_path(edge):
    body = {"outcome": "reject", "opinion": "缺材料", "issues": [{"item": "employer", "note": "全称", "by": "me"}]}
    response = edge.call("POST", _filled("/review/applications/{application_id}/decision"), json.dumps(body))
    error = _error(response)
    assert (response.status_code, error["code"], error["details"]) == (422, "UNKNOWN_FIELDS",
                                                                        {"issues[0].by": "不支持的字段"})


# --- item 9: content types and the Authorization header --------------------------------------

@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "text/csv"])
def test_every_route_answers_a_content_type_it_does_not_take_with_415_in_the_api_shape(edge, content_type):
    failures = []
    for path, method, entry in edge.routes():
        response = edge.call(method, _filled(path), b"phone=13812345678", headers={"Content-Type": content_type})
        error = _error(response)
        if response.status_code != 415 or error["code"] != "UNSUPPORTED_MEDIA_TYPE":
            failures.append(f"{method} {path}: {response.status_code} {error}")
    assert failures == []


def test_json_with_a_charset_is_taken(edge):
    response = edge.call("PATCH", _filled("/applications/{application_id}"), json.dumps({"employer": "西城社工"}),
                         headers={"Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 404 and _error(response)["code"] == "NOT_FOUND"  # reached the service


def test_a_method_the_path_does_not_have_is_405_in_the_api_shape(client):
    response = client.http.request("DELETE", "/health", headers=JSON, body=b"")
    assert response.status_code == 405
    assert _error(response)["code"] == "METHOD_NOT_ALLOWED" and response.headers["Allow"] == "GET, OPTIONS"


def _documented_security(client) -> dict[tuple[str, str], bool]:
    document = client.http.get("/openapi.json").json_body
    return {(path, method.upper()): bool(op.get("security"))
            for path, ops in document["paths"].items() for method, op in ops.items()}


@pytest.mark.parametrize("authorization, code", [
    (None, "MISSING_TOKEN"), ("", "MISSING_TOKEN"), ("Bearer", "MISSING_TOKEN"), ("Bearer   ", "MISSING_TOKEN"),
    ("Basic dXNlcjpwYXNz", "MISSING_TOKEN"), ("token-without-scheme", "MISSING_TOKEN"),
    ("Bearer not.a.jwt", "INVALID_TOKEN"), ("Bearer " + "x" * 10_000, "INVALID_TOKEN"),
])
def test_every_secured_route_answers_a_missing_or_malformed_authorization_with_401_in_the_api_shape(
        edge, authorization, code):
    secured = [key for key, has in _documented_security(edge.client).items() if has]
    assert len(secured) >= 15
    failures = []
    for path, method in secured:
        headers = dict(JSON) if authorization is None else {**JSON, "Authorization": authorization}
        response = edge.client.http.request(method, _filled(path), headers=headers, body=b"")
        error = _error(response)
        if response.status_code != 401 or error["code"] != code:
            failures.append(f"{method} {path}: {response.status_code} {error}")
    assert failures == []


def test_routes_documented_without_security_ask_for_no_token(edge):
    failures = []
    for (path, method), has in _documented_security(edge.client).items():
        if has:
            continue
        response = edge.client.http.request(method, _filled(path), headers=JSON,
                                            body=b"{}" if method in BODY_METHODS else b"")
        if _code(response) in ("MISSING_TOKEN", "INVALID_TOKEN", "FORBIDDEN") or response.status_code >= 500:
            failures.append(f"{method} {path}: {response.status_code} {response.body[:200]!r}")
    assert failures == []


def test_no_route_relies_on_a_gateway_authorizer(edge):
    """A gateway authorizer answers a missing header in its own shape, before our code."""
    assert [f"{method} {path}" for path, method, entry in edge.routes() if entry.authorizer is not None] == []


def test_an_expired_token_is_401_token_expired(edge, deps):
    import jwt
    claims = jwt.decode(edge.applicant, options={"verify_signature": False})
    expired = deps.tokens.issue(claims["sub"], "applicant", datetime(2020, 1, 1, tzinfo=timezone.utc))
    response = edge.client.http.get("/me", headers={**JSON, **_bearer(expired)})
    assert response.status_code == 401 and _error(response)["code"] == "TOKEN_EXPIRED"


def test_no_handler_reads_chalices_json_body():
    """Chalice's `json_body` parses without our limits; every body goes through `json_object`."""
    offenders = [str(path.relative_to(ROOT)) for path in sorted((ROOT / "chalicelib").rglob("*.py"))
                 if "json_body" in path.read_text(encoding="utf-8")]
    offenders += ["app.py"] if "json_body" in (ROOT / "app.py").read_text(encoding="utf-8") else []
    assert offenders == []
