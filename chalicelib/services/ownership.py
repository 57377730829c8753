"""An applicant reaches only what is theirs (SPEC §3: a foreign id answers 404, revealing nothing).

Someone else's application or correction request is "not found", with the very
error an unknown id gets, so its existence is not disclosed.
"""
from __future__ import annotations

from typing import Callable, TypeVar

from chalicelib.domain.errors import NotFoundError

T = TypeVar("T")


def owned(lookup: Callable[[str], T | None], record_id: str, id_number: str | None) -> T:
    """`lookup(record_id)` when it is the record of the person `id_number`; else NotFoundError."""
    try:
        record = lookup(record_id)
    except NotFoundError:
        record = None
    if record is None or getattr(record, "id_number", None) != id_number:
        raise NotFoundError()
    return record
