"""The review stats' counters (`domain/tally.py`) on the fake and on DynamoDB Local: every write path of
an application moves them, a refused write does not, and racing writers leave them equal to a recount
(`recount_one`, the COUNT queries the counters replaced).

The window is shared with the other tests of the session (DynamoDB Local is one per session), so the
assertions compare the counters with the recount of the whole window, and a step's effect with the
counts just before it: both hold whatever else the window holds, as every write goes through a repository.
"""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from chalicelib.domain import tally
from chalicelib.domain.application import ApplicationStatus as S
from chalicelib.domain.certificates import Certificate
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.domain.errors import ConcurrentUpdateError, ConflictError
from chalicelib.domain.register import Registration
from tests import approvals, fakes
from tests.integration.test_repository_contract import NOW, _draft, _window
from tests.together import ReadTogether

FIRST = RegistrationType.FIRST


@pytest.fixture(params=["fake", "dynamodb"])
def repos(request):
    """(applications, certificates), the certificates writing into the applications."""
    if request.param == "fake":
        certificates = fakes.FakeCertificateRepository()
        return certificates.applications, certificates
    deps = request.getfixturevalue("deps")
    return deps.applications, deps.certificates


def recounted(applications, year: int) -> dict:
    return {(status, kind): n for status in S for kind in RegistrationType
            if (n := applications.recount_one(year, status, kind))}


def moved(before: dict, after: dict) -> dict:
    """The counts that changed, by how much."""
    return {key: n for key in set(before) | set(after) if (n := after.get(key, 0) - before.get(key, 0))}


def submitted(applications, shard: int | None = None):
    """A submitted application, stored; with `shard`, one whose id counts in that counter shard."""
    draft = _draft(NOW)
    while shard is not None and tally.shard_of(draft.application_id) != shard:
        draft.application_id = str(uuid.uuid4())
    approvals.complete(draft, _window(NOW), NOW)
    applications.add(draft)
    draft.submit(NOW, _window(NOW), True, actor="applicant")
    applications.save(draft)
    return draft


def in_review(applications):
    application = submitted(applications)
    application.claim("rev1", NOW)
    applications.save(application)
    return applications.get(application.application_id)


def test_every_write_path_moves_the_counters_from_the_key_it_loaded_to_the_key_it_wrote(repos):
    applications, certificates = repos
    year = NOW.year

    def step(action, expected):
        before = applications.counts(year)
        action()
        assert moved(before, applications.counts(year)) == expected
        assert applications.counts(year) == recounted(applications, year)

    draft = _draft(NOW)
    step(lambda: applications.add(draft), {(S.DRAFT, FIRST): 1})
    approvals.complete(draft, _window(NOW), NOW)
    step(lambda: applications.save(draft), {})  # the key unchanged: no counter written
    draft.submit(NOW, _window(NOW), True, actor="applicant")
    step(lambda: applications.save(draft), {(S.DRAFT, FIRST): -1, (S.SUBMITTED, FIRST): 1})
    loaded = applications.get(draft.application_id)
    loaded.claim("rev1", NOW)
    step(lambda: applications.save(loaded), {(S.SUBMITTED, FIRST): -1, (S.IN_REVIEW, FIRST): 1})
    loaded.claim("rev1", NOW + timedelta(minutes=1))  # a lease renewed: no status change
    step(lambda: applications.save(loaded), {})
    loaded.reject("rev1", NOW, "照片不清晰")
    step(lambda: applications.save(loaded), {(S.IN_REVIEW, FIRST): -1, (S.REJECTED, FIRST): 1})
    loaded.expire(NOW + timedelta(days=40))
    step(lambda: applications.save(loaded), {(S.REJECTED, FIRST): -1, (S.EXPIRED, FIRST): 1})
    loaded.reopen("窗口办理", NOW + timedelta(days=50), NOW + timedelta(days=41), actor="admin1")
    step(lambda: applications.save_reopened(loaded), {(S.EXPIRED, FIRST): -1, (S.REJECTED, FIRST): 1})

    other = _draft(NOW)
    applications.add(other)
    other.discard(NOW, actor="applicant")
    step(lambda: applications.save_discarded(other), {(S.DRAFT, FIRST): -1, (S.DISCARDED, FIRST): 1})

    approved = in_review(applications)
    approved.approve("rev1", NOW)
    applications.save(approved)
    number = f"BJ2099{uuid.uuid4().int % 10**6:06d}"
    approved.certify(number, NOW)
    certificate = Certificate(registration_no=number, id_number=approved.id_number,
                              application_id=approved.application_id, name="周晓梅", certificate_no="Z1",
                              level=approved.level, registration_year=year, valid_until=year + 3, issued_at=NOW,
                              pdf_key=f"certificates/{number}.pdf", png_key=f"certificates/{number}.png")
    step(lambda: certificates.issue(approved, certificate, Registration(approved.id_number, year, number),
                                    [], [], NOW), {(S.APPROVED, FIRST): -1, (S.CERTIFIED, FIRST): 1})


def test_a_refused_write_moves_no_counter(repos):
    applications, _ = repos
    application = submitted(applications)
    mine, theirs = applications.get(application.application_id), applications.get(application.application_id)
    theirs.claim("rev1", NOW)
    applications.save(theirs)
    mine.claim("rev2", NOW)
    before = applications.counts(NOW.year)
    with pytest.raises(ConcurrentUpdateError):
        applications.save(mine)
    again = _draft(NOW)
    again.id_number = application.id_number
    with pytest.raises(ConflictError):
        applications.add(again)
    assert applications.counts(NOW.year) == before == recounted(applications, NOW.year)


def test_a_recount_correction_is_added_to_the_counters(repos):
    applications, _ = repos
    year = 1996  # no test writes applications of this window: its counters are this test's
    before = applications.counts(year)
    applications.correct_counts(year, {(S.SUBMITTED, FIRST): 2, (S.DRAFT, FIRST): -1})
    assert moved(before, applications.counts(year)) == {(S.SUBMITTED, FIRST): 2, (S.DRAFT, FIRST): -1}
    applications.correct_counts(year, {(S.SUBMITTED, FIRST): -2, (S.DRAFT, FIRST): 1})
    assert applications.counts(year) == before


# --- races: the counters equal a recount whoever wins ------------------------------------------------

def _race(*moves) -> list[str]:
    def run(move):
        try:
            move()
            return "written"
        except (ConcurrentUpdateError, ConflictError):
            return "refused"
    with ThreadPoolExecutor(len(moves)) as pool:
        return list(pool.map(run, moves))


def test_approve_racing_reject_leaves_the_counters_equal_to_a_recount(repos):
    applications, _ = repos
    application = in_review(applications)
    together = ReadTogether(applications, 2)
    before = applications.counts(NOW.year)

    def decide(outcome):
        def move():
            loaded = together.get(application.application_id)
            loaded.approve("rev1", NOW) if outcome == "approve" else loaded.reject("rev1", NOW, "材料不全")
            applications.save(loaded)
        return move

    assert sorted(_race(decide("approve"), decide("reject"))) == ["refused", "written"]
    status = applications.get(application.application_id).status
    assert moved(before, applications.counts(NOW.year)) == {(S.IN_REVIEW, FIRST): -1, (status, FIRST): 1}
    assert applications.counts(NOW.year) == recounted(applications, NOW.year)


def test_two_claims_leave_the_counters_equal_to_a_recount(repos):
    applications, _ = repos
    application = submitted(applications)
    together = ReadTogether(applications, 2)
    before = applications.counts(NOW.year)

    def claim(reviewer):
        def move():
            loaded = together.get(application.application_id)
            loaded.claim(reviewer, NOW)
            applications.save(loaded)
        return move

    assert sorted(_race(claim("rev1"), claim("rev2"))) == ["refused", "written"]
    assert moved(before, applications.counts(NOW.year)) == {(S.SUBMITTED, FIRST): -1, (S.IN_REVIEW, FIRST): 1}
    assert applications.counts(NOW.year) == recounted(applications, NOW.year)


def test_twenty_parallel_transitions_in_one_window_leave_the_counters_equal_to_a_recount(repos):
    """Twenty applications claimed at once, half of them counted in one shard: their transactions
    conflict on that item and are retried (`transactions.write`); a claim still refused after
    the retries is refused whole (409 to its reviewer), counter and all."""
    applications, _ = repos
    queued = [submitted(applications, shard=7 if n % 2 else None) for n in range(20)]
    before = applications.counts(NOW.year)

    def claim(application):
        def move():
            application.claim("rev1", NOW)
            applications.save(application)
        return move

    written = _race(*(claim(a) for a in queued)).count("written")
    print(f"{written} of 20 parallel claims written")
    assert written >= 10
    assert moved(before, applications.counts(NOW.year)) == {(S.SUBMITTED, FIRST): -written,
                                                           (S.IN_REVIEW, FIRST): written}
    assert applications.counts(NOW.year) == recounted(applications, NOW.year)
