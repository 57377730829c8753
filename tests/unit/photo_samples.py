"""Upload samples built in code with Pillow (no binary fixtures): camera photos, odd modes, hostile files."""
from __future__ import annotations

import io
import random
import struct
import zlib
from functools import cache

from PIL import ExifTags, Image, ImageChops, ImageCms, ImageDraw

# The transposition that stores an upright picture under each EXIF orientation (the inverse of
# what a viewer applies), so a sample's stored pixels are what a sideways-held camera writes.
_STORE_AS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}
QUADRANT_COLOURS = {"top_left": (220, 30, 30), "top_right": (30, 200, 30),
                    "bottom_left": (30, 30, 220), "bottom_right": (240, 240, 30)}


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


@cache
def _noise_tile(sigma: int) -> Image.Image:
    return Image.effect_noise((509, 487), sigma)     # odd sizes so tiles never line up with 8×8 JPEG blocks


def _noise(size: tuple[int, int], sigma: int, shift: int = 0) -> Image.Image:
    tile = ImageChops.offset(_noise_tile(sigma), shift * 97, shift * 61)
    canvas = Image.new("L", size)
    for x in range(0, size[0], tile.width):
        for y in range(0, size[1], tile.height):
            canvas.paste(tile, (x, y))
    return canvas


def camera_image(width: int, height: int, sigma: int = 12) -> Image.Image:
    """Smooth gradients and shapes under sensor-like noise: compresses like a phone photo, not like a flat fill."""
    across = Image.linear_gradient("L").rotate(90).resize((width, height))
    down = Image.linear_gradient("L").resize((width, height))
    centre = Image.radial_gradient("L").resize((width, height))
    scene = Image.merge("RGB", (across, centre, down))
    draw = ImageDraw.Draw(scene)
    draw.ellipse((width // 4, height // 4, width // 2, height * 3 // 4), fill=(200, 170, 150))
    draw.rectangle((width * 3 // 5, height // 5, width * 9 // 10, height // 2), fill=(40, 60, 90))
    channels = [ImageChops.add(channel, _noise((width, height), sigma, shift), 1, -128)
                for shift, channel in enumerate(scene.split())]
    return Image.merge("RGB", channels)


def camera_exif(orientation: int = 1) -> Image.Exif:
    """What a phone writes: make, model, orientation and where the picture was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.Base.Model] = "Camera 12"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 27.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 23.0, 17.0)
    return exif


@cache
def camera_jpeg(width: int = 4000, height: int = 3000, quality: int = 92, sigma: int = 12) -> bytes:
    """A 12 MP camera JPEG of several MB, with EXIF (GPS included) and a comment."""
    return encode(camera_image(width, height, sigma), "JPEG", quality=quality, exif=camera_exif(),
                  comment=b"taken at home")


def quadrants(width: int, height: int) -> Image.Image:
    """An upright picture whose four quadrants have different colours, so any wrong turn or flip shows."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    half_w, half_h = width // 2, height // 2
    draw.rectangle((0, 0, half_w, half_h), fill=QUADRANT_COLOURS["top_left"])
    draw.rectangle((half_w, 0, width, half_h), fill=QUADRANT_COLOURS["top_right"])
    draw.rectangle((0, half_h, half_w, height), fill=QUADRANT_COLOURS["bottom_left"])
    draw.rectangle((half_w, half_h, width, height), fill=QUADRANT_COLOURS["bottom_right"])
    return image


def oriented_jpeg(upright: Image.Image, orientation: int) -> bytes:
    """`upright` stored as a camera held another way would store it, with the EXIF tag that undoes it."""
    stored = upright.transpose(_STORE_AS[orientation]) if orientation in _STORE_AS else upright
    return encode(stored, "JPEG", quality=90, exif=camera_exif(orientation))


def png_with_alpha(width: int = 800, height: int = 600) -> bytes:
    """Opaque red disc on a fully transparent (black) background."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((width // 4, height // 4, width * 3 // 4, height * 3 // 4), fill=(200, 0, 0, 255))
    return encode(image, "PNG")


def cmyk_jpeg(width: int = 800, height: int = 600) -> bytes:
    """Pure cyan in CMYK, as print workflows and some scanners write."""
    return encode(Image.new("CMYK", (width, height), (255, 0, 0, 0)), "JPEG", quality=90)


def webp(width: int = 900, height: int = 700) -> bytes:
    return encode(camera_image(width, height), "WEBP", quality=85)


def png_16bit(width: int = 640, height: int = 480) -> bytes:
    """A 16-bit greyscale gradient (mode I;16) from 0 to 65535, left to right."""
    ramp = Image.linear_gradient("L").rotate(90).resize((width, height)).convert("I").point(lambda v: v * 257)
    return encode(ramp.convert("I;16"), "PNG")


def palette_png(width: int = 700, height: int = 500, transparent: bool = False) -> bytes:
    image = quadrants(width, height).quantize(8)
    return encode(image, "PNG", transparency=0) if transparent else encode(image, "PNG")


def mpo(width: int = 1200, height: int = 900) -> bytes:
    """A JPEG with a second picture appended (MPF), as phones write portrait-mode and depth photos."""
    main = camera_image(width, height)
    return encode(main, "MPO", save_all=True, append_images=[main.resize((width // 4, height // 4))])


def truncated_jpeg() -> bytes:
    whole = camera_jpeg()
    return whole[: len(whole) * 2 // 3]


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@cache
def png_bomb(width: int = 40000, height: int = 40000) -> bytes:
    """A complete, valid 1-bit PNG whose pixels decode to width×height (1.6 Gpx by default) from under a MB."""
    row = b"\x00" + bytes((width + 7) // 8)
    compressor = zlib.compressobj(1)
    rows_per_block = 500
    blocks = [compressor.compress(row * rows_per_block) for _ in range(height // rows_per_block)]
    blocks.append(compressor.compress(row * (height % rows_per_block)) + compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"".join(blocks))
            + _chunk(b"IEND", b""))


def png_text_bomb(after_pixels: bool = False) -> bytes:
    """A small valid PNG carrying a zTXt chunk that inflates to 8 MB, past Pillow's 1 MB text limit."""
    png = encode(camera_image(400, 400), "PNG")
    bomb = _chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"a" * (8 * 1024 * 1024), 9))
    at = len(png) - 12 if after_pixels else 8 + 25       # before IEND, or right after IHDR
    return png[:at] + bomb + png[at:]


def animated_gif() -> bytes:
    frames = [Image.new("P", (400, 400), colour) for colour in (1, 2, 3)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def static_gif() -> bytes:
    return encode(camera_image(400, 400).convert("P"), "GIF")


def pdf() -> bytes:
    """A real PDF holding a photo, as scanner apps produce."""
    return encode(camera_image(600, 800), "PDF")


SVG_WITH_SCRIPT = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600">'
                   b'<script>alert(document.cookie)</script><rect width="800" height="600" fill="red"/></svg>')
HTML = b"<!DOCTYPE html><html><head><title>x</title></head><body><img src=x onerror=alert(1)></body></html>"


def heic_header() -> bytes:
    """The start of an iPhone HEIC: an `ftyp` box with major brand heic, then the meta box."""
    ftyp = b"ftyp" + b"heic" + b"\x00\x00\x00\x00" + b"mif1" + b"MiHE" + b"miaf" + b"MiHB" + b"heic"
    return struct.pack(">I", 4 + len(ftyp)) + ftyp + b"\x00\x00\x00\x22meta" + bytes(30)


def avif(width: int = 400, height: int = 400) -> bytes:
    return encode(camera_image(width, height), "AVIF", quality=60)


def with_icc(image: Image.Image, profile: bytes) -> bytes:
    return encode(image, "JPEG", quality=90, icc_profile=profile)


def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


@cache
def noise_png(width: int = 1600, height: int = 1600) -> bytes:
    """Uniform colour noise, the least compressible picture there is: the worst case for the JPEG budget."""
    pixels = random.Random(5).randbytes(width * height * 3)
    return encode(Image.frombytes("RGB", (width, height), pixels), "PNG", compress_level=1)


def jpeg_with_corrupt_exif(width: int = 800, height: int = 600) -> bytes:
    """A sound picture whose EXIF block has a damaged TIFF header, as some editing apps leave behind."""
    jpeg = encode(camera_image(width, height), "JPEG", quality=90, exif=camera_exif(6))
    tiff_header = jpeg.index(b"Exif\x00\x00") + 6
    return jpeg[:tiff_header] + b"XX" + jpeg[tiff_header + 2:]
