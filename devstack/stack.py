"""The local AWS stack — DynamoDB Local and the S3 emulator (moto's server, which serves SQS and SNS
too) — shared by `make run` and the tests."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from devstack import dynamodb_local, processes, s3_emulator
from devstack.ports import free_port

REGION = "us-east-1"


@dataclass
class LocalStack:
    """Start with `start()`; `env` then holds what boto3/PynamoDB need to reach it."""

    ddb_port: int = 0
    s3_port: int = 0
    db_path: Path | None = None
    log_dir: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    def start(self) -> "LocalStack":
        self.ddb_port = self.ddb_port or free_port()
        log = str(self.log_dir / "dynamodb-local.log") if self.log_dir else None
        self._ddb = dynamodb_local.start(self.ddb_port, db_path=self.db_path, log_path=log)
        self._s3, self.s3_port = s3_emulator.start(self.s3_port)
        self.env = {
            "AWS_ENDPOINT_URL_DYNAMODB": f"http://127.0.0.1:{self.ddb_port}",
            "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{self.s3_port}",
            "AWS_ENDPOINT_URL_SNS": f"http://127.0.0.1:{self.s3_port}",
            "AWS_ENDPOINT_URL_SQS": f"http://127.0.0.1:{self.s3_port}",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
        }
        return self

    def export(self) -> None:
        """Make this process's boto3/PynamoDB clients talk to the stack."""
        os.environ.update(self.env)

    def stop(self) -> None:
        if getattr(self, "_s3", None) is not None:
            self._s3.stop()
            self._s3 = None
        if getattr(self, "_ddb", None) is not None:
            processes.stop(self._ddb)
            self._ddb = None
