"""The role matrix, on every route the served app has (issue 17): each `/admin/...` route answers
401 without a token and 403 to an applicant and to a reviewer; each `/review/...` route answers 403
to an applicant. The routes are read from `app.routes`, so a route added later is covered without
touching this file; a route that reads its body or query before checking the caller's role fails here.
"""
from __future__ import annotations

import json
import re
import uuid

import pytest

from chalicelib.domain.levels import Level
from chalicelib.domain.register import Practitioner
from chalicelib.handlers.schemas import PATH_PARAMETERS
from tests.api.conftest import JSON, auth, sign_up, staff_token
from tests.ids import unique_id

_PARAMETER = re.compile(r"\{(\w+)\}")


def _routes(prefix: str) -> list[tuple[str, str]]:
    from app import app
    return sorted((path, method) for path, entries in app.routes.items() if path.startswith(prefix)
                  for method in entries if method != "OPTIONS")


ADMIN_ROUTES = _routes("/admin/")
REVIEW_ROUTES = _routes("/review/")


def _concrete(path: str) -> str:
    """The path with each parameter filled with its documented example (any value for one without)."""
    return _PARAMETER.sub(lambda m: str(PATH_PARAMETERS.get(m.group(1), {}).get("example", "x")), path)


def _call(client, method: str, path: str, token: str | None):
    headers = auth(token) if token else dict(JSON)
    body = json.dumps({}) if method in ("POST", "PUT", "PATCH") else ""
    return client.http.request(method, _concrete(path), headers=headers, body=body)


@pytest.fixture(scope="module")
def callers(stack, open_window):
    """An applicant's and a reviewer's tokens, signed in through the API once for the module."""
    from chalice.test import Client

    from app import app
    from chalicelib import bootstrap
    from chalicelib.cli.environment import ROOT
    deps = bootstrap.deps()
    person = Practitioner(unique_id("17"), "周晓梅", f"Z{uuid.uuid4().int % 10**9:09d}", Level.ASSISTANT,
                          open_window.year - 1)
    deps.register.upsert_practitioners([person])
    with Client(app, stage_name="test", project_dir=str(ROOT)) as client:
        applicant, _ = sign_up(client, deps, person)
        yield {"applicant": applicant, "reviewer": staff_token(client, deps, admin=False)}


def test_the_matrix_finds_the_admin_and_review_routes():
    assert ("/admin/corrections", "GET") in ADMIN_ROUTES
    assert ("/review/applications/{application_id}/claim", "POST") in REVIEW_ROUTES


@pytest.mark.parametrize(("path", "method"), ADMIN_ROUTES)
def test_every_admin_route_answers_401_without_a_token(client, path, method):
    response = _call(client, method, path, None)
    assert response.status_code == 401, response.body
    assert response.json_body["error"]["code"] == "MISSING_TOKEN"


@pytest.mark.parametrize(("path", "method"), ADMIN_ROUTES)
@pytest.mark.parametrize("role", ["applicant", "reviewer"])
def test_every_admin_route_answers_403_to_an_applicant_and_to_a_reviewer(client, callers, path, method, role):
    response = _call(client, method, path, callers[role])
    assert response.status_code == 403, response.body
    assert response.json_body["error"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(("path", "method"), REVIEW_ROUTES)
def test_every_review_route_answers_403_to_an_applicant(client, callers, path, method):
    response = _call(client, method, path, callers["applicant"])
    assert response.status_code == 403, response.body
    assert response.json_body["error"]["code"] == "FORBIDDEN"
