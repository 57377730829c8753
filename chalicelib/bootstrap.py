"""The composition root: builds adapters on first use and keeps them for a warm container.

Services receive a `Deps` and never construct adapters themselves; tests swap
in their own with `override`.
"""
from __future__ import annotations

from functools import cached_property
from typing import Callable

from chalicelib.settings import Settings


class Deps:
    """Everything a service may need, each built lazily (cold start pays only for what it uses)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def tables_bound(self) -> bool:
        from chalicelib.adapters.dynamo import tables
        tables.bind(self.settings)
        return True

    @cached_property
    def s3(self):
        from chalicelib.adapters import s3
        return s3.client(self.settings)

    @property
    def health_probes(self) -> dict[str, Callable[[], None]]:
        from chalicelib.adapters.dynamo import tables

        def dynamodb() -> None:
            assert self.tables_bound
            tables.probe()

        def s3() -> None:
            self.s3.head_bucket(Bucket=self.settings.bucket)

        return {"dynamodb": dynamodb, "s3": s3}


_current: Deps | None = None


def deps() -> Deps:
    global _current
    if _current is None:
        _current = Deps(Settings.from_env())
    return _current


def override(replacement: Deps | None) -> None:
    """Install `replacement` (None: rebuild from the environment on next use)."""
    global _current
    _current = replacement
