"""The AWS fault classifier and the transaction retry, without AWS: errors built the way botocore and PynamoDB build them."""
from __future__ import annotations

import subprocess
import sys

import pytest
from botocore.exceptions import ClientError
from pynamodb.exceptions import (
    DeleteError,
    GetError,
    PutError,
    QueryError,
    ScanError,
    TransactWriteError,
    UpdateError,
    VerboseClientError,
)
from pynamodb.exceptions import CancellationReason

from chalicelib.adapters import aws_faults
from chalicelib.adapters.dynamo import transactions
from chalicelib.cli.environment import ROOT
from chalicelib.domain.errors import ConcurrentUpdateError, ServiceBusyError

DYNAMODB_THROTTLING = ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]
PYNAMODB_ERRORS = [PutError, GetError, QueryError, UpdateError, DeleteError, ScanError, TransactWriteError]


def _s3_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "..."}, "ResponseMetadata": {"HTTPStatusCode": status}},
                       "GetObject")


def _pynamodb_error(kind, code: str, reasons=()) -> Exception:
    """As PynamoDB raises it: its error wrapping a VerboseClientError (which keeps only the code)."""
    cause = VerboseClientError({"Error": {"Code": code, "Message": "..."}}, "Op",
                               cancellation_reasons=[CancellationReason(code=r) if r else None for r in reasons])
    return kind("Failed", cause)


def _cancelled(*reasons: str | None) -> TransactWriteError:
    return _pynamodb_error(TransactWriteError, "TransactionCanceledException", reasons)


@pytest.mark.parametrize("kind", PYNAMODB_ERRORS)
@pytest.mark.parametrize("code", DYNAMODB_THROTTLING)
def test_dynamodb_throttling_through_any_pynamodb_error_is_busy(kind, code):
    assert aws_faults.classify(_pynamodb_error(kind, code)) == aws_faults.BUSY


@pytest.mark.parametrize("code", DYNAMODB_THROTTLING + ["InternalServerError"])
def test_dynamodb_throttling_and_server_errors_as_botocore_raises_them_are_busy(code):
    error = ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": 400}}, "GetItem")
    assert aws_faults.classify(error) == aws_faults.BUSY


@pytest.mark.parametrize(("code", "status"), [("SlowDown", 503), ("InternalError", 500), ("ServiceUnavailable", 503),
                                              ("503", 503), ("500", 500), ("BadGateway", 502)])
def test_s3_slow_down_and_every_5xx_are_busy(code, status):
    assert aws_faults.classify(_s3_error(code, status)) == aws_faults.BUSY


@pytest.mark.parametrize(("code", "status"), [("NoSuchKey", 404), ("404", 404), ("AccessDenied", 403),
                                              ("InvalidRequest", 400)])
def test_s3_client_errors_are_not_faults(code, status):
    assert aws_faults.classify(_s3_error(code, status)) is None


@pytest.mark.parametrize("code", ["ConditionalCheckFailedException", "ValidationException", "ResourceNotFoundException"])
def test_dynamodb_refusals_are_not_faults(code):
    assert aws_faults.classify(_pynamodb_error(PutError, code)) is None


def test_a_transaction_cancelled_by_a_conflict_is_a_transaction_conflict():
    assert aws_faults.classify(_cancelled(None, "TransactionConflict", None)) == aws_faults.TRANSACTION_CONFLICT


@pytest.mark.parametrize("reasons", [(None, "ConditionalCheckFailed"), ("ConditionalCheckFailed", "TransactionConflict"),
                                     ("ConditionalCheckFailed", "ThrottlingError"), (None, None)])
def test_a_transaction_cancelled_by_a_failed_condition_is_no_fault_even_beside_a_conflict(reasons):
    assert aws_faults.classify(_cancelled(*reasons)) is None


@pytest.mark.parametrize("reason", ["ThrottlingError", "ProvisionedThroughputExceeded"])
def test_a_transaction_cancelled_by_throttling_is_busy(reason):
    assert aws_faults.classify(_cancelled("TransactionConflict", reason)) == aws_faults.BUSY


def test_cancellation_reasons_are_read_from_a_plain_botocore_error_too():
    error = ClientError({"Error": {"Code": "TransactionCanceledException"},
                         "CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}]}, "TransactWriteItems")
    assert aws_faults.classify(error) == aws_faults.TRANSACTION_CONFLICT


def test_faults_are_recognised_by_shape_not_by_class():
    class Foreign(Exception):
        response = {"Error": {"Code": "SlowDown"}}

    class Wrapper(Exception):
        def __init__(self, cause):
            super().__init__("wrapped")
            self.cause = cause

    assert aws_faults.classify(Foreign()) == aws_faults.BUSY
    assert aws_faults.classify(Wrapper(Wrapper(Foreign()))) == aws_faults.BUSY


def test_a_fault_chained_with_from_is_found():
    try:
        try:
            raise _s3_error("SlowDown", 503)
        except ClientError as exc:
            raise RuntimeError("reading the photo failed") from exc
    except RuntimeError as exc:
        assert aws_faults.classify(exc) == aws_faults.BUSY


def test_a_bug_raised_while_handling_a_fault_stays_a_bug():
    try:
        try:
            raise _s3_error("SlowDown", 503)
        except ClientError:
            raise KeyError("typo")
    except KeyError as exc:
        assert aws_faults.classify(exc) is None
        assert aws_faults.service_busy(exc) is None


@pytest.mark.parametrize("error", [ValueError("x"), RecursionError(), KeyError("k")])
def test_ordinary_exceptions_are_not_faults(error):
    assert aws_faults.classify(error) is None


def test_service_busy_keeps_the_fault_as_its_cause_and_says_when_to_retry():
    fault = _pynamodb_error(QueryError, "ProvisionedThroughputExceededException")
    busy = aws_faults.service_busy(fault)
    assert isinstance(busy, ServiceBusyError) and busy.code == "SERVICE_BUSY"
    assert busy.retry_after == aws_faults.RETRY_AFTER_SECONDS and busy.__cause__ is fault
    assert aws_faults.error_code(busy) == "ProvisionedThroughputExceededException"
    assert "系统繁忙" in busy.message


def test_the_classifier_loads_neither_botocore_nor_pynamodb():
    probe = ("import sys; import chalicelib.adapters.aws_faults; "
             "print(sorted(m for m in sys.modules if m.split('.')[0] in {'botocore', 'boto3', 'pynamodb'}))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --- transactions.write ------------------------------------------------------------------------

class _ScriptedTransactWrite:
    """Stands in for PynamoDB's TransactWrite: each commit raises the next scripted error, or succeeds."""

    script: list = []
    commits = 0

    def __init__(self, connection) -> None:
        self.saved: list = []

    def save(self, model, condition=None) -> None:
        self.saved.append(model)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            type(self).commits += 1
            if self.script:
                raise self.script.pop(0)
        return False


@pytest.fixture
def scripted(monkeypatch):
    monkeypatch.setattr(transactions, "TransactWrite", _ScriptedTransactWrite)
    monkeypatch.setattr(_ScriptedTransactWrite, "script", [])
    monkeypatch.setattr(_ScriptedTransactWrite, "commits", 0)
    return _ScriptedTransactWrite


def _write(builds: list, slept: list, jitter: float = 0.5) -> None:
    transactions.write("us-east-1", lambda t: builds.append(t) or t.save("item"), sleep=slept.append,
                       jitter=lambda: jitter)


def test_a_transaction_conflict_is_retried_in_a_fresh_transaction_after_a_jittered_backoff(scripted):
    scripted.script = [_cancelled("TransactionConflict"), _cancelled(None, "TransactionConflict")]
    builds, slept = [], []
    _write(builds, slept, jitter=0.5)
    assert scripted.commits == 3 and len({id(t) for t in builds}) == 3
    assert slept == [0.5 * transactions.BASE_DELAY, 0.5 * transactions.BASE_DELAY * 2]


def test_a_transaction_that_keeps_conflicting_gives_up_with_transaction_conflict(scripted):
    scripted.script = [_cancelled("TransactionConflict") for _ in range(transactions.RETRIES + 5)]
    slept: list = []
    with pytest.raises(ConcurrentUpdateError) as raised:
        _write([], slept)
    assert raised.value.code == "TRANSACTION_CONFLICT" and "请稍后重试" in raised.value.message
    assert scripted.commits == transactions.RETRIES + 1 and len(slept) == transactions.RETRIES


def test_a_failed_condition_is_raised_at_once_and_never_retried(scripted):
    failed = _cancelled("TransactionConflict", "ConditionalCheckFailed")
    scripted.script = [failed]
    slept: list = []
    with pytest.raises(TransactWriteError) as raised:
        _write([], slept)
    assert raised.value is failed and scripted.commits == 1 and slept == []


@pytest.mark.parametrize("fault", [_pynamodb_error(TransactWriteError, "ProvisionedThroughputExceededException"),
                                   _cancelled(None, "ThrottlingError")])
def test_a_throttled_transaction_is_service_busy_at_once(scripted, fault):
    scripted.script = [fault]
    with pytest.raises(ServiceBusyError) as raised:
        _write([], [])
    assert raised.value.__cause__ is fault and scripted.commits == 1


# --- the error mapping ---------------------------------------------------------------------------

@pytest.fixture
def log_lines():
    """The service logger's JSON lines, at WARNING whatever level an imported app left it at."""
    import io
    import json
    import logging

    from chalicelib.observability import logger
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)
    level = logger.log_level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(level)


def _view_raising(error: Exception):
    def view():
        raise error
    return view


@pytest.mark.parametrize("fault", [_pynamodb_error(GetError, "ThrottlingException"), _s3_error("SlowDown", 503),
                                   ServiceBusyError()])
def test_the_mapping_answers_a_fault_503_and_logs_a_warning_not_an_exception(log_lines, fault):
    from chalicelib.handlers.errors import mapped
    response = mapped(_view_raising(fault))()
    assert response.status_code == 503 and response.body["error"]["code"] == "SERVICE_BUSY"
    assert response.headers["Retry-After"] == "2"
    assert [(line["level"], "exception" in line) for line in log_lines()] == [("WARNING", False)]
    assert "AWS busy in view" in log_lines()[0]["message"]


def test_the_mapping_still_answers_an_unknown_error_500_with_its_traceback_logged(log_lines):
    from chalicelib.handlers.errors import mapped
    response = mapped(_view_raising(_s3_error("AccessDenied", 403)))()
    assert response.status_code == 500 and response.body["error"]["code"] == "INTERNAL_ERROR"
    assert [(line["level"], "exception" in line) for line in log_lines()] == [("ERROR", True)]
