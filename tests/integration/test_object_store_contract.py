"""The ObjectStore and UploadSigner ports: one set of assertions on `tests.fakes`
(FakeObjectStore, FakeUploadSigner) and on the S3 adapters over the test stack's S3 emulator."""
from __future__ import annotations

import uuid

import pytest

from tests import fakes


@pytest.fixture(params=["fake", "s3"])
def files(request):
    if request.param == "fake":
        return fakes.FakeObjectStore()
    return request.getfixturevalue("deps").files


@pytest.fixture(params=["fake", "s3"])
def uploads(request):
    if request.param == "fake":
        return fakes.FakeUploadSigner()
    return request.getfixturevalue("deps").uploads


def _prefix() -> str:
    return f"contract/{uuid.uuid4().hex}/"


def test_an_object_reads_back_with_its_size_and_a_missing_one_reads_as_none(files):
    key = _prefix() + "photo.jpg"
    files.write(key, b"\xff\xd8jpeg\xff\xd9", "image/jpeg")
    assert files.read(key) == b"\xff\xd8jpeg\xff\xd9"
    assert files.read_if_present(key) == b"\xff\xd8jpeg\xff\xd9"
    assert files.size(key) == 8
    missing = _prefix() + "gone.jpg"
    assert files.size(missing) is None
    assert files.read_if_present(missing) is None
    with pytest.raises(Exception):
        files.read(missing)


def test_keys_are_listed_under_a_prefix_only(files):
    prefix = _prefix()
    for name in ("b", "a", "sub/c"):
        files.write(prefix + name, name.encode(), "text/plain")
    files.write(_prefix() + "elsewhere", b"x", "text/plain")
    assert sorted(files.keys(prefix)) == [prefix + "a", prefix + "b", prefix + "sub/c"]
    assert files.keys(_prefix()) == []


def test_deletes_are_idempotent_and_take_missing_keys(files):
    prefix = _prefix()
    for name in ("a", "b", "c"):
        files.write(prefix + name, b"x", "text/plain")
    files.delete(prefix + "a")
    files.delete(prefix + "a")
    files.delete_many([prefix + "b", prefix + "never-written"])
    assert files.keys(prefix) == [prefix + "c"]
    files.delete_many(iter([prefix + "c"]))
    assert files.keys(prefix) == []


def test_a_download_link_names_the_object(files):
    key = _prefix() + "certificate.pdf"
    files.write(key, b"%PDF", "application/pdf")
    assert key in files.download_url(key, expires_in=60)


def test_an_upload_form_is_bound_to_exactly_its_key(uploads):
    key = _prefix() + "upload-1"
    form = uploads.presigned_post(key, max_bytes=1024, expires_in=300)
    assert form["url"].startswith("http")
    assert form["fields"]["key"] == key
