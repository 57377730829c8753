"""Every benchmark still runs: each `bench/*.py` with a main block runs in its quick mode
(`--quick`: small sizes, seconds), as a script the way people run it, and prints its figures
beside its floor and its goal. A refactor that breaks a bench breaks the build; a new bench is
found and run without being listed here. The full-size runs stay manual (`bench/NAME.py`).

A bench that starts a stack gets the suite's own instead (`_stack.RUNNING_STACK`): one
DynamoDB Local to start and warm for the whole suite, not one per bench.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
BENCHES = sorted(path for path in BENCH.glob("*.py") if 'if __name__ == "__main__":' in path.read_text())
QUICK_TIMEOUT_SECONDS = 300  # each takes seconds on a quiet machine; this only stops a hung emulator


def test_the_benches_are_found():
    assert {path.stem for path in BENCHES} >= {"certificates", "import_register", "photos", "review_queue"}


@pytest.mark.parametrize("path", sorted(BENCH.glob("*.py")), ids=lambda path: path.name)
def test_no_bench_file_is_named_like_a_module_it_would_shadow(path):
    """A script's folder comes first on `sys.path`: `bench/queue.py` once hid the standard
    library's `queue` from s3transfer. (`sys.path` here does not hold `bench/`.)"""
    import importlib.util
    assert path.stem not in sys.stdlib_module_names
    assert importlib.util.find_spec(path.stem) is None


@pytest.mark.parametrize("path", BENCHES, ids=lambda path: path.stem)
def test_the_bench_runs_in_quick_mode_and_prints_its_figures_beside_a_floor_and_its_goal(path, request):
    env = dict(os.environ)
    if "_stack.start(" in path.read_text():
        request.getfixturevalue("stack")  # exports its endpoints into os.environ
        env = {**os.environ, "SWREG_BENCH_RUNNING_STACK": "1"}
    done = subprocess.run([sys.executable, str(path), "--quick"], cwd=BENCH.parent, env=env, capture_output=True,
                          text=True, timeout=QUICK_TIMEOUT_SECONDS)
    output = done.stdout.lower()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "floor" in output and "goal" in output, done.stdout
