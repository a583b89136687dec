"""Portal branding files: content checks per slot, storage, replacing, serving, removing."""

from __future__ import annotations

import io
import os
import re

import pytest
from PIL import Image

from core.audit.models import AuditEvent
from core.storage import get_storage
from tenants.models import Portal

API = "/api/v1/portals"
CLEAN_SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
    b'xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">'
    b'<defs><linearGradient id="g"/></defs><style>rect { fill: url(#g); }</style>'
    b'<rect width="10" height="10" style="stroke: url(#g)"/><use xlink:href="#g"/></svg>'
)


def image(kind: str = "PNG", size: tuple[int, int] = (16, 16), noise: bool = False) -> bytes:
    if noise:
        picture = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        picture = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    picture.save(out, format=kind)
    return out.getvalue()


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


async def _setup(bo_factory, bo_api, **fields):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    res = await api.post(API, json={"name": "P", "fqdn": "files.example.com", **fields})
    return api, res.json()["id"]


async def _put(api, portal_id: int, slot: str, data: bytes, name: str = "upload.bin"):
    return await api.put(
        f"{API}/{portal_id}/files/{slot}",
        files={"file": (name, data, "application/octet-stream")},
    )


async def _key(portal_id: int, slot: str) -> str:
    row = await Portal.select(getattr(Portal, slot)).where(Portal.id == portal_id).first()
    return row[slot]


async def test_upload_replace_serve_and_remove(bo_factory, bo_api, bo_client):
    api, portal_id = await _setup(bo_factory, bo_api)
    res = await _put(api, portal_id, "favicon", image("PNG"), name="evil.svg")
    assert res.status_code == 200, res.text
    assert res.json()["files"] == ["favicon"]
    first = await _key(portal_id, "favicon")
    assert re.fullmatch(rf"portals/{portal_id}/favicon-[0-9a-f]{{16}}\.png", first)
    storage = get_storage()
    assert storage.exists(first)

    public = f"/branding/{portal_id}/favicon"
    assert (await bo_client.get(public)).status_code == 404  # a draft serves nothing publicly
    preview = await api.get(f"{API}/{portal_id}/files/favicon")
    assert preview.status_code == 200 and preview.headers["content-type"] == "image/png"

    res = await _put(api, portal_id, "favicon", image("GIF"))
    second = await _key(portal_id, "favicon")
    assert res.status_code == 200 and second.endswith(".gif") and second != first
    assert not storage.exists(first) and storage.exists(second)  # the old file is gone

    await api.patch(f"{API}/{portal_id}", json={"status": "active"})
    res = await bo_client.get(public)
    assert res.status_code == 200 and res.headers["content-type"] == "image/gif"
    assert res.headers["x-content-type-options"] == "nosniff"
    assert res.content == image("GIF")
    assert (await bo_client.get(f"/branding/{portal_id}/login_logo")).status_code == 404
    assert (await bo_client.get(f"/branding/{portal_id}/../../etc")).status_code == 404
    assert (await bo_client.get(f"/branding/{portal_id}/certificate_key")).status_code == 404

    res = await api.delete(f"{API}/{portal_id}/files/favicon")
    assert res.status_code == 200 and res.json()["files"] == []
    assert not storage.exists(second) and await _key(portal_id, "favicon") == ""
    assert (await bo_client.get(public)).status_code == 404
    actions = [e["action"] for e in await AuditEvent.select(AuditEvent.action)]
    assert actions.count("Portal file uploaded: Favicon") == 2
    assert "Portal file removed: Favicon" in actions


@pytest.mark.parametrize(
    ("kind", "media"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp"), ("ICO", None)],
)
async def test_each_raster_format_is_accepted(bo_factory, bo_api, kind, media):
    api, portal_id = await _setup(bo_factory, bo_api)
    res = await _put(api, portal_id, "logo_square_dark", image(kind))
    assert res.status_code == 200, res.text
    served = await api.get(f"{API}/{portal_id}/files/logo_square_dark")
    assert served.headers["content-type"] == (media or "image/vnd.microsoft.icon")


async def test_svg_is_served_sandboxed(bo_factory, bo_api, bo_client):
    api, portal_id = await _setup(bo_factory, bo_api, status="active")
    res = await _put(api, portal_id, "logo_expanded_light", CLEAN_SVG)
    assert res.status_code == 200, res.text
    served = await bo_client.get(f"/branding/{portal_id}/logo_expanded_light")
    assert served.headers["content-type"].startswith("image/svg+xml")
    assert served.headers["content-security-policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script>"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "event handler"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
            "<foreignObject>",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://x.test/a.png"/></svg>',
            "outside the file",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
            b'<a x:href="javascript:alert(1)"><rect/></a></svg>',
            "outside the file",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(x.css);</style></svg>',
            "style refers",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(http://x/y)"/></svg>',
            "style refers",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY e "x">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg">&e;</svg>',
            "DTD or entities",
        ),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>", "not well-formed"),
        (b'<?xml version="1.0"?><html><svg/></html>', "root element is not <svg>"),
    ],
)
async def test_unsafe_svg_is_refused(bo_factory, bo_api, svg, message):
    api, portal_id = await _setup(bo_factory, bo_api)
    res = await _put(api, portal_id, "login_logo", svg)
    assert res.status_code == 422, res.text
    error = res.json()["errors"][0]
    assert error["field"] == "login_logo" and message in error["message"], error
    assert await _key(portal_id, "login_logo") == ""


async def test_kinds_sizes_and_slots_are_checked(bo_factory, bo_api):
    api, portal_id = await _setup(bo_factory, bo_api)
    damaged = image("PNG")[:40] + b"\x00" * 200
    big_noise = image("PNG", (1200, 1000), noise=True)  # ~3.6 MB
    assert 2 * 1024 * 1024 < len(big_noise) < 5 * 1024 * 1024
    cases = [
        ("favicon", b"", "choose a file"),
        ("favicon", b"MZ\x90\x00 not an image", "unsupported file"),
        ("favicon", damaged, "could not be read"),
        ("favicon", pdf(), "unsupported file"),
        ("favicon", big_noise, "larger than 2 MB"),
        ("license_pdf", image("PNG"), "upload a PDF document"),
        ("privacy_pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "larger than 10 MB"),
    ]
    for slot, data, message in cases:
        res = await _put(api, portal_id, slot, data)
        assert res.status_code == 422, (slot, message, res.text)
        error = res.json()["errors"][0]
        assert error["field"] == slot and message in error["message"], (slot, error)
    res = await _put(api, portal_id, "mystery", image("PNG"))
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "slot"
    assert (await _put(api, portal_id, "login_background", big_noise)).status_code == 200
    res = await _put(api, portal_id, "license_pdf", pdf())
    assert res.status_code == 200 and res.json()["files"] == ["login_background", "license_pdf"]
    served = await api.get(f"{API}/{portal_id}/files/license_pdf")
    assert served.headers["content-type"] == "application/pdf" and served.content == pdf()


async def test_deleting_a_portal_removes_its_files(bo_factory, bo_api):
    api, portal_id = await _setup(bo_factory, bo_api)
    await _put(api, portal_id, "favicon", image("PNG"))
    await _put(api, portal_id, "privacy_pdf", pdf())
    keys = [await _key(portal_id, "favicon"), await _key(portal_id, "privacy_pdf")]
    assert all(get_storage().exists(k) for k in keys)
    assert (await api.delete(f"{API}/{portal_id}")).status_code == 204
    assert not any(get_storage().exists(k) for k in keys)


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (
            b'<?xml version="1.0"?><?xml-stylesheet href="https://x.test/a.css"?>'
            b'<svg xmlns="http://www.w3.org/2000/svg"/>',
            "processing instruction",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><style>a{fill:u\\72l(https://x.test/)}'
            b"</style></svg>",
            "style refers",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><style>a{background:'
            b'image-set("https://x.test/a.png" 1x)}</style></svg>',
            "style refers",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg">'
            b'<set attributeName="href" to="java&#9;script:alert(1)"/></svg>',
            "javascript:",
        ),
    ],
)
async def test_svg_tricks_that_hide_a_fetch_or_script_are_refused(bo_factory, bo_api, svg, message):
    api, portal_id = await _setup(bo_factory, bo_api)
    res = await _put(api, portal_id, "logo_square_light", svg)
    assert res.status_code == 422, res.text
    error = res.json()["errors"][0]
    assert error["field"] == "logo_square_light" and message in error["message"], error


async def test_only_one_byte_over_the_slot_limit_is_read():
    from litestar.datastructures import UploadFile

    from core.portals.api import read_upload

    upload = UploadFile(content_type="image/png", filename="big.png")
    await upload.write(b"x" * (3 * 1024 * 1024))
    await upload.seek(0)
    assert len(await read_upload(upload, "favicon")) == 2 * 1024 * 1024 + 1
    await upload.seek(0)
    assert await read_upload(upload, "no_such_slot") == b""
