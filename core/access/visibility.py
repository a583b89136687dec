"""What a signed-in user may open, answered while a page renders.

The menu, the start page and the action buttons ask the very question the guards ask — the
route's declared ``Requirement`` against the user's levels — so a link is shown exactly when
following it would not answer 403. Templates render synchronously, so the levels are loaded
once per request beforehand (``access_for``) and the route table is read once per app.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from core.access.areas import all_areas
from core.access.guards import Requirement, is_portal_user, requirements_of
from core.access.service import at_least, effective_level
from core.auth.principal import Principal

_PARAM = re.compile(r"\{(\w+):(\w+)\}")
_TYPES = {"int": r"-?\d+", "str": r"[^/]+", "path": r".*"}
_INDEX_KEY = "bo_route_index"


@dataclass(frozen=True)
class RouteRule:
    pattern: re.Pattern
    params: int
    methods: frozenset[str]
    requirements: tuple[Requirement, ...]


def _compile(path: str) -> tuple[re.Pattern, int]:
    parts, last, params = [], 0, 0
    for match in _PARAM.finditer(path):
        parts.append(re.escape(path[last : match.start()]))
        parts.append(_TYPES.get(match.group(2), r"[^/]+"))
        last, params = match.end(), params + 1
    parts.append(re.escape(path[last:]))
    return re.compile("^" + "".join(parts) + "$"), params


def route_index(app: Any) -> list[RouteRule]:
    """Every route of ``app`` with its guards' requirements; static paths before templated."""
    cached = app.state.get(_INDEX_KEY)
    if cached is None:
        cached = []
        for route in app.routes:
            pattern, params = _compile(route.path)
            for handler in getattr(route, "route_handlers", []):
                methods = frozenset(getattr(handler, "http_methods", ()) or ())
                reqs = tuple(requirements_of(handler.resolve_guards()))
                cached.append(RouteRule(pattern, params, methods, reqs))
        cached.sort(key=lambda r: r.params)
        app.state[_INDEX_KEY] = cached
    return cached


class Access:
    """One user's levels on every area, and whether a given link would pass its guards."""

    def __init__(self, principal: Principal | None, levels: dict[str, str], index: list) -> None:
        self.principal = principal
        self.levels = levels
        self._index = index

    @property
    def portal_user(self) -> bool:
        return self.principal is not None and is_portal_user(self.principal)

    def level(self, area: str) -> str:
        return self.levels.get(area, "none")

    def allows(self, requirements: tuple[Requirement, ...]) -> bool:
        if self.principal is None or self.portal_user:
            return False
        return all(
            r.any_signed_in or any(at_least(self.level(a), r.level) for a in r.areas)
            for r in requirements
        )

    def can(self, href: str, method: str = "GET") -> bool:
        """Would ``method href`` get past the guards? Unknown paths and public routes: no/yes."""
        path = urlsplit(href).path or "/"
        method = method.upper()
        for rule in self._index:
            if method in rule.methods and rule.pattern.match(path):
                return self.allows(rule.requirements)
        return False


async def access_for(
    app: Any, principal: Principal | None, cache: MutableMapping[str, Any] | None = None
) -> Access:
    """The user's ``Access``, memoised in ``cache`` (the request's ASGI scope)."""
    if cache is not None and isinstance(cache.get("bo_access"), Access):
        hit = cache["bo_access"]
        if hit.principal == principal:
            return hit
    levels: dict[str, str] = {}
    if principal is not None:
        for key in all_areas():
            levels[key] = await effective_level(principal, key, cache)
    access = Access(principal, levels, route_index(app))
    if cache is not None:
        cache["bo_access"] = access
    return access
