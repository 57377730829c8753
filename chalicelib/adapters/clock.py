"""The real clock and id generator behind the `Clock` and `IdGenerator` ports.

Services still take `now` as an argument from the handlers and mint ids with
`uuid4` themselves; these give the composition root (and later the services)
one place to ask, and `tests/fakes.py` has deterministic stand-ins.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class UuidIds:
    def new_id(self) -> str:
        return uuid.uuid4().hex
