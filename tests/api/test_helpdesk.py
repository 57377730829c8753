"""The helpdesk search and the audit listing through the API (issue 17 items 5 and 10): search by each
kind of key, an absent key answers an empty list, admins see the register row unmasked, every search is
audited with a masked summary, reviewers and applicants are refused; the audit is listed by subject, by
actor, both, or whole, newest first, behind sealed cursors."""
from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest

from chalicelib.domain.certificates import Certificate
from chalicelib.domain.levels import Level
from chalicelib.domain.mailing import Mailing
from chalicelib.domain.register import Practitioner, Registration
from chalicelib.services import certificates as certificate_service
from chalicelib.services import helpdesk as helpdesk_service
from chalicelib.services import staff
from tests.api.conftest import JSON, auth, sign_up
from tests.ids import unique_id

CJK = re.compile(r"[\u4e00-\u9fff]")


def _staff(client, deps, *, admin: bool = True) -> tuple[str, str]:
    """A new admin (or reviewer) signed in through the API: (token, username)."""
    username = f"hd{uuid.uuid4().hex[:8]}"
    staff.add_staff(deps, username, "helpdesk-pass1", admin=admin, now=datetime.now(timezone.utc))
    response = client.http.post("/auth/login", headers=JSON,
                                body=json.dumps({"username": username, "password": "helpdesk-pass1"}))
    assert response.status_code == 200, response.body
    return response.json_body["token"], username


def _search(client, token, q):
    return client.http.get(f"/admin/search?q={quote(q)}", headers=auth(token))


def _audit(client, token, **query):
    path = "/admin/audit" + ("?" + "&".join(f"{k}={quote(v)}" for k, v in query.items()) if query else "")
    return client.http.get(path, headers=auth(token))


@pytest.fixture
def holder(client, deps, person, open_window):
    """The `person` signed up, with a draft, an old registration and a mailed e-certificate."""
    token, phone = sign_up(client, deps, person)
    draft = client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "first"}))
    assert draft.status_code == 201, draft.body
    old_no, new_no = f"OLD{uuid.uuid4().hex[:8].upper()}", f"HD{uuid.uuid4().hex[:10].upper()}"
    deps.register.upsert_registrations([Registration(person.id_number, open_window.year - 9, old_no)])
    now = datetime.now(timezone.utc)
    certificate = Certificate(new_no, person.id_number, draft.json_body["application_id"], person.name,
                              person.certificate_no, person.level, open_window.year, open_window.year + 3, now,
                              "p.pdf", "p.png")
    assert deps.certificates.add(certificate)
    deps.mailings.add(Mailing.start(registration_no=new_no, application_id=certificate.application_id,
                                    id_number=person.id_number, window_year=open_window.year, level=person.level,
                                    recipient=person.name, phone=phone, address="北京市西城区某街1号",
                                    postal_code="100032", notify_phone=phone, now=now))
    return {"token": token, "phone": phone, "old_no": old_no, "new_no": new_no,
            "application_id": draft.json_body["application_id"]}


@pytest.mark.parametrize("key", ["id_number", "phone", "registration_no", "old_registration_no", "certificate_no"])
def test_an_admin_finds_a_person_by_each_key_with_the_register_row_unmasked(client, deps, person, holder, key):
    token, _ = _staff(client, deps)
    q = {"id_number": person.id_number, "phone": holder["phone"], "registration_no": holder["new_no"],
         "old_registration_no": holder["old_no"], "certificate_no": person.certificate_no}[key]
    response = _search(client, token, q)
    assert response.status_code == 200, response.body
    found = response.json_body
    assert found["truncated"] is False and found["kinds"]
    assert all(CJK.search(kind["kind_name"]) for kind in found["kinds"])
    [item] = found["items"]
    assert item["id_number"] == person.id_number
    assert item["register"]["id_number"] == person.id_number and item["register"]["name"] == person.name
    assert item["register"]["certificate_no"] == person.certificate_no
    assert item["account"]["phone"] == holder["phone"] and item["account"]["disabled"] is False
    assert "password_hash" not in item["account"]
    assert [a["application_id"] for a in item["applications"]] == [holder["application_id"]]
    assert item["applications"][0]["status"] == "draft"
    assert {r["registration_no"] for r in item["registrations"]} == {holder["old_no"]}
    [certificate] = item["certificates"]
    assert certificate["registration_no"] == holder["new_no"]
    assert certificate["mailing"]["state"] == "to_print" and CJK.search(certificate["mailing"]["state_name"])


def test_a_search_by_exact_name_finds_every_namesake(client, deps, open_window):
    name = "".join(chr(0x4E00 + uuid.uuid4().int % 20000) for _ in range(3))
    people = [Practitioner(unique_id("13"), name, f"Z{uuid.uuid4().int % 10**9:09d}", Level.ASSISTANT, 2018)
              for _ in range(2)]
    deps.register.upsert_practitioners(people)
    token, _ = _staff(client, deps)
    found = _search(client, token, name).json_body
    assert sorted(item["id_number"] for item in found["items"]) == sorted(p.id_number for p in people)
    assert all(item["matched_by"] == ["name"] and item["account"] is None for item in found["items"])


@pytest.mark.parametrize("q", [unique_id("19"), "13900000000", "BJ1999000001", "从未有过"])
def test_a_key_nobody_has_answers_an_empty_list_not_an_error(client, deps, q):
    token, _ = _staff(client, deps)
    response = _search(client, token, q)
    assert response.status_code == 200, response.body
    assert response.json_body["items"] == [] and response.json_body["truncated"] is False


@pytest.mark.parametrize("q", ["", "   ", "周" * 65, "!!!"])
def test_an_empty_overlong_or_unrecognisable_query_is_422_in_the_api_shape(client, deps, q):
    token, _ = _staff(client, deps)
    response = _search(client, token, q)
    assert response.status_code == 422, response.body
    error = response.json_body["error"]
    assert error["code"] == "SEARCH_QUERY_INVALID"
    assert CJK.search(error["message"]) and CJK.search(error["details"]["q"])


def test_a_search_without_q_is_422(client, deps):
    token, _ = _staff(client, deps)
    response = client.http.get("/admin/search", headers=auth(token))
    assert response.status_code == 422 and "q" in response.json_body["error"]["details"]


def test_every_search_is_audited_with_the_query_masked(client, deps, person, holder):
    token, username = _staff(client, deps)
    _search(client, token, person.id_number)
    _search(client, token, holder["phone"])
    listed = _audit(client, token, subject=f"search#{username}").json_body["items"]
    assert [entry["actor"] for entry in listed] == [username, username]
    summaries = " ".join(entry["action"] for entry in listed)
    assert person.id_number not in summaries and holder["phone"] not in summaries
    assert f"{person.id_number[:6]}********{person.id_number[-4:]}" in summaries
    assert f"{holder['phone'][:3]}****{holder['phone'][-4:]}" in summaries
    assert all(entry["action"].endswith(": 1 found") for entry in listed)
    assert all(entry["subject"] == f"search#{username}" for entry in listed)


def test_reviewers_and_applicants_are_refused_both_routes_and_nobody_unsigned(client, deps, person):
    reviewer, _ = _staff(client, deps, admin=False)
    applicant, _ = sign_up(client, deps, person)
    for path in (f"/admin/search?q={person.id_number}", "/admin/audit"):
        for token in (reviewer, applicant):
            response = client.http.get(path, headers=auth(token))
            assert response.status_code == 403, response.body
            assert response.json_body["error"]["code"] == "FORBIDDEN"
        assert client.http.get(path, headers=JSON).status_code == 401


def test_the_audit_lists_a_subject_an_actor_both_or_everything_newest_first_in_pages(client, deps, monkeypatch):
    token, username = _staff(client, deps)
    monkeypatch.setattr(helpdesk_service, "AUDIT_PAGE_SIZE", 2)
    subject, other = str(uuid.uuid4()), str(uuid.uuid4())
    colleague = f"hd{uuid.uuid4().hex[:8]}"
    # Newer than any other test's entries (the suite shares one DynamoDB Local), so the whole log starts here.
    start = datetime(9999, 6, 1, tzinfo=timezone.utc) + timedelta(minutes=uuid.uuid4().int % 100_000)
    for minute, (where, who) in enumerate([(subject, colleague), (other, colleague), (subject, username),
                                           (subject, colleague), (other, colleague)]):
        deps.audit.record(where, who, f"step {minute}", start + timedelta(minutes=minute))

    def every_page(**query):
        pages, cursor = [], None
        while True:
            response = _audit(client, token, **query, **({"cursor": cursor} if cursor else {}))
            assert response.status_code == 200, response.body
            pages.append([entry["action"] for entry in response.json_body["items"]])
            if (cursor := response.json_body["cursor"]) is None:
                return pages
            assert subject not in cursor and colleague not in cursor
    assert every_page(subject=subject) == [["step 3", "step 2"], ["step 0"]]
    assert every_page(actor=colleague) == [["step 4", "step 3"], ["step 1", "step 0"]]
    assert every_page(subject=subject, actor=colleague) == [["step 3", "step 0"]]
    first = _audit(client, token).json_body
    assert [entry["action"] for entry in first["items"]] == ["step 4", "step 3"]
    assert set(first["items"][0]) == {"at", "actor", "subject", "action"}
    assert first["cursor"]


def test_a_forged_or_foreign_audit_cursor_is_400_bad_cursor(client, deps, monkeypatch):
    token, username = _staff(client, deps)
    other_admin, _ = _staff(client, deps)
    monkeypatch.setattr(helpdesk_service, "AUDIT_PAGE_SIZE", 1)
    actor = f"hd{uuid.uuid4().hex[:8]}"
    now = datetime.now(timezone.utc)
    for minute in range(3):
        deps.audit.record(str(uuid.uuid4()), actor, "viewed", now + timedelta(minutes=minute))
    cursor = _audit(client, token, actor=actor).json_body["cursor"]
    assert cursor
    for who, query in ((token, {"actor": actor, "cursor": cursor[:-2]}),
                       (token, {"actor": actor, "cursor": "x" * 2000}),
                       (other_admin, {"actor": actor, "cursor": cursor}),  # another admin's
                       (token, {"actor": username, "cursor": cursor}),  # another listing's
                       (token, {"cursor": cursor})):
        response = _audit(client, who, **query)
        assert response.status_code == 400, (query, response.body)
        assert response.json_body["error"]["code"] == "BAD_CURSOR"
    assert _audit(client, token, actor=actor, cursor=cursor).status_code == 200


def test_an_overlong_audit_filter_is_422(client, deps):
    token, _ = _staff(client, deps)
    response = _audit(client, token, subject="x" * 201)
    assert response.status_code == 422
    assert response.json_body["error"]["code"] == "AUDIT_QUERY_INVALID"


def test_staff_file_views_and_revocations_appear_in_the_listing_by_actor_and_by_subject(client, deps, person,
                                                                                        holder):
    from tests.api.test_review import _submitted
    token, username = _staff(client, deps)
    reviewer, reviewer_name = _staff(client, deps, admin=False)
    # Drafts are never shown to staff: the file looked at is another person's submitted application.
    someone = Practitioner(unique_id("16"), "周晓梅", f"Z{uuid.uuid4().int % 10**9:09d}", Level.ASSISTANT,
                           person.qualification_year)
    deps.register.upsert_practitioners([someone])
    _, app_id = _submitted(client, deps, someone)
    assert client.http.get(f"/review/applications/{app_id}", headers=auth(reviewer)).status_code == 200
    certificate_service.revoke(deps, holder["new_no"], "证书信息有误", username, datetime.now(timezone.utc))

    by_reviewer = _audit(client, token, actor=reviewer_name).json_body["items"]
    assert [(e["subject"], e["action"]) for e in by_reviewer] == [(app_id, "viewed")]
    revoked = _audit(client, token, subject=f"certificate#{holder['new_no']}").json_body["items"]
    assert [(e["actor"], e["action"]) for e in revoked] == [(username, "revoke: 证书信息有误")]
    newest = _audit(client, token, actor=username).json_body["items"]
    assert newest[0]["subject"] == f"certificate#{holder['new_no']}"


def test_a_correction_decision_appears_under_its_admin(client, deps, holder):
    token, username = _staff(client, deps)
    asked = client.http.post("/me/corrections", headers=auth(holder["token"]), body=json.dumps(
        {"field": "name", "proposed_value": "周晓玫", "note": "名册中名字错了一个字"}))
    assert asked.status_code == 201, asked.body
    correction_id = asked.json_body["correction_id"]
    decided = client.http.post(f"/admin/corrections/{correction_id}/decision", headers=auth(token),
                               body=json.dumps({"outcome": "decline", "note": "与身份证一致，无需更正"}))
    assert decided.status_code == 200, decided.body
    [entry] = _audit(client, token, actor=username).json_body["items"]
    assert entry["subject"] == f"correction#{correction_id}" and entry["action"].startswith("correction declined")
