"""What ``GET /api/v1/catalogue/domains`` answers: domains, their resources and attributes."""

from __future__ import annotations

import msgspec


class AttributeOut(msgspec.Struct):
    """``values`` is where the allowed values are listed (the dictionary's API path); null when
    the attribute takes a free value (a sender ID, a fee's name)."""

    key: str
    name: str
    dictionary: str | None
    values: str | None


class ResourceOut(msgspec.Struct):
    key: str
    name: str
    attributes: list[AttributeOut]


class DomainOut(msgspec.Struct):
    """``key`` is the domain a rate tree names; ``channel`` the declaring channel's key and
    ``plugin`` its plugin (``core`` for the core's domains, which ``core`` marks: always on)."""

    key: str
    name: str
    channel: str
    plugin: str
    core: bool
    resources: list[ResourceOut]


class DomainList(msgspec.Struct):
    items: list[DomainOut]
