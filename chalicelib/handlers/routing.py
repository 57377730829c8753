"""How `app.py` wires the app without importing a handler at a cold start.

The routes (each path with an OPTIONS view for CORS preflights), the upload event, the schedules
and the SQS consumers come from `handlers/wiring.py` (generated from the handlers' declarations,
see `handlers/declared.py`); each view, middleware and event handler is a `lazy` proxy that
imports its module on the first call. A container serving only `/me` never loads the review,
upload or job code, and an import is paid by the first request that needs it.
"""
from __future__ import annotations

from typing import Any, Callable

from chalice import Chalice

from chalicelib.handlers import wiring
from chalicelib.lazy import imported, lazy
from chalicelib.settings import Settings

_served: Chalice | None = None


def wire(app: Chalice, settings: Settings) -> dict[str, Callable]:
    """Register everything on `app`; returns the event handlers by the name Lambda calls them
    with (`app.<name>`), for `app.py` to bind as module attributes."""
    global _served
    _served = app
    app.register_middleware(lazy(lambda: imported("chalicelib.observability:observe")), "all")
    app.register_middleware(lazy(lambda: imported("chalicelib.handlers.cors:cors")(settings.allowed_origins)), "http")
    app.register_middleware(lazy(lambda: imported("chalicelib.handlers.edge:edge")(app)), "http")
    for path, method, view, options in wiring.ROUTES:
        name = view.partition(":")[2]
        app.route(path, methods=[method], name=name, **options)(lazy(_mapped(view), name=name))
    preflight = lazy(lambda: imported("chalicelib.handlers.cors:preflight"), name="preflight")
    for path in sorted({path for path, *_ in wiring.ROUTES}):
        app.route(path, methods=["OPTIONS"], name="preflight")(preflight)
    upload = lazy(lambda: imported("chalicelib.handlers.uploads:on_upload"), name="on_upload")
    handlers = {"on_upload": app.on_s3_event(bucket=settings.bucket, prefix=wiring.UPLOADS_PREFIX,
                                             events=["s3:ObjectCreated:*"])(upload)}
    for job, expression in wiring.SCHEDULES:
        name = job.replace("-", "_")
        handlers[name] = app.schedule(expression, name=job)(lazy(_scheduled(job), name=name))
    for kind, handler, batch_size, name, maximum_concurrency in wiring.QUEUES:
        consumer = lazy(lambda handler=handler: imported(handler), name=name)
        handlers[name] = app.on_sqs_message(queue=settings.queue_name(kind), batch_size=batch_size, name=name,
                                            maximum_concurrency=maximum_concurrency)(consumer)
    return handlers


def served() -> Chalice:
    """The app `wire` built: the views' blueprints are declarations only, never registered on it."""
    assert _served is not None, "app.py wires the app before any view runs"
    return _served


def current_request() -> Any:
    return served().current_request


def _mapped(view: str) -> Callable[[], Callable]:
    return lambda: imported("chalicelib.handlers.errors:mapped")(imported(view))


def _scheduled(job: str) -> Callable[[], Callable]:
    return lambda: imported("chalicelib.handlers.jobs:scheduled")(imported("chalicelib.services.jobs:JOBS")[job])
