"""The real clock and id generator behind the `Clock` and `IdGenerator` ports.

Handlers, job schedules and the CLI read the time from the clock and hand it to
services as `now` (one request, one instant); services mint entity ids from the
generator. `tests/fakes.py` has deterministic stand-ins.
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
