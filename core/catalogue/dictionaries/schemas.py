"""What the dictionaries API answers: dictionaries, their values and pages of values."""

from __future__ import annotations

from typing import Any

import msgspec


class DictionaryOut(msgspec.Struct):
    """``size`` counts the values the caller sees (a tenant dictionary's: its tenant's);
    ``source`` names the data and its version; ``plugin`` the plugin that registered it."""

    key: str
    label: str
    size: int
    scoped: bool
    source: str
    plugin: str


class DictionaryList(msgspec.Struct):
    items: list[DictionaryOut]


class ValueOut(msgspec.Struct):
    """``missed`` is true for a key the dictionary no longer holds: its label is the key."""

    key: str
    label: str
    extra: dict[str, Any] = {}
    missed: bool = False


class ValuePage(msgspec.Struct):
    """A page like every list's (``core.web.listing.Page``), naming its dictionary."""

    items: list[ValueOut]
    total: int
    page: int
    page_size: int
    pages: int
    total_is_capped: bool = False
    first: str | None = None
    previous: str | None = None
    next: str | None = None
    last: str | None = None
    dictionary: str = ""
    dictionary_label: str = ""
