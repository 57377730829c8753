"""The rendered e-certificate: a valid PDF whose text holds every printed field, and a PNG preview.

No AWS here: the renderer takes the certificate and the photo bytes and returns bytes.
"""
from __future__ import annotations

import io
import logging
from datetime import datetime, timezone

import pytest
from PIL import Image
from pypdf import PdfReader

from chalicelib.adapters import certificate_render
from chalicelib.domain.certificates import Certificate, printed_fields
from chalicelib.domain.levels import Level
from chalicelib.domain.object_keys import certificate_keys
from chalicelib.observability import logger
from tests.approvals import id_photo_jpeg
from tests.ids import make_id

VERIFY_URL = "http://127.0.0.1:8000/verify/BJ2026000123?code=K7MX2QPA"
CODE = "K7MX2QPA"


def _certificate(name: str) -> Certificate:
    pdf_key, png_key = certificate_keys("BJ2026000123")
    return Certificate("BJ2026000123", make_id(), "app-1", name, "Z20250001", Level.SENIOR, 2026, 2029,
                       datetime(2026, 4, 15, 2, tzinfo=timezone.utc), pdf_key, png_key)


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


@pytest.mark.parametrize("name", ["周晓梅", "阿依古丽·买买提", "王䶮", "李𪚥", "买买提·𪚥䶮"])
def test_the_pdf_text_holds_the_name_as_written_including_extension_a_and_b_characters(name):
    rendered = certificate_render.render(_certificate(name), id_photo_jpeg(), VERIFY_URL, CODE)
    assert rendered.pdf.startswith(b"%PDF-") and rendered.pdf.rstrip().endswith(b"%%EOF")
    assert name in _text(rendered.pdf)


def test_every_printed_field_is_in_the_pdf_and_the_fonts_are_embedded_subsets():
    certificate = _certificate("阿依古丽·买买提")
    rendered = certificate_render.render(certificate, id_photo_jpeg(), VERIFY_URL, CODE)
    text = _text(rendered.pdf)
    for label, value in printed_fields(certificate):
        assert label in text and value in text
    assert b"/FontFile2" in rendered.pdf  # TrueType programs embedded, not referenced
    assert certificate.id_number in text and "高级社会工作师" in text and "北京市民政局" in text


def test_the_png_preview_is_a_landscape_page_under_the_one_megabyte_material_limit():
    rendered = certificate_render.render(_certificate("周晓梅"), id_photo_jpeg(), VERIFY_URL, CODE)
    with Image.open(io.BytesIO(rendered.png)) as preview:
        assert preview.format == "PNG" and preview.width > preview.height >= 800
    assert len(rendered.png) < 1024 * 1024


def test_a_character_no_bundled_font_has_is_drawn_visibly_and_logged_by_code_point_only(caplog):
    name = "张\U00030000"  # Extension G: in neither bundled font
    with caplog.at_level(logging.WARNING, logger=logger.name):
        rendered = certificate_render.render(_certificate(name), id_photo_jpeg(), VERIFY_URL, CODE)
    assert "张[U+30000]" in _text(rendered.pdf)
    missing = [r for r in caplog.records if r.getMessage() == "certificate glyph missing"]
    assert missing and all(r.code_point == "U+30000" and name not in r.getMessage() for r in missing)


def test_rendering_the_same_certificate_twice_gives_the_same_pdf():
    certificate = _certificate("周晓梅")
    first = certificate_render.render(certificate, id_photo_jpeg(), VERIFY_URL, CODE)
    second = certificate_render.render(certificate, id_photo_jpeg(), VERIFY_URL, CODE)
    assert first.pdf == second.pdf  # a resumed run rewrites identical bytes


def test_the_qr_code_in_the_preview_carries_the_verification_url():
    import segno
    rendered = certificate_render.render(_certificate("周晓梅"), id_photo_jpeg(), VERIFY_URL, CODE)
    matrix = segno.make(VERIFY_URL, error="m").matrix
    x, top, side = certificate_render.QR_BOX
    module = side / len(matrix) * certificate_render.PNG_SCALE
    with Image.open(io.BytesIO(rendered.png)) as preview:
        gray = preview.convert("L")
        seen = [[gray.getpixel((int(x * certificate_render.PNG_SCALE + (c + 0.5) * module),
                                int(top * certificate_render.PNG_SCALE + (r + 0.5) * module))) < 128
                 for c in range(len(matrix))] for r in range(len(matrix))]
    assert seen == [[bool(v) for v in row] for row in matrix]


def test_the_verification_code_is_printed_under_the_qr_code_in_two_groups_of_four():
    rendered = certificate_render.render(_certificate("周晓梅"), id_photo_jpeg(), VERIFY_URL, CODE)
    assert "核验码 K7MX-2QPA" in _text(rendered.pdf)
    other = certificate_render.render(_certificate("周晓梅"), id_photo_jpeg(), VERIFY_URL, "23456789")
    assert "核验码 2345-6789" in _text(other.pdf) and other.png != rendered.png


def test_the_code_and_the_hint_sit_between_the_qr_code_and_the_inner_frame():
    ops = certificate_render._layout(_certificate("周晓梅"), id_photo_jpeg(), VERIFY_URL, CODE)
    x, top, side = certificate_render.QR_BOX
    code, hint = [op for op in ops if isinstance(op, certificate_render._Text) and op.baseline > top + side]
    assert "".join(chunk for _, chunk in code.runs) == "核验码 K7MX-2QPA"
    assert top + side < code.baseline - code.size < code.baseline < hint.baseline - hint.size
    assert hint.baseline < certificate_render.PAGE_HEIGHT - 28  # inside the inner frame
    for text in (code, hint):
        width = certificate_render._width(text.runs, text.size)
        assert abs((text.x + width / 2) - (x + side / 2)) < 0.01  # centred under the QR
