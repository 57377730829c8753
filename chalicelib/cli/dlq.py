"""`swreg jobs dlq list|redrive`: what the functions failed to do, shown and replayed.

`--queue async` (the default) is the infra stack's `AsyncFailureQueue`, named by
`SWREG_DLQ_URL` (its `AsyncFailureQueueUrl` output): the asynchronous invocations
Lambda gave up on, replayed by invoking the function again. `--queue certificates`
and `--queue jobs` are the work queues' `<name>-dlq` (`Settings.queue_name`): the
items a consumer failed three times, replayed by sending them back to `<name>`.
Errors and event summaries are masked: operators need to tell failures apart,
not read anyone's phone or ID number.
"""
from __future__ import annotations

import sys

from chalicelib.services.jobs import QUEUES

ASYNC = "async"

# The service (and through `mask_pii` the Powertools logger) is imported when a
# command runs, after `environment.apply` has set the stage's variables.


def add_commands(job_commands) -> None:
    parser = job_commands.add_parser("dlq", help="failed asynchronous invocations (S3 upload and scheduled "
                                                 "functions) and failed work items (certificates, continuations)")
    actions = parser.add_subparsers(dest="dlq_command", required=True)
    lister = actions.add_parser("list", help="what is in the queue: function (or work queue), time (a work item's: "
                                             "when first sent), condition, attempts, event")
    _queue_option(lister)
    lister.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    lister.set_defaults(handler=run_list)
    redrive = actions.add_parser(
        "redrive", help="invoke the function again, asynchronously, with the original event (a work item: send it "
                        "back to its work queue); the message goes only once that was accepted")
    _queue_option(redrive)
    which = redrive.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", dest="message_id", help="the message id `list` shows")
    which.add_argument("--all", action="store_true", help="every message in the queue")
    redrive.set_defaults(handler=run_redrive)


def _queue_option(parser) -> None:
    kinds = [consumer.kind for consumer in QUEUES]
    parser.add_argument("--queue", choices=[*kinds, ASYNC], default=ASYNC,
                        help=f"{ASYNC}: failed asynchronous invocations (default); "
                             f"{', '.join(kinds)}: that work queue's dead-letter queue")


def _dead_letters(args, deps):
    """The dead-letter queue `--queue` names; None (and why, said) when the async one is not set."""
    if args.queue != ASYNC:
        from chalicelib import bootstrap
        from chalicelib.adapters.dead_letters import SqsWorkDeadLetterQueue
        return SqsWorkDeadLetterQueue(bootstrap.stores(deps.settings).sqs, deps.settings.queue_name(args.queue))
    if deps.settings.dlq_url:
        return deps.dead_letters
    print("swreg: no dead-letter queue: set SWREG_DLQ_URL to the infra stack's AsyncFailureQueueUrl output",
          file=sys.stderr)
    return None


def _line(failed) -> str:
    from chalicelib.observability import mask_pii
    from chalicelib.services.dead_letters import event_summary, function_name
    when = failed.failed_at.isoformat(timespec="seconds") if failed.failed_at else "?"
    error = f"  error: {mask_pii(failed.error[:160])}" if failed.error else ""
    return (f"{failed.message_id}  {when}  {function_name(failed)}  {failed.condition}  "
            f"attempts {failed.attempts}  {mask_pii(event_summary(failed.event))}{error}")


def run_list(args, deps) -> int:
    from chalicelib.services import dead_letters
    queue = _dead_letters(args, deps)
    if queue is None:
        return 2
    failed = dead_letters.peek(queue, args.limit)
    for item in failed:
        print(_line(item))
    what = "failed invocation(s)" if args.queue == ASYNC else "failed work item(s)"
    print(f"{len(failed)} {what}" + (f" (the first {args.limit})" if len(failed) >= args.limit else ""))
    return 0


def run_redrive(args, deps) -> int:
    from chalicelib.observability import mask_pii
    from chalicelib.services import dead_letters
    queue = _dead_letters(args, deps)
    if queue is None:
        return 2
    result = dead_letters.redrive(queue, args.message_id)
    if args.message_id and not result.found:
        print(f"swreg: {args.message_id}: not in the queue (replayed already, or held by another reader)",
              file=sys.stderr)
        return 2
    for item in result.replayed:
        print(f"replayed {_line(item)}")
    for item, reason in result.refused:
        print(f"refused  {_line(item)}  refused: {mask_pii(reason)}")
    print(f"{len(result.replayed)} replayed, {len(result.refused)} refused (left in the queue)")
    return 1 if result.refused else 0
