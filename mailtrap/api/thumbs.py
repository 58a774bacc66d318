"""Mailpit's attachment thumbnails: a 180x120 JPEG of an image, decoded within a pixel bound.

The image is filled into the frame (cropped around its centre) or, when smaller than the frame,
fitted into it, on white (so transparent images do not turn black), as JPEG quality 70: what
Mailpit serves. A part that is not an image, or not one Pillow reads, gets a blank white
thumbnail, as in Mailpit. Only common image formats are opened, and an image of more than
:data:`MAX_PIXELS` pixels is refused before it is decoded (a decompression bomb is a 4xx, not a
worker stuck decoding gigabytes); JPEGs are decoded at a reduced scale when that suffices.
Pillow is imported on first use.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from io import BytesIO

WIDTH, HEIGHT = 180, 120
#: Largest image decoded for a thumbnail (16 megapixels: 64 MB as RGBA).
MAX_PIXELS = 16_000_000
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "ICO")


class TooLarge(Exception):
    """The image has more pixels than a thumbnail may decode."""


def blank() -> bytes:
    from PIL import Image

    return _jpeg(Image.new("RGB", (WIDTH, HEIGHT), "white"))


def thumbnail(data: bytes, content_type: str) -> bytes:
    """The thumbnail of an image part's decoded bytes; raises :class:`TooLarge`."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not content_type.lower().startswith("image/"):
        return blank()
    try:
        with Image.open(BytesIO(data), formats=FORMATS) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise TooLarge(f"image of {width}x{height} pixels: over {MAX_PIXELS:,} pixels")
            image.draft("RGB", (WIDTH, HEIGHT))  # JPEG: decode at 1/2, 1/4 or 1/8 scale
            image.load()  # the first frame only
            picture = image.convert("RGBA")
    except Image.DecompressionBombError as problem:
        raise TooLarge(str(problem)) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        return blank()
    if picture.width < WIDTH or picture.height < HEIGHT:
        picture.thumbnail((WIDTH, HEIGHT), Image.Resampling.LANCZOS)  # only ever smaller
    else:
        picture = ImageOps.fit(picture, (WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    frame = Image.new("RGB", (WIDTH, HEIGHT), "white")
    frame.paste(picture, ((WIDTH - picture.width) // 2, (HEIGHT - picture.height) // 2), picture)
    return _jpeg(frame)


def _jpeg(image: object) -> bytes:
    out = BytesIO()
    image.save(out, "JPEG", quality=70)  # type: ignore[attr-defined]
    return out.getvalue()
