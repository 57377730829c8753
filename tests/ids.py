"""Valid resident ID numbers for tests, computed independently of the code under test."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id(birth: str = "19900307", seq: int = 771, region: str = "110105") -> str:
    """An 18-digit ID with a correct GB 11643-1999 check digit (odd seq: male)."""
    body = f"{region}{birth}{seq:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]


def unique_id(region: str = "11") -> str:
    """A valid ID no other test draws: tests share one DynamoDB Local, and a register row or live
    application left by another test under the same ID would change what this one sees. The
    region is completed, and the birth date and sequence drawn, from about 10^10 values."""
    draw = uuid.uuid4().int
    born = date(1960, 1, 1) + timedelta(days=draw % 14600)
    region = f"{region}{(draw >> 32) % 10 ** (6 - len(region)):0{6 - len(region)}d}"
    return make_id(birth=born.strftime("%Y%m%d"), seq=(draw >> 64) % 1000, region=region)
