"""AWS faults through the API: throttling and S3 5xx answer 503 SERVICE_BUSY with Retry-After and change
nothing; a transaction cancelled by TransactionConflict is retried, and answers 409 only when it keeps conflicting.

The faults are injected with botocore's `before-send` event on the very clients the adapters use (one per
PynamoDB model, the transactions' own, the S3 client): a handler that returns a response stands in for AWS,
so botocore parses it and runs its own retries on it exactly as on a real answer. Only botocore's sleeps
between retries are skipped, to keep the tests fast; the number of attempts stays production's.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Callable

import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse

from chalicelib import bootstrap
from chalicelib.adapters.dynamo import transactions
from chalicelib.adapters.dynamo.models import MODELS
from chalicelib.domain.certificates import Certificate
from chalicelib.domain.commands import RequestSmsCode
from chalicelib.domain.credentials import SmsPurpose
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.object_keys import certificate_keys
from chalicelib.services import certificates
from chalicelib.services.auth import request_sms_code
from tests import approvals
from tests.api.conftest import JSON, auth, last_code, sign_up, unique_phone

DYNAMODB_THROTTLING = ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]
KINDS = ["id_photo", "id_card_front", "id_card_back", "qualification_cert"]


class _Body:
    """The raw stream AWSResponse reads its content from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_):
        yield self._data


def dynamodb_error(code: str, status: int = 400, **fields) -> Callable[[object], AWSResponse]:
    """DynamoDB's JSON error answer, e.g. a throttle, or a cancellation with `CancellationReasons`."""
    body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "injected", **fields})
    return lambda request: AWSResponse(request.url, status, {"Content-Type": "application/x-amz-json-1.0",
                                                             "x-amzn-RequestId": "injected"}, _Body(body.encode()))


def s3_error(code: str, status: int) -> Callable[[object], AWSResponse]:
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>injected</Message>'
            f'<RequestId>injected</RequestId></Error>')
    return lambda request: AWSResponse(request.url, status, {"Content-Type": "application/xml",
                                                             "x-amz-request-id": "injected"}, _Body(body.encode()))


def conflict(request) -> AWSResponse:
    """TransactWriteItems cancelled because another transaction held its first item, as DynamoDB says it."""
    items = json.loads(request.body)["TransactItems"]
    reasons = [{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}] + \
              [{"Code": "None"}] * (len(items) - 1)
    return dynamodb_error("TransactionCanceledException", CancellationReasons=reasons)(request)


class Faults:
    """`before-send` handlers on the adapters' botocore clients; every hook is removed by `clear`."""

    def __init__(self, deps) -> None:
        self._deps = deps
        self._hooks: list[tuple[object, str, Callable]] = []
        self.sent: list[str] = []      # each attempt a hook saw, by operation name
        self.answered: list[str] = []  # … and those it answered in place of AWS

    def dynamodb_clients(self) -> list:
        """One client per PynamoDB model (PynamoDB caches a connection per model class) and the one
        `transactions.write` commits through."""
        clients = [model._get_connection().connection.client for model in MODELS]
        clients.append(transactions.connection(self._deps.settings.region).client)
        return list({id(c): c for c in clients}.values())

    def dynamodb(self, operation: str | None, answer: Callable, *, times: int | None = None) -> None:
        """Answer `operation` (every operation when None) with `answer(request)`, the first `times`
        attempts only or every one; an answer of None lets the request through to DynamoDB."""
        event = "before-send.dynamodb" + (f".{operation}" if operation else "")
        self._hook(self.dynamodb_clients(), event, answer, times)

    def s3(self, operation: str, answer: Callable) -> None:
        self._hook([bootstrap.stores(self._deps.settings).s3], f"before-send.s3.{operation}", answer, None)

    def _hook(self, clients: list, event: str, answer: Callable, times: int | None) -> None:
        left = {"n": times}

        def handler(request, event_name, **_):
            self.sent.append(event_name.rsplit(".", 1)[-1])
            if left["n"] is not None:
                if left["n"] <= 0:
                    return None
                left["n"] -= 1
            response = answer(request)
            if response is not None:
                self.answered.append(event_name.rsplit(".", 1)[-1])
            return response

        for client in clients:
            client.meta.events.register(event, handler)
            self._hooks.append((client, event, handler))

    def clear(self) -> None:
        for client, event, handler in self._hooks:
            client.meta.events.unregister(event, handler)
        self._hooks.clear()


@pytest.fixture
def faults(deps, monkeypatch):
    # botocore sleeps between its retries (up to seconds when throttled); the attempts still happen.
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=lambda seconds: None))
    injected = Faults(deps)
    yield injected
    injected.clear()


def total_attempts(client) -> int:
    """How many times botocore sends one call in all, from the client's own retry configuration."""
    retries = client.meta.config.retries
    return retries.get("total_max_attempts") or retries["max_attempts"] + 1


def assert_service_busy(response) -> None:
    assert response.status_code == 503, response.body
    error = response.json_body["error"]
    assert error["code"] == "SERVICE_BUSY" and "系统繁忙" in error["message"]
    assert response.headers["Retry-After"] == str(error["details"]["retry_after"])
    assert int(response.headers["Retry-After"]) > 0
    assert set(response.json_body) == {"error"} and "Traceback" not in json.dumps(response.json_body)


def submittable_draft(client, deps, person) -> tuple[str, str]:
    """(token, application id) of a complete first-registration draft, ready to submit."""
    token, phone = sign_up(client, deps, person)
    app_id = client.http.post("/applications", headers=auth(token),
                              body=json.dumps({"type": "first"})).json_body["application_id"]
    saved = client.http.patch(f"/applications/{app_id}", headers=auth(token), body=json.dumps({
        "phone": phone, "employer": "朝阳社工", "district": "朝阳区", "education": "college",
        "pickup_method": "electronic"}))
    assert saved.status_code == 200, saved.body
    application = deps.applications.get(app_id)
    now = datetime.now(timezone.utc)
    for kind in KINDS:  # stand-in for S3 and the photo pipeline: each object arrives and is ready
        upload = application.start_upload(kind, f"arrived-{kind}-{uuid.uuid4().hex}", now)
        application.record_material_ready(kind, upload.upload_id, width=413, height=626, size_bytes=1000,
                                          sha256="0" * 64, object_key=f"materials/{app_id}/{kind}.jpg", now=now)
    deps.applications.save(application)
    return token, app_id


def submit(client, token: str, app_id: str):
    return client.http.post(f"/applications/{app_id}/submit", headers=auth(token),
                            body=json.dumps({"declaration": True}))


def signup_response(client, deps, practitioner, phone: str):
    request_sms_code(deps, RequestSmsCode(phone, SmsPurpose.SIGNUP), f"203.0.113.{uuid.uuid4().int % 250 + 1}",
                     datetime.now(timezone.utc))
    return client.http.post("/auth/signup", headers=JSON, body=json.dumps({
        "phone": phone, "code": last_code(deps, phone), "name": practitioner.name,
        "id_number": practitioner.id_number, "password": "goodpass123"}))


# --- throttling and 5xx → 503 SERVICE_BUSY ----------------------------------------------------

@pytest.mark.parametrize("code", DYNAMODB_THROTTLING)
def test_throttled_dynamodb_answers_503_service_busy_with_retry_after_once_botocore_gives_up(
        client, deps, person, faults, code):
    token, _ = sign_up(client, deps, person)
    faults.dynamodb(None, dynamodb_error(code))

    response = client.http.get("/me", headers=auth(token))

    assert_service_busy(response)
    operation = faults.sent[0]
    assert faults.sent == [operation] * total_attempts(faults.dynamodb_clients()[0])  # botocore retried, then gave up
    faults.clear()
    assert client.http.get("/me", headers=auth(token)).status_code == 200


@pytest.mark.parametrize("answer", [
    dynamodb_error("ProvisionedThroughputExceededException"),
    dynamodb_error("TransactionCanceledException", CancellationReasons=[{"Code": "ThrottlingError"}, {"Code": "None"}]),
], ids=["throttled", "cancelled-by-throttling"])
def test_a_submit_whose_transaction_is_throttled_is_503_and_leaves_the_draft_as_it_was(
        client, deps, person, faults, answer):
    token, app_id = submittable_draft(client, deps, person)
    before = deps.applications.get(app_id)
    faults.dynamodb("TransactWriteItems", answer)

    assert_service_busy(submit(client, token, app_id))

    faults.clear()
    after = deps.applications.get(app_id)
    assert (after.status.value, after.version, len(after.history)) == ("draft", before.version, len(before.history))
    assert client.http.get("/messages", headers=auth(token)).json_body["unread"] == 0
    assert submit(client, token, app_id).status_code == 200


def test_a_sign_up_whose_transaction_is_throttled_is_503_and_creates_no_account(client, deps, person, faults):
    phone = unique_phone()
    faults.dynamodb("TransactWriteItems", dynamodb_error("ThrottlingException"))

    assert_service_busy(signup_response(client, deps, person, phone))

    faults.clear()
    assert deps.accounts.by_login(f"phone#{phone}") is None
    assert signup_response(client, deps, person, unique_phone()).status_code == 201  # nor was the ID number bound


@pytest.mark.parametrize(("code", "status"), [("SlowDown", 503), ("InternalError", 500), ("ServiceUnavailable", 503)])
def test_s3_slow_down_or_a_5xx_answers_503_and_attaches_nothing(client, deps, renewer, faults, code, status):
    last = max(deps.register.registrations_of(renewer.id_number), key=lambda r: r.registration_year)
    pdf_key, png_key = certificate_keys(last.registration_no)
    certificate = Certificate(last.registration_no, renewer.id_number, uuid.uuid4().hex, renewer.name,
                              renewer.certificate_no, renewer.level, last.registration_year, last.valid_until,
                              datetime.now(timezone.utc), pdf_key, png_key)
    certificates.render_and_store(deps, certificate, approvals.id_photo_jpeg())
    assert deps.certificates.add(certificate)
    token, _ = sign_up(client, deps, renewer)
    app_id = client.http.post("/applications", headers=auth(token),
                              body=json.dumps({"type": "renewal"})).json_body["application_id"]
    attach = f"/applications/{app_id}/materials/registration_cert/attach-certificate"
    faults.s3("GetObject", s3_error(code, status))

    assert_service_busy(client.http.post(attach, headers=auth(token)))

    assert faults.sent == ["GetObject"] * total_attempts(bootstrap.stores(deps.settings).s3)
    faults.clear()
    assert MaterialKind.REGISTRATION_CERT not in deps.applications.get(app_id).materials
    assert client.http.post(attach, headers=auth(token)).status_code == 200


# --- TransactionConflict: retried, then 409 ---------------------------------------------------

def test_a_submit_goes_through_after_transaction_conflicts_and_is_written_once(client, deps, person, faults):
    token, app_id = submittable_draft(client, deps, person)
    faults.dynamodb("TransactWriteItems", conflict, times=transactions.RETRIES)

    response = submit(client, token, app_id)

    assert response.status_code == 200, response.body
    assert faults.answered == ["TransactWriteItems"] * transactions.RETRIES
    assert faults.sent == ["TransactWriteItems"] * (transactions.RETRIES + 1)
    assert [h["to"] for h in response.json_body["history"]] == ["draft", "submitted"]
    faults.clear()
    assert client.http.get("/messages", headers=auth(token)).json_body["unread"] == 1


def test_a_sign_up_goes_through_after_a_transaction_conflict(client, deps, person, faults):
    phone = unique_phone()
    faults.dynamodb("TransactWriteItems", conflict, times=1)

    assert signup_response(client, deps, person, phone).status_code == 201
    assert faults.sent == ["TransactWriteItems"] * 2
    faults.clear()
    assert deps.accounts.by_login(f"phone#{phone}") is not None


def test_a_draft_whose_transaction_always_conflicts_is_409_transaction_conflict_and_stores_nothing(
        client, deps, person, faults):
    token, _ = sign_up(client, deps, person)
    faults.dynamodb("TransactWriteItems", conflict)

    response = client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "first"}))

    assert response.status_code == 409, response.body
    error = response.json_body["error"]
    assert error["code"] == "TRANSACTION_CONFLICT" and "请稍后重试" in error["message"]
    assert faults.sent == ["TransactWriteItems"] * (transactions.RETRIES + 1)
    faults.clear()
    assert client.http.get("/applications", headers=auth(token)).json_body["items"] == []
    # nor the one-live-application guard: a new draft can be made
    assert client.http.post("/applications", headers=auth(token), body=json.dumps({"type": "first"})).status_code == 201


def test_a_taken_id_number_is_409_id_already_bound_at_the_first_attempt_without_retries(client, deps, person, faults):
    sign_up(client, deps, person)
    faults.dynamodb("TransactWriteItems", lambda request: None)  # counts, lets every request through

    response = signup_response(client, deps, person, unique_phone())

    assert response.status_code == 409 and response.json_body["error"]["code"] == "ID_ALREADY_BOUND"
    assert faults.sent == ["TransactWriteItems"] and faults.answered == []
