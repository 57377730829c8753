"""Child processes that never outlive us: own process group, killed at exit and on parent death."""
from __future__ import annotations

import atexit
import ctypes
import os
import signal
import subprocess
import sys
from typing import Sequence

_PR_SET_PDEATHSIG = 1
_children: list[subprocess.Popen] = []


def die_with_parent() -> None:
    """Ask the kernel for SIGTERM when our parent dies (it may never reach atexit)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(argv: Sequence[str], *, env: dict[str, str] | None = None, log_path: str | None = None,
          cwd: str | None = None) -> subprocess.Popen:
    """Start `argv` in a new session (so stop() can kill its whole group)."""
    output = open(log_path, "ab") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen(list(argv), env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True,
                            preexec_fn=die_with_parent)
    _children.append(proc)
    return proc


def stop(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    """Terminate the process group, then kill it if it lingers."""
    if proc.poll() is None:
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, timeout)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
    if proc in _children:
        _children.remove(proc)


def stop_all() -> None:
    for proc in reversed(list(_children)):
        stop(proc)


atexit.register(stop_all)
