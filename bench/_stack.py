"""What every benchmark shares: its command line (sizes, or `--quick`), its own in-memory
DynamoDB Local and S3 emulator like the tests start, and generated ID numbers.

`tests/bench` runs each bench in quick mode against the suite's own stack instead (one JVM
to start and warm, not one per bench): it sets `RUNNING_STACK` and exports the endpoints.
Either way a bench's tables and bucket are named for it, so it shares no data.

A bench runs as a script, so this folder comes first on `sys.path`: no file here may be
named like a standard-library or installed module (`tests/bench` checks it).
"""
from __future__ import annotations

import math
import os
import random
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `tests` (approvals, photo samples) is not an installed package

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
QUICK = "--quick"
RUNNING_STACK = "SWREG_BENCH_RUNNING_STACK"


def sizes(full: tuple[int, ...], quick: tuple[int, ...]) -> tuple[bool, tuple[int, ...]]:
    """(quick?, sizes) from the command line: `--quick` picks `quick` (small, a few seconds:
    `make test` runs every bench so), numbers given replace the defaults in order."""
    args = sys.argv[1:]
    is_quick = QUICK in args
    given = [int(arg) for arg in args if arg != QUICK]
    chosen = quick if is_quick else full
    return is_quick, tuple(given) + chosen[len(given):]


def start(stage: str = "test"):
    """Start the stack (or take the running one), export its endpoints and the stage's
    variables with this bench's own tables and bucket; returns (stack, deps).
    (Imported here: a bench that starts no stack, like photos.py, loads none of it.)"""
    from chalicelib.cli.environment import stage_variables
    from devstack.stack import LocalStack
    if os.environ.get(RUNNING_STACK):
        stack = _Running()
    else:
        stack = LocalStack().start()
        stack.export()
    name = Path(sys.argv[0]).stem.replace("_", "-")
    os.environ.update(stage_variables(stage))
    os.environ["SWREG_TABLE_PREFIX"] = f"bench-{name}-"
    os.environ["SWREG_BUCKET"] = f"bench-{name}-files"
    from chalicelib import bootstrap
    bootstrap.override(None)  # built from the environment just exported
    deps = bootstrap.deps()
    bootstrap.stores(deps.settings).tables.create_missing()
    return stack, deps


class _Running:
    """A stack someone else started and will stop."""

    def stop(self) -> None:
        pass


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


OPERATORS = {"<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b, "==": lambda a, b: a == b}


def goal(what: str, figure: float, floor: float | str, op: str, target: float, unit: str = "") -> bool:
    """Print one goal line in the form a script reads (the issue's):
    `goal: <what> = <figure> (floor <figure>, target <op> <value>) met|MISSED`; returns whether met.
    `floor` is the same run's baseline figure (a string when it has its own unit or is not a number)."""
    met = OPERATORS[op](figure, target)
    shown = floor if isinstance(floor, str) else f"{number(floor)}{unit}"
    print(f"goal: {what} = {number(figure)}{unit} (floor {shown}, target {op} {number(target)}{unit}) "
          f"{'met' if met else 'MISSED'}")
    return met


def number(value: float) -> str:
    """A figure as people read it: whole from 100 up (with thousands commas), else three significant
    digits without trailing zeros, never an exponent (a script reads it as it stands)."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if value == 0:
        return "0"
    text = f"{value:.{max(0, 2 - math.floor(math.log10(abs(value))))}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
