"""Accounts, one-time SMS codes and rate-limit counters in DynamoDB.

Uniqueness (one account per phone, per ID number, per username) is a set of
`uniques` items written in the same transaction as the account, each
conditional on not existing: two sign-ups racing for one ID number cannot
both succeed.

Password-lockout counters live in the rate_limits table, one item per lock key
(`login-lock#<accounts.login_lock_key>`: an applicant's account; a staff
account and client address), with `count`, `locked_until` and a TTL that drops
idle counters. No new table, and no per-address data on the account item,
which an attacker could otherwise grow without bound.
"""
from __future__ import annotations

from datetime import datetime

from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamo import conditions, transactions
from chalicelib.adapters.dynamo.models import AccountItem, RateLimitItem, SmsCodeItem, UniqueItem
from chalicelib.domain.accounts import Account, Role
from chalicelib.domain.credentials import LOGIN_COUNTER_KEPT
from chalicelib.domain.errors import ConflictError

LOCK_PREFIX = "login-lock#"


def _account(item: AccountItem) -> Account:
    return Account(account_id=item.account_id, login_key=item.login_key, role=Role(item.role),
                   password_hash=item.password_hash, created_at=item.created_at, phone=item.phone,
                   id_number=item.id_number, username=item.username, disabled=bool(item.disabled),
                   lock_epoch=int(item.lock_epoch or 0))


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
                           password_hash=account.password_hash, disabled=account.disabled,
                           created_at=account.created_at)

        def build(transaction: TransactWrite) -> None:
            transaction.save(item, condition=AccountItem.account_id.does_not_exist())
            for key in keys:
                transaction.save(UniqueItem(key, owner=account.account_id),
                                 condition=UniqueItem.key.does_not_exist())

        with conditions.checked() as write:
            transactions.write(self._region, build)
        if write.refused:  # the account item first, then one `uniques` item per key
            taken = [key for key in write.failed_items([None, *keys]) if key is not None]
            raise ConflictError(code=unique.get(taken[0], "ACCOUNT_EXISTS") if taken else "ACCOUNT_EXISTS")

    # --- password lockout (see credentials.LoginAttempt) ---------------------------------------

    def count_login_attempt(self, lock_key: str, now: datetime) -> int | None:
        """Add one try to `lock_key`'s counter and return the count this very write produced;
        None, counting nothing, while the key is locked. One conditional UpdateItem
        (ADD count 1 if not locked_until > now): parallel tries each get their own number."""
        item = RateLimitItem(LOCK_PREFIX + lock_key)
        with conditions.checked() as write:
            item.update(actions=[RateLimitItem.count.add(1), RateLimitItem.ttl.set(now + LOGIN_COUNTER_KEPT)],
                        condition=RateLimitItem.locked_until.does_not_exist() | (RateLimitItem.locked_until <= now))
        # PynamoDB's update returns the item as this write left it (ReturnValues ALL_NEW).
        return None if write.refused else int(item.count)

    def lock_login(self, lock_key: str, until: datetime, now: datetime) -> None:
        """Lock `lock_key` until `until` and start its count again from zero, unless a lock
        already holds (then that lock stands: tries during a lock never extend it)."""
        with conditions.checked():
            RateLimitItem(LOCK_PREFIX + lock_key).update(
                actions=[RateLimitItem.locked_until.set(until), RateLimitItem.count.set(0),
                         RateLimitItem.ttl.set(until + LOGIN_COUNTER_KEPT)],
                condition=RateLimitItem.locked_until.does_not_exist() | (RateLimitItem.locked_until <= now))

    def clear_login_failures(self, lock_key: str) -> None:
        """After a right password: the count (and any lock a racing try just wrote) goes."""
        RateLimitItem(LOCK_PREFIX + lock_key).delete()

    def lift_login_locks(self, account_id: str) -> None:
        """Leave every lockout counter of the account behind by raising its `lock_epoch`."""
        AccountItem(account_id).update(actions=[AccountItem.lock_epoch.add(1)],
                                       condition=AccountItem.account_id.exists())

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
            with conditions.checked() as write:
                item.delete(condition=(SmsCodeItem.code_hash == code_hash)
                            & (SmsCodeItem.attempts < max_attempts))
            return not write.refused
        with conditions.checked():  # refused: the last try was used up meanwhile
            item.update(actions=[SmsCodeItem.attempts.add(1)], condition=SmsCodeItem.attempts < max_attempts)
        return False


class DynamoRateLimiter:
    """Fixed-window counters: `take` succeeds while fewer than `limit` were taken
    before `resets_at`; the first take after that starts a new window."""

    def take(self, key: str, limit: int, resets_at: datetime, now: datetime) -> datetime | None:
        """None when allowed; otherwise when the current window resets.

        Requests that all find no live window race to start one; only one can. The
        others then count in the window it started (the second round) instead of
        being refused with a window nobody has used up.
        """
        for _ in range(2):
            with conditions.checked() as counted:
                RateLimitItem(key).update(actions=[RateLimitItem.count.add(1)],
                                          condition=RateLimitItem.limit_key.exists() & (RateLimitItem.ttl > now)
                                          & (RateLimitItem.count < limit))
            if not counted.refused:
                return None
            with conditions.checked() as started:
                RateLimitItem(key, count=1, ttl=resets_at).save(
                    condition=RateLimitItem.limit_key.does_not_exist() | (RateLimitItem.ttl <= now))
            if not started.refused:
                return None
        try:
            return RateLimitItem.get(key, consistent_read=True).ttl
        except RateLimitItem.DoesNotExist:
            return now

    def give_back(self, key: str, now: datetime) -> None:
        """Undo one `take` of the current window (a reserved use that turned out not to
        count); never below zero, and nothing once the window has reset."""
        with conditions.checked():
            RateLimitItem(key).update(actions=[RateLimitItem.count.add(-1)],
                                      condition=RateLimitItem.limit_key.exists() & (RateLimitItem.ttl > now)
                                      & (RateLimitItem.count > 0))
