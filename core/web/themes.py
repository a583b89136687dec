"""UI themes: discovery, one cached Jinja2 environment per theme, and the portal behind a host.

A theme only overrides the templates it needs; everything else falls through to its parents and
finally to ``default``, so a plugin theme can be a single stylesheet plus one template.
The host → portal answer is cached for a short while because every page needs it and portals
change rarely; a portal edit shows up within ``PORTAL_CACHE_SECONDS``.
"""

from __future__ import annotations

import logging
import time
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from core.plugins.declarations import Theme
from core.plugins.manager import collect

log = logging.getLogger(__name__)

DEFAULT_THEME = "default"
DEFAULT_TITLE = "BackOffice"
PORTAL_CACHE_SECONDS = 30.0
PORTAL_CACHE_MAX = 1024
THEMES_DIR = Path(__file__).resolve().parents[2] / "themes"

_state: dict = {"dir": THEMES_DIR, "themes": None}
_envs: dict[str, Environment] = {}
_portals: dict[str, tuple[float, Branding]] = {}


class ThemeError(RuntimeError):
    """A theme declaration that cannot work (duplicate name, unknown or cyclic parent)."""


@dataclass(frozen=True)
class Branding:
    """What the layout needs to know about the portal a visitor came through."""

    theme: str = DEFAULT_THEME
    title: str = DEFAULT_TITLE
    support_email: str = ""
    portal_id: int | None = None


def reset_theme_cache(themes_dir: Path | None = None) -> None:
    """Forget themes, environments and portal answers (tests, or after installing a theme)."""
    _state["dir"] = themes_dir or THEMES_DIR
    _state["themes"] = None
    _envs.clear()
    _portals.clear()


def _folder_theme(folder: Path) -> Theme:
    data = tomllib.loads((folder / "theme.toml").read_text(encoding="utf-8"))
    name = str(data.get("name") or folder.name)
    parent = data.get("parent", DEFAULT_THEME)
    static = folder / "static"
    return Theme(
        name=name,
        label=str(data.get("label") or name),
        templates_dir=folder / "templates",
        static_dir=static if static.is_dir() else None,
        parent=None if name == DEFAULT_THEME else (parent or DEFAULT_THEME),
    )


def discover(themes_dir: Path) -> list[Theme]:
    if not themes_dir.is_dir():
        return []
    return [
        _folder_theme(folder)
        for folder in sorted(themes_dir.iterdir())
        if (folder / "theme.toml").is_file()
    ]


def all_themes() -> dict[str, Theme]:
    if _state["themes"] is None:
        found: dict[str, Theme] = {}
        for theme in [*discover(_state["dir"]), *collect("register_themes")]:
            if theme.name in found:
                raise ThemeError(f"theme {theme.name!r} is declared twice")
            found[theme.name] = theme
        if DEFAULT_THEME not in found:
            raise ThemeError(f"the {DEFAULT_THEME!r} theme is missing from {_state['dir']}")
        _state["themes"] = found
    return _state["themes"]


def lineage(name: str) -> list[Theme]:
    """The theme, its parents, and ``default`` last: the template and static lookup order."""
    themes = all_themes()
    chain: list[Theme] = []
    current: str | None = name
    while current is not None:
        theme = themes.get(current)
        if theme is None:
            raise ThemeError(f"theme {name!r} refers to unknown theme {current!r}")
        if theme in chain:
            raise ThemeError(f"theme {name!r} has a parent cycle")
        chain.append(theme)
        current = theme.parent
    if chain[-1].name != DEFAULT_THEME:
        chain.append(themes[DEFAULT_THEME])
    return chain


def static_dirs(name: str) -> list[Path]:
    return [t.static_dir for t in lineage(name) if t.static_dir is not None]


def environment(name: str) -> Environment:
    env = _envs.get(name)
    if env is None:
        loaders = [FileSystemLoader(str(t.templates_dir)) for t in lineage(name)]
        env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.globals["theme_name"] = name
        env.filters["date"] = lambda v: _when(v, "%Y-%m-%d")
        env.filters["datetime"] = lambda v: _when(v, "%Y-%m-%d %H:%M:%S")
        _envs[name] = env
    return env


def _when(value: datetime | str | None, fmt: str) -> str:
    """Timestamps in the server's time zone; the database may hand back ISO strings (SQLite)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is not None:
        value = value.astimezone()
    return value.strftime(fmt)


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # IPv6 literal: [::1]:8000
        return host.partition("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


async def _lookup(host: str) -> Branding:
    from tenants.models import Portal

    row = (
        await Portal.select(Portal.id, Portal.theme, Portal.title, Portal.support_email)
        .where(Portal.fqdn == host, Portal.status == "active")
        .first()
    )
    if row is None:
        return Branding()
    theme = row["theme"] or DEFAULT_THEME
    if theme not in all_themes():
        log.warning("portal %s uses unknown theme %r; showing the default theme", host, theme)
        theme = DEFAULT_THEME
    return Branding(
        theme=theme,
        title=row["title"] or DEFAULT_TITLE,
        support_email=row["support_email"] or "",
        portal_id=row["id"],
    )


async def branding_for_host(host: str) -> Branding:
    name = _host_name(host)
    if not name:
        return Branding()
    cached = _portals.get(name)
    now = time.monotonic()
    if cached and cached[0] > now:
        return cached[1]
    branding = await _lookup(name)
    if len(_portals) >= PORTAL_CACHE_MAX:
        _portals.clear()  # arbitrary Host headers must not grow memory without bound
    _portals[name] = (now + PORTAL_CACHE_SECONDS, branding)
    return branding
