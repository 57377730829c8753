"""The demo register shows every registration type and the "nothing due" cases."""
from __future__ import annotations

from datetime import datetime, timezone

from chalicelib.domain.eligibility import evaluate
from chalicelib.services.demo import demo_register, seed
from tests.unit.services.world import fake_deps

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def test_the_demo_covers_all_four_types_and_nothing_due():
    deps = fake_deps()
    seed(deps, NOW)
    window = deps.windows.get(2026)
    assert window.is_open(NOW)
    due = {}
    for person in demo_register(2026)[0]:
        verdicts = evaluate(person, deps.register.registrations_of(person.id_number),
                            deps.register.ce_records_of(person.id_number), window)
        due[person.name] = sorted(t.value for t in verdicts.eligible_types)
    assert due["周晓梅"] == ["first"]
    assert due["李建国"] == ["reissue", "renewal"]
    assert due["阿依古丽·买买提"] == ["late"]
    assert due["张伟"] == ["reissue"]
    assert due["刘洋"] == ["reissue"]
    assert due["陈晨"] == []
    wang = next(p for p in demo_register(2026)[0] if p.name == "王芳")
    short = evaluate(wang, deps.register.registrations_of(wang.id_number),
                     deps.register.ce_records_of(wang.id_number), window)
    assert short.verdict("renewal").ce_short


def test_seeding_twice_changes_nothing_and_keeps_the_window():
    deps = fake_deps()
    seed(deps, NOW)
    first_window = deps.windows.get(2026)
    seed(deps, NOW.replace(day=27))
    assert deps.windows.get(2026) == first_window
    assert len(deps.register.practitioners) == len(demo_register(2026)[0])
    assert list(deps.accounts.created) == ["staff#demo-reviewer"]
