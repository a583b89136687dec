"""Built-in plugin: the core domains, registered through the channels' hook so that a plugin
declaring one of their keys again is a registry conflict naming both, not a silent override."""

from __future__ import annotations

from core.catalogue.domains.core_domains import CORE_DOMAINS
from core.plugins.hookspecs import hookimpl


@hookimpl
def register_channels() -> list:
    return list(CORE_DOMAINS)
