"""The S3 emulator (moto's server, in a thread on loopback) and its on-disk snapshot.

Moto keeps objects in memory; `make run` promises data survives a restart, so
the bucket is written to `.local/s3/` when the stack stops and loaded back
when it starts.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

from moto.server import ThreadedMotoServer

log = logging.getLogger("devstack.s3")



def upload_cors(origins) -> dict:
    """The bucket's CORS rule: the origins the API allows may POST uploads (as infra/ sets it)."""
    return {"CORSRules": [{
        "AllowedMethods": ["GET", "POST", "PUT"], "AllowedOrigins": sorted(origins),
        "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 3000,
    }]}


def start(port: int = 0) -> tuple[ThreadedMotoServer, int]:
    """Start the emulator on 127.0.0.1 (port 0 picks a free one); returns it and its port."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server, server.get_host_and_port()[1]


def ensure_bucket(s3, bucket: str, origins) -> None:
    """Create the bucket with the CORS rule browsers on `origins` need for presigned POSTs."""
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=upload_cors(origins))


def save(s3, bucket: str, folder: Path) -> int:
    """Write every object (body and content type) under `folder`; returns how many."""
    folder.mkdir(parents=True, exist_ok=True)
    index = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            response = s3.get_object(Bucket=bucket, Key=obj["Key"])
            name = f"{len(index):08d}.bin"
            (folder / name).write_bytes(response["Body"].read())
            index[name] = {"key": obj["Key"], "content_type": response.get("ContentType")}
    for stale in folder.glob("*.bin"):
        if stale.name not in index:
            stale.unlink()
    (folder / "index.json").write_text(json.dumps(index, ensure_ascii=False))
    return len(index)


def restore(s3, bucket: str, folder: Path) -> int:
    """Put back what `save` wrote; returns how many objects."""
    index_file = folder / "index.json"
    if not index_file.exists():
        return 0
    index = json.loads(index_file.read_text())
    for name, meta in index.items():
        extra = {"ContentType": meta["content_type"]} if meta.get("content_type") else {}
        s3.put_object(Bucket=bucket, Key=meta["key"], Body=(folder / name).read_bytes(), **extra)
    return len(index)
