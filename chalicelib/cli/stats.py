"""`swreg stats recount --window Y`: the review stats' counters rebuilt from the applications."""
from __future__ import annotations

import sys

# The service is imported when the command runs, after `environment.apply` has set the stage's variables.


def add_commands(commands) -> None:
    parser = commands.add_parser("stats", help="the review stats' counters")
    actions = parser.add_subparsers(dest="stats_command", required=True)
    recount = actions.add_parser(
        "recount", help="count a window's applications per status and type (index queries, no scan) and correct "
                        "the counters /review/stats reads; run once after the release that adds them")
    recount.add_argument("--window", type=int, required=True, help="the window's year, e.g. 2026")
    recount.set_defaults(handler=run_recount)


def run_recount(args, deps) -> int:
    from chalicelib.domain.texts import STATS_CLI
    from chalicelib.services import stats

    def progress(status, kind, count: int) -> None:
        print(STATS_CLI["PROGRESS"].format(status=status.chinese, kind=kind.chinese, count=count),
              file=sys.stderr, flush=True)

    drift = stats.recount(deps, args.window, progress)
    if not drift:
        print(STATS_CLI["RIGHT"].format(year=args.window))
        return 0
    print(STATS_CLI["CORRECTED"].format(year=args.window, corrected=len(drift)))
    for (status, kind), amount in drift.items():
        print(STATS_CLI["DRIFT"].format(status=status.chinese, kind=kind.chinese, amount=amount))
    return 0
