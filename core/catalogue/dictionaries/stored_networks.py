"""The MCC and networks dictionaries, served from a stored copy that only
``backoffice dictionaries update`` changes.

Why a stored copy: rate trees key prices by network, so the values must not change under
them because a server's packages were upgraded. ``update`` re-reads the installed
``mcc-mnc-p1`` tables (no network access: the package is the source), reports what was added,
removed or renamed against the stored copy, and writes the new copy to the file storage
(``core.storage``), which every process of a deployment shares. A removed network is then a
missed option in the trees that still name it. Before the first update the installed package
is read directly; a running process keeps the values it loaded until it restarts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from core.catalogue.dictionaries.data import networks as package
from core.plugins.declarations import Dictionary

STORAGE_KEY = "dictionaries/networks.json"
FORMAT = 1


def _storage():
    from core.storage import get_storage

    return get_storage()


def stored() -> dict | None:
    """The stored copy, or None before the first update."""
    storage = _storage()
    if not storage.exists(STORAGE_KEY):
        return None
    with storage.open(STORAGE_KEY) as handle:
        return json.loads(handle.read().decode("utf-8"))


def _from_package() -> dict | None:
    version = package.package_version()
    if version is None:
        return None
    return {"format": FORMAT, "source": f"{package.PACKAGE} {version}", **package.read_package()}


_CURRENT: dict[str, Any] = {}


def current() -> dict:
    """What the two dictionaries serve: the stored copy, else the installed package, else
    nothing (with a source that says how to get the data)."""
    if not _CURRENT:
        found = stored() or _from_package()
        if found is None:
            found = {
                "source": f"not installed: pip install 'backoffice[networks]' ({package.PACKAGE})",
                "mcc": [],
                "networks": [],
            }
        _CURRENT.update(found)
    return _CURRENT


@dataclass
class Change:
    """What an update changed in one dictionary, by value key."""

    total: int = 0
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    relabelled: list[str] = field(default_factory=list)


@dataclass
class UpdateReport:
    source: str
    previous_source: str | None
    changes: dict[str, Change]


def _diff(old: list, new: list) -> Change:
    before = {row[0]: row for row in old}
    after = {row[0]: row for row in new}
    return Change(
        total=len(after),
        added=sorted(after.keys() - before.keys()),
        removed=sorted(before.keys() - after.keys()),
        relabelled=sorted(
            k for k in after.keys() & before.keys() if list(after[k]) != list(before[k])
        ),
    )


def update() -> UpdateReport:
    """Rebuild the stored copy from the installed package and say what changed."""
    fresh = _from_package()
    if fresh is None:
        raise LookupError(
            f"the {package.PACKAGE} package is not installed: pip install 'backoffice[networks]'"
        )
    previous = stored()
    changes = {
        key: _diff(previous[key] if previous else [], fresh[key]) for key in ("mcc", "networks")
    }
    _storage().save(STORAGE_KEY, json.dumps(fresh, ensure_ascii=False).encode("utf-8"))
    forget()
    return UpdateReport(fresh["source"], previous["source"] if previous else None, changes)


def forget() -> None:
    """Read the stored copy again on next use (after an update, in this process)."""
    _CURRENT.clear()
    MobileCountryCodes.forget()
    Networks.forget()


class MobileCountryCodes(Dictionary):
    key = "mcc"
    name = "Mobile country codes (MCC)"
    entries = staticmethod(lambda: current()["mcc"])
    searched = ("countries",)
    source = staticmethod(lambda: current()["source"])


class Networks(Dictionary):
    key = "networks"
    name = "Mobile networks (MCC-MNC)"
    entries = staticmethod(lambda: current()["networks"])
    searched = ("operator", "country", "country_name")
    source = staticmethod(lambda: current()["source"])
