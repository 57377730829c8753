"""Objects in the stage's bucket: raw uploads in, normalised materials out, short-lived links."""
from __future__ import annotations

from botocore.exceptions import ClientError


class S3Files:
    def __init__(self, s3, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def size(self, key: str) -> int | None:
        """The object's size from HEAD (never trust the event's), or None when it is missing."""
        try:
            return self._s3.head_object(Bucket=self._bucket, Key=key)["ContentLength"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def read(self, key: str) -> bytes:
        return self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()

    def write(self, key: str, body: bytes, content_type: str) -> None:
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, ContentType=content_type)

    def delete(self, key: str) -> None:
        self._s3.delete_object(Bucket=self._bucket, Key=key)

    def download_url(self, key: str, expires_in: int = 300) -> str:
        return self._s3.generate_presigned_url("get_object", Params={"Bucket": self._bucket, "Key": key},
                                               ExpiresIn=expires_in)
