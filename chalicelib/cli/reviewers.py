"""`swreg reviewer add|disable|unlock`: staff accounts for reviewers and admins."""
from __future__ import annotations

import getpass
import sys

from chalicelib.domain.errors import ConflictError, NotFoundError, ValidationError
from chalicelib.services import staff


def add_commands(commands) -> None:
    reviewer = commands.add_parser("reviewer", help="reviewer and admin accounts")
    actions = reviewer.add_subparsers(dest="reviewer_command", required=True)
    add = actions.add_parser("add", help="create a reviewer (password read from stdin)")
    add.add_argument("username")
    add.add_argument("--admin", action="store_true", help="an admin instead of a reviewer")
    add.set_defaults(handler=run_add)
    disable = actions.add_parser("disable", help="stop a reviewer from logging in")
    disable.add_argument("username")
    disable.set_defaults(handler=run_disable)
    unlock = actions.add_parser("unlock", help="lift a reviewer's password lockout (from every address)")
    unlock.add_argument("username")
    unlock.set_defaults(handler=run_unlock)


def _read_password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("password: ")
    return sys.stdin.readline().rstrip("\r\n")


def run_add(args, deps) -> int:
    try:
        account = staff.add_staff(deps, args.username, _read_password(), admin=args.admin,
                                  now=deps.clock.now())
    except (ValidationError, ConflictError) as exc:
        reasons = "; ".join(f"{k}: {v}" for k, v in exc.details.items()) or exc.message
        print(f"swreg: {reasons}", file=sys.stderr)
        return 2
    print(f"{account.role.value} {account.username} added")
    return 0


def run_disable(args, deps) -> int:
    return _on_staff(deps, args.username, staff.disable_staff, "disabled")


def run_unlock(args, deps) -> int:
    return _on_staff(deps, args.username, staff.unlock_staff, "unlocked")


def _on_staff(deps, username: str, action, done: str) -> int:
    try:
        action(deps, username)
    except NotFoundError as exc:
        print(f"swreg: {exc.message}", file=sys.stderr)
        return 2
    print(f"{username} {done}")
    return 0
