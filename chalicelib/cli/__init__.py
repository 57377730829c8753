"""`swreg`, the operators' command line (the runbook: docs/operations.md)."""
from __future__ import annotations

import argparse
import os
import sys

from chalicelib.cli import certificates, db, deploy, dlq, environment, outbox, register, reviewers
from chalicelib.cli import mailings
from chalicelib.cli import exports
from chalicelib.cli import stats
from chalicelib.services.jobs import JOBS, run


def _seed_demo(args, deps) -> int:
    from chalicelib.services import demo
    now = deps.clock.now()
    for line in demo.seed(deps, now):
        print(line)
    print(demo.seed_certificate(deps, now))
    return 0


def _run_job(args, deps) -> int:
    from chalicelib.domain.errors import ValidationError
    from chalicelib.domain.windows import parse_window_time
    if args.name not in JOBS:
        print(f"swreg: no job {args.name!r}; jobs: {', '.join(sorted(JOBS))}", file=sys.stderr)
        return 2
    try:
        at = parse_window_time(args.now, field="now") if args.now else deps.clock.now()
    except ValidationError as exc:
        print(f"swreg: --now: {exc.details.get('now', exc.message)}", file=sys.stderr)
        return 2
    summary = run(JOBS[args.name], deps, at)
    print(f"{args.name} as of {at.isoformat(timespec='seconds')}: "
          + ", ".join(f"{outcome} {count}" for outcome, count in summary.items()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="swreg", description=__doc__)
    parser.add_argument("--stage", default=os.environ.get("SWREG_STAGE", "local"),
                        help="stage from .chalice/config.json (default: local, the `make run` stack)")
    commands = parser.add_subparsers(dest="command", required=True)
    deploy.add_restore_command(db.add_commands(commands))
    deploy.add_commands(commands)
    register.add_commands(commands)
    reviewers.add_commands(commands)
    outbox.add_commands(commands)
    certificates.add_commands(commands)
    mailings.add_commands(commands)
    exports.add_commands(commands)
    stats.add_commands(commands)
    job_parser = commands.add_parser("jobs", help="scheduled jobs")
    job_commands = job_parser.add_subparsers(dest="jobs_command", required=True)
    runner = job_commands.add_parser("run", help="run a scheduled job once")
    runner.add_argument("name", help="the job: " + ", ".join(JOBS))
    runner.add_argument("--now", help="the job's clock, ISO; without an offset it is Asia/Shanghai")
    runner.set_defaults(handler=_run_job)
    dlq.add_commands(job_commands)
    seed = commands.add_parser("seed-demo", help="load a demo register and open this year's window")
    seed.set_defaults(handler=_seed_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        environment.apply(args.stage)
    except environment.StackNotRunningError as exc:
        print(f"swreg: {exc}", file=sys.stderr)
        return 2
    if not getattr(args, "needs_deps", True):  # the deploy path talks to AWS, not to the stage's stores
        return args.handler(args)
    from chalicelib import bootstrap
    return args.handler(args, bootstrap.deps())


if __name__ == "__main__":
    sys.exit(main())
