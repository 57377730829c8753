"""GET /health and GET /openapi.json through the Chalice test client."""
from __future__ import annotations

import json

import pytest

from chalicelib import bootstrap


def test_health_is_ok_when_dynamodb_and_s3_answer(client):
    response = client.http.get("/health")
    assert response.status_code == 200
    assert response.json_body == {"status": "ok", "checks": {"dynamodb": "ok", "s3": "ok"}}


@pytest.mark.parametrize("change, failing", [
    ({"bucket": "no-such-bucket"}, "s3"),
    ({"table_prefix": "no-such-tables-"}, "dynamodb"),
])
def test_health_is_503_naming_the_unreachable_part(client, deps, change, failing):
    bootstrap.override(bootstrap.build(deps.settings._replace(**change)))
    try:
        response = client.http.get("/health")
    finally:
        bootstrap.override(deps)
    assert response.status_code == 503
    assert response.json_body["status"] == "degraded"
    assert response.json_body["checks"][failing] == "unreachable"
    assert all(state == "ok" for part, state in response.json_body["checks"].items() if part != failing)


def test_openapi_document_describes_every_route(client):
    from app import app
    document = client.http.get("/openapi.json").json_body
    assert document["openapi"].startswith("3.")
    routes = {(path, method.lower()) for path, methods in app.routes.items() for method in methods
              if method != "OPTIONS"}  # CORS preflights are not operations (test_cors.py)
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert routes - documented == set(), "routes missing from /openapi.json (add @doc to the view)"
    assert documented - routes == set()


def test_openapi_operations_have_responses_and_unique_ids(client):
    document = client.http.get("/openapi.json").json_body
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    for ops in document["paths"].values():
        for op in ops.values():
            assert op["responses"]


def test_the_guide_is_public_and_covers_types_materials_faq_and_contacts(client):
    response = client.http.get("/guide")
    assert response.status_code == 200
    text = json.dumps(response.json_body, ensure_ascii=False)
    for needle in ("首登记", "再登记", "补登记", "补证", "id_photo", "413", "65868811", "58163934"):
        assert needle in text
