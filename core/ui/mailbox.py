"""Dev mailbox: the mail BackOffice would have sent, readable in the browser while no SMTP
server is configured. Only system-owner admins see it, and only in that mode; elsewhere the
pages do not exist (404), so a production install never shows anyone's mail."""

from __future__ import annotations

import re

from litestar import Request, Response, get
from litestar.params import FromPath

from core.access.guards import requires
from core.errors import NotFound
from core.mail.models import OutboundEmail
from core.settings import get_settings
from core.ui.render import page
from core.ui.tables import as_int
from core.web.context import principal_of
from core.web.listing import MAX_OFFSET

PAGE_SIZE = 50
LINK = re.compile(r"https?://[^\s<>\"']+")
GUARDS = [requires("settings", "manage")]


def mailbox_available(principal) -> bool:
    """Shared with the menu, which lists the mailbox exactly when it would open."""
    owner_admin = principal.is_admin and principal.company_kind == "owner"
    return owner_admin and not get_settings().smtp_configured


def _check_allowed(request: Request) -> None:
    if not mailbox_available(principal_of(request)):
        raise NotFound("no such page")


@get("/dev/mailbox", guards=GUARDS, include_in_schema=False)
async def mailbox(request: Request) -> Response:
    _check_allowed(request)
    # past the last 64-bit offset every page is empty anyway; the database would refuse it
    page_no = min(max(1, as_int(request.query_params.get("page"), 1)), MAX_OFFSET // PAGE_SIZE)
    captured = OutboundEmail.status == "captured"
    total = await OutboundEmail.count().where(captured)
    rows = await (
        OutboundEmail.select(
            OutboundEmail.id,
            OutboundEmail.to_address,
            OutboundEmail.subject,
            OutboundEmail.created_at,
        )
        .where(captured)
        .order_by(OutboundEmail.id, ascending=False)
        .limit(PAGE_SIZE)
        .offset((page_no - 1) * PAGE_SIZE)
    )
    pages = max(1, -(-total // PAGE_SIZE))
    return await page(
        request,
        "mailbox/list.html",
        active="mailbox",
        items=rows,
        total=total,
        page_no=page_no,
        pages=pages,
    )


@get("/dev/mailbox/{email_id:int}", guards=GUARDS, include_in_schema=False)
async def mailbox_message(request: Request, email_id: FromPath[int]) -> Response:
    _check_allowed(request)
    row = (
        await OutboundEmail.select()
        .where(OutboundEmail.id == email_id, OutboundEmail.status == "captured")
        .first()
    )
    if row is None:
        raise NotFound(f"email {email_id} not found")
    links = list(dict.fromkeys(LINK.findall(row["text_body"])))
    return await page(request, "mailbox/detail.html", active="mailbox", message=row, links=links)


HANDLERS = [mailbox, mailbox_message]
