"""Permission areas: the parts of the product a role grants none, view or manage on.

Areas are coarse on purpose (one per menu section), so a role form stays short and every route
can name the one area it belongs to. BackOffice areas serve users of resellers and the system
owner; ``portal_`` areas serve client-portal users. Plugins add areas through the
``register_permission_areas`` hook; the merged list is cached per set of registered plugins.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from core.access.models import LEVELS, ROLE_GROUPS

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
GROUP_LABELS = {"backoffice": "BackOffice", "portal": "Client portal"}


class AreaError(RuntimeError):
    """A plugin declared an unusable area; the message names the plugin and the area."""


@dataclass(frozen=True)
class Area:
    """``system_levels`` maps system role keys (e.g. ``"noc_engineer"``) to the level that role
    gets on this area; the Admin system role always gets ``manage``, others default to none."""

    key: str
    label: str
    group: str
    section: str
    description: str = ""
    system_levels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def validate(self) -> None:
        if not KEY_PATTERN.match(self.key):
            raise AreaError(f"area key {self.key!r}: use lowercase letters, digits and _")
        if self.group not in ROLE_GROUPS:
            raise AreaError(f"area {self.key!r}: group must be one of {', '.join(ROLE_GROUPS)}")
        if not self.label.strip() or not self.section.strip():
            raise AreaError(f"area {self.key!r}: label and section must not be blank")
        for role, level in self.system_levels.items():
            if level not in LEVELS:
                raise AreaError(f"area {self.key!r}: level {level!r} for {role!r} is not a level")


def _bo(key: str, label: str, section: str, description: str, **levels: str) -> Area:
    return Area(key, label, "backoffice", section, description, MappingProxyType(levels))


def _portal(key: str, label: str, section: str, description: str, **levels: str) -> Area:
    return Area("portal_" + key, label, "portal", section, description, MappingProxyType(levels))


AREAS: tuple[Area, ...] = (
    _bo(
        "settings",
        "Settings",
        "Administration",
        "Connections, notification templates, own legal entities, payment systems",
        noc_engineer="manage",
        finance_manager="view",
        rate_manager="view",
    ),
    _bo(
        "users",
        "Users",
        "Administration",
        "BackOffice and client-portal users, invitations and roles",
        client_manager="manage",
        noc_engineer="view",
    ),
    _bo(
        "portals",
        "Portals",
        "Administration",
        "Branded portals and their themes",
        client_manager="manage",
        noc_engineer="view",
    ),
    _bo(
        "account_management",
        "Account management",
        "Clients",
        "Companies, agreements, enabled services, sender IDs",
        client_manager="manage",
        finance_manager="view",
        noc_engineer="view",
        rate_manager="view",
    ),
    _bo(
        "pre_moderation",
        "Pre-moderation",
        "Clients",
        "Approving campaigns and chatbots of moderated companies",
        client_manager="manage",
        noc_engineer="view",
    ),
    _bo(
        "finance",
        "Finance",
        "Money",
        "Payments, invoices and charges, balances",
        finance_manager="manage",
        client_manager="view",
        rate_manager="view",
    ),
    _bo(
        "services",
        "Services and rates",
        "Money",
        "Services, rate plans, rate imports, additional fees",
        rate_manager="manage",
        finance_manager="view",
        client_manager="view",
        noc_engineer="view",
    ),
    _bo(
        "mccmnc",
        "MCCMNC",
        "Money",
        "Mobile network codes used by rates and routing",
        rate_manager="manage",
        noc_engineer="manage",
        finance_manager="view",
        client_manager="view",
    ),
    _bo(
        "reports",
        "Reports",
        "Data",
        "Reports and analytics",
        client_manager="view",
        finance_manager="manage",
        noc_engineer="manage",
        rate_manager="view",
    ),
    _bo(
        "audit",
        "Audit",
        "Data",
        "The audit log",
        client_manager="view",
        finance_manager="view",
        noc_engineer="view",
    ),
    _bo(
        "export",
        "Export",
        "Data",
        "Exporting lists and logs to files, and downloading them",
        client_manager="manage",
        finance_manager="manage",
        noc_engineer="manage",
        rate_manager="manage",
    ),
    _portal(
        "dashboard",
        "Dashboard",
        "Overview",
        "The start page with balances and traffic",
        broadcast_manager="view",
        finance_manager="view",
        noc_engineer="view",
    ),
    _portal(
        "statistics",
        "Statistics",
        "Overview",
        "Traffic and delivery statistics",
        broadcast_manager="view",
        finance_manager="view",
        noc_engineer="view",
    ),
    _portal(
        "broadcasts",
        "Broadcasts",
        "Messaging",
        "Campaigns and the messages they send",
        broadcast_manager="manage",
        noc_engineer="view",
    ),
    _portal(
        "two_factor_sms",
        "2FA SMS",
        "Messaging",
        "One-time-code integrations and their statistics",
        noc_engineer="manage",
        broadcast_manager="view",
    ),
    _portal(
        "api_accesses",
        "API accesses",
        "Messaging",
        "API credentials of the company's integrations",
        noc_engineer="manage",
        broadcast_manager="view",
    ),
    _portal(
        "finance",
        "Finance",
        "Money",
        "Balance, payments and invoices",
        finance_manager="manage",
        broadcast_manager="view",
    ),
    _portal(
        "users",
        "Users",
        "Administration",
        "Users of the company, their invitations and roles",
        noc_engineer="view",
    ),
    _portal(
        "audit",
        "Audit",
        "Administration",
        "The company's audit log",
        finance_manager="view",
        noc_engineer="view",
    ),
    _portal(
        "export",
        "Export",
        "Administration",
        "Exporting lists and logs to files, and downloading them",
        broadcast_manager="manage",
        finance_manager="manage",
        noc_engineer="manage",
    ),
)

_CACHE: dict[str, object] = {}


def _plugin_state() -> tuple:
    from core.plugins.registry import plugin_state

    return plugin_state()


def _collect() -> dict[str, Area]:
    from core.plugins.keyed import keyed_registry

    return keyed_registry(AREAS, "register_permission_areas", Area, AreaError, "permission area")


def all_areas() -> dict[str, Area]:
    """Built-in and plugin areas by key, in declaration order."""
    state = _plugin_state()
    if _CACHE.get("state") != state:
        _CACHE["areas"] = _collect()
        _CACHE["state"] = state
    return _CACHE["areas"]  # type: ignore[return-value]


def areas_of(group: str) -> list[Area]:
    return [a for a in all_areas().values() if a.group == group]


def get_area(key: str) -> Area | None:
    return all_areas().get(key)
