"""The SMS port where the rendered text is what goes out: Amazon SNS (regions where it sends SMS) and
the local file sink (SPEC §5). China regions send through `sms_tencent` instead.

SNS answers a publish over the account's SMS rate with a throttling error: that is
`SmsThrottledError` (sent again in seconds, at a slower pace); any other fault is raised as is."""
from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

from chalicelib.adapters.aws_faults import THROTTLING_CODES, error_code
from chalicelib.domain.outbox import SmsContent, SmsThrottledError
from chalicelib.observability import logger


class FileSms:
    """Appends `{"to", "text", "sent_at"}` as one JSON line to the file (SPEC §5); `make run`'s
    console shows each line as it arrives, phone masked, whichever process sent it."""

    def __init__(self, path: str) -> None:
        self._path = Path(path)

    def send(self, phone: str, content: SmsContent) -> str:
        line = json.dumps({"to": phone, "text": content.text,
                           "sent_at": datetime.now(timezone.utc).isoformat(timespec="seconds")},
                          ensure_ascii=False)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._path.open("a", encoding="utf-8") as sink:
            sink.write(line + "\n")
            sink.flush()
            os.fsync(sink.fileno())
        return f"file-{uuid.uuid4().hex}"


class SnsSms:
    """Direct-to-phone publish; mainland numbers get the +86 prefix SNS needs."""

    def __init__(self, client) -> None:
        self._client = client

    def send(self, phone: str, content: SmsContent) -> str:
        try:
            response = self._client.publish(
                PhoneNumber=phone if phone.startswith("+") else f"+86{phone}", Message=content.text,
                MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}})
        except Exception as exc:
            if error_code(exc) in THROTTLING_CODES:
                raise SmsThrottledError(f"{error_code(exc)}: {exc}") from exc
            raise
        logger.info("sms sent", extra={"provider_message_id": response["MessageId"]})
        return response["MessageId"]
