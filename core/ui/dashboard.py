"""The start page: the dashboard blocks the signed-in user may see, for their own tenant.

A block is shown when the user's level on one of its areas is enough; inside it, a link is kept
only when its page would let the user in (``Access.can``), so the start page never points at a
403. A user who may see no block gets a short explanation instead of an empty page.
"""

from __future__ import annotations

from litestar import Request, Response, get

from core.access.guards import signed_in
from core.access.service import at_least
from core.dashboard import BlockContent, DashboardBlock, Entry, Stat, all_blocks
from core.ui.render import load_access, page


def _linked(href: str | None, can) -> str | None:
    return href if href and can(href) else None


async def visible_blocks(request: Request) -> list[dict]:
    access = await load_access(request)
    principal = request.scope["user"]
    shown = []
    for block in all_blocks():
        if not any(at_least(access.level(a), block.level) for a in block.areas):
            continue
        content = await block.load(principal)
        shown.append(_view(block, content, access.can))
    return shown


def _view(block: DashboardBlock, content: BlockContent, can) -> dict:
    return {
        "key": block.key,
        "title": block.title,
        "href": _linked(block.href, can),
        "stats": [Stat(s.label, s.value, _linked(s.href, can)) for s in content.stats],
        "entries": [Entry(e.text, _linked(e.href, can), e.note, e.when) for e in content.entries],
        "empty": content.empty,
    }


@get("/", include_in_schema=False, guards=[signed_in()])
async def home(request: Request) -> Response:
    blocks = await visible_blocks(request)
    return await page(request, "dashboard.html", active="home", blocks=blocks)


HANDLERS = [home]
