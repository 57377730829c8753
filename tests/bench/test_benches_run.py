"""Every benchmark still runs: each `bench/*.py` with a main block runs in its quick mode
(`--quick`: small sizes, seconds), as a script the way people run it, and ends with one line per
goal in the form a script reads (`_stack.goal`). A refactor that breaks a bench breaks the build; a new bench is
found and run without being listed here. The full-size runs stay manual (`bench/NAME.py`).

A bench that starts a stack gets the suite's own instead (`_stack.RUNNING_STACK`): one
DynamoDB Local to start and warm for the whole suite, not one per bench.
"""
from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
BENCHES = sorted(path for path in BENCH.glob("*.py") if 'if __name__ == "__main__":' in path.read_text())
QUICK_TIMEOUT_SECONDS = 300  # each takes seconds on a quiet machine; this only stops a hung emulator
GOAL_LINE = re.compile(r"^goal: .+ = \S+.* \(floor .+, target (<=|>=|==) .+\) (met|MISSED)$")


def test_the_benches_are_found():
    assert {path.stem for path in BENCHES} >= {"certificates", "import_register", "photos", "review_queue"}


@pytest.mark.parametrize("path", sorted(BENCH.glob("*.py")), ids=lambda path: path.name)
def test_no_bench_file_is_named_like_a_module_it_would_shadow(path):
    """A script's folder comes first on `sys.path`: `bench/queue.py` once hid the standard
    library's `queue` from s3transfer. (`sys.path` here does not hold `bench/`.)"""
    assert path.stem not in sys.stdlib_module_names
    assert importlib.util.find_spec(path.stem) is None


@pytest.mark.parametrize("path", BENCHES, ids=lambda path: path.stem)
def test_the_bench_runs_in_quick_mode_and_its_last_lines_say_met_or_missed(path, request):
    env = dict(os.environ)
    if "_stack.start(" in path.read_text():
        request.getfixturevalue("stack")  # exports its endpoints into os.environ
        env = {**os.environ, "SWREG_BENCH_RUNNING_STACK": "1"}
    done = subprocess.run([sys.executable, str(path), "--quick"], cwd=BENCH.parent, env=env, capture_output=True,
                          text=True, timeout=QUICK_TIMEOUT_SECONDS)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    goals = [line for line in lines if line.startswith("goal:")]
    assert goals, done.stdout
    assert [line for line in goals if not GOAL_LINE.match(line)] == []
    assert lines[-len(goals):] == goals, f"the goal lines come last:\n{done.stdout}"


def _stack_module():
    """`bench/_stack.py` loaded by its path: putting `bench/` on `sys.path` would defeat the
    shadowing test above."""
    spec = importlib.util.spec_from_file_location("bench_stack", BENCH / "_stack.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("value, shown", [
    (0, "0"), (1.0, "1"), (1.5, "1.5"), (2 / 3, "0.667"), (12.345, "12.3"), (99.96, "100"), (100, "100"),
    (40_123.4, "40,123"), (1_200_000, "1,200,000"), (0.00012, "0.00012"), (1.2e-5, "0.000012"), (-3.14159, "-3.14"),
])
def test_a_goal_figure_reads_whole_with_thousands_or_to_three_digits_never_an_exponent(value, shown):
    assert _stack_module().number(value) == shown


def test_a_goal_line_gives_figure_floor_and_target_and_says_met_or_missed(capsys):
    goal = _stack_module().goal
    assert goal("SMS per minute", 1_187.6, 1200, ">=", 1000) is True
    assert goal("normalise id_photo ÷ decode floor", 1.734, 1.0, "<=", 1.5, "×") is False
    assert goal("40,000 certificates projected", 41.26, "12.5 min at render+store", "<=", 30, " min") is False
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "goal: SMS per minute = 1,188 (floor 1,200, target >= 1,000) met",
        "goal: normalise id_photo ÷ decode floor = 1.73× (floor 1×, target <= 1.5×) MISSED",
        "goal: 40,000 certificates projected = 41.3 min (floor 12.5 min at render+store, target <= 30 min) MISSED",
    ]
    assert all(GOAL_LINE.match(line) for line in lines)
