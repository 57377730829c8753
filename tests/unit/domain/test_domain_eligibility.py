"""Which registration types apply in a window year, and why (SPEC §2.3, the manual's FAQ 2)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from chalicelib.domain.eligibility import (
    PickupMethod,
    RegistrationType,
    ReissueReason,
    allowed_reissue_reasons,
    evaluate,
)
from chalicelib.domain.levels import Level
from chalicelib.domain.materials import BASE_MATERIALS, MaterialKind
from chalicelib.domain.register import CeRecord, Practitioner, Registration
from chalicelib.domain.windows import SHANGHAI, Window
from tests.ids import make_id

FIRST, RENEWAL, LATE, REISSUE = RegistrationType
PERSON = make_id()
OTHER = make_id(seq=773)


def window(year: int = 2022) -> Window:
    return Window.create(year, datetime(year, 3, 1, 9, tzinfo=SHANGHAI), datetime(year, 4, 1, tzinfo=SHANGHAI))


def practitioner(qualified: int, level: Level = Level.ASSISTANT) -> Practitioner:
    return Practitioner(PERSON, "周晓梅", "Z2015000001", level, qualified)


def registered(*years: int) -> list[Registration]:
    return [Registration(PERSON, year, f"BJ{year}-000001") for year in years]


def enough_ce(since: int) -> list[CeRecord]:
    return [CeRecord(PERSON, date(since + 1, 6, 1), Decimal(90), "社会工作实务", "北京社会工作者协会")]


def eligible_types(qualified: int, years: tuple[int, ...], window_year: int = 2022) -> set[RegistrationType]:
    last = max(years, default=None)
    records = enough_ce(last) if last else []
    return set(evaluate(practitioner(qualified), registered(*years), records, window(window_year)).eligible_types)


@pytest.mark.parametrize("case, qualified, years, expected", [
    ("qualified 2021 → first", 2021, (), {FIRST}),
    ("registered 2019 → renewal (reissue only if lost)", 2016, (2019,), {RENEWAL, REISSUE}),
    ("last registered 2017 → late", 2010, (2011, 2014, 2017), {LATE}),
    ("qualified 2020, never registered → reissue", 2020, (), {REISSUE}),
    ("qualified 2012, never registered → reissue", 2012, (), {REISSUE}),
    ("registered 2020 → only reissue (b)", 2019, (2020,), {REISSUE}),
    ("registered 2021 → only reissue (b)", 2020, (2021,), {REISSUE}),
    ("qualified 2022 → nothing yet", 2022, (), set()),
])
def test_the_manuals_worked_cases_for_2022(case, qualified, years, expected):
    assert eligible_types(qualified, years) == expected, case


@pytest.mark.parametrize("case, qualified, years, expected", [
    ("qualified in a later year than the window", 2023, (), set()),
    ("registered in the window year itself", 2021, (2022,), {REISSUE}),
    ("last registered Y-4: missed by one cycle", 2015, (2018,), {LATE}),
    ("last registered long ago", 2008, (2009,), {LATE}),
    ("the latest registration decides, whatever the order", 2010, (2019, 2013, 2016), {RENEWAL, REISSUE}),
    ("registrations after the window year are ignored", 2016, (2019, 2023), {RENEWAL, REISSUE}),
])
def test_boundaries_of_the_year_rules(case, qualified, years, expected):
    assert eligible_types(qualified, years) == expected, case


def test_the_same_practitioner_moves_through_the_types_over_the_years():
    by_year = {year: eligible_types(2018, (2019,), window_year=year) for year in range(2018, 2025)}
    # 2019 already holds its registration (of 2019), so first is done and only reissue (b) is left.
    assert by_year == {2018: set(), 2019: {REISSUE}, 2020: {REISSUE}, 2021: {REISSUE},
                       2022: {RENEWAL, REISSUE}, 2023: {LATE}, 2024: {LATE}}


def test_a_window_year_judges_only_registrations_up_to_it():
    # In 2019 this person was registering for the first time (and could ask for a reissue once registered).
    assert eligible_types(2018, (), window_year=2019) == {FIRST}


def test_verdicts_come_in_the_order_first_renewal_late_reissue():
    result = evaluate(practitioner(2021), [], [], window())
    assert [v.type for v in result.verdicts] == [FIRST, RENEWAL, LATE, REISSUE]
    assert result.year == 2022
    assert result.verdict(RENEWAL) is result.verdicts[1]
    assert result.verdict("reissue") is result.verdicts[3]


@pytest.mark.parametrize("qualified, years, type_, code, reason", [
    (2021, (), FIRST, "FIRST_DUE", "您于2021年取得社会工作者职业资格，尚未登记，本年度应进行首登记。"),
    (2016, (2019,), RENEWAL, "RENEWAL_DUE", "您于2019年登记，有效期至2022年，本年度应进行再登记。"),
    (2010, (2017,), LATE, "LATE_DUE", "您最近一次登记在2017年，有效期至2020年，已错过再登记，本年度可申请补登记。"),
    (2020, (), REISSUE, "REISSUE_NEVER_REGISTERED", "您于2020年取得社会工作者职业资格，从未登记，本年度应申请补证。"),
    (2019, (2020,), REISSUE, "REISSUE_LOST_OR_DAMAGED", "您于2020年登记，有效期至2023年；仅在登记证书遗失或损坏时可申请补证。"),
    (2019, (2020,), FIRST, "FIRST_ALREADY_REGISTERED", "您已于2020年登记，不能再申请首登记。"),
    (2022, (), FIRST, "FIRST_NOT_YET", "您于2022年取得社会工作者职业资格，2023年方可申请首登记。"),
    (2020, (), FIRST, "FIRST_MISSED", "您于2020年取得社会工作者职业资格，首登记应在2021年进行；从未登记的请申请补证。"),
    (2021, (), RENEWAL, "RENEWAL_NEVER_REGISTERED", "您尚未登记过，不能申请再登记。"),
    (2019, (2020,), RENEWAL, "RENEWAL_NOT_DUE", "您于2020年登记，有效期至2023年，应在2023年进行再登记。"),
    (2010, (2017,), RENEWAL, "RENEWAL_MISSED", "您最近一次登记在2017年，有效期至2020年，已错过再登记，请申请补登记。"),
    (2021, (), LATE, "LATE_NEVER_REGISTERED", "您尚未登记过，不能申请补登记。"),
    (2016, (2019,), LATE, "LATE_RENEWAL_DUE_INSTEAD", "您于2019年登记，有效期至2022年，本年度请申请再登记。"),
    (2019, (2020,), LATE, "LATE_NOT_MISSED", "您于2020年登记，有效期至2023年，无需补登记。"),
    (2021, (), REISSUE, "REISSUE_FIRST_INSTEAD", "您于2021年取得社会工作者职业资格，本年度请申请首登记。"),
    (2022, (), REISSUE, "REISSUE_NOT_YET", "您于2022年取得社会工作者职业资格，2023年方可申请首登记。"),
    (2010, (2017,), REISSUE, "REISSUE_REGISTRATION_EXPIRED", "您最近一次登记在2017年，有效期已于2020年届满，请申请补登记。"),
])
def test_every_verdict_yes_or_no_explains_itself_in_chinese(qualified, years, type_, code, reason):
    last = max(years, default=None)
    verdict = evaluate(practitioner(qualified), registered(*years), enough_ce(last) if last else [],
                       window()).verdict(type_)
    assert (verdict.reason_code, verdict.reason) == (code, reason)


@pytest.mark.parametrize("level, hours, code, ce_required", [
    (Level.ASSISTANT, "71.9", "RENEWAL_DUE_CE_SHORT", True),
    (Level.ASSISTANT, "72", "RENEWAL_DUE", False),
    (Level.INTERMEDIATE, "89.9", "RENEWAL_DUE_CE_SHORT", True),
    (Level.INTERMEDIATE, "90", "RENEWAL_DUE", False),
    (Level.SENIOR, "89.9", "RENEWAL_DUE_CE_SHORT", True),
    (Level.SENIOR, "120", "RENEWAL_DUE", False),
])
def test_renewal_stays_open_when_ce_falls_short_but_then_needs_ce_proof(level, hours, code, ce_required):
    records = [CeRecord(PERSON, date(2021, 1, 1), Decimal(hours), "课程", "机构")]
    verdict = evaluate(practitioner(2016, level), registered(2019), records, window()).verdict(RENEWAL)
    assert verdict.eligible and verdict.reason_code == code
    assert (MaterialKind.CE_PROOF in verdict.required_materials) is ce_required
    assert (MaterialKind.CE_PROOF in verdict.optional_materials) is not ce_required
    assert verdict.ce_short is ce_required


def test_late_registration_with_short_ce_asks_for_the_missing_hours():
    records = [CeRecord(PERSON, date(2018, 5, 1), Decimal("58"), "课程", "机构")]
    verdict = evaluate(practitioner(2010), registered(2017), records, window()).verdict(LATE)
    assert verdict.eligible and verdict.reason_code == "LATE_DUE_CE_SHORT"
    assert verdict.hours_summary == "58 / 72 h"
    assert "请申报未记录的学时并上传继续教育证明" in verdict.reason
    assert MaterialKind.CE_PROOF in verdict.required_materials


def test_ce_records_of_other_people_and_before_the_last_registration_do_not_count():
    records = [CeRecord(OTHER, date(2020, 1, 1), Decimal(72), "课程", "机构"),
               CeRecord(PERSON, date(2019, 12, 31), Decimal(72), "课程", "机构"),
               CeRecord(PERSON, date(2022, 4, 1), Decimal(72), "课程", "机构")]
    verdict = evaluate(practitioner(2016), registered(2019), records, window()).verdict(RENEWAL)
    assert verdict.ce_hours_on_record == 0
    assert verdict.hours_summary == "0 / 72 h"


@pytest.mark.parametrize("qualified, years, type_, required_extra, optional, pickup", [
    (2021, (), FIRST, (), (), PickupMethod.MAIL),
    (2016, (2019,), RENEWAL, (MaterialKind.REGISTRATION_CERT,), (MaterialKind.CE_PROOF,), PickupMethod.ELECTRONIC),
    (2010, (2017,), LATE, (MaterialKind.REGISTRATION_CERT,), (MaterialKind.CE_PROOF,), PickupMethod.ELECTRONIC),
    (2020, (), REISSUE, (), (MaterialKind.CE_PROOF,), PickupMethod.MAIL),
    (2019, (2020,), REISSUE, (), (MaterialKind.CE_PROOF,), PickupMethod.MAIL),
])
def test_materials_and_default_pickup_follow_the_type(qualified, years, type_, required_extra, optional, pickup):
    last = max(years, default=None)
    verdict = evaluate(practitioner(qualified), registered(*years), enough_ce(last) if last else [],
                       window()).verdict(type_)
    assert verdict.required_materials == BASE_MATERIALS + required_extra
    assert verdict.optional_materials == optional
    assert verdict.default_pickup is pickup


def test_reissue_never_requires_ce_proof_even_with_no_ce_on_record():
    verdict = evaluate(practitioner(2019), registered(2020), [], window()).verdict(REISSUE)
    assert MaterialKind.CE_PROOF not in verdict.required_materials
    assert verdict.ce_hours_required is None and verdict.hours_summary is None


def test_hours_are_only_compared_for_renewal_and_late():
    result = evaluate(practitioner(2016), registered(2019), enough_ce(2019), window())
    assert [v.hours_summary for v in result.verdicts] == [None, "90 / 72 h", "90 / 72 h", None]
    never = evaluate(practitioner(2021), [], [], window())
    assert [v.ce_hours_on_record for v in never.verdicts] == [None] * 4


@pytest.mark.parametrize("qualified, years, reasons", [
    (2020, (), (ReissueReason.NEVER_REGISTERED,)),
    (2019, (2020,), (ReissueReason.LOST, ReissueReason.DAMAGED)),
    (2016, (2019,), (ReissueReason.LOST, ReissueReason.DAMAGED)),
    (2010, (2017,), ()),
    (2021, (), ()),
])
def test_reissue_reasons_depend_on_whether_the_practitioner_ever_registered(qualified, years, reasons):
    result = evaluate(practitioner(qualified), registered(*years), [], window())
    assert allowed_reissue_reasons(result.verdict(REISSUE)) == reasons
    assert allowed_reissue_reasons(result.verdict(FIRST)) == ()


def test_every_type_has_a_chinese_name():
    assert [t.chinese for t in RegistrationType] == ["首登记", "再登记", "补登记", "补证"]
    assert [m.chinese for m in PickupMethod] == ["邮寄", "电子证"]
    assert all(r.chinese for r in ReissueReason)
