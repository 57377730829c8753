"""How a scheduled job that ran out of its time budget gets the rest of its work done.

`LambdaContinuation` re-invokes the running function asynchronously with a
scheduled event of the shape Chalice's `@app.schedule` handler parses, so the
continuation is an ordinary run of the same job. `NextRun` (local stack, CLI,
tests) leaves the rest to the job's next run.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

from chalicelib.observability import logger


class LambdaContinuation:
    def __init__(self, lambda_client) -> None:
        self._lambda = lambda_client

    def request(self, job: str, context) -> None:
        """Invoke `context`'s own function (asynchronously: this one ends now) to go on with `job`."""
        arn = context.invoked_function_arn
        _, _, _, region, account, *_ = arn.split(":")
        event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
                 "source": "swreg.continuation", "account": account, "region": region,
                 "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "resources": [], "detail": {"continues": job}}
        self._lambda.invoke(FunctionName=arn, InvocationType="Event", Payload=json.dumps(event).encode())
        logger.info("job continues in a new invocation", extra={"job": job})


class NextRun:
    def request(self, job: str, context) -> None:
        logger.info("job left work for its next run", extra={"job": job})
