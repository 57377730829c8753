"""How a certificate run fails loudly: each failed try at a certificate raises (its message comes back)
and counts one in the `CertificateRunFailures` metric (EMF, namespace and dimension `service` = swreg)
that the alarm of infra/stateful.yaml watches, a clean run says nothing, and an unreadable verification
URL stops the schedule's run before any item is sent."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from aws_lambda_powertools.utilities import parameters

from chalicelib.observability import metrics
from chalicelib.services import certificates

from tests.certificate_run import issue_due
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


def test_each_failed_certificate_raises_for_a_redelivery_and_counts_one_failure(world, fakes, emitted):
    broken, other, fine = _approved(world, "周晓梅", "王芳", "李雷")
    for application in (broken, other):
        for material in application.materials.values():
            fakes.files.delete(material.object_key)
    with pytest.raises(KeyError):
        certificates.issue_one(fakes, broken.application_id, world.window.certificates_due_at)
    summary = issue_due(fakes, world.window.certificates_due_at)
    assert (summary["issued"], summary["failed"]) == (1, 2)
    document = emitted()
    assert sum(document["CertificateRunFailures"]) == 3.0
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "swreg" and directive["Dimensions"] == [["service"]]
    assert document["service"] == "swreg"


def test_a_run_without_failures_emits_no_failure_metric(world, fakes, emitted):
    _approved(world, "周晓梅")
    assert issue_due(fakes, world.window.certificates_due_at)["issued"] == 1
    assert "CertificateRunFailures" not in emitted()


def test_an_unreadable_verification_url_stops_the_run_before_any_item_is_sent(world, fakes, monkeypatch):
    _approved(world, "周晓梅")
    unreachable_ssm(monkeypatch)
    prod_like = replace(fakes, settings=fakes.settings._replace(verify_base_url=None,
                                                verify_base_url_parameter="/swreg/prod/verify-base-url"))
    try:
        with pytest.raises(parameters.GetParameterError):
            certificates.enqueue_due(prod_like, world.window.certificates_due_at)
    finally:
        parameters.clear_caches()
    assert fakes.certificate_queue.sent == [] and fakes.certificates.certificates == {}
