"""Reading request bodies: JSON objects only, size-capped, never a 500 for junk."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from chalicelib.domain.errors import ValidationError
from chalicelib.handlers.errors import BadRequestBodyError, PayloadTooLargeError

MAX_JSON_BYTES = 1_048_576


def json_object(request, allowed: frozenset[str] | None = None) -> dict[str, Any]:
    """The body as a dict (an empty body is `{}`); with `allowed`, any other key is refused."""
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
    unknown = sorted(set(body) - allowed) if allowed is not None else []
    if unknown:
        raise ValidationError("unknown fields", details={name: "不支持的字段" for name in unknown})
    return body


def source_ip(request) -> str:
    return (request.context.get("identity") or {}).get("sourceIp") or "unknown"


def now() -> datetime:
    """The request's clock: the one place handlers read time (services take it as an argument)."""
    return datetime.now(timezone.utc)
