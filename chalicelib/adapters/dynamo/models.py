"""PynamoDB models: the only place that knows table layouts.

Tables are named `<SWREG_TABLE_PREFIX><name>` (see `tables.bind`). Access
patterns — every read is a key lookup or a query on one of these indexes, never
a table scan on a request path:

- practitioners      get by id_number; `by_certificate_no`, `by_name`: the helpdesk's
                     exact look-ups by certificate management number and by name
- registrations      query by id_number (sort: registration_year);
                     `by_registration_no`: get by registration number
- ce_records         query by id_number (sort: record_key = completed_on#digest)
- windows            get by year; query none (a handful of rows, read by key)
- applications       get by application_id;
                     `by_applicant`: an applicant's history, newest first;
                     `by_queue`: (window year, status) ordered by queue_sort
                     (submission time), for the review queue and window jobs;
                     pending reconsiderations of every window in one partition
                     (`reconsideration_requested`, by request time);
                     `by_queue_type`: the same per registration type (queue
                     filter, and COUNT queries for `swreg stats recount`)
- uniques            conditional puts that make a value unique across items
                     (one live application per practitioner and window, one
                     account per phone, per ID number, per staff username)
- accounts           get by account_id (the token subject);
                     `by_login`: account_id for a login key (phone#…, staff#…)
- sms_codes          get by purpose#phone; expire by TTL
- rate_limits        conditional atomic counters per key and period; TTL. Also the
                     password-lockout counters (`login-lock#<lock key>`, with
                     `locked_until`): per applicant account, and per staff
                     account and client address (`accounts.login_lock_key`)
- messages           query by owner (id_number), newest first (sort: message_key)
- outbox             get by outbox_id; `by_status`: due rows of a status, oldest first
- audit              query by subject (application id): who viewed the full file, when;
                     `by_actor`: one staff member's entries, newest first; `by_feed`:
                     every entry newest first (one constant partition, see AuditItem)
- certificates       get by registration_no (verification, download);
                     `by_holder`: a holder's certificates, newest first
- counters           atomic counters by name (registration-number sequences); the review
                     stats' shards `stats#<year>#<shard>` (StatsShardItem), read in one batch
                     and the exclusive jobs' leases `job#<name>` (JobLeaseItem, adapters/dynamo/leases.py)
- mailings           get (and batch get) by registration_no; `by_window_state`:
                     a window's mailings in one state (`<year>#<state>`) by
                     registration number (the admins' list, the post-office export)
- corrections        get by correction_id; `by_owner`: a person's correction requests,
                     newest first; `by_status`: requests of a status by
                     creation time (the admins' list, open ones first come first served)
"""
from __future__ import annotations

import json

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    TTLAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.domain import tally


class Utf8JSONAttribute(JSONAttribute):
    """JSON stored as UTF-8 text: a Chinese character costs 3 bytes of the 400 KB item limit
    instead of the 6 of a `\\uXXXX` escape (12 for a character outside the BMP). Reads
    either form."""

    def serialize(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _Table(Model):
    """Shared Meta: names and region are bound from Settings at start-up."""

    class Meta:
        table_name = None
        billing_mode = "PAY_PER_REQUEST"


class CertificateNoIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_certificate_no"
        projection = AllProjection()

    certificate_no = UnicodeAttribute(hash_key=True)


class NameIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_name"
        projection = AllProjection()

    name = UnicodeAttribute(hash_key=True)


class PractitionerItem(_Table):
    class Meta(_Table.Meta):
        base_name = "practitioners"

    id_number = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    certificate_no = UnicodeAttribute()
    level = UnicodeAttribute()
    qualification_year = NumberAttribute()
    updated_at = UTCDateTimeAttribute()
    by_certificate_no = CertificateNoIndex()
    by_name = NameIndex()


class RegistrationNoIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_registration_no"
        projection = AllProjection()

    registration_no = UnicodeAttribute(hash_key=True)


class RegistrationItem(_Table):
    class Meta(_Table.Meta):
        base_name = "registrations"

    id_number = UnicodeAttribute(hash_key=True)
    registration_year = NumberAttribute(range_key=True)
    registration_no = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()
    by_registration_no = RegistrationNoIndex()


class CeRecordItem(_Table):
    class Meta(_Table.Meta):
        base_name = "ce_records"

    id_number = UnicodeAttribute(hash_key=True)
    record_key = UnicodeAttribute(range_key=True)
    completed_on = UnicodeAttribute()
    hours = UnicodeAttribute()
    course = UnicodeAttribute()
    provider = UnicodeAttribute()
    updated_at = UTCDateTimeAttribute()


class WindowItem(_Table):
    class Meta(_Table.Meta):
        base_name = "windows"

    year = NumberAttribute(hash_key=True)
    opens_at = UTCDateTimeAttribute()
    closes_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()


class ApplicantIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_applicant"
        projection = KeysOnlyProjection()

    id_number = UnicodeAttribute(hash_key=True)
    created_sort = UnicodeAttribute(range_key=True)


class QueueIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_queue"
        projection = KeysOnlyProjection()

    queue_key = UnicodeAttribute(hash_key=True)
    queue_sort = UnicodeAttribute(range_key=True)


class QueueTypeIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_queue_type"
        projection = KeysOnlyProjection()

    queue_type_key = UnicodeAttribute(hash_key=True)
    queue_sort = UnicodeAttribute(range_key=True)


class ApplicationItem(_Table):
    class Meta(_Table.Meta):
        base_name = "applications"

    application_id = UnicodeAttribute(hash_key=True)
    id_number = UnicodeAttribute()
    created_sort = UnicodeAttribute()
    queue_key = UnicodeAttribute()
    queue_type_key = UnicodeAttribute()
    queue_sort = UnicodeAttribute()
    body = Utf8JSONAttribute()
    version = VersionAttribute()
    by_applicant = ApplicantIndex()
    by_queue = QueueIndex()
    by_queue_type = QueueTypeIndex()
    # Not an attribute, never stored: the stats counters a write of this item moves (`tally.changes`),
    # set by `applications.application_item` and written in the same transaction.
    counter_changes: tally.Changes = {}


class UniqueItem(_Table):
    class Meta(_Table.Meta):
        base_name = "uniques"

    key = UnicodeAttribute(hash_key=True)
    owner = UnicodeAttribute()


class LoginIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_login"
        projection = KeysOnlyProjection()

    login_key = UnicodeAttribute(hash_key=True)


class AccountItem(_Table):
    class Meta(_Table.Meta):
        base_name = "accounts"

    account_id = UnicodeAttribute(hash_key=True)
    login_key = UnicodeAttribute()
    role = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    id_number = UnicodeAttribute(null=True)
    username = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute()
    disabled = BooleanAttribute(default=False)
    # Generation of the password-lockout counters; `swreg reviewer unlock` adds one.
    lock_epoch = NumberAttribute(default=0)
    # Sessions (domain.accounts.Account): a reset or change raises the version; the caller's kept session.
    session_version = NumberAttribute(default=0)
    kept_session = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    by_login = LoginIndex()


class SmsCodeItem(_Table):
    class Meta(_Table.Meta):
        base_name = "sms_codes"

    code_key = UnicodeAttribute(hash_key=True)
    code_hash = UnicodeAttribute()
    expires_at = UTCDateTimeAttribute()
    attempts = NumberAttribute(default=0)
    ttl = TTLAttribute()


class RateLimitItem(_Table):
    class Meta(_Table.Meta):
        base_name = "rate_limits"

    limit_key = UnicodeAttribute(hash_key=True)
    count = NumberAttribute(default=0)
    ttl = TTLAttribute()
    # Only on password-lockout counters: the key refuses tries until then.
    locked_until = UTCDateTimeAttribute(null=True)


class MessageItem(_Table):
    class Meta(_Table.Meta):
        base_name = "messages"

    owner = UnicodeAttribute(hash_key=True)
    message_key = UnicodeAttribute(range_key=True)
    message_id = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    application_id = UnicodeAttribute(null=True)
    read = BooleanAttribute(default=False)
    created_at = UTCDateTimeAttribute()


class OutboxStatusIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    due_sort = UnicodeAttribute(range_key=True)


class OutboxItem(_Table):
    class Meta(_Table.Meta):
        base_name = "outbox"

    outbox_id = UnicodeAttribute(hash_key=True)
    phone = UnicodeAttribute()
    text = UnicodeAttribute()
    # The SMS template and its parameters (`domain.outbox.SmsContent`); absent on a row queued
    # before templates, whose text alone can still go to the local sink.
    template = UnicodeAttribute(null=True)
    params = JSONAttribute(null=True)
    status = UnicodeAttribute()
    due_sort = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    provider_message_id = UnicodeAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    lease_token = UnicodeAttribute(null=True)
    lease_until = UTCDateTimeAttribute(null=True)
    sent_at = UTCDateTimeAttribute(null=True)
    by_status = OutboxStatusIndex()


class AuditActorIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_actor"
        projection = AllProjection()

    actor = UnicodeAttribute(hash_key=True)
    entry_key = UnicodeAttribute(range_key=True)


class AuditFeedIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_feed"
        projection = AllProjection()

    feed = UnicodeAttribute(hash_key=True)
    entry_key = UnicodeAttribute(range_key=True)


AUDIT_FEED = "all"


class AuditItem(_Table):
    """`feed` is one constant value on every entry, so `by_feed` lists the whole log newest
    first with one query per page. One partition is enough: audit entries are written by staff
    (a few dozen people, each a look or an action every few seconds at most), far below the
    1,000 writes a second one index partition takes, and a GSI partition has no size limit. A
    per-month partition would make the newest-first listing walk back month by month, through
    empty months, with no floor to stop at."""

    class Meta(_Table.Meta):
        base_name = "audit"

    subject = UnicodeAttribute(hash_key=True)
    entry_key = UnicodeAttribute(range_key=True)
    actor = UnicodeAttribute()
    action = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    feed = UnicodeAttribute(default=AUDIT_FEED)
    by_actor = AuditActorIndex()
    by_feed = AuditFeedIndex()


class HolderIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_holder"
        projection = AllProjection()

    id_number = UnicodeAttribute(hash_key=True)
    issued_sort = UnicodeAttribute(range_key=True)


class CertificateItem(_Table):
    class Meta(_Table.Meta):
        base_name = "certificates"

    registration_no = UnicodeAttribute(hash_key=True)
    id_number = UnicodeAttribute()
    issued_sort = UnicodeAttribute()
    body = Utf8JSONAttribute()
    revoked_at = UTCDateTimeAttribute(null=True)
    revocation_reason = UnicodeAttribute(null=True)
    replaced_by = UnicodeAttribute(null=True)
    replaced_at = UTCDateTimeAttribute(null=True)
    by_holder = HolderIndex()


class CorrectionOwnerIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_owner"
        projection = AllProjection()

    id_number = UnicodeAttribute(hash_key=True)
    created_sort = UnicodeAttribute(range_key=True)


class CorrectionStatusIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    created_sort = UnicodeAttribute(range_key=True)


class CorrectionItem(_Table):
    class Meta(_Table.Meta):
        base_name = "corrections"

    correction_id = UnicodeAttribute(hash_key=True)
    id_number = UnicodeAttribute()
    status = UnicodeAttribute()
    created_sort = UnicodeAttribute()
    body = Utf8JSONAttribute()
    version = VersionAttribute()
    by_owner = CorrectionOwnerIndex()
    by_status = CorrectionStatusIndex()


class MailingWindowStateIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_window_state"
        projection = AllProjection()

    window_state = UnicodeAttribute(hash_key=True)
    registration_no = UnicodeAttribute(range_key=True)


class MailingItem(_Table):
    """A mailed paper certificate (`domain.mailing.Mailing`) as a JSON document, beside its keys."""

    class Meta(_Table.Meta):
        base_name = "mailings"

    registration_no = UnicodeAttribute(hash_key=True)
    window_state = UnicodeAttribute()
    body = Utf8JSONAttribute()
    version = VersionAttribute()
    by_window_state = MailingWindowStateIndex()


class CounterItem(_Table):
    class Meta(_Table.Meta):
        base_name = "counters"

    name = UnicodeAttribute(hash_key=True)
    value = NumberAttribute(default=0)


# A shard of a window's application counters (`tally.item_name`) in the counters table: a number per
# (status, type), named by `tally.attribute`. Built with `type` so the names come from the domain's
# enums; CounterItem's Meta, so it follows that table's binding.
StatsShardItem: type[CounterItem] = type("StatsShardItem", (CounterItem,), {
    "__module__": __name__, **{name: NumberAttribute(null=True) for name in tally.ATTRIBUTES}})


class JobLeaseItem(CounterItem):
    """A job's lease `job#<name>` in the counters table: the run holding it, and until when."""
    holder = UnicodeAttribute()
    until = UTCDateTimeAttribute()


MODELS: tuple[type[Model], ...] = (
    PractitionerItem,
    RegistrationItem,
    CeRecordItem,
    WindowItem,
    ApplicationItem,
    UniqueItem,
    AccountItem,
    SmsCodeItem,
    RateLimitItem,
    MessageItem,
    OutboxItem,
    AuditItem,
    CertificateItem,
    CounterItem,
    CorrectionItem,
    MailingItem,
)
