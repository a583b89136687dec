"""Storing, replacing, removing and serving the branding files of portals.

A new file is written to storage before the row points at it, and the old one is deleted only
after the row has moved on, so a failure in between never leaves the portal pointing at a
missing file (at worst an orphan file stays behind).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets

from core.audit.recorder import AuditContext, Change, record_event
from core.db.engine import transaction
from core.errors import Invalid, NotFound
from core.portals.schemas import PortalOut
from core.portals.service import TABLE, forget_cached, get_portal, now, portal_row, refuse_client
from core.portals.uploads import SLOTS, Slot, check_file, extension, media_type
from core.storage import get_storage
from core.web.themes import LOOK_SLOTS
from tenants.models import Portal
from tenants.scope import Scope


def slot_named(name: str) -> Slot:
    slot = SLOTS.get(name)
    if slot is None:
        raise Invalid.field("slot", f"must be one of: {', '.join(SLOTS)}")
    return slot


async def drop_files(keys: list[str]) -> None:
    storage = get_storage()
    for key in keys:
        if key:
            await asyncio.to_thread(storage.delete, key)


async def _point(
    ctx: AuditContext, scope: Scope, portal_id: int, slot: Slot, key: str, action: str
) -> str:
    """Set the slot's key in the row (audited); the previous key is returned for deletion."""
    async with transaction():
        column = getattr(Portal, slot.name)
        row = await portal_row(scope, portal_id, Portal.company, Portal.fqdn, column)
        refuse_client(scope)
        old = row[slot.name]
        if old == key:
            return ""
        await Portal.update(
            {column: key, Portal.updated_at: now(), Portal.updated_by: ctx.user_id}
        ).where(Portal.id == portal_id)
        change = Change(
            TABLE, "update", portal_id, {slot.name: old}, {slot.name: key}, row["company"]
        )
        await record_event(ctx, action, [change])
    forget_cached(row["fqdn"])
    return old


async def set_file(
    ctx: AuditContext, scope: Scope, portal_id: int, slot_name: str, data: bytes
) -> PortalOut:
    await portal_row(scope, portal_id, Portal.id)  # a foreign id is a 404 before anything else
    refuse_client(scope)
    slot = slot_named(slot_name)
    kind = await asyncio.to_thread(check_file, slot, data)
    key = f"portals/{portal_id}/{slot.name}-{secrets.token_hex(8)}.{extension(kind)}"
    storage = get_storage()
    await asyncio.to_thread(storage.save, key, data)
    try:
        old = await _point(ctx, scope, portal_id, slot, key, f"Portal file uploaded: {slot.label}")
    except BaseException:
        await asyncio.to_thread(storage.delete, key)
        raise
    await drop_files([old])
    return await get_portal(scope, portal_id)


async def remove_file(ctx: AuditContext, scope: Scope, portal_id: int, slot_name: str) -> PortalOut:
    await portal_row(scope, portal_id, Portal.id)
    slot = slot_named(slot_name)
    old = await _point(ctx, scope, portal_id, slot, "", f"Portal file removed: {slot.label}")
    await drop_files([old])
    return await get_portal(scope, portal_id)


def _read(key: str) -> bytes:
    with get_storage().open(key) as handle:
        return handle.read()


async def _load(key: str, what: str) -> tuple[bytes, str, str]:
    if not key:
        raise NotFound(f"{what} not found")
    try:
        data = await asyncio.to_thread(_read, key)
    except FileNotFoundError:
        raise NotFound(f"{what} not found") from None
    return data, media_type(key), hashlib.sha256(key.encode()).hexdigest()[:16]


async def read_file(scope: Scope, portal_id: int, slot_name: str) -> tuple[bytes, str, str]:
    """A file of a portal in the caller's scope, whatever the portal's status (previews)."""
    row = await portal_row(scope, portal_id, *(getattr(Portal, name) for name in SLOTS))
    slot = slot_named(slot_name)
    return await _load(row[slot.name], f"{slot.label} of portal {portal_id}")


async def public_file(portal_id: int, slot_name: str) -> tuple[bytes, str, str]:
    """A file of an active portal, for anyone (login pages need them before sign-in).

    With "display branding" off the pages show none of the look (logos, favicon, background),
    so those files are not served either: turning branding off must hide it from a direct link
    too. The documents (licence, privacy) stay, as the pages keep linking them."""
    slot = SLOTS.get(slot_name)
    if slot is None:
        raise NotFound("no such file")
    row = await (
        Portal.select(getattr(Portal, slot.name), Portal.display_branding)
        .where(Portal.id == portal_id, Portal.status == "active")
        .first()
    )
    if row is not None and slot.name in LOOK_SLOTS and not row["display_branding"]:
        row = None
    return await _load((row or {}).get(slot.name) or "", "file")
