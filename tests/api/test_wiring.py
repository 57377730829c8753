"""The app serves exactly the routes the handlers declare, through the generated wiring table."""
from __future__ import annotations

import importlib

import pytest

from chalicelib.handlers import declared
from chalicelib.handlers.openapi import described
from chalicelib.services.jobs import JOBS


@pytest.fixture
def app(stack):
    """The `app` module, as Lambda imports it."""
    return importlib.import_module("app")


def test_the_wiring_table_is_generated_from_todays_declarations():
    assert declared.WIRING.read_text(encoding="utf-8") == declared.source(), (
        "handlers/wiring.py is stale: run `make wiring` after adding or changing a route or a job")


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
