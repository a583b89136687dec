"""Branding files of portals: which slots exist, what each accepts, and checking a file.

A file's kind is decided by its content, never its name or the browser's header: raster images
must open in Pillow as the format their first bytes claim, SVG must parse as plain XML (no DTD,
no entities) and contain nothing that runs or fetches (scripts, event handlers, foreignObject,
links outside the file), PDFs must start with ``%PDF-``. These files are served to visitors
before they sign in, so anything that could run in the portal's origin is refused.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from xml.etree.ElementTree import TreeBuilder

from PIL import Image, UnidentifiedImageError

from core.errors import Invalid

MB = 1024 * 1024
IMAGE_KINDS = ("png", "jpeg", "gif", "webp", "ico", "svg")
MEDIA_TYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "ico": "image/vnd.microsoft.icon",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
}
EXTENSIONS = {"jpeg": "jpg"}
_PIL = {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP", "ico": "ICO"}
MAX_SIDE = 8000
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@dataclass(frozen=True)
class Slot:
    name: str
    label: str
    kinds: tuple[str, ...]
    max_bytes: int


SLOTS: dict[str, Slot] = {
    s.name: s
    for s in (
        Slot("logo_square_light", "Square logo (light background)", IMAGE_KINDS, 2 * MB),
        Slot("logo_expanded_light", "Expanded logo (light background)", IMAGE_KINDS, 2 * MB),
        Slot("logo_square_dark", "Square logo (dark background)", IMAGE_KINDS, 2 * MB),
        Slot("logo_expanded_dark", "Expanded logo (dark background)", IMAGE_KINDS, 2 * MB),
        Slot("favicon", "Favicon", IMAGE_KINDS, 2 * MB),
        Slot("login_logo", "Login page logo", IMAGE_KINDS, 2 * MB),
        Slot("login_background", "Login page background", IMAGE_KINDS, 5 * MB),
        Slot("license_pdf", "License agreement (PDF)", ("pdf",), 10 * MB),
        Slot("privacy_pdf", "Privacy policy (PDF)", ("pdf",), 10 * MB),
    )
}
MAX_UPLOAD = max(s.max_bytes for s in SLOTS.values())
_SVG_NS = "{http://www.w3.org/2000/svg}"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_CSS_URL = re.compile(r"url\s*\(\s*['\"]?\s*([^)'\"\s]*)", re.IGNORECASE)


def slot_of(name: str) -> Slot | None:
    return SLOTS.get(name)


def sniff(data: bytes) -> str | None:
    """The file kind from its first bytes (SVG: an XML text whose root is ``<svg``)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"\x00\x00\x01\x00"):
        return "ico"
    if data.startswith(b"%PDF-"):
        return "pdf"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<svg", b"<!--")) and b"<svg" in head:
        return "svg"
    return None


def _allowed_text(slot: Slot) -> str:
    if slot.kinds == ("pdf",):
        return "upload a PDF document"
    return "upload a PNG, JPEG, GIF, WebP, ICO or SVG image"


def _check_raster(slot: Slot, kind: str, data: bytes) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != _PIL[kind]:
                    raise Invalid.field(slot.name, f"the file is not a valid {kind.upper()} image")
                width, height = image.size
                if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
                    raise Invalid.field(
                        slot.name, f"use an image of at most {MAX_SIDE} pixels a side"
                    )
                image.verify()
    except Invalid:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise Invalid.field(
            slot.name, f"the {kind.upper()} image could not be read; it may be damaged"
        ) from None


def _local_ref(value: str) -> bool:
    return value.strip().startswith("#")


class _Builder(TreeBuilder):
    """The usual tree, remembering processing instructions (the tree drops those of the prolog)."""

    def __init__(self) -> None:
        super().__init__()
        self.instructions: list[str] = []

    def pi(self, target, text=None):
        self.instructions.append(target)
        return super().pi(target, text)


def _svg_problem(data: bytes) -> str | None:
    """Why this SVG may not be served, or None when it is inert."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser, ParseError

    builder = _Builder()
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(data)
        root = parser.close()
    except (ParseError, DefusedXmlException, ValueError):
        return "the SVG is not well-formed XML, or it declares a DTD or entities"
    if builder.instructions:
        # <?xml-stylesheet href=...?> loads a stylesheet and never appears in the tree.
        return f"the SVG contains a processing instruction (<?{builder.instructions[0]}?>)"
    if root.tag not in (f"{_SVG_NS}svg", "svg"):
        return "the file's root element is not <svg>"
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if tag.lower() in ("script", "foreignobject"):
            return f"the SVG contains a <{tag}> element"
        if tag.lower() == "style" and _bad_css(element.text or ""):
            return "the SVG's style refers to something outside the file"
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                return f"the SVG contains an event handler ({local})"
            if (local == "href" or name == _XLINK_HREF) and not _local_ref(value):
                return "the SVG links to something outside the file"
            if local == "style" and _bad_css(value):
                return "the SVG's style refers to something outside the file"
            if "javascript:" in "".join(value.split()).lower():  # browsers drop tabs, newlines
                return "the SVG contains a javascript: address"
    return None


def _bad_css(text: str) -> bool:
    """``@import``, ``image-set()`` and any non-local ``url()``; backslash escapes are refused
    too, since ``u\\72l(`` is ``url(`` to a browser but not to the pattern above."""
    lowered = text.lower()
    if "@import" in lowered or "image-set" in lowered or "\\" in text:
        return True
    return any(not _local_ref(ref) for ref in _CSS_URL.findall(text))


def check_file(slot: Slot, data: bytes) -> str:
    """The file's kind (its stored extension comes from it), or Invalid naming the slot."""
    if not data:
        raise Invalid.field(slot.name, "choose a file to upload")
    if len(data) > slot.max_bytes:
        raise Invalid.field(
            slot.name, f"the file is larger than {slot.max_bytes // MB} MB, the limit of this slot"
        )
    kind = sniff(data)
    if kind is None or kind not in slot.kinds:
        raise Invalid.field(slot.name, f"unsupported file: {_allowed_text(slot)}")
    if kind == "svg":
        problem = _svg_problem(data)
        if problem:
            raise Invalid.field(slot.name, problem)
    elif kind != "pdf":
        _check_raster(slot, kind, data)
    return kind


def extension(kind: str) -> str:
    return EXTENSIONS.get(kind, kind)


def media_type(key: str) -> str:
    ext = key.rsplit(".", 1)[-1]
    kind = {v: k for k, v in EXTENSIONS.items()}.get(ext, ext)
    return MEDIA_TYPES.get(kind, "application/octet-stream")
