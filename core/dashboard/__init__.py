"""The home dashboard: a list of blocks, each shown only to users who may see what it counts.

A block names the permission area (and level) its numbers come from and loads its content for
the signed-in user, scoped to their tenant by the same services the list pages use, so a count
never includes what the matching list would hide. Core blocks live in ``core.dashboard.blocks``;
plugins add theirs through the ``register_dashboard_blocks`` hook. Later issues (rating,
finance) add blocks the same way.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from core.auth.principal import Principal

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


class DashboardError(RuntimeError):
    """A plugin declared an unusable block; the message names the plugin and the block."""


@dataclass(frozen=True)
class Stat:
    """One number with what it counts; ``href`` opens the matching (filtered) list."""

    label: str
    value: int | str
    href: str | None = None


@dataclass(frozen=True)
class Entry:
    """One line of a block's list, e.g. a recent audit event."""

    text: str
    href: str | None = None
    note: str = ""
    when: datetime | None = None


@dataclass(frozen=True)
class BlockContent:
    stats: tuple[Stat, ...] = ()
    entries: tuple[Entry, ...] = ()
    empty: str = ""


@dataclass(frozen=True)
class DashboardBlock:
    """``areas``/``level``: who sees the block (any of the areas at that level); ``href`` is the
    page the block's title opens; ``load`` gets the signed-in principal and answers its content.
    Blocks sort by ``order``, then key."""

    key: str
    title: str
    areas: tuple[str, ...]
    load: Callable[[Principal], Awaitable[BlockContent]]
    level: str = "view"
    href: str | None = None
    order: int = 100
    description: str = field(default="")

    def validate(self) -> None:
        if not KEY_PATTERN.match(self.key):
            raise DashboardError(f"dashboard block {self.key!r}: use lowercase letters, digits, _")
        if not self.title.strip():
            raise DashboardError(f"dashboard block {self.key!r}: the title must not be blank")
        if not self.areas or isinstance(self.areas, str):
            raise DashboardError(f"dashboard block {self.key!r}: areas must be a tuple of keys")
        if self.level not in ("view", "manage"):
            raise DashboardError(f"dashboard block {self.key!r}: level must be view or manage")
        if not callable(self.load):
            raise DashboardError(f"dashboard block {self.key!r}: load must be an async callable")


def all_blocks() -> list[DashboardBlock]:
    """Core blocks and those of registered plugins, in display order; a duplicate key fails."""
    from core.dashboard.blocks import CORE_BLOCKS
    from core.plugins.keyed import keyed_registry

    found = keyed_registry(
        CORE_BLOCKS, "register_dashboard_blocks", DashboardBlock, DashboardError, "dashboard block"
    )
    return sorted(found.values(), key=lambda b: (b.order, b.key))
