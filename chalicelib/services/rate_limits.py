"""One rule for every rate limit: take a slot from the counter or answer 429 with Retry-After."""
from __future__ import annotations

from datetime import datetime

from chalicelib.domain.errors import RateLimitedError
from chalicelib.services.deps import Deps


def enforce_rate_limit(deps: Deps, key: str, limit: int, resets_at: datetime, now: datetime, code: str) -> None:
    """Count one use of `key` (at most `limit` until `resets_at`); raises RateLimitedError
    `code` (its message in texts.ERRORS) with the seconds until the reset when the limit is reached."""
    blocked_until = deps.rate_limiter.take(key, limit, resets_at, now)
    if blocked_until is not None:
        retry_after = max(1, int((blocked_until - now).total_seconds() + 0.999))
        raise RateLimitedError(code=code, retry_after=retry_after)


def release_rate_limit(deps: Deps, key: str, now: datetime) -> None:
    """Give back one use of `key` taken by `enforce_rate_limit`: for limits that reserve a
    slot before the outcome is known and count only some outcomes (failed logins)."""
    deps.rate_limiter.give_back(key, now)
