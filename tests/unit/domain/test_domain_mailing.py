"""The mailing of a paper certificate: its one transition table, its history, and what shipping needs."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain import texts
from chalicelib.domain.errors import InvalidTransitionError, ValidationError
from chalicelib.domain.levels import Level
from chalicelib.domain.mailing import (
    TRANSITIONS,
    Mailing,
    MailingState,
    parse_note,
    parse_shipment,
    shipped_notices,
)
from tests.ids import make_id

NOW = datetime(2030, 5, 1, 2, 0, tzinfo=timezone.utc)
PERSON = make_id()


def _mailing(**changes) -> Mailing:
    return Mailing.start(registration_no="BJ2030000001", application_id="app-1", id_number=PERSON,
                         window_year=2030, level=Level.ASSISTANT, recipient="周晓梅", phone="13800138000",
                         address="北京市西城区某街1号", postal_code="100032", notify_phone="13900139000", now=NOW,
                         **changes)


def _shipped() -> Mailing:
    mailing = _mailing()
    mailing.mark_printed("ops", NOW)
    mailing.ship("中国邮政EMS", "EA123456789CN", "ops", NOW + timedelta(hours=1))
    return mailing


def test_a_new_mailing_waits_to_be_printed_and_records_its_creation():
    mailing = _mailing()
    assert mailing.state is MailingState.TO_PRINT
    assert [(e.from_state, e.to_state) for e in mailing.history] == [(None, MailingState.TO_PRINT)]


def test_every_state_has_a_chinese_name():
    assert [s.chinese for s in MailingState] == ["待打印", "已打印", "已寄出", "已签收", "已退回"]


def test_the_happy_path_is_printed_shipped_delivered_each_move_recorded_with_who_and_when():
    mailing = _shipped()
    mailing.mark_delivered(None, "admin1", NOW + timedelta(days=2))
    assert mailing.state is MailingState.DELIVERED
    moves = [(e.actor, e.from_state, e.to_state) for e in mailing.history[1:]]
    assert moves == [("ops", MailingState.TO_PRINT, MailingState.PRINTED),
                     ("ops", MailingState.PRINTED, MailingState.SHIPPED),
                     ("admin1", MailingState.SHIPPED, MailingState.DELIVERED)]
    assert mailing.history[2].note == "已寄出：中国邮政EMS EA123456789CN"
    assert mailing.updated_at == NOW + timedelta(days=2)


def test_a_returned_mailing_can_be_shipped_again_under_a_new_waybill():
    mailing = _shipped()
    mailing.mark_returned("地址不详", "admin1", NOW + timedelta(days=3))
    assert mailing.state is MailingState.RETURNED and mailing.history[-1].note == "地址不详"
    assert mailing.ship("顺丰速运", "SF1234567890123", "admin1", NOW + timedelta(days=4)) is True
    assert (mailing.state, mailing.carrier, mailing.tracking_no) == (
        MailingState.SHIPPED, "顺丰速运", "SF1234567890123")
    assert mailing.shipped_at == NOW + timedelta(days=4)


def test_shipping_again_with_the_same_waybill_changes_nothing():
    mailing = _shipped()
    before = len(mailing.history)
    assert mailing.ship("中国邮政EMS", "EA123456789CN", "ops", NOW + timedelta(days=1)) is False
    assert len(mailing.history) == before and mailing.shipped_at == NOW + timedelta(hours=1)


def test_a_waybill_used_before_ships_nothing_again_even_after_a_return():
    mailing = _shipped()
    mailing.mark_returned("地址不详", "admin1", NOW + timedelta(days=3))
    assert mailing.ship("中国邮政EMS", "EA123456789CN", "ops", NOW + timedelta(days=4)) is False
    assert mailing.state is MailingState.RETURNED
    mailing.ship("顺丰速运", "SF1234567890123", "admin1", NOW + timedelta(days=5))
    assert mailing.waybills == ("EA123456789CN", "SF1234567890123")


def test_a_shipped_mailing_cannot_be_shipped_under_another_waybill():
    with pytest.raises(InvalidTransitionError) as raised:
        _shipped().ship("顺丰速运", "SF1234567890123", "ops", NOW)
    assert "已寄出" in raised.value.message


@pytest.mark.parametrize("state", list(MailingState))
def test_every_move_outside_the_table_is_refused_in_chinese(state):
    moves = {MailingState.PRINTED: lambda m: m.mark_printed("x", NOW),
             MailingState.SHIPPED: lambda m: m.ship("EMS", "EA123456789CN", "x", NOW),
             MailingState.DELIVERED: lambda m: m.mark_delivered(None, "x", NOW),
             MailingState.RETURNED: lambda m: m.mark_returned("退回", "x", NOW)}
    for target, move in moves.items():
        if target in TRANSITIONS[state]:
            continue
        mailing = _mailing()
        mailing.state = state
        with pytest.raises(InvalidTransitionError) as raised:
            move(mailing)
        assert raised.value.message.isascii() is False and "{" not in raised.value.message


def test_a_to_print_mailing_cannot_ship_before_it_is_printed():
    with pytest.raises(InvalidTransitionError):
        _mailing().ship("EMS", "EA123456789CN", "ops", NOW)


def test_a_shipment_needs_a_carrier_and_a_tracking_number_each_reason_in_chinese():
    with pytest.raises(ValidationError) as raised:
        parse_shipment("", "  ")
    assert raised.value.code == "MAILING_SHIPMENT_INVALID"
    assert raised.value.details == {"carrier": "请填写快递公司", "tracking_no": "请填写快递单号"}


@pytest.mark.parametrize("carrier, tracking_no, field", [
    ("【EMS】", "EA123456789CN", "carrier"),
    ("ems.com.cn", "EA123456789CN", "carrier"),
    ("快" * 21, "EA123456789CN", "carrier"),
    ("EMS", "EA12", "tracking_no"),
    ("EMS", "EA1234567 89CN", "tracking_no"),
    ("EMS", "单号123456", "tracking_no"),
])
def test_a_carrier_or_tracking_number_an_sms_could_not_carry_is_refused(carrier, tracking_no, field):
    with pytest.raises(ValidationError) as raised:
        parse_shipment(carrier, tracking_no)
    assert list(raised.value.details) == [field]


def test_a_tracking_number_is_kept_in_capitals_without_spaces_around_it():
    assert parse_shipment(" 顺丰速运 ", " sf1234567890123 ") == ("顺丰速运", "SF1234567890123")


def test_a_note_is_required_when_asked_and_none_when_optional_and_absent():
    assert parse_note(None, required=False) is None
    assert parse_note(" 本人签收 ", required=False) == "本人签收"
    with pytest.raises(ValidationError):
        parse_note("", required=True)


def test_shipping_tells_the_applicant_the_tracking_number_in_a_message_and_an_sms():
    [message], [sms] = shipped_notices(_shipped())
    assert message.owner == PERSON and message.title == "您的证书已寄出"
    assert message.body.startswith("您的证书已寄出，快递单号EA123456789CN（中国邮政EMS）")
    assert sms.phone == "13900139000"
    assert sms.text == texts.SMS_SIGNATURE + "您的证书已寄出，快递单号EA123456789CN（中国邮政EMS），请注意查收。"
