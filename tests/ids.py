"""Valid resident ID numbers for tests, computed independently of the code under test."""
from __future__ import annotations

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id(birth: str = "19900307", seq: int = 771, region: str = "110105") -> str:
    """An 18-digit ID with a correct GB 11643-1999 check digit (odd seq: male)."""
    body = f"{region}{birth}{seq:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]
