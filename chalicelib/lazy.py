"""A stand-in that builds the real object on its first use.

A cold start must not pay for what its request never touches. `bootstrap.build`
hands out boto3 clients, the SSM read of the signing key, Pillow for photos and
ReportLab for certificates as `lazy(...)` proxies; `app.py` hands Chalice its
views, middleware and event handlers the same way, so a handler module and what
it imports load with the first request that needs them. A proxy forwards every
attribute, and a call, to the object its factory returns, built once per container.
"""
from __future__ import annotations

import importlib
import threading
from typing import Any, Callable, TypeVar, cast

T = TypeVar("T")


class _Lazy:
    # No docstring: Chalice describes each deployed route with its view's docstring (inspect.getdoc).
    __doc__ = None

    def __init__(self, build: Callable[[], Any], name: str | None) -> None:
        self._build = build
        self._built: Any = None
        self._lock = threading.Lock()
        if name is not None:
            self.__name__ = name

    def _target(self) -> Any:
        if self._built is None:
            with self._lock:
                if self._built is None:
                    self._built = self._build()
        return self._built

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._target()(*args, **kwargs)


def lazy(build: Callable[[], T], *, name: str | None = None) -> T:
    """`build()`'s result, built when an attribute of it is first read or it is first called.
    `name` is the proxy's own `__name__`, for a caller that reads it before any use (Chalice
    names a schedule's Lambda handler after it)."""
    return cast(T, _Lazy(build, name))


def imported(target: str) -> Any:
    """The object `"package.module:attribute"` names, importing its module."""
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)
