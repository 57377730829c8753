"""Bearer tokens: HS256 JWTs issued at login and verified by the authorizer, and their signing key.

Only HS256 is ever accepted, whatever a token's header claims: no `none`, and
no RS/ES algorithm that could be fed our secret as a "public key". Every
refusal is an `AuthenticationError` (401) with a stable code, so the handlers
never see a PyJWT exception.

Key rotation logs nobody out: tokens are signed with the current key and
verified with the current or, while a rotation settles, the previous one
(`SWREG_JWT_PREVIOUS_KEY_PARAMETER`); the procedure is in docs/operations.md.
"""
from __future__ import annotations

import math
import os
import secrets
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import jwt

from chalicelib.adapters.aws_faults import error_code
from chalicelib.domain.accounts import Role
from chalicelib.domain.errors import AuthenticationError
from chalicelib.settings import PARAMETER_MAX_AGE

ALGORITHM = "HS256"
# Lambda clocks are NTP-synced; a few seconds absorb the gap between the
# container that issued a token and the one verifying it.
LEEWAY = timedelta(seconds=10)
REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub", "role")
_RESERVED_CLAIMS = frozenset(REQUIRED_CLAIMS) | {"nbf", "jti"}
# HS256 keys shorter than its 256-bit output weaken it (RFC 7518 §3.2).
MIN_KEY_BYTES = 32
_GENERATED_KEY_BYTES = 32


def _invalid() -> AuthenticationError:
    return AuthenticationError(code="INVALID_TOKEN")


def _expired() -> AuthenticationError:
    return AuthenticationError(code="TOKEN_EXPIRED")


def _is_time(value: object) -> bool:
    # JSON parsers accept NaN and Infinity; a NaN `exp` would compare as never expired.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


_ROLES = frozenset(role.value for role in Role)


class TokenService:
    """Issues the API's bearer tokens with the current HMAC key and verifies them with the current
    key or, during a rotation, the previous one."""

    def __init__(self, key: bytes, *, previous_key: bytes | None = None, issuer: str = "swreg",
                 audience: str = "swreg-api", ttl: timedelta = timedelta(hours=2)) -> None:
        keys = (key,) if previous_key is None else (key, previous_key)
        if any(len(k) < MIN_KEY_BYTES for k in keys):
            raise ValueError(f"the signing key must be at least {MIN_KEY_BYTES} bytes")
        self._key = key
        self._verifying_keys = keys
        self._issuer = issuer
        self._audience = audience
        self._ttl = ttl

    @property
    def expires_in(self) -> int:
        """Seconds a fresh token lives, as the login response reports it."""
        return int(self._ttl.total_seconds())

    def issue(self, subject: str, role: str, now: datetime, **claims: Any) -> str:
        """A signed token for `subject` acting as `role`; extra claims ride along but may
        not replace the registered ones (ValueError — a programming mistake)."""
        clash = _RESERVED_CLAIMS & claims.keys()
        if clash:
            raise ValueError(f"reserved claims cannot be overridden: {sorted(clash)}")
        issued_at = int(now.timestamp())
        payload = {
            **claims,
            "sub": subject,
            "role": Role(role).value,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + self.expires_in,
            "iss": self._issuer,
            "aud": self._audience,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(payload, self._key, algorithm=ALGORITHM)

    def verify(self, token: str, now: datetime | None = None) -> dict[str, Any]:
        """The token's claims if it is genuine, current and ours; AuthenticationError
        (`INVALID_TOKEN`, or `TOKEN_EXPIRED` once `exp` has passed) otherwise.

        PyJWT checks the signature, algorithm, issuer, audience and that the
        required claims exist; the times are checked here against `now` (the
        wall clock when omitted) so tests and rehearsals can move the clock.
        """
        claims = self._decode(token)
        self._check_times(claims, (now or datetime.now(timezone.utc)).timestamp())
        subject, role = claims["sub"], claims["role"]
        if not isinstance(subject, str) or not subject or not isinstance(role, str) or role not in _ROLES:
            raise _invalid()
        return claims

    def _decode(self, token: str) -> dict[str, Any]:
        for key in self._verifying_keys:
            try:
                return jwt.decode(
                    token, key, algorithms=[ALGORITHM], audience=self._audience, issuer=self._issuer,
                    options={"require": list(REQUIRED_CLAIMS), "verify_exp": False, "verify_nbf": False,
                             "verify_iat": False},
                )
            except jwt.InvalidSignatureError:
                continue  # perhaps signed before the last rotation: try the previous key
            except jwt.PyJWTError:
                raise _invalid() from None
        raise _invalid()

    @staticmethod
    def _check_times(claims: dict[str, Any], now: float) -> None:
        leeway = LEEWAY.total_seconds()
        nbf = claims.get("nbf", claims["iat"])
        if not all(_is_time(value) for value in (claims["exp"], claims["iat"], nbf)):
            raise _invalid()
        if claims["iat"] > now + leeway or nbf > now + leeway:
            raise _invalid()
        if claims["exp"] <= now - leeway:
            raise _expired()


def load_signing_key(*, key_file: str | None = None, key_parameter: str | None = None) -> bytes:
    """The HMAC key, from exactly one source.

    `key_parameter` (production): an SSM SecureString read through Powertools
    Parameters. The service reads it once per container (`Keys`, the lazy
    token service), so a rotation takes effect with a deploy. `key_file` (local
    and test stages): the file's content, generated on first use with mode
    0600. Raises ValueError when neither or both are given, or the key is
    shorter than MIN_KEY_BYTES.
    """
    if (key_file is None) == (key_parameter is None):
        raise ValueError("give exactly one of key_file or key_parameter")
    if key_parameter is not None:
        # Imported here: it pulls in boto3, which local and test stages never need for the key.
        from aws_lambda_powertools.utilities import parameters
        text = parameters.get_parameter(key_parameter, decrypt=True, max_age=PARAMETER_MAX_AGE)
    else:
        text = _read_or_create_key_file(Path(key_file))
    key = text.strip().encode("utf-8")
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the signing key must be at least {MIN_KEY_BYTES} bytes")
    return key


def load_previous_signing_key(key_parameter: str) -> bytes | None:
    """The key before the last rotation, from its SSM SecureString (see `load_signing_key`);
    None when the parameter does not exist, i.e. no rotation is settling."""
    from aws_lambda_powertools.utilities import parameters
    try:
        return load_signing_key(key_parameter=key_parameter)
    except parameters.GetParameterError as exc:
        # Powertools keeps only the SDK error's message; the SDK error itself is the context.
        if exc.__context__ is not None and error_code(exc.__context__) == "ParameterNotFound":
            return None
        raise


def _read_or_create_key_file(path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written to a private temporary file, then hard-linked into place: the link
    # fails if another process (chalice local and the event runner start together)
    # created the key first, and then both use that one — no reader ever sees a
    # half-written file, and no key is silently replaced.
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(_GENERATED_KEY_BYTES) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        temporary.unlink()
    return path.read_text(encoding="utf-8")
