"""`swreg stats recount` against DynamoDB Local: applications an older release stored (no counters)
are counted, the drift is reported with Chinese labels and fixed, and a second run finds none."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from chalicelib.adapters.dynamo.applications import application_item
from chalicelib.cli import main
from chalicelib.domain.application import Application, ApplicationStatus
from chalicelib.domain.eligibility import RegistrationType, evaluate
from chalicelib.domain.windows import SHANGHAI, Window
from tests import approvals
from tests.ids import unique_id
from tests.integration.test_repository_contract import _person

# No other test writes applications of this window (see test_repository_contract.OWN_YEARS and its neighbours).
YEAR = 1997


def _submitted(window: Window) -> Application:
    person = _person(uuid.uuid4().int % 1000, id_number=unique_id("1105"), qualification_year=YEAR - 1)
    at = window.opens_at + timedelta(days=1)
    application = Application.start(uuid.uuid4().hex, person, evaluate(person, [], [], window).verdict("first"),
                                    window, at, actor="applicant")
    approvals.complete(application, window, at)
    application.submit(at, window, declaration=True, actor="applicant")
    application.pull_events()
    return application


def test_a_recount_initialises_the_counters_of_applications_stored_before_them(deps, capsys):
    window = Window(YEAR, datetime(YEAR, 3, 1, tzinfo=SHANGHAI), datetime(YEAR, 4, 1, tzinfo=SHANGHAI))
    for _ in range(3):  # as a release before the counters wrote them: the item alone
        application_item(_submitted(window)).save()
    deps.applications.add(_submitted(window))  # this release's write: counted
    key = (ApplicationStatus.SUBMITTED, RegistrationType.FIRST)
    assert deps.applications.counts(YEAR) == {key: 1}

    assert main(["--stage", "test", "stats", "recount", "--window", str(YEAR)]) == 0
    out, err = capsys.readouterr()
    assert "已统计 已提交/首登记：4 份" in err.splitlines()
    assert len(err.splitlines()) == len(ApplicationStatus) * len(RegistrationType)
    assert out.splitlines() == [f"{YEAR}年度：已更正 1 项统计计数（按申请数据重新统计）", "  已提交/首登记：+3"]
    assert deps.applications.counts(YEAR) == {key: 4}

    assert main(["--stage", "test", "stats", "recount", "--window", str(YEAR)]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{YEAR}年度：统计计数无误，未作修改"]
