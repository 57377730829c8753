"""The helpdesk's routes (SPEC §3 Admin): the exact search and the audit listing."""
from __future__ import annotations

import json

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.domain.accounts import Role
from chalicelib.domain.helpdesk_search import AUDIT_FILTER_MAX_LENGTH, MAX_QUERY_LENGTH, AuditQuery, SearchQuery
from chalicelib.handlers import cursors, helpdesk_views
from chalicelib.handlers.edge import now
from chalicelib.handlers.guard import bearer, signed_in
from chalicelib.handlers.openapi import doc
from chalicelib.handlers.routing import current_request
from chalicelib.handlers.schemas import BOOL, NULLABLE_STR, STR, obj, text
from chalicelib.services import helpdesk as service

helpdesk = Blueprint(__name__)
TAGS = ("admin",)
AUDIT_ROUTE = "GET /admin/audit"
SEARCH_QUERY = {"q": text(MAX_QUERY_LENGTH, example="110101199003077715")}
AUDIT_QUERY = {"subject": text(AUDIT_FILTER_MAX_LENGTH), "actor": text(AUDIT_FILTER_MAX_LENGTH),
               "cursor": cursors.QUERY_SCHEMA}
_ANY = {"type": "object"}
SEARCH_RESULT = obj({"kinds": {"type": "array", "items": obj({"kind": STR, "kind_name": STR})},
                     "items": {"type": "array", "items": _ANY}, "truncated": BOOL},
                    ("kinds", "items", "truncated"))
AUDIT_PAGE = obj({"items": {"type": "array", "items": obj({"at": STR, "actor": STR, "subject": STR, "action": STR})},
                  "cursor": NULLABLE_STR}, ("items", "cursor"))


def _admin():
    return signed_in(current_request(), Role.ADMIN)


def _query() -> dict:
    return dict(current_request().query_params or {})


@helpdesk.route("/admin/search", methods=["GET"])
@bearer
@doc("Exact search by ID number, certificate management number, registration number, phone or name: "
     "each person's register row (unmasked), account, applications, certificates and mailings. Nobody "
     "found is an empty list. At most 20 people (`truncated` says there were more). Every search is audited",
     response=SEARCH_RESULT, query=SEARCH_QUERY, errors=(422,), tags=TAGS)
def search():
    me = _admin()
    at = now()
    result = service.search(bootstrap.deps(), me, SearchQuery.from_query(_query()), at)
    return helpdesk_views.search_result(result, at)


@helpdesk.route("/admin/audit", methods=["GET"])
@bearer
@doc("The audit log, newest first: a subject's entries, an actor's, both (the subject's entries by "
     "that actor), or every entry; `cursor` from the answer fetches the next page",
     response=AUDIT_PAGE, query=AUDIT_QUERY, errors=(400, 422), tags=TAGS)
def audit():
    me = _admin()
    query = AuditQuery.from_query(_query())
    # A cursor pages one listing: the filters are bound into its tag (never carried in it).
    route = f"{AUDIT_ROUTE} {json.dumps([query.subject, query.actor], ensure_ascii=False)}"
    position = cursors.opened(current_request(), route=route, caller=me.account_id)
    page = service.audit_page(bootstrap.deps(), query, position)
    return {"items": [helpdesk_views.audit_entry(entry) for entry in page.items],
            "cursor": cursors.sealed(page.position, route=route, caller=me.account_id)}
