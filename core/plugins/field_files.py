"""File uploads declared as a plugin field: content type, size and image dimensions.

The declared content type of an upload is what the browser or client claims; images are
opened with Pillow so a renamed file, a truncated one or one of the wrong size is refused by
what it holds, not by its name. The stored value is a small JSON object (name, type, size,
base64 data) so it fits the same encrypted settings document as every other field.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError

# Pillow's format names for the image types a form may declare.
IMAGE_FORMATS = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}
MAX_FILE_SIZE = 10 * 1024 * 1024  # the ceiling a field may declare (request bodies are capped too)


@dataclass(frozen=True)
class Upload:
    """A file as read from a form (``core.ui.field_forms``) or decoded from JSON."""

    filename: str
    content_type: str
    data: bytes


def as_upload(value: Any, max_size: int) -> Upload:
    """An ``Upload`` from a form's file or an API's ``{filename, content_type, data}`` object."""
    if isinstance(value, Upload):
        return value
    if not isinstance(value, dict):
        raise ValueError("must be a file (an object with filename, content_type and data)")
    unknown = sorted(set(value) - {"filename", "content_type", "data", "size"})
    if unknown:
        raise ValueError(f"unknown file key: {', '.join(map(str, unknown))}")
    name, kind, data = value.get("filename", ""), value.get("content_type"), value.get("data")
    if not isinstance(name, str) or not isinstance(kind, str) or not isinstance(data, str):
        raise ValueError("filename, content_type and data (base64) must be strings")
    if "\x00" in name + kind or len(name) > 255:
        raise ValueError("filename must be at most 255 characters without NUL")
    if len(data) > (max_size + 2) // 3 * 4 + 4:
        raise ValueError(f"must be at most {max_size} bytes")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("data must be base64") from None
    return Upload(filename=name, content_type=kind, data=raw)


def check_upload(
    upload: Upload,
    content_types: tuple[str, ...],
    max_size: int,
    image_size: tuple[int, int] | None,
) -> dict[str, Any]:
    """The stored form of a valid upload, or ``ValueError`` saying what is wrong with it."""
    kind = upload.content_type.split(";")[0].strip().lower()
    if content_types and kind not in content_types:
        raise ValueError(f"must be a file of type: {', '.join(content_types)}")
    if not upload.data:
        raise ValueError("is an empty file")
    if len(upload.data) > max_size:
        raise ValueError(f"must be at most {max_size} bytes")
    if kind in IMAGE_FORMATS:
        _check_image(upload.data, IMAGE_FORMATS[kind], image_size)
    return {
        "filename": upload.filename[:255],
        "content_type": kind,
        "size": len(upload.data),
        "data": base64.b64encode(upload.data).decode("ascii"),
    }


def _check_image(data: bytes, expected: str, size: tuple[int, int] | None) -> None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            found, dimensions = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValueError("is not a readable image") from None
    if found != expected:
        raise ValueError(f"holds a {found} image, not the {expected} its type claims")
    if size and dimensions != tuple(size):
        raise ValueError(
            f"must be exactly {size[0]}x{size[1]} pixels (this one is "
            f"{dimensions[0]}x{dimensions[1]})"
        )


def described(value: Any) -> Any:
    """A stored file without its bytes, for pages and API answers."""
    if isinstance(value, dict) and "data" in value:
        return {k: v for k, v in value.items() if k != "data"}
    return value
