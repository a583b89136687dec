"""``requires(area, level)``: the guard every route declares its permission with.

The guard object carries its ``Requirement`` so tooling (the authorization matrix test, docs)
can read what each route needs without calling it. A route open to BackOffice and client-portal
users names both areas, ``requires(("audit", "portal_audit"), "view")``: the better level wins.
Routes for any signed-in user (their own account, reference data) use ``signed_in()``.
Client-portal users are refused on every guarded route until the client portal exists: the
BackOffice is not for them (``NotForPortalUsers``, a 403 with its own page in the UI).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from core.access.areas import get_area
from core.access.service import at_least, best_level
from core.auth.guards import LoginRequired
from core.auth.principal import Principal
from core.errors import Forbidden, Unauthorized

SIGNED_IN = "*"
REQUIREMENT_ATTR = "__bo_requirement__"
VERBS = {"view": "view", "manage": "change"}


@dataclass(frozen=True)
class Requirement:
    areas: tuple[str, ...]
    level: str

    @property
    def any_signed_in(self) -> bool:
        return SIGNED_IN in self.areas


class NotForPortalUsers(Forbidden):
    title = "Not for client-portal users"


class MissingPermission(Forbidden):
    """The role lacks a level; keeps what was needed so the UI can say it in plain words."""

    def __init__(self, detail: str, areas: tuple[str, ...], level: str, granted: str) -> None:
        super().__init__(detail)
        self.areas, self.level, self.granted = areas, level, granted

    @property
    def area_label(self) -> str:
        return _label(self.areas)


PORTAL_USER_MESSAGE = (
    "BackOffice is for the staff of resellers and of the platform owner; client-portal users "
    "sign in at their client portal instead"
)


def is_portal_user(principal: Principal) -> bool:
    """A client-portal user (every user of a client company is one): BackOffice is not theirs."""
    return principal.group == "portal" or principal.company_kind == "client"


def _label(areas: tuple[str, ...]) -> str:
    labels = []
    for key in areas:
        area = get_area(key)
        labels.append(area.label if area else key)
    return " / ".join(dict.fromkeys(labels))


def requires(area: str | tuple[str, ...], level: str = "view"):
    """A litestar guard: the caller needs at least ``level`` on (one of) ``area``."""
    if level not in VERBS:
        raise ValueError(f"level must be view or manage, not {level!r}")
    areas = (area,) if isinstance(area, str) else tuple(area)
    if not areas or not all(isinstance(a, str) and a for a in areas):
        raise ValueError("requires() needs at least one area key")
    requirement = Requirement(areas, level)

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        principal = connection.scope.get("user")
        if principal is None:
            if connection.scope.get("path", "").startswith("/api/"):
                raise Unauthorized("a valid bearer token is required")
            raise LoginRequired()
        if is_portal_user(principal):
            raise NotForPortalUsers(PORTAL_USER_MESSAGE)
        if requirement.any_signed_in:
            return
        granted = await best_level(principal, areas, connection.scope)
        if not at_least(granted, level):
            raise MissingPermission(
                f"your role does not allow you to {VERBS[level]} {_label(areas)} "
                f"(needs {level}, you have {granted})",
                areas,
                level,
                granted,
            )

    setattr(guard, REQUIREMENT_ATTR, requirement)
    guard.__name__ = guard.__qualname__ = f"requires_{'_or_'.join(areas)}_{level}"
    return guard


def signed_in():
    """Any signed-in user: for a user's own data and for reference data shared by everyone."""
    return requires(SIGNED_IN, "manage")


def requirements_of(guards: list[Any]) -> list[Requirement]:
    return [r for g in guards if (r := getattr(g, REQUIREMENT_ATTR, None)) is not None]


def refuse_client_writes(scope, what: str) -> None:
    """BackOffice-only resources (banks, own legal entities and bank accounts, payment systems,
    portals) belong to resellers and the system owner: a client company may read what its tenant
    shares but change none of it, and the answer is the same 403 everywhere."""
    if scope.company_kind == "client":
        raise Forbidden(f"client companies cannot create or change {what}")
