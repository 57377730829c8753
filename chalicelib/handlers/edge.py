"""The HTTP edge: what a request must look like before a view works on it.

- `edge`: middleware that answers, in the API's error shape, what Chalice would
  otherwise answer in its own before any view runs: a method the path does not
  have (405), a content type the route does not take (415).
- `check_path_parameters`: a path parameter outside its format
  (`schemas.PATH_PARAMETERS`) is 404, so no malformed id reaches a key lookup.
  The edge applies it to public routes; on a route marked `@bearer` the guard
  applies it right after the token and role checks, so 401 and 403 come first.
- `json_object(request, schema)`: the body as a dict, at most 1 MB (413), nested
  at most 32 levels, without duplicate keys (400), with no field the schema does
  not name and no string or list beyond the schema's `maxLength`/`maxItems`
  (422). Types are checked by the commands (`domain/commands.py`), business rules by the domain.
- `bearer` / `is_secured`: the mark a view needing a token carries (read by the guard
  and the OpenAPI document).
- `source_ip(request)` and `now()`: the rest of what a handler reads off the request.

Nothing here recurses on the depth of untrusted input: the nesting depth is
measured by one linear scan before `json.loads` runs.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from itertools import accumulate
from typing import Any, Callable

from chalice import Chalice

from chalicelib import bootstrap
from chalicelib.domain.errors import NotFoundError, ValidationError
from chalicelib.domain.texts import error_message, reason
from chalicelib.handlers import schemas
from chalicelib.handlers.errors import BadRequestBodyError, PayloadTooLargeError, error_response, to_response

MAX_JSON_BYTES = 1_048_576
MAX_DEPTH = 32
# A JSON string literal, escapes included; an unterminated one runs to the end of the text
# (the optional closing quote keeps the scan linear: a match never fails after it starts).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


# --- middleware ---------------------------------------------------------------------------

def edge(app: Chalice) -> Callable:
    """HTTP middleware for `app`: 405, 415 and, on public routes, 404 for a malformed path parameter."""

    def check(request, get_response):
        if request.method == "OPTIONS":  # a CORS preflight (handlers/cors.py): it reads no body or parameter
            return get_response(request)
        methods = app.routes.get(request.path) or {}
        entry = methods.get(request.method)
        if entry is None:
            if not methods:  # not a path of ours
                return get_response(request)
            return error_response(405, "METHOD_NOT_ALLOWED", error_message("METHOD_NOT_ALLOWED"),
                                  {"allowed": sorted(methods)}, {"Allow": ", ".join(sorted(methods))})
        content_type = request.headers.get("content-type", "application/json")
        if entry.content_types and not _takes(content_type, entry.content_types):
            return error_response(415, "UNSUPPORTED_MEDIA_TYPE", error_message("UNSUPPORTED_MEDIA_TYPE"),
                                  {"content_type": content_type[:100], "accepted": entry.content_types})
        if not is_secured(entry.view_function):
            try:
                check_path_parameters(request)
            except NotFoundError as exc:
                return to_response(exc)
        return get_response(request)

    return check


def bearer(view: Callable) -> Callable:
    """Mark `view` as needing `Authorization: Bearer <token>`: it calls `guard.signed_in`, and the
    OpenAPI document shows bearer security with 401 and 403."""
    view.__bearer__ = True
    return view


def is_secured(view: Callable | None) -> bool:
    """Whether `view`, or a view it wraps, is marked with `@bearer`."""
    while view is not None:
        if getattr(view, "__bearer__", False):
            return True
        view = getattr(view, "__wrapped__", None)
    return False


def _path_rule(schema: dict) -> Callable[[str], bool]:
    if "enum" in schema:
        return frozenset(schema["enum"]).__contains__
    pattern = re.compile(schema["pattern"])
    return lambda value: pattern.fullmatch(value) is not None


_PATH_RULES = {name: _path_rule(schema) for name, schema in schemas.PATH_PARAMETERS.items()}


def check_path_parameters(request) -> None:
    """NotFoundError naming the first path parameter outside its documented format."""
    for name, value in (request.uri_params or {}).items():
        rule = _PATH_RULES.get(name)
        if rule is not None and not rule(value):
            raise NotFoundError(details={name: reason("PATH_PARAMETER_MALFORMED")})


def _takes(content_type: str, accepted: list[str]) -> bool:
    """Whether a Content-Type header names one of `accepted` (parameters such as charset ignored).
    At least as strict as Chalice's own check, so Chalice never answers 415 in its shape."""
    parts = {part.strip() for part in re.split("[,;]", content_type.lower())}
    wanted = {kind.lower() for kind in accepted}
    return "*/*" in wanted or "*/*" in parts or bool(parts & wanted)


# --- the body -----------------------------------------------------------------------------

def json_object(request, schema: dict, *, refuse_unknown: bool = True) -> dict[str, Any]:
    """The body as a dict (an empty body is `{}`), checked against `schema`'s field names
    and size limits. With `refuse_unknown=False` fields the schema does not name are left
    for the caller to report (the application form names them with its other problems)."""
    raw = request.raw_body or b""
    if len(raw) > MAX_JSON_BYTES:
        raise PayloadTooLargeError(details={"max_bytes": MAX_JSON_BYTES}, max_kb=MAX_JSON_BYTES // 1024)
    if not raw.strip():
        return {}
    body = _parse(raw)
    if not isinstance(body, dict):
        raise BadRequestBodyError(details={"body": reason("BODY_NOT_AN_OBJECT")})
    _check_against(body, schema, refuse_unknown)
    return body


def _parse(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise BadRequestBodyError(details={"body": reason("BODY_NOT_UTF8")}) from None
    if nests_deeper_than(text, MAX_DEPTH):
        raise BadRequestBodyError(details={"body": reason("BODY_TOO_DEEP", max_depth=MAX_DEPTH)})
    try:
        body = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
        # A lone surrogate escape ("\ud800") parses, but no UTF-8 store or SMS can hold it.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
        return body
    except UnicodeEncodeError:
        raise BadRequestBodyError(details={"body": reason("BODY_BAD_UNICODE")}) from None
    except _Refused as exc:
        raise BadRequestBodyError(details={"body": exc.reason}) from None
    except json.JSONDecodeError as exc:
        where = {"line": exc.lineno, "column": exc.colno}
        raise BadRequestBodyError(details={"body": reason("BODY_BAD_JSON_AT", **where)}) from None
    except ValueError:  # e.g. an integer literal longer than Python converts
        raise BadRequestBodyError(details={"body": reason("BODY_BAD_JSON")}) from None


def nests_deeper_than(text: str, limit: int) -> bool:
    """Whether arrays and objects in `text` nest deeper than `limit`, by linear scans with
    string literals removed first (brackets inside strings do not count). Exact for valid
    JSON; for invalid JSON it counts at least the depth a parser reaches before failing."""
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", text))
    if brackets.count("[") + brackets.count("{") <= limit:
        return False
    return max(accumulate(1 if ch in "[{" else -1 for ch in brackets)) > limit


class _Refused(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(reason("BODY_DUPLICATE_KEY", key=key[:40]))
        result[key] = value
    return result


def _no_constant(name: str) -> None:
    raise _Refused(reason("BODY_CONSTANT", name=name))


def _check_against(body: dict, schema: dict, refuse_unknown: bool) -> None:
    unknown: list[str] = []
    too_large: dict[str, str] = {}
    _walk(body, schema, "", unknown if refuse_unknown else None, too_large)
    if unknown:
        raise ValidationError(code="UNKNOWN_FIELDS",
                              details={name: reason("FIELD_NOT_SUPPORTED") for name in unknown[:20]})
    if too_large:
        raise ValidationError(code="FIELD_TOO_LARGE", details=too_large)


def _walk(value: Any, schema: dict, path: str, unknown: list[str] | None, too_large: dict[str, str]) -> None:
    """Collect the fields of `value` that `schema` does not name and the strings and lists over
    its limits. A value of another type than the schema's is left to the type checks behind
    the edge; the walk descends only where the schema does, so it is as deep as the schema."""
    schema = _alternative_for(value, schema)
    if isinstance(value, str):
        limit = schema.get("maxLength")
        if limit is not None and len(value) > limit:
            too_large[path] = reason("FIELD_TOO_LONG", limit=limit)
    elif isinstance(value, list):
        limit = schema.get("maxItems")
        if limit is not None and len(value) > limit:
            too_large[path] = reason("FIELD_TOO_MANY_ITEMS", limit=limit)
        elif "items" in schema:
            for index, item in enumerate(value):
                _walk(item, schema["items"], f"{path}[{index}]", unknown, too_large)
    elif isinstance(value, dict) and "properties" in schema:
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key in schema["properties"]:
                _walk(item, schema["properties"][key], where, unknown, too_large)
            elif schema.get("additionalProperties") is False and unknown is not None:
                unknown.append(where[:100])


_JSON_TYPES = {str: "string", list: "array", dict: "object", bool: "boolean", int: "number", float: "number"}


def _alternative_for(value: Any, schema: dict) -> dict:
    """The `oneOf`/`anyOf` branch describing `value`'s JSON type (the schema itself otherwise)."""
    branches = schema.get("oneOf") or schema.get("anyOf")
    if not branches:
        return schema
    kind = _JSON_TYPES.get(type(value))
    return next((b for b in branches if b.get("type") == kind or (kind == "number" and b.get("type") == "integer")),
                {})


# --- the rest of the request --------------------------------------------------------------

def source_ip(request) -> str:
    return (request.context.get("identity") or {}).get("sourceIp") or "unknown"


def now() -> datetime:
    """The request's time, from the `Clock` port: the one place handlers read time (services take
    it as an argument, so one request sees one instant)."""
    return bootstrap.deps().clock.now()
