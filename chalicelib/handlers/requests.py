"""Reading request bodies: JSON objects only, size-capped, never a 500 for junk."""
from __future__ import annotations

import json
from typing import Any

from chalicelib.handlers.errors import BadRequestBodyError, PayloadTooLargeError

MAX_JSON_BYTES = 1_048_576


def json_object(request) -> dict[str, Any]:
    """The body as a dict; an empty body is `{}`."""
    raw = request.raw_body or b""
    if len(raw) > MAX_JSON_BYTES:
        raise PayloadTooLargeError("请求内容超过1MB", details={"max_bytes": MAX_JSON_BYTES})
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequestBodyError("请求内容不是有效的JSON", details={"body": str(exc)[:200]}) from None
    if not isinstance(body, dict):
        raise BadRequestBodyError("请求内容必须是JSON对象", details={"body": type(body).__name__})
    return body
