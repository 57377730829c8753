"""Draws an e-certificate as a PDF (real text, embedded font subsets) and a PNG preview: the `CertificateRenderer`.

One layout (`_layout`: text runs, the photo, the QR code, frame lines, in
points from the top-left of an A4 landscape page) is painted twice: by
ReportLab into the PDF and by Pillow into the PNG, so the two cannot drift.

Fonts ship in `chalicelib/assets/fonts/` (see its README): each character is
drawn with the first bundled font that has it, so names with `·` and rare
characters (䶮 from Extension A, 𪚥 from Extension B) print as themselves. A
character no bundled font has is drawn as a visible `[U+XXXXX]` and logged by
code point (never the name).

Only `bootstrap.build`'s lazy `Deps.renderer` imports this module, when the `issue-certificates`
job (or the demo seed) first draws: ReportLab, Pillow and segno stay out of the
API's cold start.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.lib.utils import ImageReader

from chalicelib.domain import texts
from chalicelib.domain.certificates import SUBTITLE, TITLE, VERIFY_HINT, Certificate, printed_fields
from chalicelib.domain.verification import printed_code
from chalicelib.domain.ports import RenderedCertificate
from chalicelib.observability import logger

FONTS_DIR = Path(__file__).resolve().parent.parent / "assets" / "fonts"
FONT_FILES = {"NotoSansSC": "NotoSansSC-Regular.ttf", "HanaMinB": "HanaMinB.ttf"}  # in fallback order
PAGE_WIDTH, PAGE_HEIGHT = 842.0, 595.0  # A4 landscape, points
PNG_SCALE = 1.5  # 1263 × 892 px: readable on a phone, well under the 1 MiB material limit
PHOTO_BOX = (616.0, 150.0, 140.0, 212.0)  # x, top, width, height: the 413 × 626 ID photo's proportions
QR_BOX = (626.0, 400.0, 120.0)  # x, top, side
INK, MUTED, ACCENT = (0x1F, 0x1F, 0x1F), (0x55, 0x55, 0x55), (0x9B, 0x1B, 0x1B)


class ReportLabCertificateRenderer:
    """The `CertificateRenderer` port: `render` and `placeholder_photo` below."""

    def render(self, certificate: Certificate, photo_jpeg: bytes, verify_url: str,
               verification_code: str) -> RenderedCertificate:
        return render(certificate, photo_jpeg, verify_url, verification_code)

    def placeholder_photo(self) -> bytes:
        return placeholder_photo()


@dataclass(frozen=True)
class _Text:
    x: float
    baseline: float
    size: float
    runs: tuple[tuple[str, str], ...]  # (font name, text)
    color: tuple[int, int, int] = INK


@dataclass(frozen=True)
class _Photo:
    x: float
    top: float
    width: float
    height: float
    jpeg: bytes


@dataclass(frozen=True)
class _Modules:
    """Filled squares (QR modules), merged into horizontal bars: (x, top, width, height)."""

    bars: tuple[tuple[float, float, float, float], ...]


@dataclass(frozen=True)
class _Frame:
    x: float
    top: float
    width: float
    height: float
    line_width: float


# --- fonts -----------------------------------------------------------------------

_WIDE_BFCHAR = re.compile(r"^(<[0-9A-F]{2}>) <([0-9A-F]{5,6})>$", re.MULTILINE)
_reportlab_to_unicode = ttfonts.makeToUnicodeCMap


def _to_unicode_utf16(fontname, subset):
    """ReportLab writes a supplementary-plane character's ToUnicode entry as 5 hex digits,
    which PDF readers reject (the destination must be UTF-16BE); text extraction and
    copy-paste then lose 𪚥. Rewrite those entries as surrogate pairs."""
    return _WIDE_BFCHAR.sub(
        lambda m: f"{m[1]} <{chr(int(m[2], 16)).encode('utf-16-be').hex().upper()}>",
        _reportlab_to_unicode(fontname, subset))


ttfonts.makeToUnicodeCMap = _to_unicode_utf16


@cache
def _registered_fonts() -> dict[str, frozenset[int]]:
    """Register the bundled fonts with ReportLab once per container; their code points."""
    covered = {}
    for name, filename in FONT_FILES.items():
        font = ttfonts.TTFont(name, str(FONTS_DIR / filename))
        pdfmetrics.registerFont(font)
        covered[name] = frozenset(font.face.charToGlyph)
    return covered


def _runs(text: str) -> tuple[tuple[str, str], ...]:
    """Split `text` into runs of one font each, in fallback order."""
    fonts = _registered_fonts()
    primary = next(iter(fonts))
    runs: list[list[str]] = []
    for char in text:
        font = next((name for name, points in fonts.items() if ord(char) in points), None)
        if font is None:
            logger.warning("certificate glyph missing", extra={"code_point": f"U+{ord(char):04X}"})
            font, char = primary, f"[U+{ord(char):04X}]"
        if runs and runs[-1][0] == font:
            runs[-1][1] += char
        else:
            runs.append([font, char])
    return tuple((font, chunk) for font, chunk in runs)


def _width(runs: tuple[tuple[str, str], ...], size: float) -> float:
    return sum(pdfmetrics.stringWidth(chunk, font, size) for font, chunk in runs)


def _centered(text: str, baseline: float, size: float, color=INK) -> _Text:
    runs = _runs(text)
    return _Text((PAGE_WIDTH - _width(runs, size)) / 2, baseline, size, runs, color)


# --- layout ------------------------------------------------------------------------

def _qr_bars(url: str, x: float, top: float, size: float) -> _Modules:
    matrix = segno.make(url, error="m").matrix
    module = size / len(matrix)
    bars = []
    for row, line in enumerate(matrix):
        col = 0
        while col < len(line):
            if not line[col]:
                col += 1
                continue
            start = col
            while col < len(line) and line[col]:
                col += 1
            bars.append((x + start * module, top + row * module, (col - start) * module, module))
    return _Modules(tuple(bars))


def _under_qr(text: str, baseline: float, size: float, color=INK) -> _Text:
    """`text` centred under the QR code."""
    runs = _runs(text)
    x, _, side = QR_BOX
    return _Text(x + (side - _width(runs, size)) / 2, baseline, size, runs, color)


def _layout(certificate: Certificate, photo_jpeg: bytes, verify_url: str, verification_code: str) -> list:
    ops: list = [_Frame(20, 20, PAGE_WIDTH - 40, PAGE_HEIGHT - 40, 2.5),
                 _Frame(28, 28, PAGE_WIDTH - 56, PAGE_HEIGHT - 56, 0.8),
                 _centered(TITLE, 92, 30, ACCENT), _centered(SUBTITLE, 122, 14, MUTED)]
    baseline = 172.0
    for label, value in printed_fields(certificate):
        ops.append(_Text(90, baseline, 13, _runs(label), MUTED))
        ops.append(_Text(250, baseline, 16, _runs(value)))
        baseline += 36
    ops.append(_Photo(*PHOTO_BOX, photo_jpeg))
    ops.append(_qr_bars(verify_url, *QR_BOX))
    # The code a person types when the QR cannot be scanned (a photocopy, a photo of a photo).
    ops.append(_under_qr(f"{texts.VERIFICATION_LABELS['code']} {printed_code(verification_code)}", 536, 11))
    ops.append(_under_qr(VERIFY_HINT, 553, 10, MUTED))
    return ops


# --- painters ----------------------------------------------------------------------

def _pdf(ops: list, certificate: Certificate) -> bytes:
    out = io.BytesIO()
    page = pdf_canvas.Canvas(out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=True)
    page.setTitle(f"{TITLE} {certificate.registration_no}")
    page.setAuthor("北京市民政局")
    for op in ops:
        if isinstance(op, _Frame):
            page.setStrokeColorRGB(*(c / 255 for c in ACCENT))
            page.setLineWidth(op.line_width)
            page.rect(op.x, PAGE_HEIGHT - op.top - op.height, op.width, op.height)
        elif isinstance(op, _Text):
            line = page.beginText(op.x, PAGE_HEIGHT - op.baseline)  # one text object: extracts as one line
            line.setFillColorRGB(*(c / 255 for c in op.color))
            for font, chunk in op.runs:
                line.setFont(font, op.size)
                line.textOut(chunk)
            page.drawText(line)
        elif isinstance(op, _Photo):
            page.drawImage(ImageReader(io.BytesIO(op.jpeg)), op.x, PAGE_HEIGHT - op.top - op.height,
                           op.width, op.height)
        elif isinstance(op, _Modules):
            page.setFillColorRGB(0, 0, 0)
            for x, top, width, height in op.bars:
                page.rect(x, PAGE_HEIGHT - top - height, width, height, stroke=0, fill=1)
    page.showPage()
    page.save()
    return out.getvalue()


@lru_cache(maxsize=32)
def _pil_font(name: str, pixels: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS_DIR / FONT_FILES[name]), pixels)


def _png(ops: list) -> bytes:
    def px(value: float) -> int:
        return round(value * PNG_SCALE)

    image = Image.new("RGB", (px(PAGE_WIDTH), px(PAGE_HEIGHT)), "white")
    draw = ImageDraw.Draw(image)
    for op in ops:
        if isinstance(op, _Frame):
            draw.rectangle((px(op.x), px(op.top), px(op.x + op.width), px(op.top + op.height)),
                           outline=ACCENT, width=max(1, px(op.line_width)))
        elif isinstance(op, _Text):
            x = op.x
            for font, chunk in op.runs:
                draw.text((px(x), px(op.baseline)), chunk, font=_pil_font(font, px(op.size)),
                          fill=op.color, anchor="ls")
                x += pdfmetrics.stringWidth(chunk, font, op.size)
        elif isinstance(op, _Photo):
            with Image.open(io.BytesIO(op.jpeg)) as photo:
                image.paste(photo.convert("RGB").resize((px(op.width), px(op.height)), Image.LANCZOS),
                            (px(op.x), px(op.top)))
        elif isinstance(op, _Modules):
            for x, top, width, height in op.bars:
                draw.rectangle((px(x), px(top), px(x + width) - 1, px(top + height) - 1), fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def placeholder_photo() -> bytes:
    """A drawn head-and-shoulders outline in the ID photo's 413 × 626, for demo certificates."""
    image = Image.new("RGB", (413, 626), (214, 226, 240))
    draw = ImageDraw.Draw(image)
    draw.ellipse((126, 120, 286, 300), fill=(150, 162, 178))
    draw.ellipse((46, 330, 366, 700), fill=(150, 162, 178))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def render(certificate: Certificate, photo_jpeg: bytes, verify_url: str,
           verification_code: str) -> RenderedCertificate:
    """The certificate's PDF and PNG preview. `photo_jpeg` is the normalised ID photo
    (413 × 626 JPEG from the upload pipeline); `verify_url` goes into the QR code and
    `verification_code` is printed under it (`核验码 ABCD-EFGH`)."""
    ops = _layout(certificate, photo_jpeg, verify_url, verification_code)
    return RenderedCertificate(pdf=_pdf(ops, certificate), png=_png(ops))
