"""`swreg certificate revoke NO --reason TEXT`: operators withdraw an e-certificate."""
from __future__ import annotations

import getpass
import sys

from chalicelib.domain.errors import ConflictError, NotFoundError, ValidationError
from chalicelib.services import certificates


def add_commands(commands) -> None:
    certificate = commands.add_parser("certificate", help="issued e-certificates")
    actions = certificate.add_subparsers(dest="certificate_command", required=True)
    revoke = actions.add_parser("revoke", help="revoke a certificate: verification answers 'revoked'")
    revoke.add_argument("registration_no")
    revoke.add_argument("--reason", required=True, help="why (kept in the audit log)")
    revoke.set_defaults(handler=run_revoke)


def run_revoke(args, deps) -> int:
    actor = f"operator:{getpass.getuser()}"
    try:
        revoked = certificates.revoke(deps, args.registration_no, args.reason, actor, deps.clock.now())
    except ValidationError as exc:
        print(f"swreg: --reason: {exc.details.get('reason', exc.message)}", file=sys.stderr)
        return 2
    except (NotFoundError, ConflictError) as exc:
        print(f"swreg: {args.registration_no}: {exc.message}", file=sys.stderr)
        return 2
    print(f"{revoked.registration_no} revoked at {revoked.revoked_at.isoformat(timespec='seconds')}: "
          f"{revoked.revocation_reason}")
    return 0
