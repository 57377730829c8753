"""Sealing and opening page cursors (chalicelib/handlers/cursors.py), without I/O."""
from __future__ import annotations

import string

import pytest

from chalicelib.handlers.cursors import MAX_CHARS, seal, unseal
from chalicelib.handlers.errors import BadCursorError

KEY = b"k" * 32
POSITION = "2026-06-01T02:00:00.000000Z#3f2b9c1e5d7a4b60a1c2d3e4f5a6b7c8"
BOUND = {"route": "GET /applications", "caller": "account-1"}


def test_a_sealed_position_opens_on_its_route_for_its_caller():
    cursor = seal(POSITION, key=KEY, **BOUND)
    assert unseal(cursor, key=KEY, **BOUND) == POSITION
    assert len(cursor) < MAX_CHARS and set(cursor) <= set(string.ascii_letters + string.digits + "-_")


def test_no_next_page_is_no_cursor_and_no_cursor_is_the_first_page():
    assert seal(None, key=KEY, **BOUND) is None
    assert unseal(None, key=KEY, **BOUND) is None and unseal("", key=KEY, **BOUND) is None


@pytest.mark.parametrize("changed", [{"route": "GET /messages"}, {"caller": "account-2"}, {"key": b"j" * 32}])
def test_another_route_caller_or_key_cannot_open_it(changed):
    cursor = seal(POSITION, key=KEY, **BOUND)
    with pytest.raises(BadCursorError):
        unseal(cursor, **{"key": KEY, **BOUND, **changed})


def test_every_single_character_change_is_detected():
    cursor = seal(POSITION, key=KEY, **BOUND)
    for i, char in enumerate(cursor):
        for replacement in {"A", "B", "_", "-", "0"} - {char}:
            with pytest.raises(BadCursorError):
                unseal(cursor[:i] + replacement + cursor[i + 1:], key=KEY, **BOUND)


@pytest.mark.parametrize("junk", ["x", "xx", "=", "a b", "é", "A" * (MAX_CHARS + 1), "A" * 20, "A" * 23])
def test_junk_is_refused_before_anything_in_it_is_used(junk):
    with pytest.raises(BadCursorError) as refused:
        unseal(junk, key=KEY, **BOUND)
    assert refused.value.code == "BAD_CURSOR"
