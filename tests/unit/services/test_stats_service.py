"""`stats.recount` on the fakes: counters that lost track (applications stored before the counters
existed) are found, corrected by the difference and then stay right."""
from __future__ import annotations

from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.services import stats
from tests.unit.services.world import YEAR

FIRST = RegistrationType.FIRST


def test_a_recount_fixes_counters_that_never_saw_older_applications_and_reports_the_drift(world):
    deps = world.deps
    world.submitted(world.applicant())
    world.approved(world.applicant(), world.reviewer())
    world.draft(world.applicant())
    assert deps.applications.counts(YEAR) == {(ApplicationStatus.SUBMITTED, FIRST): 1,
                                              (ApplicationStatus.APPROVED, FIRST): 1,
                                              (ApplicationStatus.DRAFT, FIRST): 1}
    deps.applications.counters.clear()  # as a release before the counters left them
    deps.applications.correct_counts(YEAR, {(ApplicationStatus.EXPIRED, FIRST): 2})  # and a wrong one
    progress = []
    drift = stats.recount(deps, YEAR, lambda status, kind, n: progress.append((status, kind, n)))
    assert drift == {(ApplicationStatus.DRAFT, FIRST): 1, (ApplicationStatus.SUBMITTED, FIRST): 1,
                     (ApplicationStatus.APPROVED, FIRST): 1, (ApplicationStatus.EXPIRED, FIRST): -2}
    assert len(progress) == len(ApplicationStatus) * len(RegistrationType)
    assert (ApplicationStatus.APPROVED, FIRST, 1) in progress
    assert deps.applications.counts(YEAR) == {(ApplicationStatus.SUBMITTED, FIRST): 1,
                                              (ApplicationStatus.APPROVED, FIRST): 1,
                                              (ApplicationStatus.DRAFT, FIRST): 1}
    assert stats.recount(deps, YEAR, lambda *_: None) == {}
