"""What the functions failed to do, shown and replayed (`swreg jobs dlq`): the S3-upload and
scheduled functions' invocations Lambda gave up on, and the work items (a certificate to issue, a
job to continue) a queue consumer failed three times.

A failed invocation or item stays in its queue until its function, or its work
queue, has taken it again: `redrive` deletes a message only after the replay was
accepted, so a refused replay loses nothing. The handlers are idempotent (a photo
normalised twice is the same object, a job run twice finds nothing left, a
certificate is issued once per application), so a message replayed twice, say
when the delete itself failed, does no harm.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from chalicelib.domain.ports import DeadLetterQueue, FailedInvocation, ReplayRefusedError

# How long a listing or a redrive keeps the messages it read hidden from other readers. It gives
# them back at once when it ends, so this matters only when it dies half-way (they come back
# then) or runs longer (a redrive then stops early; run it again).
HOLD_SECONDS = 300


@dataclass
class Redrive:
    """What a redrive did: the invocations replayed (and deleted), those Lambda refused (left in the
    queue, with the reason), and whether the one asked for by id was there at all."""

    replayed: list[FailedInvocation] = field(default_factory=list)
    refused: list[tuple[FailedInvocation, str]] = field(default_factory=list)
    found: bool = False


def peek(queue: DeadLetterQueue, limit: int) -> list[FailedInvocation]:
    """Up to `limit` failed invocations, in the order the queue hands them out; all stay in the queue."""
    held: dict[str, FailedInvocation] = {}
    try:
        while len(held) < limit:
            batch = queue.hold(min(10, limit - len(held)), HOLD_SECONDS)
            fresh = [item for item in batch if item.message_id not in held]
            held.update((item.message_id, item) for item in batch)  # the newest receipt is the one that counts
            if not fresh:
                break
    finally:
        queue.release(list(held.values()))
    return list(held.values())[:limit]


def redrive(queue: DeadLetterQueue, message_id: str | None = None) -> Redrive:
    """Replay the failed invocation or item `message_id`, or every one when it is None, each to its
    own function or work queue; a message goes only once its replay was taken."""
    result = Redrive()
    seen: set[str] = set()
    kept: list[FailedInvocation] = []  # held until the end, so a refused one is not read again
    try:
        while not (message_id and result.found):
            batch = [item for item in queue.hold(10, HOLD_SECONDS) if item.message_id not in seen]
            if not batch:
                break
            for item in batch:
                seen.add(item.message_id)
                if message_id and item.message_id != message_id:
                    kept.append(item)
                    continue
                result.found = True
                try:
                    queue.replay(item)
                except ReplayRefusedError as exc:
                    result.refused.append((item, exc.reason))
                    kept.append(item)
                    continue
                queue.delete(item)
                result.replayed.append(item)
    finally:
        queue.release(kept)
    return result


def function_name(failed: FailedInvocation) -> str:
    """`swreg-prod-on_upload` of `arn:aws-cn:lambda:…:function:swreg-prod-on_upload:$LATEST`."""
    parts = failed.function.split(":")
    return parts[6] if len(parts) > 6 else failed.function or "(not a Lambda record)"


def event_summary(event: dict) -> str:
    """One short line on what the event asked for: the S3 object(s) of an upload, the rule (or the
    job a continuation goes on with) of a scheduled event, the application of a certificate work
    item, the job of a continuation item. Keys and items hold application ids, never a phone or ID
    number."""
    if "application_id" in event:
        return f"certificate of application {event['application_id']}"
    if "continues" in event:
        return f"continuation of {event['continues']}"
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict) and "s3" in records[0]:
        first = records[0]["s3"]
        key = unquote_plus(str(first.get("object", {}).get("key", "?")))
        more = f" (+{len(records) - 1} more)" if len(records) > 1 else ""
        return f"s3 {records[0].get('eventName', 'event')} {first.get('bucket', {}).get('name', '?')}/{key}{more}"
    if event.get("detail-type") == "Scheduled Event":
        rules = [str(arn).rsplit("/", 1)[-1] for arn in event.get("resources") or []]
        return f"schedule {', '.join(rules) or '?'} at {event.get('time', '?')}"
    return "event with " + (", ".join(sorted(event)[:5]) or "no fields")
