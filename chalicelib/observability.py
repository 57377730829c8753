"""Logger and metrics for every function, with ID numbers and phone numbers masked.

Masking happens in the formatter, on the finished log record (the finished JSON line), so no call site can forget it.
"""
from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from chalicelib.domain.identity import mask_pii  # the masking rules: domain/identity.py


class MaskingFormatter(LambdaPowertoolsFormatter):
    def serialize(self, log: dict[str, Any]) -> str:
        # Masking the finished JSON covers every field, including stack traces
        # whose values are exception objects, not strings.
        return mask_pii(super().serialize(log))


logger = Logger(service="swreg", logger_formatter=MaskingFormatter())
metrics = Metrics(namespace="swreg", service="swreg")


def count(name: str, value: int) -> None:
    """Add `value` to the EMF count metric `name` (namespace and dimension `service` = swreg), sent
    when `observe` flushes at the end of the invocation. The alarms of infra/stateful.yaml watch
    these names (tests/unit/test_infra_template.py finds the names by reading the calls)."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def observe(event, get_response):
    """Chalice middleware for every event type: correlation keys in, metrics out.

    Powertools' decorators expect a raw Lambda handler; Chalice hands
    middleware its own event objects, so the context is read off those.
    """
    context = getattr(event, "lambda_context", None) or getattr(event, "context", None)
    logger.append_keys(request_id=getattr(context, "aws_request_id", None),
                       function=getattr(context, "function_name", None))
    status = None
    try:
        response = get_response(event)
        status = getattr(response, "status_code", None)
        return response
    finally:
        metrics.add_metric(name="Invocations", unit=MetricUnit.Count, value=1)
        if status is not None and status >= 500:
            metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
        metrics.flush_metrics()
        logger.remove_keys(["request_id", "function"])
