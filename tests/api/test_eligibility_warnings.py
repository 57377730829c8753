"""GET /me/eligibility warnings and POST /applications {acknowledge_warnings}."""
from __future__ import annotations

import json

from chalicelib.domain import texts
from tests.api.conftest import auth, sign_up


def _types(client, token) -> dict:
    body = client.http.get("/me/eligibility", headers=auth(token)).json_body
    return {t["type"]: t for t in body["types"]}


def test_a_reissue_while_the_renewal_is_due_carries_a_warning(client, deps, renewer, open_window):
    token, _ = sign_up(client, deps, renewer)
    types = _types(client, token)
    reissue = types["reissue"]
    assert reissue["eligible"] is True and reissue["warning_codes"] == ["REISSUE_WHILE_DUE"]
    assert reissue["warnings"] == [texts.eligibility_warning("REISSUE_WHILE_DUE", due_type="再登记",
                                                             until=open_window.year)]
    assert all(t["warnings"] == [] for kind, t in types.items() if kind != "reissue")


def test_a_first_registrant_sees_no_warnings(client, deps, person):
    token, _ = sign_up(client, deps, person)
    assert all(t["warnings"] == [] for t in _types(client, token).values())


def test_an_unacknowledged_warning_is_refused_with_its_text_and_nothing_is_created(client, deps, renewer):
    token, _ = sign_up(client, deps, renewer)
    warning = _types(client, token)["reissue"]["warnings"][0]
    for body in ({"type": "reissue"}, {"type": "reissue", "acknowledge_warnings": False}):
        refused = client.http.post("/applications", headers=auth(token), body=json.dumps(body))
        assert refused.status_code == 422, refused.body
        error = refused.json_body["error"]
        assert error["code"] == "WARNING_NOT_ACKNOWLEDGED"
        assert warning in error["message"] and error["details"] == {"acknowledge_warnings": warning}
    assert client.http.get("/applications", headers=auth(token)).json_body["items"] == []
    created = client.http.post("/applications", headers=auth(token),
                               body=json.dumps({"type": "reissue", "acknowledge_warnings": True}))
    assert created.status_code == 201, created.body
    assert created.json_body["type"] == "reissue"


def test_a_non_boolean_acknowledgement_is_a_422_naming_the_field(client, deps, renewer):
    token, _ = sign_up(client, deps, renewer)
    for bad in ("true", 1, None, ["yes"]):
        refused = client.http.post("/applications", headers=auth(token),
                                   body=json.dumps({"type": "reissue", "acknowledge_warnings": bad}))
        assert refused.status_code == 422, (bad, refused.body)
        assert set(refused.json_body["error"]["details"]) == {"acknowledge_warnings"}
    assert client.http.get("/applications", headers=auth(token)).json_body["items"] == []


def test_an_acknowledgement_on_a_type_without_warnings_changes_nothing(client, deps, renewer):
    token, _ = sign_up(client, deps, renewer)
    created = client.http.post("/applications", headers=auth(token),
                               body=json.dumps({"type": "renewal", "acknowledge_warnings": True}))
    assert created.status_code == 201, created.body
