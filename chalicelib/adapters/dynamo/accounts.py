"""Accounts, one-time SMS codes and rate-limit counters in DynamoDB.

Uniqueness (one account per phone, per ID number, per username) is a set of
`uniques` items written in the same transaction as the account, each
conditional on not existing: two sign-ups racing for one ID number cannot
both succeed.
"""
from __future__ import annotations

from datetime import datetime

from pynamodb.connection import Connection
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo.models import AccountItem, RateLimitItem, SmsCodeItem, UniqueItem
from chalicelib.domain.accounts import Account, Role
from chalicelib.domain.errors import ConflictError


def _conditional_failure(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def _account(item: AccountItem) -> Account:
    return Account(account_id=item.account_id, login_key=item.login_key, role=Role(item.role),
                   password_hash=item.password_hash, created_at=item.created_at, phone=item.phone,
                   id_number=item.id_number, username=item.username, failures=int(item.failures or 0),
                   locked_until=item.locked_until, disabled=bool(item.disabled))


class DynamoAccountRepository:
    def __init__(self, region: str) -> None:
        self._region = region

    def get(self, account_id: str) -> Account | None:
        try:
            return _account(AccountItem.get(account_id))
        except AccountItem.DoesNotExist:
            return None

    def by_login(self, login_key: str) -> Account | None:
        for key in AccountItem.by_login.query(login_key, limit=1):
            return self.get(key.account_id)
        return None

    def create(self, account: Account, unique: dict[str, str]) -> None:
        """Store a new account with its `uniques` keys. Raises ConflictError whose code
        is the `unique` value of the first key already taken (e.g. ID_ALREADY_BOUND)."""
        keys = [account.login_key, *(k for k in unique if k != account.login_key)]
        item = AccountItem(account.account_id, login_key=account.login_key, role=account.role.value,
                           phone=account.phone, id_number=account.id_number, username=account.username,
                           password_hash=account.password_hash, failures=0, disabled=account.disabled,
                           created_at=account.created_at)
        try:
            with TransactWrite(connection=Connection(region=self._region)) as transaction:
                transaction.save(item, condition=AccountItem.account_id.does_not_exist())
                for key in keys:
                    transaction.save(UniqueItem(key, owner=account.account_id),
                                     condition=UniqueItem.key.does_not_exist())
        except TransactWriteError as exc:
            reasons = getattr(exc, "cancellation_reasons", None) or []
            failed = [keys[i - 1] for i, reason in enumerate(reasons)
                      if i > 0 and reason is not None and reason.code == "ConditionalCheckFailed"]
            code = unique.get(failed[0], "ACCOUNT_EXISTS") if failed else "ACCOUNT_EXISTS"
            raise ConflictError("账号已存在", code=code) from None

    def record_login(self, account: Account) -> None:
        """Persist the lockout counters after a login attempt."""
        AccountItem(account.account_id).update(actions=[
            AccountItem.failures.set(account.failures),
            AccountItem.locked_until.set(account.locked_until) if account.locked_until
            else AccountItem.locked_until.remove(),
        ])

    def save_credentials(self, account: Account) -> None:
        """Persist a changed password hash or the disabled flag."""
        AccountItem(account.account_id).update(actions=[AccountItem.password_hash.set(account.password_hash),
                                                        AccountItem.disabled.set(account.disabled)])


class DynamoSmsCodeRepository:
    """At most one live code per (purpose, phone); a new code replaces the old one."""

    def put(self, key: str, code_hash: str, expires_at: datetime) -> None:
        SmsCodeItem(key, code_hash=code_hash, expires_at=expires_at, attempts=0, ttl=expires_at).save()

    def consume(self, key: str, code_hash: str, now: datetime, max_attempts: int) -> bool:
        """True exactly once for the right, unexpired code; every wrong try counts, and
        after `max_attempts` tries the code is dead."""
        try:
            item = SmsCodeItem.get(key, consistent_read=True)
        except SmsCodeItem.DoesNotExist:
            return False
        if item.expires_at <= now or item.attempts >= max_attempts:
            return False
        if item.code_hash == code_hash:
            try:
                item.delete(condition=(SmsCodeItem.code_hash == code_hash)
                            & (SmsCodeItem.attempts < max_attempts))
                return True
            except DeleteError as exc:
                if _conditional_failure(exc):
                    return False
                raise
        try:
            item.update(actions=[SmsCodeItem.attempts.add(1)], condition=SmsCodeItem.attempts < max_attempts)
        except UpdateError as exc:
            if not _conditional_failure(exc):
                raise
        return False


class DynamoRateLimiter:
    """Fixed-window counters: `take` succeeds while fewer than `limit` were taken
    before `resets_at`; the first take after that starts a new window."""

    def take(self, key: str, limit: int, resets_at: datetime, now: datetime) -> datetime | None:
        """None when allowed; otherwise when the current window resets."""
        item = RateLimitItem(key)
        try:
            item.update(actions=[RateLimitItem.count.add(1)],
                        condition=RateLimitItem.limit_key.exists() & (RateLimitItem.ttl > now)
                        & (RateLimitItem.count < limit))
            return None
        except UpdateError as exc:
            if not _conditional_failure(exc):
                raise
        try:
            RateLimitItem(key, count=1, ttl=resets_at).save(
                condition=RateLimitItem.limit_key.does_not_exist() | (RateLimitItem.ttl <= now))
            return None
        except PutError as exc:
            if not _conditional_failure(exc):
                raise
        try:
            return RateLimitItem.get(key, consistent_read=True).ttl
        except RateLimitItem.DoesNotExist:
            return now
