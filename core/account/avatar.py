"""Profile pictures: checked by content, re-encoded, stored through ``core.storage``.

The type comes from the file's first bytes, never its name or the browser's header, and the
picture is decoded and written again by Pillow. That drops metadata (camera, GPS) and anything
smuggled after the image data, so what we serve is only ever a plain image.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import secrets
import warnings

from PIL import Image, UnidentifiedImageError

from core.account.profile import get_profile
from core.account.schemas import ProfileOut
from core.audit.recorder import AuditContext, Change, record_event
from core.auth.models import User
from core.auth.tokens import now
from core.db.engine import transaction
from core.errors import Invalid, NotFound
from core.storage import get_storage
from tenants.scope import Scope, get_in_scope

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 6000
STORED_SIDE = 512
MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
_PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
ALLOWED = "Upload a PNG, JPEG or WebP picture."


def sniff(data: bytes) -> str | None:
    """The image kind from its magic bytes, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def normalise(data: bytes) -> tuple[str, bytes]:
    """``(kind, re-encoded bytes)``, or Invalid for anything that is not a sane picture."""
    if not data:
        raise Invalid.field("avatar", "Choose a picture to upload.")
    if len(data) > MAX_BYTES:
        raise Invalid.field("avatar", "The picture is larger than 2 MB.")
    kind = sniff(data)
    if kind is None:
        raise Invalid.field("avatar", ALLOWED)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format != _PIL_FORMATS[kind]:
                raise Invalid.field("avatar", ALLOWED)
            width, height = image.size
            if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
                raise Invalid.field("avatar", f"Use a picture of at most {MAX_SIDE} pixels a side.")
            image.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise Invalid.field("avatar", "The picture could not be read; " + ALLOWED) from exc
    image.thumbnail((STORED_SIDE, STORED_SIDE))
    if kind == "jpeg" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        image = image.convert("RGBA")
    out = io.BytesIO()
    image.save(out, format=_PIL_FORMATS[kind])
    return kind, out.getvalue()


async def set_avatar(ctx: AuditContext, user_id: int, data: bytes) -> ProfileOut:
    kind, encoded = await asyncio.to_thread(normalise, data)
    key = f"avatars/{user_id}-{secrets.token_hex(8)}.{kind}"
    storage = get_storage()
    await asyncio.to_thread(storage.save, key, encoded)
    try:
        old_key = await _replace_key(ctx, user_id, key, "Avatar uploaded")
    except BaseException:
        await asyncio.to_thread(storage.delete, key)
        raise
    await drop_file(old_key)
    return await get_profile(user_id)


async def remove_avatar(ctx: AuditContext, user_id: int) -> ProfileOut:
    old_key = await _replace_key(ctx, user_id, "", "Avatar removed")
    await drop_file(old_key)
    return await get_profile(user_id)


async def _replace_key(ctx: AuditContext, user_id: int, key: str, action: str) -> str:
    async with transaction():
        row = await User.select(User.company, User.avatar_key).where(User.id == user_id).first()
        if row is None:
            raise NotFound(f"user {user_id} not found")
        if row["avatar_key"] == key:
            return ""
        await User.update({User.avatar_key: key, User.updated_at: now()}).where(User.id == user_id)
        change = Change(
            "users",
            "update",
            user_id,
            {"avatar_key": row["avatar_key"]},
            {"avatar_key": key},
            object_company_id=row["company"],
        )
        await record_event(ctx, action, [change])
    return row["avatar_key"]


async def drop_file(key: str) -> None:
    if key:
        await asyncio.to_thread(get_storage().delete, key)


async def read_avatar(scope: Scope, viewer_id: int, user_id: int) -> tuple[bytes, str, str]:
    """``(bytes, media type, etag)`` of a user's picture the viewer may see; else NotFound.

    One's own picture is always visible; anyone else's only within the viewer's scope.
    """
    if user_id == viewer_id:
        row = await User.select(User.avatar_key).where(User.id == user_id).first()
    else:
        row = await get_in_scope(User, scope, user_id, User.avatar_key)
    key = (row or {}).get("avatar_key") or ""
    if not key:
        raise NotFound(f"user {user_id} has no avatar")
    kind = key.rsplit(".", 1)[-1]
    try:
        data = await asyncio.to_thread(_read, key)
    except FileNotFoundError as exc:
        raise NotFound(f"user {user_id} has no avatar") from exc
    return (
        data,
        MEDIA_TYPES.get(kind, "application/octet-stream"),
        hashlib.sha256(key.encode()).hexdigest()[:16],
    )


def _read(key: str) -> bytes:
    with get_storage().open(key) as handle:
        return handle.read()
