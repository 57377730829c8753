"""Fixtures for the service tests: `fakes`, a `Deps` of in-memory fakes, and `world`, the people in it.

No fixture of `tests/conftest.py` is used, so no DynamoDB Local or S3 emulator starts.
"""
from __future__ import annotations

import pytest

from tests.unit.services.world import FakeDeps, World


@pytest.fixture
def fakes() -> FakeDeps:
    return FakeDeps()


@pytest.fixture
def world(fakes) -> World:
    return World(fakes)
