"""Which core API a plugin was written against, checked before the plugin is registered.

A plugin module declares ``BACKOFFICE_API``, a PEP 440 version range such as ``">=1,<2"``.
``CORE_API_VERSION`` moves its major number when a hook or a declaration base class changes
in a way existing plugins would break on, so a package written for another major is refused
with a reason instead of failing later on a missing attribute.
"""

from __future__ import annotations

from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

CORE_API_VERSION = "1.0"
ATTRIBUTE = "BACKOFFICE_API"


def declared_range(plugin: Any) -> str | None:
    value = getattr(plugin, ATTRIBUTE, None)
    return value if isinstance(value, str) else None


def incompatibility(plugin: Any) -> str | None:
    """Why ``plugin`` cannot run on this core, or None when its declared range admits it."""
    value = getattr(plugin, ATTRIBUTE, None)
    if value is None:
        return (
            f"declares no {ATTRIBUTE} (the core API versions it supports, "
            f"e.g. {ATTRIBUTE} = '>=1,<2'); this BackOffice provides {CORE_API_VERSION}"
        )
    if not isinstance(value, str) or not value.strip():
        return f"{ATTRIBUTE} must be a version range string such as '>=1,<2', not {value!r}"
    try:
        spec = SpecifierSet(value)
    except InvalidSpecifier:
        return f"{ATTRIBUTE} {value!r} is not a version range (use e.g. '>=1,<2')"
    if not spec.contains(Version(CORE_API_VERSION), prereleases=True):
        return f"supports core API {value}, but this BackOffice provides {CORE_API_VERSION}"
    return None
