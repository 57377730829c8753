"""Objects in the stage's bucket: raw uploads in, normalised materials out, short-lived links."""
from __future__ import annotations

from typing import Iterable

from botocore.exceptions import ClientError

from chalicelib.domain.errors import ServiceBusyError

_MISSING = ("404", "NoSuchKey", "NotFound")
_DELETE_BATCH = 1000  # DeleteObjects takes at most this many keys per call


def _is_missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in _MISSING


class S3Files:
    def __init__(self, s3, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def size(self, key: str) -> int | None:
        """The object's size from HEAD (never trust the event's), or None when it is missing."""
        try:
            return self._s3.head_object(Bucket=self._bucket, Key=key)["ContentLength"]
        except ClientError as exc:
            if _is_missing(exc):
                return None
            raise

    def read(self, key: str) -> bytes:
        return self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()

    def read_if_present(self, key: str) -> bytes | None:
        """The object's bytes, or None when it is gone (deleted since it was seen)."""
        try:
            return self.read(key)
        except ClientError as exc:
            if _is_missing(exc):
                return None
            raise

    def write(self, key: str, body: bytes, content_type: str) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType=content_type)

    def delete(self, key: str) -> None:
        """Idempotent: deleting a missing key is not an error (S3's own rule)."""
        self._s3.delete_object(Bucket=self._bucket, Key=key)

    def delete_many(self, keys: Iterable[str]) -> None:
        """Delete every key, in batches; missing keys are fine. Raises ServiceBusyError (503 with
        Retry-After) when S3 refuses any of them, so the caller gets another go: an event is
        redelivered, a client repeats its request, and the sweep that called this runs again."""
        keys = list(keys)
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = keys[start:start + _DELETE_BATCH]
            answer = self._s3.delete_objects(Bucket=self._bucket, Delete={
                "Objects": [{"Key": key} for key in batch], "Quiet": True})
            failed = [error for error in answer.get("Errors", []) if error.get("Code") not in _MISSING]
            if failed:
                raise ServiceBusyError()

    def keys(self, prefix: str) -> list[str]:
        """Every key under `prefix` (all pages)."""
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def download_url(self, key: str, expires_in: int = 300) -> str:
        return self._s3.generate_presigned_url("get_object", Params={"Bucket": self._bucket, "Key": key},
                                               ExpiresIn=expires_in)
