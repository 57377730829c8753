"""In-memory stand-ins for every port in `chalicelib/domain/ports.py`, for service tests without I/O.

Each fake records what it was given and refuses a conditional write where
DynamoDB (or S3) would, the same way. The contract tests
(`tests/integration/test_*_contract.py`, `tests/unit/test_*_contract.py`) run
one set of assertions on a fake and on the real adapter, so they cannot drift
apart, and `tests/unit/test_ports_have_fakes.py` fails for a port without a
fake or without a contract test.
"""
from __future__ import annotations

import copy
import hashlib
import itertools
import json
import threading
import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Sequence

from chalicelib.adapters.dead_letters import failed_invocation
from chalicelib.adapters.dynamo.keys import sortable
from chalicelib.adapters.dynamo.register import ce_record_key
from chalicelib.adapters.tokens import TokenService
from chalicelib.domain import tally
from chalicelib.domain.accounts import identity_key
from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.certificates import Certificate
from chalicelib.domain.corrections import CorrectionStatus
from chalicelib.domain.errors import ConcurrentUpdateError, ConflictError, NotFoundError
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.notifications import Message
from chalicelib.domain.outbox import OutboxStatus, Sms, SmsThrottledError
from chalicelib.domain.register import Registration
from chalicelib.domain.ports import (
    AuditEntry, NormalisedPhoto, Page, PhotoRejectedError, RenderedCertificate, ReplayRefusedError, UpsertCounts)


def _page(keyed: list[tuple[str, object]], position: str | None, limit: int, newest_first: bool) -> Page:
    """Pages by sort key the way a DynamoDB query does: start after `position`, and the
    position of a page is its last item's key (None when nothing follows)."""
    ordered = sorted(keyed, key=lambda pair: pair[0], reverse=newest_first)
    if position is not None:
        ordered = [pair for pair in ordered if (pair[0] < position if newest_first else pair[0] > position)]
    page = ordered[:limit]
    return Page([copy.deepcopy(item) for _, item in page], page[-1][0] if len(ordered) > limit else None)


def _upsert(store: dict, rows: Sequence, key) -> UpsertCounts:
    counts = UpsertCounts()
    latest = {key(row): row for row in rows}
    for k, row in latest.items():
        before = store.get(k)
        if before == row:
            counts += UpsertCounts(unchanged=1)
            continue
        store[k] = row
        counts += UpsertCounts(imported=1) if before is None else UpsertCounts(updated=1)
    return counts


class FakeRegisterRepository:
    def __init__(self) -> None:
        self.practitioners, self.registrations, self.ce_records = {}, {}, {}

    def get_practitioner(self, id_number):
        return self.practitioners.get(id_number)

    def registrations_of(self, id_number):
        return sorted((r for (i, _), r in self.registrations.items() if i == id_number),
                      key=lambda r: r.registration_year)

    def ce_records_of(self, id_number):
        return [r for (i, _), r in sorted(self.ce_records.items()) if i == id_number]

    def registration_by_no(self, registration_no):
        return next((r for r in self.registrations.values() if r.registration_no == registration_no), None)

    def practitioners_by_certificate_no(self, certificate_no, limit):
        return [p for p in self.practitioners.values() if p.certificate_no == certificate_no][:limit]

    def practitioners_named(self, name, limit):
        return [p for p in self.practitioners.values() if p.name == name][:limit]

    def upsert_practitioners(self, rows):
        return _upsert(self.practitioners, rows, lambda r: r.id_number)

    def upsert_registrations(self, rows):
        return _upsert(self.registrations, rows, lambda r: (r.id_number, r.registration_year))

    def upsert_ce_records(self, rows):
        return _upsert(self.ce_records, rows, lambda r: (r.id_number, ce_record_key(r)))


class FakeWindowRepository:
    def __init__(self) -> None:
        self.windows = {}

    def get(self, year):
        return self.windows.get(year)

    def put(self, window):
        created = window.year not in self.windows
        self.windows[window.year] = window
        return created

    def around(self, year):
        return [self.windows[y] for y in (year, year + 1) if y in self.windows]


class FakeApplicationRepository:
    """Applications; a save's notices go to `messages` and `outbox` (shared fakes, if given). The stats
    counters (`counters`: item name -> {attribute: number}) move with every write as DynamoDB's do."""

    def __init__(self, messages: "FakeMessageRepository | None" = None, outbox: "FakeOutbox | None" = None) -> None:
        self.items: dict[str, object] = {}
        self.live: dict[tuple[str, int], str] = {}
        self.counters: dict[str, dict[str, int]] = {}
        self._lock = threading.RLock()  # one save at a time, as DynamoDB's conditional writes
        self.messages = messages if messages is not None else FakeMessageRepository()
        self.outbox = outbox if outbox is not None else FakeOutbox()

    def get(self, application_id):
        if application_id not in self.items:
            raise NotFoundError()
        return copy.deepcopy(self.items[application_id])

    def add(self, application):
        with self._lock:
            live_key = (application.id_number, application.window_year)
            if live_key in self.live or application.application_id in self.items:
                raise ConflictError(code="LIVE_APPLICATION_EXISTS")
            self.live[live_key] = application.application_id
            application.version = 1
            self._count(application)
            self.items[application.application_id] = copy.deepcopy(application)

    def save(self, application, messages=(), sms=()):
        with self._lock:
            stored = self.items.get(application.application_id)
            if stored is None or stored.version != application.version:
                raise ConcurrentUpdateError()
            application.version += 1
            self._count(application)
            self.items[application.application_id] = copy.deepcopy(application)
            for message in messages:
                self.messages.add(message)
            for text in sms:
                self.outbox.add(text)

    def save_discarded(self, application):
        with self._lock:
            self.save(application)
            live_key = (application.id_number, application.window_year)
            if self.live.get(live_key) == application.application_id:
                del self.live[live_key]

    def save_reopened(self, application, messages=(), sms=()):
        with self._lock:
            live_key = (application.id_number, application.window_year)
            if self.live.get(live_key, application.application_id) != application.application_id:
                raise ConflictError(code="LIVE_APPLICATION_EXISTS")
            self.save(application, messages, sms)
            self.live[live_key] = application.application_id

    def _count(self, application):
        """Move the counters from the key the application was loaded with to its key now (`tally`)."""
        now = tally.key_of(application)
        for name, moves in tally.changes(application.application_id, application.stored_key, now).items():
            for attribute, amount in moves.items():
                shard = self.counters.setdefault(name, {})
                shard[attribute] = shard.get(attribute, 0) + amount
        application.stored_key = now

    def counts(self, year):
        return tally.totals([self.counters.get(name, {}) for name in tally.item_names(year)])

    def recount_one(self, year, status, kind):
        return sum(1 for a in self.items.values() if (a.window_year, a.status, a.type) == (year, status, kind))

    def correct_counts(self, year, drift):
        with self._lock:
            shard = self.counters.setdefault(tally.item_name(year, tally.DRIFT_SHARD), {})
            for (status, kind), amount in drift.items():
                name = tally.attribute(status, kind)
                shard[name] = shard.get(name, 0) + amount

    def list_for_applicant(self, id_number, position, limit):
        mine = [(f"{sortable(a.created_at)}#{a.application_id}", a)
                for a in self.items.values() if a.id_number == id_number]
        return _page(mine, position, limit, newest_first=True)

    def reconsideration_page(self, position, limit):
        asked = [(f"{sortable(a.reconsideration.requested_at)}#{a.application_id}", a)
                 for a in self.items.values() if a.status is ApplicationStatus.RECONSIDERATION_REQUESTED]
        return _page(asked, position, limit, newest_first=False)

    def queue_page(self, year, status, kind, position, limit):
        if status is ApplicationStatus.RECONSIDERATION_REQUESTED:
            raise ValueError("reconsideration requests are one queue across windows: reconsideration_page")
        queued = [(f"{sortable(a.submitted_at or a.created_at)}#{a.application_id}", a)
                  for a in self.items.values()
                  if a.window_year == year and a.status is status and (kind is None or a.type is kind)]
        return _page(queued, position, limit, newest_first=False)


class FakeCorrectionRepository:
    """Correction requests; a decision writes into the register, audit, message and outbox fakes it is
    given, all or nothing, on the same conditions as the DynamoDB transaction."""

    def __init__(self, register: FakeRegisterRepository | None = None, audit: "FakeAuditLog | None" = None,
                 messages: "FakeMessageRepository | None" = None, outbox: "FakeOutbox | None" = None) -> None:
        self.items: dict[str, object] = {}
        self.open: dict[tuple[str, str], str] = {}
        self.register = register if register is not None else FakeRegisterRepository()
        self.audit = audit if audit is not None else FakeAuditLog()
        self.messages = messages if messages is not None else FakeMessageRepository()
        self.outbox = outbox if outbox is not None else FakeOutbox()
        self._lock = threading.Lock()

    def get(self, correction_id):
        if correction_id not in self.items:
            raise NotFoundError()
        return copy.deepcopy(self.items[correction_id])

    def add(self, correction):
        with self._lock:
            key = (correction.id_number, correction.field.value)
            if key in self.open or correction.correction_id in self.items:
                raise ConflictError(code="CORRECTION_ALREADY_OPEN", details={"field": correction.field.value},
                                    field=correction.field.label)
            self.open[key] = correction.correction_id
            correction.version = 1
            self.items[correction.correction_id] = copy.deepcopy(correction)

    def save(self, correction):
        with self._lock:
            self._write(correction)

    def decide(self, correction, row, audit, messages, sms):
        with self._lock:
            stored = self.items.get(correction.correction_id)
            if stored is None or not stored.is_open:
                raise ConcurrentUpdateError()
            self._write(correction)
            self.open.pop((correction.id_number, correction.field.value), None)
            if isinstance(row, Registration):
                self.register.upsert_registrations([row])
            elif row is not None:
                self.register.upsert_practitioners([row])
            self.audit.record(f"correction#{correction.correction_id}", audit.actor, audit.action, audit.at)
            for message in messages:
                self.messages.add(message)
            for text in sms:
                self.outbox.add(text)

    def _write(self, correction):
        stored = self.items.get(correction.correction_id)
        if stored is None or stored.version != correction.version:
            raise ConcurrentUpdateError()
        correction.version += 1
        self.items[correction.correction_id] = copy.deepcopy(correction)

    def list_for_applicant(self, id_number, position, limit):
        mine = [(f"{sortable(c.created_at)}#{c.correction_id}", c)
                for c in self.items.values() if c.id_number == id_number]
        return _page(mine, position, limit, newest_first=True)

    def queue_page(self, status, position, limit):
        listed = [(f"{sortable(c.created_at)}#{c.correction_id}", c) for c in self.items.values() if c.status is status]
        return _page(listed, position, limit, newest_first=status is not CorrectionStatus.OPEN)


class FakeAuditLog:
    def __init__(self) -> None:
        self.entries: dict[str, list[tuple[str, AuditEntry]]] = {}

    def record(self, subject, actor, action, at):
        key = f"{sortable(at)}#{uuid.uuid4().hex[:8]}"
        self.entries.setdefault(subject, []).append((key, AuditEntry(at, actor, action, subject)))

    def page(self, subject, position, limit, actor=None):
        mine = [(k, e) for k, e in self.entries.get(subject, []) if actor is None or e.actor == actor]
        return _page(mine, position, limit, newest_first=True)

    def by_actor(self, actor, position, limit):
        return _page([(k, e) for listed in self.entries.values() for k, e in listed if e.actor == actor],
                     position, limit, newest_first=True)

    def newest(self, position, limit):
        return _page([pair for listed in self.entries.values() for pair in listed], position, limit, newest_first=True)


class FakeAccountRepository:
    """Accounts by login key (`created`), their unique keys, and the lockout counters, under one
    lock so that racing tries each get their own number, as DynamoDB's conditional ADD gives.
    A phone change's notice goes to `outbox` (a shared fake, if given)."""

    def __init__(self, outbox: "FakeOutbox | None" = None) -> None:
        self.created: dict[str, object] = {}
        self.uniques: dict[str, str] = {}
        self.counters: dict[str, tuple[int, object]] = {}  # lock key -> (count, locked_until)
        self._lock = threading.Lock()
        self.outbox = outbox if outbox is not None else FakeOutbox()

    def get(self, account_id):
        found = [a for a in self.created.values() if a.account_id == account_id]
        return copy.deepcopy(found[0]) if found else None

    def by_login(self, login_key):
        return copy.deepcopy(self.created.get(login_key))

    def bound_to(self, id_number):
        owner = self.uniques.get(identity_key(id_number))
        return self.get(owner) if owner is not None else None

    def create(self, account, unique):
        keys = [account.login_key, *(k for k in unique if k != account.login_key)]
        with self._lock:
            if self.get(account.account_id) is not None:
                raise ConflictError(code="ACCOUNT_EXISTS")
            taken = [key for key in keys if key in self.uniques]
            if taken:
                raise ConflictError(code=unique.get(taken[0], "ACCOUNT_EXISTS"))
            self.uniques.update(dict.fromkeys(keys, account.account_id))
            self.created[account.login_key] = copy.deepcopy(account)

    def count_login_attempt(self, lock_key, now):
        with self._lock:
            count, locked_until = self.counters.get(lock_key, (0, None))
            if locked_until is not None and locked_until > now:
                return None
            self.counters[lock_key] = (count + 1, locked_until)
            return count + 1

    def lock_login(self, lock_key, until, now):
        with self._lock:
            _, locked_until = self.counters.get(lock_key, (0, None))
            if locked_until is None or locked_until <= now:
                self.counters[lock_key] = (0, until)

    def clear_login_failures(self, lock_key):
        with self._lock:
            self.counters.pop(lock_key, None)

    def lift_login_locks(self, account_id):
        account = self._stored(account_id)
        account.lock_epoch += 1

    def save_credentials(self, account):
        stored = self._stored(account.account_id)
        stored.password_hash, stored.disabled = account.password_hash, account.disabled

    def save_password(self, account):
        with self._lock:
            stored = self._at_version_before(account)
            stored.password_hash = account.password_hash
            stored.session_version, stored.kept_session = account.session_version, account.kept_session

    def move_phone(self, account, previous_login_key, notice):
        with self._lock:
            if account.login_key in self.uniques:
                raise ConflictError(code="PHONE_TAKEN")
            stored = self._at_version_before(account)
            if stored.login_key != previous_login_key or self.uniques.get(previous_login_key) != account.account_id:
                raise ConcurrentUpdateError()
            del self.uniques[previous_login_key], self.created[previous_login_key]
            self.uniques[account.login_key] = account.account_id
            stored.login_key, stored.phone = account.login_key, account.phone
            stored.session_version, stored.kept_session = account.session_version, account.kept_session
            self.created[account.login_key] = stored
            self.outbox.add(notice)

    def save_status(self, account):
        with self._lock:
            stored = self._at_version_before(account)
            stored.disabled = account.disabled
            stored.session_version, stored.kept_session = account.session_version, account.kept_session

    def unbind(self, account, previous_login_key):
        with self._lock:
            stored = self._at_version_before(account)
            if stored.login_key != previous_login_key:
                raise ConcurrentUpdateError()
            for key in (previous_login_key, identity_key(account.id_number)):
                if self.uniques.get(key, account.account_id) != account.account_id:
                    raise ConcurrentUpdateError()
            for key in (previous_login_key, identity_key(account.id_number)):
                self.uniques.pop(key, None)
            del self.created[previous_login_key]
            stored.login_key, stored.disabled = account.login_key, account.disabled
            stored.session_version, stored.kept_session = account.session_version, account.kept_session
            self.created[account.login_key] = stored

    def _at_version_before(self, account):
        stored = self._stored(account.account_id)
        if stored.session_version != account.session_version - 1:
            raise ConcurrentUpdateError()
        return stored

    def _stored(self, account_id):
        found = [a for a in self.created.values() if a.account_id == account_id]
        if not found:
            raise NotFoundError()
        return found[0]


class FakeSmsCodeRepository:
    """Codes by key as [hash, expires_at, attempts]; one lock stands for DynamoDB's conditions."""

    def __init__(self) -> None:
        self.codes: dict[str, list] = {}
        self._lock = threading.Lock()

    def put(self, key, code_hash, expires_at):
        with self._lock:
            self.codes[key] = [code_hash, expires_at, 0]

    def consume(self, key, code_hash, now, max_attempts):
        with self._lock:
            code = self.codes.get(key)
            if code is None or code[1] <= now or code[2] >= max_attempts:
                return False
            if code[0] == code_hash:
                del self.codes[key]
                return True
            code[2] += 1
            return False

    def matches(self, key, code_hash, now, max_attempts):
        with self._lock:
            code = self.codes.get(key)
            if code is None or code[1] <= now or code[2] >= max_attempts:
                return False
            if code[0] == code_hash:
                return True
            code[2] += 1
            return False


class FakeRateLimiter:
    """Fixed-window counters by key as [count, resets_at], under one lock."""

    def __init__(self) -> None:
        self.windows: dict[str, list] = {}
        self._lock = threading.Lock()

    def take(self, key, limit, resets_at, now):
        with self._lock:
            window = self.windows.get(key)
            if window is None or window[1] <= now:
                self.windows[key] = [1, resets_at]
                return None
            if window[0] < limit:
                window[0] += 1
                return None
            return window[1]

    def give_back(self, key, now):
        with self._lock:
            window = self.windows.get(key)
            if window is not None and window[1] > now and window[0] > 0:
                window[0] -= 1


class FakeOutbox:
    """The outbox port in memory. Each move holds only on the text as the caller saw it, as
    the DynamoDB outbox's conditional updates do, and one lock makes it atomic, so racing
    dispatchers lose the same way. `add` is what a notice's transaction writes."""

    def __init__(self) -> None:
        self.texts: dict[str, Sms] = {}
        self._lock = threading.Lock()

    def add(self, sms):
        self.texts[sms.outbox_id] = sms

    def get(self, outbox_id):
        if outbox_id not in self.texts:
            raise NotFoundError(details={"outbox_id": outbox_id})
        return self.texts[outbox_id]

    def due(self, status, now, limit):
        return [sms for sms in self.list(status, len(self.texts)) if sortable(sms.due_at) <= sortable(now)][:limit]

    def list(self, status, limit):
        with self._lock:
            texts = [sms for sms in self.texts.values() if sms.status is status]
        return sorted(texts, key=lambda sms: (sortable(sms.due_at), sms.outbox_id))[:limit]

    def claim(self, sms, token, lease_until):
        def unchanged(row):
            if sms.status is OutboxStatus.SENDING:
                return row.status is sms.status and row.lease_token == sms.lease_token
            return row.status is sms.status and sortable(row.due_at) == sortable(sms.due_at)
        return self._move(sms.outbox_id, unchanged, lambda row: replace(
            row, status=OutboxStatus.SENDING, lease_token=token, due_at=lease_until,
            attempts=row.attempts + 1)) is not None

    def mark_sent(self, outbox_id, token, provider_message_id, sent_at):
        return self._move(outbox_id, self._leased(token), lambda row: replace(
            row, status=OutboxStatus.SENT, provider_message_id=provider_message_id, sent_at=sent_at,
            due_at=sent_at, lease_token=None)) is not None

    def release(self, outbox_id, token, status, due_at, error, *, refund_attempt=False):
        return self._move(outbox_id, self._leased(token), lambda row: replace(
            row, status=status, due_at=due_at, last_error=error, lease_token=None,
            attempts=row.attempts - refund_attempt)) is not None

    def requeue(self, sms, due_at):
        moved = self._move(sms.outbox_id, lambda row: row.status is sms.status
                           and sortable(row.due_at) == sortable(sms.due_at), lambda row: replace(
                               row, status=OutboxStatus.PENDING, due_at=due_at, attempts=0, lease_token=None))
        if moved is None:
            raise ConcurrentUpdateError(details={"outbox_id": sms.outbox_id})
        return moved

    @staticmethod
    def _leased(token):
        return lambda row: row.status is OutboxStatus.SENDING and row.lease_token == token

    def _move(self, outbox_id, condition, change):
        with self._lock:
            row = self.texts.get(outbox_id)
            if row is None or not condition(row):
                return None
            self.texts[outbox_id] = change(row)
            return self.texts[outbox_id]


class Killed(BaseException):
    """The function killed mid-send (a Lambda timeout): like SystemExit, nothing in a service catches it."""


class FakeSms:
    """The SMS port in memory: what the provider accepted, as (phone, rendered text), in `sent`.

    Raises `errors` one per send first, then accepts texts; with `killed_after_send`,
    the function dies (`Killed`) right after the provider accepted a text. With `per_second`,
    it throttles (`SmsThrottledError`, counted in `throttled`) what comes faster than that:
    a token bucket refilled at `per_second` on `clock`, holding one second's worth."""

    def __init__(self, *errors: Exception, killed_after_send: bool = False, per_second: float | None = None,
                 clock=time.monotonic) -> None:
        self.sent: list[tuple[str, str]] = []
        self.tries = 0
        self.throttled = 0
        self._errors = list(errors)
        self._killed = killed_after_send
        self._lock = threading.Lock()
        self._per_second, self._clock = per_second, clock
        self._tokens, self._filled = per_second, clock()

    def send(self, phone, content):
        with self._lock:
            self.tries += 1
            if self._errors:
                raise self._errors.pop(0)
            if self._per_second is not None and not self._take_token():
                self.throttled += 1
                raise SmsThrottledError("RequestLimitExceeded: over the fake's rate")
            self.sent.append((phone, content.text))
            message_id = f"fake-{uuid.uuid4().hex[:8]}"
        if self._killed:
            raise Killed()
        return message_id

    def texts_to(self, phone):
        return [text for to, text in self.sent if to == phone]

    def _take_token(self) -> bool:
        now = self._clock()
        self._tokens = min(self._per_second, self._tokens + (now - self._filled) * self._per_second)
        self._filled = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


_IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")  # JPEG, PNG; WebP is RIFF....WEBP


class FakePhotoProcessor:
    """Takes anything that starts like a JPEG, PNG or WebP file, refuses the rest by the real
    processor's codes, and makes a stand-in JPEG of the output size for the kind; records the
    kinds it normalised (`normalised`)."""

    MAX_UPLOAD_BYTES = 10 * 1024 * 1024
    ID_PHOTO_SIZE, DOCUMENT_SIZE = (413, 626), (1600, 1200)

    def __init__(self) -> None:
        self.normalised: list[MaterialKind] = []

    def rejection_for_size(self, size):
        if size <= 0:
            return PhotoRejectedError("EMPTY", "上传的文件是空的，请重新选择照片上传")
        if size > self.MAX_UPLOAD_BYTES:
            return PhotoRejectedError("TOO_LARGE", "照片太大，请压缩后重新上传")
        return None

    def normalise(self, data, kind):
        refusal = self.rejection_for_size(len(data))
        if refusal is not None:
            raise refusal
        if not (data.startswith(_IMAGE_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")):
            raise PhotoRejectedError("NOT_AN_IMAGE", "无法识别为照片，请上传JPEG、PNG或WebP格式的图片")
        width, height = self.ID_PHOTO_SIZE if kind is MaterialKind.ID_PHOTO else self.DOCUMENT_SIZE
        jpeg = b"\xff\xd8" + kind.value.encode() + hashlib.sha256(data).digest() + b"\xff\xd9"
        self.normalised.append(kind)
        return NormalisedPhoto(jpeg, width, height, hashlib.sha256(jpeg).hexdigest())


class FakeCertificateRenderer:
    """Stand-in PDF and PNG files (right signatures, the same bytes for the same arguments);
    records each render as (registration number, verify URL) in `rendered`, and the verification
    code printed under the QR by registration number in `codes`."""

    def __init__(self) -> None:
        self.rendered: list[tuple[str, str]] = []
        self.codes: dict[str, str] = {}

    def render(self, certificate, photo_jpeg, verify_url, verification_code):
        self.rendered.append((certificate.registration_no, verify_url))
        self.codes[certificate.registration_no] = verification_code
        digest = hashlib.sha256(repr((certificate, photo_jpeg, verify_url, verification_code)).encode()
                                ).hexdigest().encode()
        return RenderedCertificate(pdf=b"%PDF-1.4\n% " + digest + b"\n%%EOF\n", png=b"\x89PNG\r\n\x1a\n" + digest)

    def placeholder_photo(self):
        return b"\xff\xd8placeholder\xff\xd9"


class FakeMessageRepository:
    """Messages by owner and id; `add` is what a save's transaction writes."""

    def __init__(self) -> None:
        self.messages: dict[tuple[str, str], Message] = {}

    def add(self, message):
        self.messages[(message.owner, message.message_id)] = message

    def list(self, owner, position, limit):
        mine = [(message_id, m) for (o, message_id), m in self.messages.items() if o == owner]
        return _page(mine, position, limit, newest_first=True)

    def unread_count(self, owner):
        return sum(1 for (o, _), m in self.messages.items() if o == owner and not m.read)

    def mark_read(self, owner, message_id):
        message = self.messages.get((owner, message_id))
        if message is None:
            raise NotFoundError()
        self.messages[(owner, message_id)] = replace(message, read=True)
        return self.messages[(owner, message_id)]


class FakeCertificateRepository:
    """Certificates and counters; `issue` writes into the application, register, message and
    outbox fakes it is given, all or nothing, on the same conditions as the DynamoDB transaction."""

    def __init__(self, applications: FakeApplicationRepository | None = None,
                 register: FakeRegisterRepository | None = None,
                 mailings: "FakeMailingRepository | None" = None) -> None:
        self.mailings = mailings if mailings is not None else FakeMailingRepository()
        self.certificates: dict[str, Certificate] = {}
        self.counters: dict[str, int] = {}
        self.applications = applications if applications is not None else FakeApplicationRepository()
        self.register = register if register is not None else FakeRegisterRepository()
        self._lock = threading.Lock()

    def get(self, registration_no):
        return self.certificates.get(registration_no)

    def get_many(self, registration_nos):
        if len(set(registration_nos)) > 100:
            raise ValueError("at most 100 numbers per batch read")
        return {n: self.certificates[n] for n in registration_nos if n in self.certificates}

    def of_holder(self, id_number):
        mine = [c for c in self.certificates.values() if c.id_number == id_number]
        return sorted(mine, key=lambda c: (sortable(c.issued_at), c.registration_no), reverse=True)

    def add(self, certificate):
        with self._lock:
            if certificate.registration_no in self.certificates:
                return False
            self.certificates[certificate.registration_no] = certificate
            return True

    def next_sequence(self, name):
        with self._lock:
            self.counters[name] = self.counters.get(name, 0) + 1
            return self.counters[name]

    def issue(self, application, certificate, registration, messages, sms, now, *, replacing=(), mailing=None):
        with self._lock:
            if certificate.registration_no in self.certificates:
                raise ConcurrentUpdateError()
            if mailing is not None and mailing.registration_no in self.mailings.items:
                raise ConcurrentUpdateError()
            for old in replacing:
                stored = self.certificates.get(old.registration_no)
                if stored is None or stored.replaced_by is not None or stored.revoked_at != old.revoked_at:
                    raise ConcurrentUpdateError()
            self.applications.save(application, messages, sms)
            self.certificates[certificate.registration_no] = certificate
            for old in replacing:
                self.certificates[old.registration_no] = old
            if registration is not None:
                self.register.upsert_registrations([registration])
            if mailing is not None:
                self.mailings.add(mailing)

    def revoke(self, certificate):
        with self._lock:
            stored = self.certificates.get(certificate.registration_no)
            if stored is None:
                raise NotFoundError()
            if stored.revoked_at is not None:
                raise ConflictError(code="ALREADY_REVOKED")
            self.certificates[certificate.registration_no] = replace(
                stored, revoked_at=certificate.revoked_at, revocation_reason=certificate.revocation_reason)


class FakeMailingRepository:
    """Mailings by registration number; a save's notices go to `messages` and `outbox` (shared fakes,
    if given). Conditional on the version as the DynamoDB repository's writes are."""

    def __init__(self, messages: FakeMessageRepository | None = None, outbox: FakeOutbox | None = None) -> None:
        self.items: dict[str, object] = {}
        self.messages = messages if messages is not None else FakeMessageRepository()
        self.outbox = outbox if outbox is not None else FakeOutbox()
        self._lock = threading.RLock()

    def get(self, registration_no):
        stored = self.items.get(registration_no)
        return copy.deepcopy(stored) if stored is not None else None

    def get_many(self, registration_nos):
        return {no: copy.deepcopy(self.items[no]) for no in dict.fromkeys(registration_nos) if no in self.items}

    def add(self, mailing):
        with self._lock:
            if mailing.registration_no in self.items:
                return False
            mailing.version = 1
            self.items[mailing.registration_no] = copy.deepcopy(mailing)
            return True

    def save(self, mailing, messages=(), sms=()):
        with self._lock:
            self._write(mailing)
            for message in messages:
                self.messages.add(message)
            for text in sms:
                self.outbox.add(text)

    def save_many(self, mailings):
        for start in range(0, len(mailings), 100):
            chunk = list(mailings[start:start + 100])
            with self._lock:
                if any(self._stale(m) for m in chunk):
                    raise ConcurrentUpdateError()
                for mailing in chunk:
                    self._write(mailing)

    def _stale(self, mailing):
        stored = self.items.get(mailing.registration_no)
        return stored is None or stored.version != mailing.version

    def _write(self, mailing):
        if self._stale(mailing):
            raise ConcurrentUpdateError()
        mailing.version += 1
        self.items[mailing.registration_no] = copy.deepcopy(mailing)

    def window_page(self, year, state, position, limit):
        listed = [(m.registration_no, m) for m in self.items.values() if m.window_year == year and m.state is state]
        return _page(listed, position, limit, newest_first=False)


class FakeObjectStore:
    """The bucket in memory: `objects` maps a key to (bytes, content type)."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}

    def size(self, key):
        return len(self.objects[key][0]) if key in self.objects else None

    def read(self, key):
        if key not in self.objects:
            raise KeyError(key)
        return self.objects[key][0]

    def read_if_present(self, key):
        return self.objects[key][0] if key in self.objects else None

    def write(self, key, body, content_type):
        self.objects[key] = (bytes(body), content_type)

    def delete(self, key):
        self.objects.pop(key, None)

    def delete_many(self, keys):
        for key in list(keys):
            self.delete(key)

    def keys(self, prefix):
        return sorted(key for key in self.objects if key.startswith(prefix))

    def download_url(self, key, expires_in=300):
        return f"https://files.example.test/{key}?expires_in={expires_in}"


class FakeUploadSigner:
    """Hands out upload forms and records each as (key, max_bytes, expires_in) in `signed`."""

    def __init__(self) -> None:
        self.signed: list[tuple[str, int, int]] = []

    def presigned_post(self, key, max_bytes, expires_in):
        self.signed.append((key, max_bytes, expires_in))
        return {"url": "https://uploads.example.test/", "fields": {"key": key}}


class FakeTokenSigner(TokenService):
    """The real signer, which is pure, under a fixed test key."""

    def __init__(self) -> None:
        super().__init__(b"fake token signing key, 32 bytes+")


class FakeContinuation:
    """Records the jobs asked to go on, in `requested`."""

    def __init__(self) -> None:
        self.requested: list[str] = []

    def request(self, job):
        self.requested.append(job)


class FakeJobLeases:
    """Leases in memory, by job name as (holder, until) in `held`, under one lock."""

    def __init__(self) -> None:
        self.held: dict[str, tuple[str, datetime]] = {}
        self._lock = threading.Lock()

    def acquire(self, name, holder, until, now):
        with self._lock:
            current = self.held.get(name)
            if current is not None and current[0] != holder and current[1] > now:
                return False
            self.held[name] = (holder, until)
            return True

    def release(self, name, holder):
        with self._lock:
            if self.held.get(name, (None,))[0] == holder:
                del self.held[name]


class FakeWorkQueue:
    """A queue in memory: `sent` holds every item sent, in order (a copy, as a JSON body would be);
    an item's receipt is its position there, and `deleted` holds the receipts `done` was given."""

    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.deleted: list[str] = []

    def send(self, items):
        self.sent.extend(json.loads(json.dumps(item)) for item in items)

    def done(self, receipts):
        self.deleted.extend(receipts)

    def pending(self) -> list[tuple[str, dict]]:
        """(receipt, item) of every item not deleted."""
        return [(str(n), item) for n, item in enumerate(self.sent) if str(n) not in self.deleted]


class FakeDeadLetterQueue:
    """SQS and Lambda in memory: `add` queues the body Lambda's on-failure destination would send
    (read by the real adapter's parser), a held message stays hidden until released, and `replay`
    records `(function, event)` in `replayed` unless `refuse_next` asked it to refuse."""

    def __init__(self) -> None:
        self.messages: dict[str, str] = {}  # message id -> body, in arrival order
        self.held: dict[str, str] = {}  # message id -> receipt of its current hold
        self.replayed: list[tuple[str, dict]] = []
        self._refusals: list[str] = []

    def add(self, record: dict | str) -> str:
        message_id = str(uuid.uuid4())
        self.messages[message_id] = record if isinstance(record, str) else json.dumps(record)
        return message_id

    def refuse_next(self, code: str, message: str) -> None:
        self._refusals.append(f"{code}: {message}")

    def hold(self, limit, seconds):
        free = [message_id for message_id in self.messages if message_id not in self.held][:min(limit, 10)]
        for message_id in free:
            self.held[message_id] = uuid.uuid4().hex
        return [failed_invocation({"MessageId": message_id, "ReceiptHandle": self.held[message_id],
                                   "Body": self.messages[message_id]}) for message_id in free]

    def release(self, held):
        for item in held:
            if self.held.get(item.message_id) == item.receipt:
                del self.held[item.message_id]

    def replay(self, failed):
        if not failed.function:
            raise ReplayRefusedError("not a Lambda on-failure record: no function to invoke")
        if self._refusals:
            raise ReplayRefusedError(self._refusals.pop(0))
        self.replayed.append((failed.function, copy.deepcopy(failed.event)))

    def delete(self, failed):
        self.messages.pop(failed.message_id, None)
        self.held.pop(failed.message_id, None)


class FakeClock:
    """A clock that stands still until moved with `advance`."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self):
        return self.at

    def advance(self, by: timedelta) -> None:
        self.at += by


class FakeIdGenerator:
    """Ids counted up from 1, as 32 hex digits."""

    def __init__(self) -> None:
        self._next = itertools.count(1)

    def new_id(self):
        return f"{next(self._next):032x}"
