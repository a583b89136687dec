"""REST endpoints under /api/v1/portals and /api/v1/themes, and the two public routes:
``GET /branding/{portal_id}/{slot}`` (files of active portals, for login pages) and ``GET /bo``.

Branding files are uploaded as ``multipart/form-data`` with one part named ``file``.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect

from core.access.guards import requires
from core.portals import actions, export, files, service
from core.portals.schemas import (
    CertificateUpload,
    PortalCreate,
    PortalOut,
    PortalPage,
    PortalReferences,
    PortalUpdate,
    ThemeOut,
)
from core.portals.uploads import MAX_UPLOAD, SLOTS, SVG_CSP
from core.web import csv_export
from core.web.context import audit_context, principal_of
from core.web.listing import ListQueryParam, make_page, paging
from core.web.uploads import Upload

VIEW = [requires("portals", "view")]
MANAGE = [requires("portals", "manage")]
# The largest slot (10 MB PDFs) plus room for the multipart envelope.
BODY_LIMIT = MAX_UPLOAD + 64 * 1024


def file_response(request: Request, data: bytes, media: str, etag: str, public: bool) -> Response:
    """Headers that keep a served file inert: no sniffing, and SVG sandboxed without scripts."""
    headers = {
        "ETag": f'"{etag}"',
        "Cache-Control": "public, max-age=300" if public else "private, no-cache",
        "X-Content-Type-Options": "nosniff",
    }
    headers["Content-Security-Policy"] = (
        SVG_CSP if media == "image/svg+xml" else "default-src 'none'"
    )
    if media == "application/pdf":
        headers["Content-Disposition"] = "inline"
    if request.headers.get("if-none-match") == f'"{etag}"':
        return Response(content=b"", status_code=304, headers=headers)
    return Response(content=data, media_type=media, headers=headers)


async def read_upload(upload: UploadFile, slot: str) -> bytes:
    """At most one byte over the slot's limit is read (enough to refuse a larger file); for an
    unknown slot nothing is read, it is refused by name."""
    known = SLOTS.get(slot)
    return await upload.read(known.max_bytes + 1) if known else b""


class PortalController(Controller):
    path = "/portals"
    tags = ["Portals"]

    @get(
        "/",
        summary="List the portals of your company and of the companies it created",
        dependencies={"list_query": paging("id", service.SORTABLE)},
        guards=VIEW,
    )
    async def list(
        self,
        request: Request,
        list_query: ListQueryParam,
        q: FromQuery[str | None] = None,
        company_id: FromQuery[int | None] = None,
        status: FromQuery[str | None] = None,
        format: csv_export.ExportFormat = "json",
    ) -> PortalPage:
        filters = service.PortalFilters(q=q, company_id=company_id, status=status)
        if format == "csv":
            scope = principal_of(request).scope
            return await csv_export.respond(
                "portals",
                PortalOut,
                lambda rows: service.list_portals(scope, filters, rows),
                list_query,
                columns=lambda rows: export.columns(scope, filters, rows),
            )
        items, total, cursors = await service.list_portals(
            principal_of(request).scope, filters, list_query
        )
        return make_page(items, total, list_query, PortalPage, cursors)

    @post("/", summary="Create a portal (it starts as a draft)", guards=MANAGE)
    async def create(self, request: Request, data: JSONBody[PortalCreate]) -> PortalOut:
        return await service.create_portal(
            audit_context(request), principal_of(request).scope, data
        )

    @get("/{portal_id:int}", summary="One portal", guards=VIEW)
    async def read(self, request: Request, portal_id: FromPath[int]) -> PortalOut:
        return await service.get_portal(principal_of(request).scope, portal_id)

    @patch("/{portal_id:int}", summary="Change a portal", guards=MANAGE)
    async def update(
        self, request: Request, portal_id: FromPath[int], data: JSONBody[PortalUpdate]
    ) -> PortalOut:
        return await service.update_portal(
            audit_context(request), principal_of(request).scope, portal_id, data
        )

    @get(
        "/{portal_id:int}/references",
        summary="What deleting the portal would unlink",
        guards=VIEW,
    )
    async def references(self, request: Request, portal_id: FromPath[int]) -> PortalReferences:
        return await service.references(principal_of(request).scope, portal_id)

    @delete("/{portal_id:int}", summary="Delete a portal", status_code=204, guards=MANAGE)
    async def remove(self, request: Request, portal_id: FromPath[int]) -> None:
        await service.delete_portal(audit_context(request), principal_of(request).scope, portal_id)

    @post(
        "/{portal_id:int}/check-domain",
        summary="Check that the domain name resolves to this platform's public addresses",
        status_code=200,
        guards=MANAGE,
    )
    async def check_domain(self, request: Request, portal_id: FromPath[int]) -> PortalOut:
        return await actions.check_domain(
            audit_context(request), principal_of(request).scope, portal_id
        )

    @put(
        "/{portal_id:int}/certificate",
        summary="Upload a certificate (PEM, chain allowed) and its private key: manual mode",
        guards=MANAGE,
    )
    async def upload_certificate(
        self, request: Request, portal_id: FromPath[int], data: JSONBody[CertificateUpload]
    ) -> PortalOut:
        return await actions.upload_certificate(
            audit_context(request), principal_of(request).scope, portal_id, data
        )

    @put(
        "/{portal_id:int}/files/{slot:str}",
        summary="Upload a branding file (multipart/form-data, part `file`)",
        guards=MANAGE,
        request_max_body_size=BODY_LIMIT,
    )
    async def upload_file(
        self, request: Request, portal_id: FromPath[int], slot: FromPath[str], data: Upload
    ) -> PortalOut:
        return await files.set_file(
            audit_context(request),
            principal_of(request).scope,
            portal_id,
            slot,
            await read_upload(data.file, slot),
        )

    @get("/{portal_id:int}/files/{slot:str}", summary="A branding file (any status)", guards=VIEW)
    async def read_file(
        self, request: Request, portal_id: FromPath[int], slot: FromPath[str]
    ) -> Response:
        found = await files.read_file(principal_of(request).scope, portal_id, slot)
        return file_response(request, *found, public=False)

    @delete(
        "/{portal_id:int}/files/{slot:str}",
        summary="Remove a branding file",
        status_code=200,
        guards=MANAGE,
    )
    async def remove_file(
        self, request: Request, portal_id: FromPath[int], slot: FromPath[str]
    ) -> PortalOut:
        return await files.remove_file(
            audit_context(request), principal_of(request).scope, portal_id, slot
        )


class ThemeController(Controller):
    path = "/themes"
    tags = ["Portals"]

    @get("/", summary="The themes a portal can use", guards=VIEW)
    async def list(self) -> list[ThemeOut]:
        return [ThemeOut(name=n, label=label) for n, label in service.theme_choices()]


@get("/branding/{portal_id:int}/{slot:str}", include_in_schema=False)
async def branding_file(
    request: Request, portal_id: FromPath[int], slot: FromPath[str]
) -> Response:
    """Public on purpose: the login page shows the logo and background before anyone signs in.
    Only active portals answer; anything else is a 404."""
    return file_response(request, *await files.public_file(portal_id, slot), public=True)


@get("/bo", include_in_schema=False)
async def backoffice_entry() -> Redirect:
    """A portal's BackOffice address (``https://<fqdn>/bo``) leads to the BackOffice start page."""
    return Redirect(path="/", status_code=302)


API_HANDLERS = [PortalController, ThemeController]
PUBLIC_HANDLERS = [branding_file, backoffice_entry]
