"""A fake of Tencent Cloud SMS's HTTP API (`SendSms`, version 2021-01-11) on loopback, for the adapter's tests.

It checks what Tencent checks before anything else — the TC3-HMAC-SHA256 `Authorization` header,
recomputed here from the request and the secret key, and the `X-TC-Action`, `X-TC-Version` and
`X-TC-Timestamp` headers — and answers `AuthFailure.SignatureFailure` as Tencent does when they are
wrong. Then it plays the next of its scripted outcomes: `ok`, `throttled` (the API's
`RequestLimitExceeded`), `rejected` (the number's status `InvalidParameterValue.TemplateParameterFormatError`),
`error:<Code>` (the whole request refused with that code), `status:<Code>` (the number's status)
or `slow` (no answer until the test ends: the client times out). Every request that passed the
checks is kept in `requests` (its JSON body).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET_ID, SECRET_KEY = "AKIDfake0000000000000000000000000000", "fake-secret-key-000000000000000000"
ACTION, VERSION, SERVICE = "SendSms", "2021-01-11", "sms"
MAX_CLOCK_SKEW_SECONDS = 300
_AUTHORIZATION = re.compile(r"TC3-HMAC-SHA256 Credential=(?P<secret_id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/"
                            r"(?P<service>[a-z]+)/tc3_request, SignedHeaders=content-type;host, "
                            r"Signature=(?P<signature>[0-9a-f]{64})")
REJECTED_REASON = "the template parameter format is wrong"


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def tc3_signature(secret_key: str, *, method: str, path: str, content_type: str, host: str, body: bytes,
                  timestamp: str, date: str) -> str:
    """Tencent's TC3-HMAC-SHA256 signature of a request, written from Tencent's published algorithm."""
    canonical = "\n".join([method, path, "", f"content-type:{content_type}\nhost:{host}\n", "content-type;host",
                           hashlib.sha256(body).hexdigest()])
    to_sign = "\n".join(["TC3-HMAC-SHA256", timestamp, f"{date}/{SERVICE}/tc3_request",
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), SERVICE), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


class FakeTencentSms:
    """Start with `start()`, stop with `stop()` (which also lets a `slow` answer go)."""

    def __init__(self, secret_key: str = SECRET_KEY) -> None:
        self.secret_key = secret_key
        self.outcomes: list[str] = []
        self.requests: list[dict] = []
        self.refused_signatures = 0
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeTencentSms:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def signature_problem(self, headers, body: bytes) -> str | None:
        """What is wrong with the request's signature fields, or None."""
        match = _AUTHORIZATION.fullmatch(headers.get("Authorization", ""))
        if match is None:
            return "Authorization is not a TC3-HMAC-SHA256 header"
        if (headers.get("X-TC-Action"), headers.get("X-TC-Version")) != (ACTION, VERSION):
            return "X-TC-Action or X-TC-Version"
        timestamp = headers.get("X-TC-Timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
            return "X-TC-Timestamp"
        date = datetime.fromtimestamp(int(timestamp), timezone.utc).strftime("%Y-%m-%d")
        if (match["date"], match["service"], match["secret_id"]) != (date, SERVICE, SECRET_ID):
            return "credential scope"
        expected = tc3_signature(self.secret_key, method="POST", path="/", content_type=headers["Content-Type"],
                                 host=headers["Host"], body=body, timestamp=timestamp, date=date)
        return None if hmac.compare_digest(expected, match["signature"]) else "signature"

    def _answer(self, body: dict, phone: str) -> dict:
        outcome = self.outcomes.pop(0) if self.outcomes else "ok"
        if outcome == "slow":
            self._release.wait()
        if outcome == "throttled":
            outcome = "error:RequestLimitExceeded"
        if outcome.startswith("error:"):
            return {"Error": {"Code": outcome.removeprefix("error:"), "Message": "refused by the fake"}}
        code, message = ("Ok", "send success")
        if outcome == "rejected":
            code, message = "InvalidParameterValue.TemplateParameterFormatError", REJECTED_REASON
        elif outcome.startswith("status:"):
            code, message = outcome.removeprefix("status:"), "refused by the fake"
        return {"SendStatusSet": [{"SerialNo": uuid.uuid4().hex, "PhoneNumber": phone, "Fee": 1, "SessionContext": "",
                                   "Code": code, "Message": message, "IsoCode": "CN"}]}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                problem = fake.signature_problem(self.headers, body)
                if problem is not None:
                    fake.refused_signatures += 1
                    answer = {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": problem}}
                else:
                    request = json.loads(body)
                    fake.requests.append(request)
                    answer = fake._answer(request, request["PhoneNumberSet"][0])
                payload = json.dumps({"Response": {**answer, "RequestId": str(uuid.uuid4())}}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the client gave up waiting (the `slow` outcome)
                    pass

            def log_message(self, *args):
                pass

        return Handler
