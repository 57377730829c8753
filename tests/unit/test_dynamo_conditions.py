"""What a refused DynamoDB write means, without DynamoDB: PynamoDB's errors built the way PynamoDB raises them."""
from __future__ import annotations

import pytest
from pynamodb.exceptions import (
    CancellationReason,
    DeleteError,
    PutError,
    TransactWriteError,
    UpdateError,
    VerboseClientError,
)

from chalicelib.adapters.dynamo import conditions
from chalicelib.domain.errors import ConcurrentUpdateError, ConflictError, ServiceBusyError

SINGLE_WRITES = [PutError, UpdateError, DeleteError]


def _pynamodb_error(kind, code: str, reasons=()) -> Exception:
    cause = VerboseClientError({"Error": {"Code": code, "Message": "..."}}, "Op",
                               cancellation_reasons=[CancellationReason(code=r) if r else None for r in reasons])
    return kind("Failed", cause)


def _condition_failed(kind) -> Exception:
    return _pynamodb_error(kind, "ConditionalCheckFailedException")


def _cancelled(*reasons: str | None) -> TransactWriteError:
    return _pynamodb_error(TransactWriteError, "TransactionCanceledException", reasons)


def _raise(error: Exception) -> None:
    raise error


def test_a_write_that_went_through_is_not_refused():
    with conditions.checked() as write:
        pass
    assert not write.refused and write.failed_items(["item"]) == []


@pytest.mark.parametrize("kind", SINGLE_WRITES)
def test_a_write_whose_condition_failed_is_refused_quietly(kind):
    with conditions.checked() as write:
        _raise(_condition_failed(kind))
    assert write.refused


@pytest.mark.parametrize("kind", SINGLE_WRITES)
def test_a_refused_write_raises_the_callers_domain_error_without_the_pynamodb_one_attached(kind):
    with pytest.raises(ConcurrentUpdateError) as raised:
        with conditions.checked(on_refusal=ConcurrentUpdateError):
            _raise(_condition_failed(kind))
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_a_refusal_can_carry_its_own_code():
    with pytest.raises(ConflictError) as raised:
        with conditions.checked(on_refusal=lambda: ConflictError(code="LIVE_APPLICATION_EXISTS")):
            _raise(_cancelled(None, "ConditionalCheckFailed"))
    assert raised.value.code == "LIVE_APPLICATION_EXISTS"


def test_a_cancelled_transaction_is_refused_and_names_the_items_whose_condition_failed():
    with conditions.checked() as write:
        _raise(_cancelled(None, "ConditionalCheckFailed", "None", "ConditionalCheckFailed"))
    assert write.refused
    assert write.failed_items(["account", "phone#1", "id#2", "user#3"]) == ["phone#1", "user#3"]


def test_a_transaction_cancelled_beside_a_conflict_is_still_a_refusal_of_the_failed_item():
    with conditions.checked() as write:
        _raise(_cancelled("TransactionConflict", "ConditionalCheckFailed"))
    assert write.failed_items(["application", "guard"]) == ["guard"]


@pytest.mark.parametrize("fault", [
    _pynamodb_error(PutError, "ProvisionedThroughputExceededException"),
    _pynamodb_error(UpdateError, "ThrottlingException"),
    _pynamodb_error(DeleteError, "InternalServerError"),
    _cancelled(None, "ThrottlingError"),
], ids=["put-throttled", "update-throttled", "delete-5xx", "cancelled-by-throttling"])
def test_throttling_and_aws_5xx_are_service_busy_with_the_fault_as_cause_never_a_refusal(fault):
    with pytest.raises(ServiceBusyError) as raised:
        with conditions.checked(on_refusal=ConcurrentUpdateError):
            _raise(fault)
    assert raised.value.__cause__ is fault


@pytest.mark.parametrize("error", [
    _pynamodb_error(PutError, "ValidationException"),
    _pynamodb_error(UpdateError, "ResourceNotFoundException"),
    ConcurrentUpdateError(code="TRANSACTION_CONFLICT"),
    ServiceBusyError(),
    KeyError("typo"),
], ids=["validation", "no-table", "transaction-conflict", "already-busy", "bug"])
def test_any_other_error_passes_through_untouched(error):
    with pytest.raises(type(error)) as raised:
        with conditions.checked(on_refusal=ConflictError):
            _raise(error)
    assert raised.value is error
