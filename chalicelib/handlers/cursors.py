"""Page cursors at the HTTP edge: a repository's page position, sealed for one route and one caller.

A cursor is base64url(tag ‖ position). The position is a sort-key value (a
time and an opaque id, see `domain.ports.Page`), so a cursor carries no
personal data. The tag is HMAC-SHA256, truncated to 16 bytes, over the route,
the caller's account id and the position, under `Deps.keys.cursors`. Route and
caller are bound, not carried: a cursor replayed on another route, or by another
account, fails the check exactly as a forged one does. Anything that does not
verify — too long, not base64url, truncated, altered, someone else's — is
400 BAD_CURSOR, decided before any of it is used; length is checked before
anything is decoded.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re

from chalicelib import bootstrap
from chalicelib.handlers.errors import BadCursorError

MAX_CHARS = 1024
TAG_BYTES = 16
QUERY_SCHEMA = {"type": "string", "maxLength": MAX_CHARS, "pattern": "^[A-Za-z0-9_-]*$"}
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def _tag(key: bytes, route: str, caller: str, position: bytes) -> bytes:
    bound = json.dumps([route, caller], ensure_ascii=False).encode() + b"\n" + position
    return hmac.new(key, bound, hashlib.sha256).digest()[:TAG_BYTES]


def seal(position: str | None, *, route: str, caller: str, key: bytes) -> str | None:
    """The client's cursor for `position` (None stays None: there is no next page)."""
    if position is None:
        return None
    raw = position.encode()
    return base64.urlsafe_b64encode(_tag(key, route, caller, raw) + raw).rstrip(b"=").decode("ascii")


def unseal(cursor: str | None, *, route: str, caller: str, key: bytes) -> str | None:
    """The position sealed in `cursor` (an absent or empty cursor is the first page).
    Raises BadCursorError unless this route sealed it for this caller."""
    if not cursor:
        return None
    if len(cursor) > MAX_CHARS or not _BASE64URL.fullmatch(cursor):
        raise BadCursorError()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise BadCursorError() from None
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != cursor:
        raise BadCursorError()  # only the one spelling we issue: no character of a cursor is spare
    tag, position = raw[:TAG_BYTES], raw[TAG_BYTES:]
    if not position or not hmac.compare_digest(tag, _tag(key, route, caller, position)):
        raise BadCursorError()
    return position.decode()  # sealed by us from a str: valid UTF-8


def opened(request, *, route: str, caller: str, param: str = "cursor") -> str | None:
    """The position in the request's `?<param>=`, checked against this route and caller."""
    cursor = (request.query_params or {}).get(param)
    return unseal(cursor, route=route, caller=caller, key=bootstrap.deps().keys.cursors)


def sealed(position: str | None, *, route: str, caller: str) -> str | None:
    """`position` as the cursor this route hands this caller."""
    return seal(position, route=route, caller=caller, key=bootstrap.deps().keys.cursors)
