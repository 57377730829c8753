"""Accounts, one-time SMS codes and rate-limit counters in DynamoDB.

Uniqueness (one account per phone, per ID number, per username) is a set of
`uniques` items written in the same transaction as the account, each
conditional on not existing: two sign-ups racing for one ID number cannot
both succeed. A phone change moves the phone's `uniques` item in one
transaction with the account and its outbox notice.

Every write that ends sessions (a reset, a change of password or phone) is
conditional on the `session_version` the account was loaded with, and raises it
by one: of two racing changes exactly one wins, the other is told to retry.

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
from chalicelib.adapters.dynamo.outbox import outbox_item
from chalicelib.domain.accounts import Account, Role, identity_key
from chalicelib.domain.credentials import LOGIN_COUNTER_KEPT
from chalicelib.domain.errors import ConcurrentUpdateError, ConflictError
from chalicelib.domain.outbox import Sms

LOCK_PREFIX = "login-lock#"


def _account(item: AccountItem) -> Account:
    return Account(account_id=item.account_id, login_key=item.login_key, role=Role(item.role),
                   password_hash=item.password_hash, created_at=item.created_at, phone=item.phone,
                   id_number=item.id_number, username=item.username, disabled=bool(item.disabled),
                   lock_epoch=int(item.lock_epoch or 0), session_version=int(item.session_version or 0),
                   kept_session=item.kept_session)


def _loaded_version(account: Account):
    """The condition that the stored account is still at the session version before `account`'s
    change (an item written before sessions existed has no version: 0)."""
    before = account.session_version - 1
    same = AccountItem.session_version == before
    return same | AccountItem.session_version.does_not_exist() if before == 0 else same


def _session_actions(account: Account) -> list:
    return [AccountItem.session_version.set(account.session_version),
            AccountItem.kept_session.set(account.kept_session) if account.kept_session is not None
            else AccountItem.kept_session.remove()]


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

    def bound_to(self, id_number: str) -> Account | None:
        """The owner of the ID number's `identity#` unique key (written by sign-up), by two gets."""
        try:
            owner = UniqueItem.get(identity_key(id_number)).owner
        except UniqueItem.DoesNotExist:
            return None
        return self.get(owner)

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

    def save_password(self, account: Account) -> None:
        """One conditional UpdateItem: the hash and the session fields, if the version is the one before."""
        with conditions.checked(on_refusal=ConcurrentUpdateError):
            AccountItem(account.account_id).update(
                actions=[AccountItem.password_hash.set(account.password_hash), *_session_actions(account)],
                condition=AccountItem.account_id.exists() & _loaded_version(account))

    def move_phone(self, account: Account, previous_login_key: str, notice: Sms) -> None:
        """One transaction: the new phone's `uniques` item (if nobody has it), the old one's
        deleted (if still the account's), the account (if at the version before) and the notice."""
        claim = UniqueItem(account.login_key, owner=account.account_id)

        def build(transaction: TransactWrite) -> None:
            transaction.save(claim, condition=UniqueItem.key.does_not_exist())
            transaction.delete(UniqueItem(previous_login_key), condition=UniqueItem.owner == account.account_id)
            transaction.update(AccountItem(account.account_id),
                               actions=[AccountItem.login_key.set(account.login_key),
                                        AccountItem.phone.set(account.phone), *_session_actions(account)],
                               condition=(AccountItem.login_key == previous_login_key) & _loaded_version(account))
            transaction.save(outbox_item(notice))

        with conditions.checked() as write:
            transactions.write(self._region, build)
        if write.refused:  # PynamoDB sends a transaction's deletes, then its puts, then its updates
            failed = write.failed_items(["old phone", "new phone", "notice", "account"])
            raise ConflictError(code="PHONE_TAKEN") if "new phone" in failed else ConcurrentUpdateError()


    def save_status(self, account: Account) -> None:
        """One conditional UpdateItem: the disabled flag and the session fields, if the version is the one before."""
        with conditions.checked(on_refusal=ConcurrentUpdateError):
            AccountItem(account.account_id).update(
                actions=[AccountItem.disabled.set(account.disabled), *_session_actions(account)],
                condition=AccountItem.account_id.exists() & _loaded_version(account))

    def unbind(self, account: Account, previous_login_key: str) -> None:
        """One transaction: the account moved to its unbound login key (if still at
        `previous_login_key` and the version before), the phone's and the ID number's `uniques`
        items deleted (each if it is still the account's, or already gone)."""
        keys = [previous_login_key] + ([identity_key(account.id_number)] if account.id_number else [])

        def build(transaction: TransactWrite) -> None:
            for key in keys:
                transaction.delete(UniqueItem(key), condition=UniqueItem.key.does_not_exist()
                                   | (UniqueItem.owner == account.account_id))
            transaction.update(AccountItem(account.account_id),
                               actions=[AccountItem.login_key.set(account.login_key),
                                        AccountItem.disabled.set(account.disabled), *_session_actions(account)],
                               condition=(AccountItem.login_key == previous_login_key) & _loaded_version(account))

        with conditions.checked(on_refusal=ConcurrentUpdateError):
            transactions.write(self._region, build)


class DynamoSmsCodeRepository:
    """At most one live code per (purpose, phone); a new code replaces the old one."""

    def put(self, key: str, code_hash: str, expires_at: datetime) -> None:
        SmsCodeItem(key, code_hash=code_hash, expires_at=expires_at, attempts=0, ttl=expires_at).save()

    def consume(self, key: str, code_hash: str, now: datetime, max_attempts: int) -> bool:
        """True exactly once for the right, unexpired code; every wrong try counts, and
        after `max_attempts` tries the code is dead."""
        item = self._live(key, now, max_attempts)
        if item is None:
            return False
        if item.code_hash == code_hash:
            with conditions.checked() as write:
                item.delete(condition=(SmsCodeItem.code_hash == code_hash)
                            & (SmsCodeItem.attempts < max_attempts))
            return not write.refused
        with conditions.checked():  # refused: the last try was used up meanwhile
            item.update(actions=[SmsCodeItem.attempts.add(1)], condition=SmsCodeItem.attempts < max_attempts)
        return False

    def matches(self, key: str, code_hash: str, now: datetime, max_attempts: int) -> bool:
        """Whether the live code is `code_hash`, deleting nothing; a wrong try counts as in `consume`."""
        item = self._live(key, now, max_attempts)
        if item is None:
            return False
        if item.code_hash == code_hash:
            return True
        with conditions.checked():
            item.update(actions=[SmsCodeItem.attempts.add(1)], condition=SmsCodeItem.attempts < max_attempts)
        return False

    @staticmethod
    def _live(key: str, now: datetime, max_attempts: int) -> SmsCodeItem | None:
        try:
            item = SmsCodeItem.get(key, consistent_read=True)
        except SmsCodeItem.DoesNotExist:
            return None
        return None if item.expires_at <= now or item.attempts >= max_attempts else item


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
