"""Fixtures for the service tests: `fakes`, a `Deps` of in-memory fakes, and `world`, the people in it.

No fixture of `tests/conftest.py` is used, so no DynamoDB Local or S3 emulator starts.
"""
from __future__ import annotations

import pytest

from chalicelib.services.deps import Deps
from tests.unit.services.world import World, fake_deps


@pytest.fixture
def fakes() -> Deps:
    return fake_deps()


@pytest.fixture
def world(fakes) -> World:
    return World(fakes)
