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
    def tables(self):
        """The PynamoDB table module, bound to this stage's tables."""
        from chalicelib.adapters.dynamo import tables
        tables.bind(self.settings)
        return tables

    @cached_property
    def s3(self):
        from chalicelib.adapters import s3
        return s3.client(self.settings)

    @cached_property
    def register(self):
        from chalicelib.adapters.dynamo.register import DynamoRegisterRepository
        self.tables
        return DynamoRegisterRepository()

    @cached_property
    def windows(self):
        from chalicelib.adapters.dynamo.windows import DynamoWindowRepository
        self.tables
        return DynamoWindowRepository()

    @cached_property
    def applications(self):
        from chalicelib.adapters.dynamo.applications import DynamoApplicationRepository
        self.tables
        return DynamoApplicationRepository(self.settings.region)

    @property
    def health_probes(self) -> dict[str, Callable[[], None]]:
        return {"dynamodb": lambda: self.tables.probe(),
                "s3": lambda: self.s3.head_bucket(Bucket=self.settings.bucket)}


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
