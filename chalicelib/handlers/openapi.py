"""The OpenAPI 3 document, built from the app's own routes and each view's `@doc`.

A route whose view has no `@doc` is left out of the document — and a test
fails, so the document cannot fall behind the routes. A view marked `@bearer`
(edge.py) is documented with bearer security and its 401/403 answers; path
parameters carry their formats from `schemas.PATH_PARAMETERS`.
"""
from __future__ import annotations

from typing import Any, Callable

from chalicelib.handlers.edge import is_secured
from chalicelib.handlers.schemas import PATH_PARAMETERS

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message", "details"],
        "properties": {
            "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
            "message": {"type": "string"},
            "details": {"type": "object"},
        },
    }},
}
_ERRORS = {"400": "bad JSON", "401": "no or bad token", "403": "wrong role or not yours",
           "404": "unknown, not yours, or an id in the wrong format", "409": "state conflict",
           "413": "body too large", "415": "not JSON",
           "422": "rule or validation failure (details name each field and its limit)", "429": "rate limited"}


def doc(summary: str, *, response: dict | None = None, status: int = 200,
        request: dict | None = None, errors: tuple[int, ...] = (), tags: tuple[str, ...] = (),
        query: dict[str, dict] | None = None, media: dict[str, dict] | None = None) -> Callable:
    """Describe a view for the OpenAPI document (schemas are JSON Schema dicts). `media`: other
    media types the success may be answered in (by the request's Accept), with their schemas."""
    def attach(view):
        view.__openapi__ = {"summary": summary, "response": response or {"type": "object"},
                            "status": status, "request": request, "errors": errors,
                            "tags": tags, "query": query or {}, "media": media or {}}
        return view
    return attach


def described(view) -> dict[str, Any] | None:
    while view is not None:
        if hasattr(view, "__openapi__"):
            return view.__openapi__
        view = getattr(view, "__wrapped__", None)
    return None


def document(app) -> dict[str, Any]:
    paths: dict[str, dict] = {}
    for path, methods in sorted(app.routes.items()):
        for method, entry in sorted(methods.items()):
            meta = described(entry.view_function)
            if meta is None:
                continue
            paths.setdefault(path, {})[method.lower()] = _operation(entry, meta)
    return {
        "openapi": "3.0.3",
        "info": {"title": "swreg — 社工证书登记服务", "version": "1.0.0",
                 "description": "Beijing social-worker certificate registration backend (SPEC §3)."},
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def _operation(entry, meta: dict[str, Any]) -> dict[str, Any]:
    error_ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    codes = set(meta["errors"])
    secured = is_secured(entry.view_function)
    if meta["request"] is not None:
        codes |= {400, 413, 415, 422}
    if entry.view_args:
        codes |= {404}
    if secured:
        codes |= {401, 403}
    success: dict[str, Any] = {"description": meta["summary"]}
    if meta["status"] != 204:  # No Content: no body to describe
        success["content"] = {"application/json": {"schema": meta["response"]},
                              **{kind: {"schema": schema} for kind, schema in meta.get("media", {}).items()}}
    responses = {str(meta["status"]): success}
    responses.update({str(c): {"description": _ERRORS[str(c)], **error_ref} for c in sorted(codes)})
    if "429" in responses:
        responses["429"]["headers"] = {"Retry-After": {"description": "seconds until a retry may succeed",
                                                       "schema": {"type": "integer"}}}
    operation: dict[str, Any] = {"operationId": entry.view_name, "summary": meta["summary"],
                                 "tags": list(meta["tags"]), "responses": responses}
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": PATH_PARAMETERS.get(name, {"type": "string"})} for name in entry.view_args]
    parameters += [{"name": name, "in": "query", "required": False, "schema": schema}
                   for name, schema in meta["query"].items()]
    if parameters:
        operation["parameters"] = parameters
    if meta["request"] is not None:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": meta["request"]}}}
    if secured:
        operation["security"] = [{"bearer": []}]
    return operation
