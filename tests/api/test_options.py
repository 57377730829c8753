"""GET /options: the form's district and education lists, public; and GET /me's CE progress."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from chalicelib.domain.identity import BEIJING_DISTRICTS
from chalicelib.domain.options import Education
from chalicelib.domain.register import CeRecord
from tests.api.conftest import auth, sign_up


def test_the_options_are_public_and_list_the_16_districts_and_the_education_levels(client):
    response = client.http.get("/options")
    assert response.status_code == 200
    body = response.json_body
    assert [d["value"] for d in body["districts"]] == list(BEIJING_DISTRICTS)
    assert len(body["districts"]) == 16 and body["districts"][7] == {"value": "房山区", "label": "房山区"}
    assert [e["value"] for e in body["education"]] == [e.value for e in Education]
    assert {"value": "bachelor", "label": "大学本科"} in body["education"]


def test_the_form_takes_every_listed_value_and_refuses_any_other(client, deps, person):
    token, _ = sign_up(client, deps, person)
    app_id = client.http.post("/applications", headers=auth(token),
                              body=json.dumps({"type": "first"})).json_body["application_id"]
    options = client.http.get("/options").json_body
    for district, education in zip(options["districts"], options["education"] * 3):
        saved = client.http.patch(f"/applications/{app_id}", headers=auth(token), body=json.dumps(
            {"district": district["value"], "education": education["value"]}))
        assert saved.status_code == 200, saved.body
        assert (saved.json_body["fields"]["district"], saved.json_body["fields"]["education"]) == (
            district["value"], education["value"])
    refused = client.http.patch(f"/applications/{app_id}", headers=auth(token),
                                body=json.dumps({"education": "本科", "district": "浦东新区"}))
    assert refused.status_code == 422
    assert set(refused.json_body["error"]["details"]) == {"education", "district"}
    kept = client.http.get(f"/applications/{app_id}", headers=auth(token)).json_body["fields"]
    assert (kept["district"], kept["education"]) == (district["value"], education["value"])


def test_me_shows_the_ce_hours_of_the_current_cycle_against_the_level(client, deps, renewer, open_window):
    last = open_window.year - 3
    deps.register.upsert_ce_records([
        CeRecord(renewer.id_number, date(last, 5, 1), Decimal(40), "上一周期的课程", "北京社工协会"),
        CeRecord(renewer.id_number, date(last + 1, 5, 1), Decimal("58"), "社会工作伦理", "北京社工协会")])
    token, _ = sign_up(client, deps, renewer)
    me = client.http.get("/me", headers=auth(token)).json_body
    assert me["ce"] == {"hours": "58", "required": 90, "cycle_start_year": last + 1, "display": "58/90"}
    assert me["ce_hours_on_record"] == "98"


def test_someone_never_registered_sees_no_cycle_yet(client, deps, person):
    token, _ = sign_up(client, deps, person)
    ce = client.http.get("/me", headers=auth(token)).json_body["ce"]
    assert (ce["hours"], ce["required"], ce["cycle_start_year"], ce["display"]) == ("0", 72, None, "0/72")
    assert ce["note"]
