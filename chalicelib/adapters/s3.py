"""The S3 client for the stage's bucket (SigV4, as presigned POSTs require)."""
from __future__ import annotations

import boto3
from botocore.config import Config

from chalicelib.settings import Settings


def client(settings: Settings):
    return boto3.client("s3", region_name=settings.region,
                        config=Config(signature_version="s3v4", connect_timeout=3,
                                      read_timeout=10, retries={"max_attempts": 3}))
