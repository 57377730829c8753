"""`swreg outbox list|retry`: what the SMS dispatcher has not sent, and a second chance for it."""
from __future__ import annotations

import sys

from chalicelib.domain.errors import ConflictError, NotFoundError

# The services (and through them the Powertools logger) are imported when a
# command runs, after `environment.apply` has set the stage's variables.


def add_commands(commands) -> None:
    parser = commands.add_parser("outbox", help="the SMS outbox")
    actions = parser.add_subparsers(dest="outbox_command", required=True)
    lister = actions.add_parser("list", help="rows waiting to be sent (PENDING, SENDING), oldest first")
    lister.add_argument("--dead", action="store_true", help="the rows that were given up on (DEAD) instead")
    lister.add_argument("--limit", type=int, default=50, help="at most this many rows per status (default 50)")
    lister.set_defaults(handler=run_list)
    retry = actions.add_parser("retry", help="queue a DEAD or failing row again, due now, attempts reset")
    retry.add_argument("outbox_id")
    retry.set_defaults(handler=run_retry)


def _line(sms) -> str:
    """Phone and text masked: operators need to tell rows apart, not read them."""
    from chalicelib.observability import mask_pii
    when = sms.due_at.isoformat(timespec="seconds")
    error = f"  error: {sms.last_error}" if sms.last_error else ""
    return (f"{sms.outbox_id}  {sms.status.value:<7}  attempts {sms.attempts}  due {when}  "
            f"to {mask_pii(sms.phone)}  {mask_pii(sms.text[:24])}{error}")


def run_list(args, deps) -> int:
    from chalicelib.domain.outbox import OutboxStatus
    from chalicelib.services import outbox
    statuses = (OutboxStatus.DEAD,) if args.dead else (OutboxStatus.PENDING, OutboxStatus.SENDING)
    texts = outbox.rows(deps.outbox, statuses, args.limit)
    for sms in texts:
        print(_line(sms))
    print(f"{len(texts)} row(s) {'/'.join(s.value for s in statuses)}")
    return 0


def run_retry(args, deps) -> int:
    from chalicelib.services import outbox
    try:
        sms = outbox.retry(deps.outbox, args.outbox_id, deps.clock.now())
    except (NotFoundError, ConflictError) as exc:
        print(f"swreg: {args.outbox_id}: {exc.message}", file=sys.stderr)
        return 2
    print(f"{sms.outbox_id} queued again, due {sms.due_at.isoformat(timespec='seconds')}")
    return 0
