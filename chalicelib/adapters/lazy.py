"""A stand-in that builds the real object on its first use.

`bootstrap.build` fills every port at once, but a cold start must not pay for
what its request never touches: boto3 clients, the SSM read of the signing key,
Pillow for photos, ReportLab for certificates. Each of those is handed out as a
`lazy(...)` proxy, which forwards every attribute to the object its factory
returns, built once per container.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, TypeVar, cast

T = TypeVar("T")


class _Lazy:
    __slots__ = ("_build", "_built", "_lock")

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._built: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if self._built is None:
            with self._lock:
                if self._built is None:
                    self._built = self._build()
        return getattr(self._built, name)


def lazy(build: Callable[[], T]) -> T:
    """`build()`'s result, built when an attribute of it is first read."""
    return cast(T, _Lazy(build))
