"""API shapes of the installed-plugins list and of a company's plugin switches."""

from __future__ import annotations

from typing import Literal

import msgspec

from core.web.listing import Page


class Contributions(msgspec.Struct):
    """The keys (routes and pages: methods and paths; jobs: names and schedules; events:
    "event → job" subscriptions; menu entries: "group: label → href (area, level)";
    migrations: "app: tables") a plugin adds."""

    channels: list[str] = []
    vendors: list[str] = []
    payment_systems: list[str] = []
    dictionaries: list[str] = []
    themes: list[str] = []
    areas: list[str] = []
    routes: list[str] = []
    jobs: list[str] = []
    events: list[str] = []
    pages: list[str] = []
    menu_entries: list[str] = []
    templates: list[str] = []
    migrations: list[str] = []


class PluginOut(msgspec.Struct):
    """``enabled`` is the plugin's state for the caller's company; ``compatible`` is false for
    a package left out at start-up, and ``problem`` then says why."""

    name: str
    package: str
    version: str
    kind: Literal["core", "bundled", "package", "registered"]
    always_on: bool
    api_range: str | None
    compatible: bool
    status: Literal["ok", "broken"]
    problem: str
    enabled: bool
    contributes: Contributions


class PluginPage(Page):
    """``notices``: plugins your companies have switches or settings for that are not
    installed (any more), each as a sentence to show."""

    items: list[PluginOut]
    notices: list[str] = []


class CompanyPluginOut(msgspec.Struct):
    """``setting`` is the company's own switch (``inherit``: no row, as the company above);
    ``available`` says the company above has the plugin on; ``enabled`` is the result."""

    company_id: int
    plugin: str
    setting: Literal["on", "off", "inherit"]
    available: bool
    enabled: bool


class CompanyPluginsOut(msgspec.Struct):
    company_id: int
    company_name: str
    items: list[CompanyPluginOut]


class CompanyPluginIn(msgspec.Struct, forbid_unknown_fields=True):
    enabled: bool
