"""The dictionaries as the API and rate trees read them: each one indexed once.

A dictionary's values are indexed the first time it is read: a dict by key (lookups are one
hash probe, never a scan, which a 100,000-node tree resolving its values needs), both sort
orders (a page is a slice), and one case-folded search text per value (key, label and the
fields the dictionary names in ``searched``). A search still reads every value's text: a
substring match has no index, and the largest dictionary holds a few thousand values.

A value no longer in its dictionary (a network the data package dropped, a WhatsApp market
Meta merged) resolves as a *missed option*, ``missed`` true and its key as its label, so a
tree that names it still shows and the user can see what to fix. A tenant dictionary
(``TenantDictionary``) is read for the caller's scope on each request and indexed then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from core.errors import Invalid, NotFound, PluginsInConflict
from core.plugins import enablement, registry
from core.plugins.declarations import Dictionary, Entry, entries_of
from core.web.listing import Cursors, ListQuery

SORTABLE = ("key", "label")


@dataclass(frozen=True)
class Value:
    key: str
    label: str
    extra: dict[str, Any]
    missed: bool = False


def missed(key: str) -> Value:
    return Value(key=key, label=key, extra={}, missed=True)


class Index:
    """One dictionary's values, by key, in both orders and as search texts."""

    def __init__(self, entries: tuple[Entry, ...], searched: tuple[str, ...]) -> None:
        self.values = tuple(Value(e.code, e.name, e.extra) for e in entries)
        self.by_key = {v.key: v for v in self.values}
        self.orders = {
            "key": sorted(self.values, key=lambda v: v.key),
            "label": sorted(self.values, key=lambda v: (v.label.casefold(), v.key)),
        }
        self.texts = {v.key: _text(v, searched) for v in self.values}

    def get(self, key: str) -> Value | None:
        return self.by_key.get(key)

    def resolve(self, key: str) -> Value:
        return self.by_key.get(key) or missed(key)

    def select(self, q: str | None, sort: str, order: str) -> list[Value]:
        rows = self.orders[sort]
        if order == "desc":
            rows = rows[::-1]
        needle = (q or "").strip().casefold()
        if needle:
            rows = [v for v in rows if needle in self.texts[v.key]]
        return rows


def _text(value: Value, searched: tuple[str, ...]) -> str:
    parts = [value.key, value.label]
    for name in searched:
        found = value.extra.get(name)
        if isinstance(found, list | tuple):
            parts.extend(str(x) for x in found)
        elif found is not None:
            parts.append(str(found))
    return "\x00".join(parts).casefold()


_INDEXES: WeakKeyDictionary[type, tuple[tuple, Index]] = WeakKeyDictionary()


async def visible(scope: Any) -> dict[str, type[Dictionary]]:
    """The dictionaries the caller's company sees: all, less those of plugins switched off
    for it."""
    from core.plugins.manager import PluginError

    try:
        return await enablement.available(scope, "dictionaries")
    except PluginError as exc:
        raise PluginsInConflict(f"{exc}; `backoffice plugins check` lists the conflicts") from exc


def declaration(key: str, known: dict[str, type[Dictionary]] | None = None) -> type[Dictionary]:
    """The dictionary ``key`` among ``known`` (all of them by default; the API passes those of
    plugins on for the caller's company, so a switched-off plugin's dictionary is a 404 as its
    routes are)."""
    found = (registry.dictionaries() if known is None else known).get(key)
    if found is None:
        raise NotFound(f"no dictionary “{key}”: GET /api/v1/dictionaries lists them")
    return found


def index_of(dictionary: type[Dictionary]) -> Index:
    """The index of a global dictionary, rebuilt only when its entries were reloaded (an
    update of the stored networks copy replaces the loaded tuple)."""
    entries = dictionary.load()
    hit = _INDEXES.get(dictionary)
    if hit is not None and hit[0] is entries:
        return hit[1]
    index = Index(entries, dictionary.searched)
    _INDEXES[dictionary] = (entries, index)
    return index


async def index_for(dictionary: type[Dictionary], scope: Any) -> Index:
    """The index a caller reads: the global one, or the tenant's own values for its scope."""
    if dictionary.scoped:
        rows = await dictionary.entries_for(scope)
        return Index(entries_of(dictionary, rows), dictionary.searched)
    return index_of(dictionary)


def lookup(key: str, value: str) -> Value:
    """One value of a global dictionary, or its missed option; unknown dictionary: 404."""
    return index_of(declaration(key)).resolve(value)


def check_sort(sort: str, order: str) -> None:
    if sort not in SORTABLE:
        raise Invalid.field("sort", f"must be one of: {', '.join(SORTABLE)}")
    if order not in ("asc", "desc"):
        raise Invalid.field("order", "must be asc or desc")


def _page_number(query: ListQuery, pages: int) -> int:
    cursor = query.cursor
    if cursor in (None, "first"):
        return query.page if cursor is None else 1
    if cursor == "last":
        return pages
    if cursor.startswith("p") and cursor[1:].isdigit() and len(cursor) < 12:
        return int(cursor[1:])
    raise Invalid.field("cursor", "is not a cursor of this list")


def page(index: Index, q: str | None, query: ListQuery) -> tuple[list[Value], int, Cursors]:
    """One page of the values matching ``q``. The values are in memory and fixed, so a page is
    a slice at its position and its cursors (``p<N>``) are page numbers, as the plugins list
    does; ``first``/``last``/``previous``/``next`` mean what they mean on every list."""
    check_sort(query.sort, query.order)
    rows = index.select(q, query.sort, query.order)
    pages = max(1, -(-len(rows) // query.page_size))
    number = _page_number(query, pages)
    start = (number - 1) * query.page_size
    cursors = Cursors(
        previous=f"p{number - 1}" if 1 < number <= pages + 1 else None,
        next=f"p{number + 1}" if number < pages else None,
    )
    return rows[start : start + query.page_size], len(rows), cursors
