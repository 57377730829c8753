"""The certificate run on the fakes: a reissue replaces the certificate of the registration it keeps."""
from __future__ import annotations

from datetime import datetime

from chalicelib.domain.certificates import Certificate
from chalicelib.domain.eligibility import RegistrationType
from chalicelib.domain.levels import Level
from chalicelib.domain.windows import SHANGHAI
from chalicelib.services import certificates, verification

from tests.certificate_run import issue_due
from tests.unit.services.world import YEAR

OLD = f"BJ{YEAR - 1}000999"  # the number World gives the registration of `registered_in`


def _approved_reissue(world, fakes):
    """A holder whose registration of YEAR - 1 has an e-certificate, with an approved reissue."""
    account = world.applicant(registered_in=YEAR - 1)
    fakes.certificates.add(Certificate(OLD, account.id_number, "a0", "周晓梅", "Z1", Level.INTERMEDIATE, YEAR - 1,
                                       YEAR + 2, datetime(YEAR - 1, 4, 15, tzinfo=SHANGHAI), "p", "q"))
    world.approved(account, world.reviewer(), kind=RegistrationType.REISSUE)
    return account


def _reissued(world, fakes):
    """(account, the new certificate) after the run issued the reissue."""
    account = _approved_reissue(world, fakes)
    assert issue_due(fakes, world.window.certificates_due_at)["issued"] == 1
    new, _ = fakes.certificates.of_holder(account.id_number)
    return account, new


def test_a_reissue_marks_the_old_certificate_replaced_by_the_new_one(world, fakes):
    _, new = _reissued(world, fakes)
    old = fakes.certificates.get(OLD)
    assert (old.replaced_by, old.replaced_at) == (new.registration_no, new.issued_at)
    due = world.window.certificates_due_at
    assert verification.verify(fakes, OLD, None, "203.0.113.7", due).verification.status_value == "replaced"
    assert verification.verify(fakes, new.registration_no, None, "203.0.113.7", due).verification.valid


def test_the_holder_gets_download_links_for_the_new_certificate_only(world, fakes):
    account, new = _reissued(world, fakes)
    assert certificates.certificate_of(fakes, account, OLD)[1] is None
    assert set(certificates.certificate_of(fakes, account, new.registration_no)[1]) == {"pdf", "png"}


def test_a_certificate_revoked_after_the_run_read_it_stops_the_issue_until_the_items_redelivery(world, fakes):
    _approved_reissue(world, fakes)
    due = world.window.certificates_due_at
    reads = fakes.certificates.of_holder

    def revoked_right_after_the_read(id_number):
        held = reads(id_number)
        certificates.revoke(fakes, OLD, "遗失声明作废", "admin1", due)
        return held

    fakes.certificates.of_holder = revoked_right_after_the_read
    assert issue_due(fakes, due)["failed"] == 1  # still approved: its message comes back
    assert fakes.certificates.get(OLD).replaced_by is None
    del fakes.certificates.of_holder
    assert issue_due(fakes, due)["issued"] == 1
    assert fakes.certificates.get(OLD).replaced_by is not None
