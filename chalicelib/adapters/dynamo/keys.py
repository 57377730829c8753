"""Key helpers shared by the repositories: sortable timestamps and opaque page cursors."""
from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timezone

from chalicelib.domain.errors import ValidationError


def sortable(moment: datetime) -> str:
    """UTC, fixed width: sort keys must order as the instants do."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def encode_cursor(key: dict | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def decode_cursor(cursor: str | None) -> dict | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    if not isinstance(key, dict):
        raise ValidationError("bad cursor", details={"cursor": "翻页参数无效"})
    return key
