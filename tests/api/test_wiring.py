"""The app serves exactly the routes the handlers declare, and runs every job and queue consumer the
registries declare, through the generated wiring table."""
from __future__ import annotations

import dataclasses
import importlib

import pytest

from chalicelib.handlers import declared
from chalicelib.handlers.openapi import described
from chalicelib.services.jobs import CERTIFICATE_CONCURRENCY, JOBS, QUEUES


@pytest.fixture
def app(stack):
    """The `app` module, as Lambda imports it."""
    return importlib.import_module("app")


def test_the_wiring_table_is_generated_from_todays_declarations():
    assert declared.WIRING.read_text(encoding="utf-8") == declared.source(), (
        "handlers/wiring.py is stale: run `make wiring` after adding or changing a route, a job or a queue consumer")


def test_the_served_app_has_every_declared_route_with_its_options_and_description(app):
    served = {(path, method): entry for path, methods in app.app.routes.items() for method, entry in methods.items()
              if method != "OPTIONS"}
    wanted = {(path, method): entry for path, methods in declared.declared_app().routes.items()
              for method, entry in methods.items()}
    assert served.keys() == wanted.keys()
    assert {path for path, methods in app.app.routes.items() if "OPTIONS" in methods} == {
        path for path, _ in wanted}, "every path answers a CORS preflight (handlers/cors.py)"
    for key, entry in wanted.items():
        route = served[key]
        assert (route.view_name, route.content_types, route.view_args) == (
            entry.view_function.__name__, entry.content_types, entry.view_args)
        assert described(route.view_function) == described(entry.view_function)


def test_every_job_is_a_schedule_lambda_finds_as_an_attribute_of_app(app):
    schedules = {source.name: source for source in app.app.event_sources if hasattr(source, "schedule_expression")}
    assert {name: source.schedule_expression for name, source in schedules.items()} == {
        job.name: job.schedule for job in JOBS.values()}
    for name, source in schedules.items():
        module, handler = source.handler_string.split(".")
        assert module == "app" and callable(getattr(app, handler))


def test_every_queue_consumer_is_an_sqs_event_source_lambda_finds_as_an_attribute_of_app(app):
    consumers = {source.name: source for source in app.app.event_sources if hasattr(source, "queue_arn")}
    settings = app.settings
    assert {name: (source.queue, source.batch_size, source.maximum_concurrency)
            for name, source in consumers.items()} == {
        "issue_certificate": (settings.queue_name("certificates"), 10, CERTIFICATE_CONCURRENCY),
        "continue_job": (settings.queue_name("jobs"), 1, None)}
    assert {consumer.name for consumer in QUEUES} == consumers.keys()
    for name, source in consumers.items():
        module, handler = source.handler_string.split(".")
        assert module == "app" and callable(getattr(app, handler))


def test_a_continuation_message_reaches_its_job_through_the_wired_consumer(client, monkeypatch):
    ran = []
    job = dataclasses.replace(JOBS["sms-dispatch"], service=lambda deps, at, time_left: ran.append(time_left) or {
        "sent": 0, "more": False})
    monkeypatch.setitem(JOBS, "sms-dispatch", job)
    client.lambda_.invoke("continue_job", client.events.generate_sqs_event(['{"continues": "sms-dispatch"}']))
    assert len(ran) == 1 and callable(ran[0])  # run with a time budget
