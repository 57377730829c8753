"""One set of assertions, run on `FakeCertificateRenderer` and on the ReportLab renderer in `Deps.renderer`.

They pin what the issuing job relies on (`ports.CertificateRenderer`): a PDF and a
PNG, the same bytes for the same certificate (a retried run rewrites identical
objects), and a placeholder that is a JPEG. What is printed where is
`test_certificate_render.py`'s.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from chalicelib import bootstrap
from chalicelib.domain.certificates import Certificate
from chalicelib.domain.levels import Level
from chalicelib.settings import Settings
from tests import fakes
from tests.approvals import id_photo_jpeg
from tests.ids import make_id

VERIFY_URL = "http://127.0.0.1:8000/verify/BJ2026000123?code=K7MX2QPA"
CODE = "K7MX2QPA"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(params=["fake", "reportlab"])
def renderer(request):
    if request.param == "fake":
        return fakes.FakeCertificateRenderer()
    return bootstrap.build(Settings.from_env()).renderer


@pytest.fixture(scope="module")
def certificate() -> Certificate:
    return Certificate("BJ2026000123", make_id(), "app-1", "周晓梅", "Z20250001", Level.SENIOR, 2026, 2029,
                       datetime(2026, 4, 15, 2, tzinfo=timezone.utc), "certificates/x.pdf", "certificates/x.png")


def test_a_certificate_renders_as_a_pdf_and_a_png(renderer, certificate):
    rendered = renderer.render(certificate, id_photo_jpeg(), VERIFY_URL, CODE)
    assert rendered.pdf.startswith(b"%PDF-") and rendered.pdf.rstrip().endswith(b"%%EOF")
    assert rendered.png.startswith(PNG_SIGNATURE)


def test_the_same_certificate_renders_to_the_same_bytes_and_another_to_other_bytes(renderer, certificate):
    first = renderer.render(certificate, id_photo_jpeg(), VERIFY_URL, CODE)
    assert renderer.render(certificate, id_photo_jpeg(), VERIFY_URL, CODE) == first
    other = renderer.render(replace(certificate, name="王䶮"), id_photo_jpeg(), VERIFY_URL, CODE)
    assert other.pdf != first.pdf and other.png != first.png
    recoded = renderer.render(certificate, id_photo_jpeg(), VERIFY_URL, "23456789")
    assert recoded.pdf != first.pdf and recoded.png != first.png  # the code is printed


def test_the_placeholder_photo_is_a_jpeg(renderer):
    photo = renderer.placeholder_photo()
    assert photo.startswith(b"\xff\xd8") and photo.endswith(b"\xff\xd9")
