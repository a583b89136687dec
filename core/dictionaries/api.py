"""Built-in plugin: read-only API over the registered dictionaries.

Plugin routes are mounted beside, not inside, the guarded ``/api/v1`` router, so every handler
here carries ``require_api_user`` itself. Dictionaries are global reference data, the same for
every tenant, so there is nothing to scope.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Router, get
from litestar.params import FromPath, Parameter

from core.access.guards import signed_in
from core.auth.guards import require_api_user
from core.errors import NotFound
from core.plugins import registry
from core.plugins.hookspecs import hookimpl
from core.web.listing import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

PATH = "/api/v1/dictionaries"


class DictionaryOut(msgspec.Struct):
    key: str
    name: str


class DictionaryList(msgspec.Struct):
    items: list[DictionaryOut]


class EntryOut(msgspec.Struct):
    code: str
    name: str
    extra: dict[str, Any]


class EntryPage(msgspec.Struct):
    key: str
    name: str
    items: list[EntryOut]
    total: int
    page: int
    page_size: int
    pages: int


@get("/", summary="List the reference dictionaries", guards=[require_api_user, signed_in()])
async def list_dictionaries() -> DictionaryList:
    items = [DictionaryOut(key=k, name=d.name) for k, d in sorted(registry.dictionaries().items())]
    return DictionaryList(items=items)


@get("/{key:str}", summary="Entries of one dictionary", guards=[require_api_user, signed_in()])
async def dictionary_entries(
    key: FromPath[str],
    q: Annotated[str | None, Parameter(max_length=100)] = None,
    page: Annotated[int, Parameter(ge=1)] = 1,
    page_size: Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> EntryPage:
    """``q`` matches the code or the name, case-insensitively."""
    dictionary = registry.dictionaries().get(key)
    if dictionary is None:
        raise NotFound(f"no dictionary {key!r}")
    entries = dictionary.load()
    if q and q.strip():
        needle = q.strip().casefold()
        entries = tuple(
            e for e in entries if needle in e.code.casefold() or needle in e.name.casefold()
        )
    start = (page - 1) * page_size
    items = [EntryOut(e.code, e.name, e.extra) for e in entries[start : start + page_size]]
    total = len(entries)
    return EntryPage(
        key=key,
        name=dictionary.name,
        items=items,
        total=total,
        page=page,
        page_size=page_size,
        pages=max(1, -(-total // page_size)),
    )


@hookimpl
def register_routes() -> list:
    return [
        Router(
            path=PATH, route_handlers=[list_dictionaries, dictionary_entries], tags=["Dictionaries"]
        )
    ]
