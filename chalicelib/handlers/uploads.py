"""The S3 upload event: each record goes to the upload pipeline."""
from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.handlers.edge import now
from chalicelib.observability import logger
from chalicelib.services import uploads as service


def on_upload(event) -> None:
    """`event` is Chalice's S3Event (the key already URL-decoded)."""
    outcome = service.process_upload(bootstrap.deps(), event.key, now())
    logger.info("upload processed", extra={"outcome": outcome, "key": event.key})
