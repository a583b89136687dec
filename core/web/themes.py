"""UI themes: discovery, one cached Jinja2 environment per theme, and the portal behind a host.

A theme only overrides the templates it needs; everything else falls through to its parents and
finally to ``default``, so a plugin theme can be a single stylesheet plus one template.
A folder theme's ``theme.toml`` may say ``menu = "light"`` when its main menu is light, so the
layout picks the portal's light-background logos first (the default menu is dark).

The host → portal answer (``Branding``: theme, title, colour, logo URLs, ...) is one query per
cache miss and is cached for ``PORTAL_CACHE_SECONDS`` because every page needs it and portals
change rarely. After saving a portal, the portal service calls ``forget_portal(fqdn)`` (for the
old and the new name when the name changed, or ``forget_portal()`` for everything) so this
process shows the change at once; other worker processes catch up within the cache lifetime.
Uploaded files are linked as ``/branding/<portal id>/<slot>?v=<key hash>``: the route that
serves them belongs to the portal module, and the hash changes with every upload so browsers
never keep an old logo.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from core.money import display_amount
from core.plugins.declarations import Theme
from core.plugins.manager import collect

log = logging.getLogger(__name__)

DEFAULT_THEME = "default"
RESERVED_THEME_NAME = "plugins"
DEFAULT_TITLE = "BackOffice"
PORTAL_CACHE_SECONDS = 30.0
PORTAL_CACHE_MAX = 1024
THEMES_DIR = Path(__file__).resolve().parents[2] / "themes"
# Visual slots are dropped when a portal turns "display branding" off; documents never are.
LOOK_SLOTS = (
    "logo_square_light",
    "logo_expanded_light",
    "logo_square_dark",
    "logo_expanded_dark",
    "favicon",
    "login_logo",
    "login_background",
)
DOCUMENT_SLOTS = ("license_pdf", "privacy_pdf")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

_state: dict = {"dir": THEMES_DIR, "themes": None}
_envs: dict[str, Environment] = {}
_menus: dict[str, str] = {}
_portals: dict[str, tuple[float, Branding]] = {}


class ThemeError(RuntimeError):
    """A theme declaration that cannot work (duplicate name, unknown or cyclic parent)."""


@dataclass(frozen=True)
class Branding:
    """What the pages need to know about the portal a visitor came through.

    Immutable and shared by every request of a host while cached; anything that depends on the
    visitor (the language of the sign-in text) is a method taking the request's header.
    """

    theme: str = DEFAULT_THEME
    title: str = DEFAULT_TITLE
    support_email: str = ""
    portal_id: int | None = None
    display_branding: bool = True
    primary_color: str = ""  # "#rrggbb"; "" keeps the theme's own accent colour
    files: tuple[tuple[str, str], ...] = ()  # (slot, public URL), only slots with a file
    languages: tuple[str, ...] = ("en",)
    descriptions: tuple[tuple[str, str], ...] = ()  # (language, sign-in page text)

    def url(self, slot: str) -> str:
        return dict(self.files).get(slot, "")

    @property
    def favicon(self) -> str:
        return self.url("favicon")

    @property
    def login_logo(self) -> str:
        return self.url("login_logo")

    @property
    def login_background(self) -> str:
        return self.url("login_background")

    @property
    def license_url(self) -> str:
        return self.url("license_pdf")

    @property
    def privacy_url(self) -> str:
        return self.url("privacy_pdf")

    def menu_logo(self, shape: str, background: str = "dark") -> str:
        """The logo for a menu of that background, falling back to the other variant."""
        other = "light" if background == "dark" else "dark"
        return self.url(f"logo_{shape}_{background}") or self.url(f"logo_{shape}_{other}")

    @property
    def brand_css(self) -> str:
        """CSS custom properties for the portal colour; empty keeps the theme untouched."""
        if not self.primary_color:
            return ""
        from core.web.contrast import button_colours, darkened, link_colour

        fill, text = button_colours(self.primary_color)
        return (
            f"--brand: {fill}; --brand-dark: {darkened(fill, 0.85)}; --brand-text: {text}; "
            f"--brand-link: {link_colour(self.primary_color)};"
        )

    def language(self, accept_language: str = "") -> str:
        """The portal language that best matches the visitor's ``Accept-Language``."""
        offered = {code.lower(): code for code in self.languages}
        for tag in _preferred(accept_language):
            for candidate in (tag, tag.split("-")[0]):
                if candidate in offered:
                    return offered[candidate]
            for code in self.languages:
                if code.lower().split("-")[0] == tag.split("-")[0]:
                    return code
        return self.languages[0] if self.languages else "en"

    def login_description(self, accept_language: str = "") -> str:
        texts = dict(self.descriptions)
        first = self.languages[0] if self.languages else ""
        return texts.get(self.language(accept_language)) or texts.get(first) or ""


def _preferred(header: str) -> list[str]:
    """Language tags of an ``Accept-Language`` header, best first (q=0 and ``*`` dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        tag = tag.strip().lower()
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(ranked)]


def reset_theme_cache(themes_dir: Path | None = None) -> None:
    """Forget themes, environments and portal answers (tests, or after installing a theme)."""
    _state["dir"] = themes_dir or THEMES_DIR
    _state["themes"] = None
    _envs.clear()
    _menus.clear()
    _portals.clear()


def forget_portal(host: str | None = None) -> None:
    """Drop the cached answer for one host name (any case, with or without port) or for all."""
    if host is None:
        _portals.clear()
        return
    name = _host_name(host)
    for key in [k for k in _portals if _host_name(k) == name]:
        _portals.pop(key, None)


def _folder_theme(folder: Path) -> Theme:
    data = tomllib.loads((folder / "theme.toml").read_text(encoding="utf-8"))
    name = str(data.get("name") or folder.name)
    parent = data.get("parent", DEFAULT_THEME)
    static = folder / "static"
    if data.get("menu") in ("light", "dark"):
        _menus[name] = data["menu"]
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
            if theme.name == RESERVED_THEME_NAME:  # /static/plugins/ holds plugins' files
                raise ThemeError(f"theme name {theme.name!r} is reserved")
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


def menu_background(name: str) -> str:
    """The menu background, light or dark: nearest declaration along the lineage, else dark."""
    return next((_menus[t.name] for t in lineage(name) if t.name in _menus), "dark")


def environment(name: str) -> Environment:
    env = _envs.get(name)
    if env is None:
        from core.plugins.extension import template_dirs

        # Plugins' folders after the theme's: a theme may restyle a plugin page, a plugin
        # cannot replace a core template.
        folders = [t.templates_dir for t in lineage(name)] + template_dirs()
        loaders = [FileSystemLoader(str(folder)) for folder in folders]
        env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.globals["theme_name"] = name
        env.globals["money"] = display_amount
        env.globals["menu_background"] = menu_background(name)
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


def _json(value, fallback):
    """JSON columns arrive decoded on some drivers and as text on others."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return fallback
    return value if isinstance(value, type(fallback)) else fallback


def _file_url(portal_id: int, slot: str, key: str) -> str:
    version = hashlib.sha256(key.encode()).hexdigest()[:12]
    return f"/branding/{portal_id}/{slot}?v={version}"


async def _lookup(host: str) -> Branding:
    """``host`` as the browser sent it; a portal stored with that exact port wins over one
    stored under the bare name (development portals such as ``localhost:3000``)."""
    from tenants.models import Portal

    candidates = list(dict.fromkeys([host, _host_name(host)]))

    slots = (*LOOK_SLOTS, *DOCUMENT_SLOTS)
    row = (
        await Portal.select(
            Portal.id,
            Portal.theme,
            Portal.title,
            Portal.support_email,
            Portal.display_branding,
            Portal.primary_color,
            Portal.languages,
            Portal.login_descriptions,
            *(getattr(Portal, slot) for slot in slots),
        )
        .where(Portal.fqdn.is_in(candidates), Portal.status == "active")
        .order_by(Portal.fqdn, ascending=False)  # "name:port" sorts after "name"
        .first()
    )
    if row is None:
        return Branding()
    theme = row["theme"] or DEFAULT_THEME
    if theme not in all_themes():
        log.warning("portal %s uses unknown theme %r; showing the default theme", host, theme)
        theme = DEFAULT_THEME
    show = bool(row["display_branding"])
    color = (row["primary_color"] or "").lower()
    if color and not _COLOR.match(color):
        log.warning("portal %s has an invalid colour %r; ignoring it", host, color)
        color = ""
    languages = tuple(str(x) for x in _json(row["languages"], []) if x) or ("en",)
    texts = _json(row["login_descriptions"], {})
    return Branding(
        theme=theme,
        title=row["title"] or DEFAULT_TITLE,
        support_email=row["support_email"] or "",
        portal_id=row["id"],
        display_branding=show,
        primary_color=color if show else "",
        files=tuple(
            (slot, _file_url(row["id"], slot, row[slot]))
            for slot in slots
            if row[slot] and (show or slot in DOCUMENT_SLOTS)
        ),
        languages=languages,
        descriptions=tuple((str(k), str(v)) for k, v in texts.items() if v),
    )


async def branding_for_host(host: str) -> Branding:
    name = host.strip().lower()
    if not _host_name(name):
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
