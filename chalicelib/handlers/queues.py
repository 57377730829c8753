"""The certificates queue's consumer (Lambda function `issue_certificate`): one certificate per work item.

Lambda deletes a batch whose handler returns and hands the whole batch out again
(after the visibility timeout) when it raises. Chalice 1.34 cannot report the
failed items alone (no `ReportBatchItemFailures`), so a batch with failures
deletes its succeeded messages itself and then raises: only the failed ones come
back, and after 3 receives they go to the dead-letter queue. A message delivered
again after all is harmless (`services.certificates.issue_one` skips it).
"""
from __future__ import annotations

import json

from chalicelib import bootstrap
from chalicelib.observability import logger
from chalicelib.services import certificates


class CertificateBatchFailed(Exception):
    """Some items of the batch failed (each logged with its cause); their messages come back."""


def issue_certificates(event) -> dict:
    deps = bootstrap.deps()
    now = deps.clock.now()
    summary = {"issued": 0, "skipped": 0, "failed": 0, "dropped": 0}
    done: list[str] = []
    for record in event:
        application_id = _application_id(record.body)
        if application_id is None:  # no retry can mend it: logged (without the body) and deleted
            logger.error("certificate work item is malformed; dropped",
                         extra={"message_id": record.to_dict().get("messageId")})
            summary["dropped"] += 1
        else:
            try:
                summary[certificates.issue_one(deps, application_id, now)] += 1
            except Exception:  # logged and counted by issue_one; the rest of the batch goes on
                summary["failed"] += 1
                continue
        done.append(record.receipt_handle)
    logger.info("certificate batch done", extra=summary)
    if summary["failed"]:
        deps.certificate_queue.done(done)
        raise CertificateBatchFailed(f"{summary['failed']} of {summary['failed'] + len(done)} certificates failed")
    return summary


def _application_id(body: str) -> str | None:
    try:
        item = json.loads(body)
    except ValueError:
        return None
    application_id = item.get("application_id") if isinstance(item, dict) else None
    return application_id if isinstance(application_id, str) and application_id else None
