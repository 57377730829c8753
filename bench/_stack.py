"""Benchmarks start their own in-memory DynamoDB Local and S3 emulator, like the tests."""
from __future__ import annotations

import os
import random
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chalicelib.cli.environment import stage_variables  # noqa: E402
from devstack.stack import LocalStack  # noqa: E402

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def start(stage: str = "test"):
    """Start the stack, export its endpoints and the stage's variables; returns (stack, deps)."""
    stack = LocalStack().start()
    stack.export()
    os.environ.update(stage_variables(stage))
    os.environ["SWREG_TABLE_PREFIX"] = "bench-"
    from chalicelib import bootstrap
    from chalicelib.settings import Settings
    deps = bootstrap.Deps(Settings.from_env())
    bootstrap.override(deps)
    deps.tables.create_missing()
    return stack, deps


def id_numbers(count: int, seed: int = 7):
    """Distinct valid resident ID numbers (GB 11643-1999 check digit)."""
    rng = random.Random(seed)
    seen = set()
    while len(seen) < count:
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(14000))
        body = f"110105{born:%Y%m%d}{rng.randrange(1000):03d}"
        if body in seen:
            continue
        seen.add(body)
        total = sum(int(d) * w for d, w in zip(body, WEIGHTS))
        yield body + "10X98765432"[total % 11]
