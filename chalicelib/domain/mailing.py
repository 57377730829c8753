"""Mailing paper certificates (邮寄, SPEC §2.10): one mailing per certificate whose application chose `mail`.

A mailing starts `to_print` in the transaction that issues its certificate, with
a snapshot of the application's mailing address, and moves through one table:
`to_print → printed → shipped → delivered | returned`, and `returned → shipped`
when the certificate is sent again. `_transition` is the only writer of
`state`; every move is recorded (who, when, from, to, note) in `history`, whose
first entry is the creation. Shipping needs a carrier and a tracking number;
shipping under a tracking number it was shipped under before is no change (a
carrier's file imported twice), so `ship` says whether it changed anything. The
entity never bumps `version`: that is the repository's optimistic lock.

Marking a mailing printed records the export's batch (`print_batch`, the export's date in Beijing):
an export prints a day's batch, and running it again that day prints the same batch again, while the
next day's export takes only the rows marked since (`services/mailings.selection`).

Also here: the post office's batch-file row (`export_row`) and the commands staff
send (`Shipment`, `MailingNote`, `MailingQuery`).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Mapping

from chalicelib.domain import spreadsheet, texts
from chalicelib.domain.eligibility import PickupMethod
from chalicelib.domain.errors import InvalidTransitionError, ValidationError
from chalicelib.domain.identity import clean_text
from chalicelib.domain.levels import Level
from chalicelib.domain.notifications import Message, new_message_id
from chalicelib.domain.outbox import Sms, SmsContent
from chalicelib.domain.windows import SHANGHAI

if TYPE_CHECKING:
    from chalicelib.domain.application import Application
    from chalicelib.domain.certificates import Certificate

CARRIER_MAX_LENGTH = 20
NOTE_MAX_LENGTH = 200
# Carriers' waybill numbers: letters, digits and dashes (EMS "EA123456789CN", SF "SF1234567890123").
TRACKING_NO = re.compile(r"[A-Za-z0-9-]{6,30}")
# A carrier's name as an SMS may quote it (no links, no brackets): 中国邮政EMS, 顺丰速运, SF Express.
CARRIER = re.compile(r"[\u4e00-\u9fffA-Za-z0-9 ]+")


class MailingState(StrEnum):
    TO_PRINT = "to_print"
    PRINTED = "printed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    RETURNED = "returned"

    @property
    def chinese(self) -> str:
        return texts.MAILING_STATE_LABELS[self.value]


_M = MailingState
TRANSITIONS: dict[MailingState, frozenset[MailingState]] = {
    _M.TO_PRINT: frozenset({_M.PRINTED}),
    _M.PRINTED: frozenset({_M.SHIPPED}),
    _M.SHIPPED: frozenset({_M.DELIVERED, _M.RETURNED}),
    # sent again (a new waybill) after the post office brought it back
    _M.RETURNED: frozenset({_M.SHIPPED}),
    _M.DELIVERED: frozenset(),
}


def print_batch_of(now: datetime) -> str:
    """The batch an export at `now` prints: its date in Beijing, `2026-12-02`."""
    return now.astimezone(SHANGHAI).date().isoformat()


@dataclass(frozen=True)
class MailingHistoryEntry:
    """One state change: who, when, from, to, note. Creation has `from_state` None."""

    at: datetime
    actor: str
    from_state: MailingState | None
    to_state: MailingState
    note: str | None = None


def parse_carrier(raw: object) -> str:
    value = clean_text(raw, field="carrier", label=texts.MAILING_LABELS["carrier"], max_length=CARRIER_MAX_LENGTH)
    if not CARRIER.fullmatch(value):
        raise ValidationError(details={"carrier": texts.reason("CARRIER_SHAPE", max_length=CARRIER_MAX_LENGTH)})
    return value


def parse_tracking_no(raw: object) -> str:
    value = unicodedata.normalize("NFKC", raw).strip().upper() if isinstance(raw, str) else ""
    if not value:
        raise ValidationError(details={"tracking_no": texts.reason("REQUIRED", label=texts.MAILING_LABELS["tracking_no"])})
    if not TRACKING_NO.fullmatch(value):
        raise ValidationError(details={"tracking_no": texts.reason("TRACKING_NO_SHAPE")})
    return value


def parse_note(raw: object, *, required: bool) -> str | None:
    """A staff note: trimmed, at most NOTE_MAX_LENGTH characters; None when optional and absent."""
    if not required and (raw is None or (isinstance(raw, str) and not raw.strip())):
        return None
    return clean_text(raw, field="note", label=texts.MAILING_LABELS["note"], max_length=NOTE_MAX_LENGTH)


def parse_shipment(carrier: object, tracking_no: object) -> tuple[str, str]:
    """(carrier, tracking_no), cleaned. ValidationError MAILING_SHIPMENT_INVALID naming every bad field."""
    problems: dict[str, str] = {}
    parsed: dict[str, str] = {}
    for name, parse, raw in (("carrier", parse_carrier, carrier), ("tracking_no", parse_tracking_no, tracking_no)):
        try:
            parsed[name] = parse(raw)
        except ValidationError as exc:
            problems.update(exc.details)
    if problems:
        raise ValidationError(code="MAILING_SHIPMENT_INVALID", details=problems)
    return parsed["carrier"], parsed["tracking_no"]


@dataclass
class Mailing:
    """The paper certificate `registration_no` on its way to the applicant. The address parts and
    `level` are snapshots taken at issue; `notify_phone` is the application's contact phone, which
    the shipping SMS goes to."""

    registration_no: str
    application_id: str
    id_number: str
    window_year: int
    level: Level
    recipient: str
    phone: str
    address: str
    postal_code: str
    state: MailingState
    created_at: datetime
    updated_at: datetime
    notify_phone: str | None = None
    carrier: str | None = None
    tracking_no: str | None = None
    shipped_at: datetime | None = None
    # Every tracking number it was shipped under, oldest first: a waybill is used once.
    waybills: tuple[str, ...] = ()
    # The export batch that printed it (`print_batch_of`); None until printed.
    print_batch: str | None = None
    history: list[MailingHistoryEntry] = field(default_factory=list)
    version: int = field(default=0, compare=False)

    @classmethod
    def start(cls, *, registration_no: str, application_id: str, id_number: str, window_year: int, level: Level,
              recipient: str, phone: str, address: str, postal_code: str, notify_phone: str | None,
              now: datetime, actor: str = "system") -> "Mailing":
        """A new mailing, `to_print`, its creation the first history entry."""
        return cls(registration_no=registration_no, application_id=application_id, id_number=id_number,
                   window_year=window_year, level=level, recipient=recipient, phone=phone, address=address,
                   postal_code=postal_code, state=MailingState.TO_PRINT, created_at=now, updated_at=now,
                   notify_phone=notify_phone,
                   history=[MailingHistoryEntry(now, actor, None, MailingState.TO_PRINT,
                                                texts.MAILING_NOTES["CREATED"])])

    def mark_printed(self, actor: str, now: datetime) -> None:
        """to_print → printed (the post office's batch file was written), in the batch of `now`'s date."""
        self._transition(MailingState.PRINTED, now, actor, texts.MAILING_NOTES["PRINTED"])
        self.print_batch = print_batch_of(now)

    def ship(self, carrier: str, tracking_no: str, actor: str, now: datetime) -> bool:
        """printed or returned → shipped with the waybill. False, changing nothing, when it was
        already shipped under that tracking number, whatever happened since (a carrier's file
        imported again after a return or a delivery ships nothing twice)."""
        if tracking_no in self.waybills:
            return False
        self._transition(MailingState.SHIPPED, now, actor,
                         texts.MAILING_NOTES["SHIPPED"].format(carrier=carrier, tracking_no=tracking_no))
        self.carrier, self.tracking_no, self.shipped_at = carrier, tracking_no, now
        self.waybills = (*self.waybills, tracking_no)
        return True

    def mark_returned(self, note: str, actor: str, now: datetime) -> None:
        """shipped → returned, with the reason (address wrong, nobody home…)."""
        self._transition(MailingState.RETURNED, now, actor, note)

    def mark_delivered(self, note: str | None, actor: str, now: datetime) -> None:
        """shipped → delivered."""
        self._transition(MailingState.DELIVERED, now, actor, note or texts.MAILING_NOTES["DELIVERED"])

    def _transition(self, target: MailingState, now: datetime, actor: str, note: str | None) -> None:
        """The one writer of `state`."""
        if now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        if target not in TRANSITIONS[self.state]:
            raise InvalidTransitionError(self.state.value, target.value)
        self.history.append(MailingHistoryEntry(now, actor, self.state, target, note))
        self.state = target
        self.updated_at = now


def shipped_notices(mailing: Mailing) -> tuple[list[Message], list[Sms]]:
    """The in-app message and the SMS telling the applicant the certificate is on its way
    (no SMS without a phone to send it to)."""
    at = mailing.shipped_at or mailing.updated_at
    params = {"carrier": mailing.carrier, "tracking_no": mailing.tracking_no}
    title, body = texts.notice("MailingShipped", **params)
    message = Message(owner=mailing.id_number, message_id=new_message_id(at), title=title, body=body,
                      created_at=at, application_id=mailing.application_id)
    phone = mailing.notify_phone or mailing.phone
    return [message], ([Sms.queue(phone, SmsContent.of("MailingShipped", **params), at)] if phone else [])


def mailing_for(application: "Application", certificate: "Certificate", now: datetime,
                actor: str = "system") -> Mailing | None:
    """The mailing a newly issued certificate starts, `to_print`, when its application chose
    `mail` (None for electronic pickup): the address as the application gives it, today. The
    certificate job starts it at issue; `swreg mailings backfill` for certificates issued before
    mailings existed."""
    fields = application.fields
    address = fields.mailing_address
    if fields.pickup_method is not PickupMethod.MAIL or address is None:
        return None
    return Mailing.start(
        registration_no=certificate.registration_no, application_id=application.application_id,
        id_number=application.id_number, window_year=application.window_year, level=certificate.level,
        recipient=address.recipient or "", phone=address.phone or "", address=address.address or "",
        postal_code=address.postal_code or "", notify_phone=fields.phone, now=now, actor=actor)


# --- the post office's batch file ---------------------------------------------------------

def export_row(mailing: Mailing) -> list[str]:
    """One line of the batch file, in the order of `texts.MAILING_EXPORT_HEADER`: the applicant's
    text never runs as a formula, and the phone and postal code keep their leading zeros."""
    text, digits = spreadsheet.text_cell, spreadsheet.digits_cell
    return [text(mailing.recipient), digits(mailing.phone), text(mailing.address), digits(mailing.postal_code),
            text(mailing.registration_no), mailing.level.chinese]


# --- commands: what staff send --------------------------------------------------------------

def _mapping(raw: Any) -> Mapping[str, Any]:
    return raw if isinstance(raw, Mapping) else {}


@dataclass(frozen=True)
class Shipment:
    """Shipped with `carrier` under `tracking_no` (POST …/shipped, a line of `swreg mailings ship`)."""

    carrier: str
    tracking_no: str

    @classmethod
    def from_json(cls, body: Any) -> "Shipment":
        body = _mapping(body)
        return cls(*parse_shipment(body.get("carrier"), body.get("tracking_no")))


@dataclass(frozen=True)
class MailingNote:
    """The note of a return (required) or a delivery (optional)."""

    note: str | None

    @classmethod
    def from_json(cls, body: Any, *, required: bool) -> "MailingNote":
        try:
            return cls(parse_note(_mapping(body).get("note"), required=required))
        except ValidationError as exc:
            raise ValidationError(code="MAILING_NOTE_INVALID", details=exc.details) from None


@dataclass(frozen=True)
class MailingQuery:
    """The admins' list (`?window=&state=`): a window (None: this year, Beijing time) and a state
    (None: every state)."""

    window: int | None = None
    state: MailingState | None = None

    @classmethod
    def from_query(cls, query: Any) -> "MailingQuery":
        query = _mapping(query)
        problems: dict[str, str] = {}
        window, state = query.get("window"), query.get("state")
        year = None
        if window not in (None, ""):
            if isinstance(window, str) and len(window) == 4 and window.isascii() and window.isdigit() \
                    and window[0] != "0":
                year = int(window)
            else:
                problems["window"] = texts.reason("QUERY_WINDOW")
        chosen = None
        if state not in (None, ""):
            chosen = next((member for member in MailingState if member.value == state), None)
            if chosen is None:
                problems["state"] = texts.reason("QUERY_CHOICE", name="state",
                                                 choices=", ".join(m.value for m in MailingState))
        if problems:
            raise ValidationError(code="MAILING_QUERY_INVALID", details=problems)
        return cls(year, chosen)
