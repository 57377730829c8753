"""The photo processor on Pillow (SPEC §2.5): untrusted upload bytes in, a small metadata-free JPEG — or a reason — out.

Only `bootstrap.build`'s lazy `Deps.photos` imports this module, when the S3 upload
handler first needs it, so Pillow never loads at the API's cold start.

Decoding runs under limits of our own rather than Pillow's process-wide defaults:
`MAX_PIXELS` (`MAX_WEBP_PIXELS`) is checked against the header before any pixel is decoded, and for the
duration of one decode `DecompressionBombWarning` is an error and
`ImageFile.LOAD_TRUNCATED_IMAGES` is off; both are restored afterwards, and
`Image.MAX_IMAGE_PIXELS` is never touched (other Pillow users in the process keep theirs).
Only the JPEG, PNG and WebP decoders are ever tried (`Image.open(formats=...)`), so a GIF,
PDF, SVG or HTML file is refused by its content whatever it is called, and no other
decoder's attack surface is reachable.

JPEGs are decoded at a reduced DCT scale (`draft()`) chosen so the region we keep is still at
least the output size; the scale is computed in the file's stored orientation, and the
EXIF orientation is applied last, to the small result.
"""
from __future__ import annotations

import hashlib
import io
import math
import struct
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from PIL import ExifTags, Image, ImageCms, ImageFile, UnidentifiedImageError

from chalicelib.domain import texts
from chalicelib.domain.materials import MaterialKind
from chalicelib.domain.ports import NormalisedPhoto, PhotoRejectedError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_OUTPUT_BYTES = 1_048_576
# Pixels we agree to decode, checked against the header. 40 MP takes any phone's default mode; the
# worst case it allows, a 40 MP PNG with transparency, peaks at ~260 MB resident (bench/photos.py),
# within a 512 MB Lambda. Pillow's own default (warns at 89 MP, raises at 178 MP) would not fit.
MAX_PIXELS = 40_000_000
# Pillow's WebP decoder holds about four full copies while decoding (libwebp's canvas, the bytes it
# returns, the image): ~16 bytes a pixel, so 16 MP already peaks at ~275 MB. No camera writes WebP.
MAX_WEBP_PIXELS = 16_000_000

ID_PHOTO = "id_photo"
ID_PHOTO_SIZE = (413, 626)          # 3.5 × 5.3 cm at 300 dpi
ID_PHOTO_MIN = (200, 300)
DOCUMENT_LONG_SIDE = 1600
DOCUMENT_MIN_SHORT_SIDE = 300

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
# 85 looks like the source at these sizes; below 40 text on certificates smears.
QUALITIES = (85, 75, 65, 55, 45, 40)
# ISO BMFF brands of HEIF/HEIC stills and sequences; AVIF shares `mif1` and is told apart by `avif`/`avis`.
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs",
                          b"mif1", b"msf1"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
# EXIF orientation → what makes the picture upright: ImageOps.exif_transpose's table. We apply it
# ourselves, to the small result and with the orientation read once: exif_transpose parses the EXIF
# block again and rewrites it, and raises (SyntaxError, struct.error) when that block is corrupt.
_UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
            5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_90}
_SWAPS_AXES = frozenset({5, 6, 7, 8})   # the orientations that turn the picture by 90°
_DRAFTABLE = ("JPEG", "MPO")             # formats whose decoder can reduce while decoding
# Shrinking with a box filter (each output pixel the plain mean of the source pixels under it): after
# a reduced JPEG decode the step left is under 2×, and box costs a third of Lanczos (32 ms against
# 94 ms for 2000×1500 → 1600×1200, next to a 91 ms decode), which is what keeps a document within
# 1.5× of the bare decode (bench/photos.py). The price: on photo content the two differ by ~5 grey
# levels on average, but line patterns near the pixel pitch alias more. Box enlarges like nearest
# neighbour, so an id_photo from a small source is enlarged bicubic.
_SHRINK = Image.Resampling.BOX
_ENLARGE = Image.Resampling.BICUBIC
_INVERT = [255 - level for level in range(256)]
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))

# What Pillow raises on data it cannot decode, once it has recognised the format.
_BROKEN_PIXELS = (OSError, SyntaxError, EOFError, struct.error)


class PillowPhotoProcessor:
    """The `PhotoProcessor` port: `rejection_for_size` and `normalise` below."""

    def rejection_for_size(self, size: int) -> PhotoRejectedError | None:
        return rejection_for_size(size)

    def normalise(self, data: bytes, kind: MaterialKind) -> NormalisedPhoto:
        return normalise(data, kind)


@dataclass(frozen=True)
class DecodePlan:
    """Where to cut and how small to decode, in the file's stored (not upright) orientation."""

    draft_size: tuple[int, int]                    # what to ask `draft()` for
    box: tuple[float, float, float, float]         # the region kept, in full-size stored pixels
    size: tuple[int, int]                          # that region's size after resizing, stored orientation


def rejection_for_size(size: int) -> PhotoRejectedError | None:
    """The refusal for an upload of `size` bytes, or None; cheap enough to call on `head_object` before a download."""
    if size <= 0:
        return PhotoRejectedError("EMPTY", texts.reason("PHOTO_EMPTY"))
    if size > MAX_UPLOAD_BYTES:
        return PhotoRejectedError("TOO_LARGE", texts.reason("PHOTO_TOO_LARGE"))
    return None


def normalise(data: bytes, kind: str) -> NormalisedPhoto:
    """Turn an uploaded photo into the stored JPEG for material `kind` (a `MaterialKind` value).

    Guarantees: upright (EXIF orientation applied), RGB with transparency on white, sRGB where
    the source carried an ICC profile, no metadata at all, at most `MAX_OUTPUT_BYTES`;
    `id_photo` exactly 413×626 (centre-cropped to 3.5:5.3), anything else at most 1600 px
    on its long side and never enlarged.
    Raises `PhotoRejectedError` (EMPTY, TOO_LARGE, HEIC_UNSUPPORTED, NOT_AN_IMAGE, BOMB,
    TRUNCATED, TOO_SMALL) and nothing else for any input bytes.
    """
    refusal = rejection_for_size(len(data))
    if refusal is not None:
        raise refusal
    if _is_heif(data):
        raise PhotoRejectedError("HEIC_UNSUPPORTED", texts.reason("PHOTO_HEIC_UNSUPPORTED"))
    with _decoding_limits():
        image = _open(data)
        try:
            if image.format not in _DRAFTABLE:
                image.load()                 # a PNG may keep its EXIF after the pixels
            orientation = _orientation(image)
            plan = decode_plan(image.size, orientation, kind)
            scale = _draft(image, plan.draft_size)
            image.load()
        except ValueError as exc:            # e.g. a PNG text chunk inflating past Pillow's cap
            raise _not_an_image() from exc
        except _BROKEN_PIXELS as exc:
            raise _truncated() from exc
    icc_profile = image.info.get("icc_profile")
    resized = _resize(image, tuple(edge * scale for edge in plan.box), plan.size)
    image.close()                            # the decoded pixels go now, not when the encoder is done
    if orientation in _UPRIGHT:
        resized = resized.transpose(_UPRIGHT[orientation])
    return _encode(_to_srgb(resized, icc_profile))


def decode_plan(stored_size: tuple[int, int], orientation: int, kind: str) -> DecodePlan:
    """The crop, output size and reduced-decode request for an image of `stored_size` pixels.

    Public so the benchmark can time a bare `draft()` decode at exactly the scale used here.
    Raises `PhotoRejectedError` (TOO_SMALL) when the picture is too small to read.
    """
    swapped = orientation in _SWAPS_AXES
    width, height = stored_size[::-1] if swapped else stored_size       # upright
    if kind == ID_PHOTO:
        if width < ID_PHOTO_MIN[0] or height < ID_PHOTO_MIN[1]:
            raise PhotoRejectedError("TOO_SMALL", texts.reason("PHOTO_ID_PHOTO_TOO_SMALL", width=width, height=height))
        out_w, out_h = ID_PHOTO_SIZE
        crop_w, crop_h = min(width, height * out_w / out_h), min(height, width * out_h / out_w)
    else:
        if min(width, height) < DOCUMENT_MIN_SHORT_SIDE:
            raise PhotoRejectedError("TOO_SMALL", texts.reason("PHOTO_TOO_SMALL", width=width, height=height))
        shrink = min(1.0, DOCUMENT_LONG_SIDE / max(width, height))
        out_w, out_h = max(1, round(width * shrink)), max(1, round(height * shrink))
        crop_w, crop_h = width, height
    # The whole picture at the size where the kept region is exactly out_w × out_h: draft()
    # never goes below what it is asked for, so the region stays at least the output size.
    draft_w, draft_h = math.ceil(width * out_w / crop_w), math.ceil(height * out_h / crop_h)
    if swapped:
        out_w, out_h, crop_w, crop_h, draft_w, draft_h = out_h, out_w, crop_h, crop_w, draft_h, draft_w
    left, top = (stored_size[0] - crop_w) / 2, (stored_size[1] - crop_h) / 2
    return DecodePlan(draft_size=(draft_w, draft_h), box=(left, top, left + crop_w, top + crop_h),
                      size=(out_w, out_h))


def _is_heif(data: bytes) -> bool:
    """HEIC/HEIF by its `ftyp` box: major brand and compatible brands, never by name or Content-Type."""
    if data[4:8] != b"ftyp":
        return False
    box_end = min(int.from_bytes(data[:4], "big"), len(data), 256)
    brands = {data[8:12]} | {data[i:i + 4] for i in range(16, box_end - 3, 4)}
    return not brands & _AVIF_BRANDS and bool(brands & _HEIF_BRANDS)


@contextmanager
def _decoding_limits() -> Iterator[None]:
    """Pillow's guards are process-wide switches: set the ones we rely on for one decode, then restore them.
    (Like `catch_warnings` itself this is not thread-safe; a Lambda handles one event at a time.)"""
    load_truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = load_truncated


def _open(data: bytes) -> ImageFile.ImageFile:
    """Read the header only, and refuse before any pixel is decoded what we would not decode."""
    try:
        # JPEG's opener also returns MPO: phones append depth maps and previews to their JPEGs.
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb(MAX_PIXELS) from exc
    except (UnidentifiedImageError, ValueError) as exc:    # ValueError: a PNG text chunk inflating past Pillow's cap
        raise _not_an_image() from exc
    except _BROKEN_PIXELS as exc:     # the format was recognised but its data is cut short
        raise _truncated() from exc
    limit = MAX_WEBP_PIXELS if image.format == "WEBP" else MAX_PIXELS
    if image.width * image.height > limit:
        raise _bomb(limit)
    return image


def _orientation(image: Image.Image) -> int:
    """The EXIF (or XMP) orientation, 1 when unreadable: a damaged tag is no reason to refuse a photo."""
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except (SyntaxError, struct.error, ValueError):
        return 1
    return orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else 1


def _draft(image: Image.Image, size: tuple[int, int]) -> float:
    """Ask a JPEG to decode at the smallest 1/2, 1/4 or 1/8 scale still at least `size`; the scale it chose."""
    stored_width = image.width
    reduced = image.draft(image.mode, size)    # None from every decoder but JPEG's
    return reduced[1][2] / stored_width if reduced else 1.0


def _truncated() -> PhotoRejectedError:
    return PhotoRejectedError("TRUNCATED", texts.reason("PHOTO_TRUNCATED"))


def _bomb(limit: int) -> PhotoRejectedError:
    return PhotoRejectedError("BOMB", texts.reason("PHOTO_BOMB", megapixels=limit // 10_000))


def _not_an_image() -> PhotoRejectedError:
    return PhotoRejectedError("NOT_AN_IMAGE", texts.reason("PHOTO_NOT_AN_IMAGE"))


def _resize(image: Image.Image, box: tuple[float, ...], size: tuple[int, int]) -> Image.Image:
    """`box` of `image` at `size`, opaque. Palette and 1-bit images are converted first: Pillow
    resizes those by nearest neighbour."""
    if image.mode == "1":
        image = image.convert("L")
    elif image.mode in ("P", "PA", "L", "RGB") and image.has_transparency_data:
        image = image.convert("RGBA")
    elif image.mode in ("P", "PA"):
        image = image.convert("RGB")
    if image.mode in ("RGBA", "LA"):
        image, box = _flatten(image, box, size)
    shrinking = size[0] <= box[2] - box[0]
    return image.resize(size, _SHRINK if shrinking else _ENLARGE, box=box)


def _flatten(image: Image.Image, box: tuple[float, ...], size: tuple[int, int]) -> tuple[Image.Image, tuple]:
    """Transparency onto white, and `box` in the (possibly reduced) result.

    Every Pillow route from RGBA to a smaller opaque picture (resize, reduce, convert, a white
    canvas to paste on) makes a second full-size copy: 160 MB more at 40 MP. So blend white in
    under the alpha in place, then shrink one colour band at a time by whole pixels; the alpha
    left behind no longer matters.
    """
    transparency = image.getchannel("A").point(_INVERT)
    image.paste((255,) * len(image.getbands()), mask=transparency)
    del transparency
    factor = max(1, int(min((box[2] - box[0]) / size[0], (box[3] - box[1]) / size[1])))
    opaque = image.mode[:-1]                                   # RGBA → RGB, LA → L
    flat = Image.merge(opaque, [image.getchannel(band).reduce(factor) for band in opaque])
    return flat, tuple(edge / factor for edge in box)


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """8-bit RGB in sRGB. Dropping an embedded profile (phones tag Display P3) without converting would
    shift colours; a profile that cannot be used is ignored rather than refusing the photo. 16-bit
    greys are scaled: Pillow's own conversion clips everything above 255 to white."""
    if image.mode.startswith("I;16"):
        image = image.point(lambda value: value / 256).convert("L")
    if icc_profile:
        try:
            return ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(icc_profile)), _SRGB,
                                             outputMode="RGB")
        except (ImageCms.PyCMSError, OSError):
            pass
    return image if image.mode == "RGB" else image.convert("RGB")


def _encode(image: Image.Image) -> NormalisedPhoto:
    """The best quality in `QUALITIES` that fits `MAX_OUTPUT_BYTES`, shrinking by a quarter when even the
    floor does not; terminates because every shrink makes the image smaller. An `id_photo` never shrinks:
    413×626 pixels of pure noise are ~200 KB at quality 85."""
    image.info.clear()            # Pillow would copy a JPEG comment from here; nothing from the upload leaves
    while True:
        for quality in QUALITIES:
            out = io.BytesIO()
            image.save(out, "JPEG", quality=quality)
            if out.tell() <= MAX_OUTPUT_BYTES:
                jpeg = out.getvalue()
                return NormalisedPhoto(jpeg, image.width, image.height, hashlib.sha256(jpeg).hexdigest())
        image = image.resize((max(1, image.width * 3 // 4), max(1, image.height * 3 // 4)), _SHRINK)
