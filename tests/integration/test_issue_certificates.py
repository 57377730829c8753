"""The `issue-certificates` job against DynamoDB Local and the S3 emulator: exactly once, a crash
resumed, two runs at once. Its other rules are proved on fakes in tests/unit/services/test_certificates.py.

Each test opens a window of its own year, drawn without replacement from years
that no other test's window is in or two years after (the job looks at this
year's window and the two before), and passes explicit clocks. The years are
after 2020: the outbox tests dispatch what is due in their eras before 2000,
and the SMS rows issuing leaves behind must not be due then.
"""
from __future__ import annotations

import dataclasses
import random
import threading
from datetime import timedelta

import pytest
from pypdf import PdfReader

from chalicelib.domain.application import ApplicationStatus
from chalicelib.domain.certificates import REGISTRATION_NO
from chalicelib.domain.windows import Window
from tests import approvals
from tests.certificate_run import issue_due

_YEARS = iter(random.sample([2031, 2034, 2037, 2040, 2044, 2047, 2050], 7))
NOTHING = {"issued": 0, "skipped": 0, "failed": 0, "more": False}


@pytest.fixture
def window(deps) -> Window:
    return approvals.spring_window(deps, next(_YEARS))


def _issued_messages(deps, application) -> list[str]:
    return [m.body for m in deps.messages.list(application.id_number, None, 50).items if m.title == "电子证书已生成"]


def _pdf_text(deps, key: str) -> str:
    import io
    return PdfReader(io.BytesIO(deps.files.read(key))).pages[0].extract_text()


def test_nothing_is_issued_before_14_days_after_the_close_and_everything_at_14_days_exactly_once(deps, window):
    apps = [approvals.approved(deps, window, name) for name in ("周晓梅", "阿依古丽·买买提", "王𪚥")]
    due = window.certificates_due_at

    assert issue_due(deps, window.closes_at + timedelta(days=13)) == NOTHING
    assert issue_due(deps, due - timedelta(seconds=1)) == NOTHING
    assert {deps.applications.get(a.application_id).status for a in apps} == {ApplicationStatus.APPROVED}

    assert issue_due(deps, due) == {**NOTHING, "issued": 3}
    numbers = set()
    for application in apps:
        certified = deps.applications.get(application.application_id)
        assert certified.status is ApplicationStatus.CERTIFIED
        number = certified.registration_no
        assert REGISTRATION_NO.fullmatch(number) and number.startswith(f"BJ{window.year}")
        numbers.add(number)
        certificate = deps.certificates.get(number)
        assert (certificate.id_number, certificate.registration_year, certificate.valid_until) == (
            application.id_number, window.year, window.year + 3)
        assert [r.registration_no for r in deps.register.registrations_of(application.id_number)] == [number]
        assert application.name in _pdf_text(deps, certificate.pdf_key)
        assert deps.files.read(certificate.png_key)[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(_issued_messages(deps, application)) == 1
        assert number in _issued_messages(deps, application)[0]
    assert len(numbers) == 3

    assert issue_due(deps, due + timedelta(days=1)) == NOTHING
    assert all(len(_issued_messages(deps, a)) == 1 for a in apps)


class _Crash(BaseException):
    """The process dying (a timeout, an out-of-memory kill): nothing in the job may catch it."""


class _CrashingFiles:
    def __init__(self, files, writes_before_crash: int) -> None:
        self._files = files
        self._left = writes_before_crash

    def __getattr__(self, name):
        return getattr(self._files, name)

    def write(self, key, body, content_type):
        if self._left == 0:
            raise _Crash()
        self._left -= 1
        self._files.write(key, body, content_type)


def test_a_run_that_dies_halfway_is_resumed_without_duplicates_or_new_numbers(deps, window):
    apps = [approvals.approved(deps, window) for _ in range(4)]
    # the 2nd certificate's PNG never lands
    dying = dataclasses.replace(deps, files=_CrashingFiles(deps.files, writes_before_crash=3))

    with pytest.raises(_Crash):
        issue_due(dying, window.certificates_due_at)
    states = {a.application_id: deps.applications.get(a.application_id) for a in apps}
    assert sorted(s.status.value for s in states.values()) == ["approved"] * 3 + ["certified"]
    reserved = {i: s.reserved_registration_no for i, s in states.items() if s.reserved_registration_no}
    assert len(reserved) == 2  # the certified one and the one that died mid-render

    assert issue_due(deps, window.certificates_due_at + timedelta(minutes=5)) == {**NOTHING, "issued": 3}
    after = {a.application_id: deps.applications.get(a.application_id) for a in apps}
    assert {s.status for s in after.values()} == {ApplicationStatus.CERTIFIED}
    assert {i: after[i].registration_no for i in reserved} == reserved
    numbers = sorted(s.registration_no for s in after.values())
    assert len(set(numbers)) == 4
    assert all(len(_issued_messages(deps, a)) == 1 for a in apps)


def test_two_runs_at_once_certify_each_application_once(deps, window):
    apps = [approvals.approved(deps, window) for _ in range(6)]
    summaries = []
    runs = [threading.Thread(target=lambda: summaries.append(issue_due(deps, window.certificates_due_at)))
            for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    # A run that lost a write while the application was still approved (the other run's number
    # reservation) fails that item, and its message would come back: the redelivery finishes it.
    retried = issue_due(deps, window.certificates_due_at)
    assert sum(s["issued"] for s in summaries) + retried["issued"] == 6 and retried["failed"] == 0
    for application in apps:
        certified = deps.applications.get(application.application_id)
        assert certified.status is ApplicationStatus.CERTIFIED
        assert len(_issued_messages(deps, application)) == 1
        assert [c.registration_no for c in deps.certificates.of_holder(application.id_number)] == [
            certified.registration_no]


