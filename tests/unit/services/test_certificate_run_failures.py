"""How a certificate run fails loudly: one that finishes with failed certificates says so in the
`CertificateRunFailures` metric (EMF, namespace and dimension `service` = swreg) that the alarm of
infra/stateful.yaml watches, a clean run says nothing, and an unreadable verification URL stops the run
before any certificate."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from aws_lambda_powertools.utilities import parameters

from chalicelib.observability import metrics
from chalicelib.services import certificates

from tests.unit.services.world import NOW
from tests.unreachable import unreachable_ssm


@pytest.fixture
def emitted():
    """The EMF document the next flush would print, as {metric name: value}, with its namespace and service."""
    metrics.clear_metrics()

    def document() -> dict:
        if not metrics.metric_set:
            return {}
        return metrics.serialize_metric_set()
    yield document
    metrics.clear_metrics()


def _approved(world, *names):
    reviewer = world.reviewer()
    return [world.approved(world.applicant(name), reviewer, NOW + timedelta(minutes=n))
            for n, name in enumerate(names)]


def test_a_run_with_failed_certificates_emits_how_many_failed(world, fakes, emitted):
    broken, other, fine = _approved(world, "周晓梅", "王芳", "李雷")
    for application in (broken, other):
        for material in application.materials.values():
            fakes.files.delete(material.object_key)
    summary = certificates.issue_due(fakes, world.window.certificates_due_at)
    assert (summary["issued"], summary["failed"]) == (1, 2)
    document = emitted()
    assert document["CertificateRunFailures"] == [2.0]
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "swreg" and directive["Dimensions"] == [["service"]]
    assert document["service"] == "swreg"


def test_a_run_without_failures_emits_no_failure_metric(world, fakes, emitted):
    _approved(world, "周晓梅")
    assert certificates.issue_due(fakes, world.window.certificates_due_at)["issued"] == 1
    assert "CertificateRunFailures" not in emitted()


def test_a_run_that_stops_for_its_budget_still_reports_the_failures_so_far(world, fakes, emitted):
    broken, _fine = _approved(world, "周晓梅", "李雷")
    for material in broken.materials.values():
        fakes.files.delete(material.object_key)
    budget = iter([60.0, certificates.SECONDS_PER_CERTIFICATE - 0.1])
    summary = certificates.issue_due(fakes, world.window.certificates_due_at, lambda: next(budget))
    assert (summary["failed"], summary["more"]) == (1, True)
    assert emitted()["CertificateRunFailures"] == [1.0]


def test_an_unreadable_verification_url_stops_the_run_before_any_certificate(world, fakes, monkeypatch):
    _approved(world, "周晓梅")
    unreachable_ssm(monkeypatch)
    prod_like = replace(fakes, settings=fakes.settings._replace(verify_base_url=None,
                                                verify_base_url_parameter="/swreg/prod/verify-base-url"))
    try:
        with pytest.raises(parameters.GetParameterError):
            certificates.issue_due(prod_like, world.window.certificates_due_at)
    finally:
        parameters.clear_caches()
    assert fakes.renderer.rendered == [] and fakes.certificates.certificates == {}
