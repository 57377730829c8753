"""CORS: which browser front ends may read the API's answers (SPEC §3).

Chalice's own CORS names one fixed origin per route and answers preflights itself
in API Gateway, so it cannot allow a list of origins. Here the middleware echoes
the request's `Origin` when the settings allow it, on every answer — errors too,
or a browser would hide their message — and every path has an OPTIONS view that
answers the preflight. A disallowed origin gets the same answers without the
headers, so its pages cannot read them. No `*` and no credentials: the API is
called with a bearer token, never with cookies.
"""
from __future__ import annotations

from typing import Callable

from chalice import Response

from chalicelib.handlers.routing import current_request, served

REQUEST_HEADERS = "Authorization, Content-Type, Accept"
# What a page may read beyond the simple headers: the wait of a 429/503, a download's file name.
EXPOSED_HEADERS = "Retry-After, Content-Disposition"
PREFLIGHT_MAX_AGE = "600"


def cors(allowed_origins: Callable[[], frozenset[str]]) -> Callable:
    """HTTP middleware adding the CORS headers for an allowed `Origin` to every answer."""

    def add_headers(request, get_response):
        response = get_response(request)
        headers = response.headers
        headers["Vary"] = ", ".join(filter(None, (headers.get("Vary"), "Origin")))
        origin = request.headers.get("origin")
        if origin and origin in allowed_origins():
            headers["Access-Control-Allow-Origin"] = origin
            headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response

    return add_headers


def preflight(**_path_parameters: str) -> Response:
    """The answer to a browser's OPTIONS: the path's methods and the headers a page may send. The
    middleware adds the origin, or leaves it out and the browser stops there."""
    request = current_request()
    methods = sorted(set(served().routes.get(request.path, {})) | {"OPTIONS"})
    return Response(body="", status_code=204, headers={
        "Access-Control-Allow-Methods": ", ".join(methods),
        "Access-Control-Allow-Headers": REQUEST_HEADERS,
        "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
    })
