"""Files the browser tests pick in a file input, built with Pillow (tests/unit/photo_samples.py):
what a phone's camera gives, and what a person mistakes for a photo. Each is a Playwright file
payload ({name, mimeType, buffer}) for `locator.set_input_files`."""
from __future__ import annotations

from functools import cache

from tests.unit import photo_samples as samples

ROTATED = 6  # EXIF orientation of a phone held upright: stored sideways, shown turned 90°


@cache
def camera_photo() -> dict:
    """About 4 MB: a 12 MP camera JPEG stored sideways with EXIF rotation (and GPS, which must go)."""
    jpeg = samples.encode(samples.camera_image(4000, 3000), "JPEG", quality=90, exif=samples.camera_exif(ROTATED))
    return {"name": "IMG_20240312_091502.jpg", "mimeType": "image/jpeg", "buffer": jpeg}


@cache
def small_photo(name: str = "photo.jpg") -> dict:
    """An ordinary phone photo of a document, a few hundred KB."""
    jpeg = samples.encode(samples.camera_image(1600, 1200), "JPEG", quality=85, exif=samples.camera_exif())
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg}


def pdf_named_jpg() -> dict:
    """A scanned PDF renamed to .jpg: the browser calls it a JPEG, the server must not."""
    return {"name": "学历证书.jpg", "mimeType": "image/jpeg", "buffer": samples.pdf()}
