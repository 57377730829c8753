"""An AWS service nobody answers, for the tests of what happens when SSM cannot be read."""
from __future__ import annotations

import socket

from aws_lambda_powertools.utilities import parameters


def unreachable_ssm(monkeypatch) -> None:
    """Point SSM at a loopback port nobody listens on, one attempt per call, and drop Powertools'
    cached client and values so the next read goes there."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", f"http://127.0.0.1:{closed}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    parameters.clear_caches()
