"""Presigned S3 POSTs for browser uploads into the uploads prefix."""
from __future__ import annotations


class S3Uploads:
    def __init__(self, s3, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def presigned_post(self, key: str, max_bytes: int, expires_in: int) -> dict:
        """A POST policy for exactly `key`, 1 byte to `max_bytes`, valid `expires_in` seconds.
        (Real S3 enforces it; the upload handler re-checks the size anyway.)"""
        return self._s3.generate_presigned_post(
            Bucket=self._bucket, Key=key, ExpiresIn=expires_in,
            Conditions=[["content-length-range", 1, max_bytes], {"key": key}])
