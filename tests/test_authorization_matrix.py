"""The authorization matrix, derived from the app itself so new routes are covered on arrival.

1. Every route of ``create_app()`` except a short explicit public list declares what it needs
   with ``core.access.guards.requires`` (or ``signed_in()``); a route without one fails by name.
2. Every system role gets exactly its level on every declared route: a role below the route's
   level gets 403; a role at the level is let through (a list page answers 200, any other call
   may answer 400/404/422 for its dummy input, never 403). Guards run before the body or the ids
   are looked at, so placeholder ids and empty bodies are enough to probe the guard. Plain
   reads (lists) must answer 200 to a role allowed on them. Client-portal roles are refused
   everywhere (403) until the client portal exists (issue 8).
3. Under manage, another tenant's objects still answer 404 (client-portal users: 403).

What the UI shows for each role (menu entries, action buttons) is walked in
``test_navigation_matrix.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core.access.areas import all_areas
from core.access.guards import Requirement, requirements_of
from core.access.service import at_least
from core.access.system_roles import SYSTEM_ROLES
from core.access.testing import role_id, user_with_role
from core.web.app import create_app

PUBLIC_PATHS = {
    "/health",
    "/api/v1/auth/token",
    "/login",
    "/logout",
    "/signup/{token:str}",
    "/api/v1/signup/{token:str}",
    "/branding/{portal_id:int}/{slot:str}",
    "/bo",
}
# Sign-in steps before a session exists (second factor, forced password change), the API
# schema and static files.
PUBLIC_PREFIXES = ("/login/", "/api/schema", "/static/")
IGNORED_METHODS = {"OPTIONS", "HEAD"}
SAFE_METHODS = {"GET"}
PARAM = re.compile(r"\{(\w+):(\w+)\}")
PLACEHOLDERS = {"int": "987654", "str": "zzz", "path": "x"}
ROOT = Path(__file__).resolve().parents[1]
# Reads that need no input: a role allowed on them must get the page itself, not just "not 403".
PLAIN_READS = {
    "/api/v1/companies",
    "/api/v1/audit",
    "/api/v1/jobs",
    "/api/v1/roles",
    "/api/v1/permission-areas",
    "/companies",
    "/audit",
    "/roles",
    "/roles/new",
    "/api/v1/portals",
    "/api/v1/themes",
    "/portals",
    "/portals/new",
    "/api/v1/bank-accounts",
    "/api/v1/own-bank-accounts",
    "/bank-accounts",
    "/own-bank-accounts",
    "/api/v1/agreements",
    "/agreements",
    "/agreements/new",
    "/api/v1/payment-systems",
    "/api/v1/payment-system-types",
    "/payment-systems",
    "/payment-systems/new",
    "/api/v1/plugins",
    "/api/v1/vendor-connections",
    "/api/v1/vendor-types",
    "/api/v1/services",
    "/plugins",
    "/plugins/switches",
}


@dataclass(frozen=True)
class Route:
    path: str
    method: str
    handler: str
    requirements: tuple[Requirement, ...]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path} ({self.handler})"

    @property
    def any_signed_in(self) -> bool:
        return any(r.any_signed_in for r in self.requirements)

    def allows(self, levels: dict[str, str]) -> bool:
        return all(
            any(at_least(levels.get(area, "none"), r.level) for area in r.areas)
            for r in self.requirements
        )

    def url(self) -> str:
        return PARAM.sub(lambda m: PLACEHOLDERS[m.group(2)], self.path)


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def all_routes(app) -> list[Route]:
    routes = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(getattr(handler, "http_methods", ()) or ()):
                if method in IGNORED_METHODS:
                    continue
                routes.append(
                    Route(
                        route.path,
                        method,
                        handler.handler_name,
                        tuple(requirements_of(handler.resolve_guards())),
                    )
                )
    return routes


def test_every_route_declares_an_area_and_level():
    routes = all_routes(create_app())
    assert len(routes) > 40  # the walk sees the whole app
    missing = [r.label for r in routes if not is_public(r.path) and not r.requirements]
    assert not missing, "routes without requires(area, level):\n" + "\n".join(missing)


# POSTs that compute an answer and write nothing, so a view level is their right guard: a
# viewer may try a rate (issue 12 item 7). A JSON body too large for a query string is why
# they are POSTs.
READ_ONLY_POSTS = {"POST /api/v1/services/{service_id:int}/evaluate"}


def test_declarations_are_sound():
    known = set(all_areas())
    problems = []
    for route in all_routes(create_app()):
        for requirement in route.requirements:
            unknown = [a for a in requirement.areas if a != "*" and a not in known]
            if unknown:
                problems.append(f"{route.label}: unknown areas {unknown}")
        writes = route.method not in SAFE_METHODS and (
            f"{route.method} {route.path}" not in READ_ONLY_POSTS
        )
        view_only = not any(r.level == "manage" for r in route.requirements)
        if writes and route.requirements and not route.any_signed_in and view_only:
            problems.append(f"{route.label}: a write declared with view only")
    assert not problems, "\n".join(problems)


def test_the_public_list_names_real_routes():
    paths = {r.path for r in all_routes(create_app())}
    assert paths >= PUBLIC_PATHS, PUBLIC_PATHS - paths


def test_docs_table_matches_the_system_roles():
    """docs/access.md shows each system role's level per area; it must say what the code does."""
    text = (ROOT / "docs" / "access.md").read_text()
    for group in ("backoffice", "portal"):
        roles = [r for r in SYSTEM_ROLES if r.group == group]
        for role in roles:
            for area, level in role.levels().items():
                row = re.search(rf"^\| `{area}` \|.*$", text, re.MULTILINE)
                assert row, f"docs/access.md: no row for {area}"
                cells = [c.strip() for c in row.group(0).strip("|").split("|")]
                index = 2 + [r.key for r in roles].index(role.key)
                assert cells[index] == level, f"{area} / {group} {role.name}: docs say {cells}"


async def _world(bo_factory, bo_client):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="Home reseller")
    c1 = await bo_factory.company(r1, "client", name="Home client")
    r2 = await bo_factory.company(owner, "reseller", name="Other reseller")
    c2 = await bo_factory.company(r2, "client", name="Other client")
    holders = []
    for spec in SYSTEM_ROLES:
        company = r1 if spec.group == "backoffice" else c1
        user = await user_with_role(
            bo_factory, company, spec.group, await role_id(spec.group, spec.name)
        )
        holders.append((f"{spec.group} {spec.name}", spec.levels(), user))
    holders.append(("no role", {}, await user_with_role(bo_factory, r1, "backoffice", None)))
    csrf = (await bo_client.get("/login")).cookies.get("bo_csrf")
    assert csrf
    return {"owner": owner, "r1": r1, "c1": c1, "r2": r2, "c2": c2}, holders, csrf


async def _call(client, route: Route, user: dict, tokens: dict, csrf: str):
    client.cookies.clear()
    url = route.url()
    if url.startswith("/api/"):
        headers = {"Authorization": f"Bearer {tokens['api']}"}
        body = {} if route.method == "GET" else {"json": {}}
    else:
        headers = {
            "cookie": f"bo_session={tokens['session']}; bo_csrf={csrf}",
            "x-csrftoken": csrf,
        }
        body = {} if route.method == "GET" else {"data": {}}
    return await client.request(route.method, url, headers=headers, **body)


def _verdict(route: Route, allowed: bool, status: int) -> str | None:
    if not allowed:
        return None if status == 403 else f"answered {status}, not 403"
    if status in (401, 403) or status >= 500:
        return f"answered {status} though the role is allowed"
    if route.method == "GET" and route.path in PLAIN_READS and status != 200:
        return f"answered {status}, not 200"
    return None


async def test_every_system_role_gets_exactly_its_level(bo_factory, bo_client, bo_app):
    _, holders, csrf = await _world(bo_factory, bo_client)
    routes = [r for r in all_routes(bo_app) if r.requirements and not r.any_signed_in]
    assert {a for r in routes for q in r.requirements for a in q.areas} >= {
        "account_management",
        "audit",
        "export",
        "users",
        "portal_audit",
        "portal_export",
        "portal_users",
    }
    assert {r.path for r in routes} >= PLAIN_READS
    failures = []
    for name, levels, user in holders:
        tokens = {kind: await bo_factory.token(user, kind) for kind in ("api", "session")}
        for route in routes:
            res = await _call(bo_client, route, user, tokens, csrf)
            # issue 8: client-portal users are refused on every route until their portal exists
            allowed = route.allows(levels) and not name.startswith("portal")
            problem = _verdict(route, allowed, res.status_code)
            if problem:
                failures.append(f"{name}: {route.label} {problem}")
    bo_client.cookies.clear()
    assert not failures, "\n".join(failures)


async def test_view_reads_but_cannot_write_on_representative_routes(bo_factory, bo_api):
    """The explicit pairs behind the generic walk, one read and one write per area."""
    world_owner = await bo_factory.owner()
    reseller = await bo_factory.company(world_owner, "reseller")
    noc = await bo_api(
        await user_with_role(
            bo_factory, reseller, "backoffice", await role_id("backoffice", "NOC engineer")
        )
    )
    # NOC engineer: account management, users and audit are view; export is manage
    assert (await noc.get("/api/v1/companies")).status_code == 200
    res = await noc.post("/api/v1/companies", json={"name": "N", "type": "client"})
    assert res.status_code == 403
    assert (await noc.get("/api/v1/roles")).status_code == 200
    assert (
        await noc.post("/api/v1/roles", json={"name": "N", "group": "backoffice"})
    ).status_code == 403
    assert (await noc.get("/api/v1/audit")).status_code == 200
    assert (await noc.post("/api/v1/audit/exports", json={})).status_code == 202
    rate = await bo_api(
        await user_with_role(
            bo_factory, reseller, "backoffice", await role_id("backoffice", "Rate manager")
        )
    )
    # Rate manager: no audit and no users at all
    assert (await rate.get("/api/v1/audit")).status_code == 403
    assert (await rate.get("/api/v1/roles")).status_code == 403
    manager = await bo_api(
        await user_with_role(
            bo_factory, reseller, "backoffice", await role_id("backoffice", "Client manager")
        )
    )
    res = await manager.post("/api/v1/companies", json={"name": "M", "type": "client"})
    assert res.status_code == 201, res.text


async def _foreign_objects(world) -> dict:
    from core.access.models import Role
    from core.accounts.agreements.models import Agreement
    from core.accounts.legal_entities.models import LegalEntity
    from core.audit.recorder import AuditContext, record_event
    from core.jobs.models import Job

    r2, c2 = world["r2"], world["c2"]
    role = Role(company=r2["id"], name="Theirs", group="backoffice")
    await role.save()
    client_role = Role(company=c2["id"], name="Theirs too", group="portal")
    await client_role.save()
    ctx = AuditContext(company_id=c2["id"], user_id=None, user_label="x@c2.test", ip="")
    event = await record_event(ctx, "Something happened", [])
    job = Job(company=c2["id"], kind="audit_export", status="done")
    await job.save()
    theirs = LegalEntity(company=c2["id"], name="C2", legal_name="C2", country="DE")
    seller = LegalEntity(company=r2["id"], name="R2", legal_name="R2", country="DE")
    await theirs.save()
    await seller.save()
    agreement = Agreement(
        company=c2["id"],
        legal_entity=theirs.id,
        own_legal_entity=seller.id,
        code="THEIRS",
        agreement_date=date(2026, 1, 1),
        currency="EUR",
    )
    await agreement.save()
    from core.catalogue.services.models import Service

    service = Service(company=r2["id"], name="Theirs", type="pay_as_you_go", currency="EUR")
    await service.save()
    return {
        "agreement": agreement.id,
        "service": service.id,
        "company": c2["id"],
        "role": role.id,
        "client_role": client_role.id,
        "event": event,
        "job": job.id,
    }


async def test_other_tenants_objects_answer_404_under_manage(bo_factory, bo_client, bo_app):
    world, holders, _ = await _world(bo_factory, bo_client)
    theirs = await _foreign_objects(world)
    probes = [
        ("account_management", "GET", f"/api/v1/companies/{theirs['company']}", None),
        ("account_management", "PATCH", f"/api/v1/companies/{theirs['company']}", {"name": "X"}),
        ("account_management", "DELETE", f"/api/v1/companies/{theirs['company']}", None),
        ("account_management", "GET", f"/api/v1/agreements/{theirs['agreement']}", None),
        ("account_management", "GET", f"/api/v1/agreements/{theirs['agreement']}/ledger", None),
        ("users", "GET", f"/api/v1/roles/{theirs['role']}", None),
        ("users", "PATCH", f"/api/v1/roles/{theirs['role']}", {"name": "Mine"}),
        ("users", "DELETE", f"/api/v1/roles/{theirs['role']}", None),
        ("portal_users", "GET", f"/api/v1/roles/{theirs['client_role']}", None),
        ("portal_users", "DELETE", f"/api/v1/roles/{theirs['client_role']}", None),
        ("audit", "GET", f"/api/v1/audit/{theirs['event']}", None),
        ("portal_audit", "GET", f"/api/v1/audit/{theirs['event']}", None),
        ("export", "GET", f"/api/v1/jobs/{theirs['job']}", None),
        ("services", "GET", f"/api/v1/services/{theirs['service']}", None),
        ("services", "PATCH", f"/api/v1/services/{theirs['service']}", {"name": "Mine"}),
        ("services", "POST", f"/api/v1/services/{theirs['service']}/archive", None),
        ("services", "DELETE", f"/api/v1/services/{theirs['service']}", None),
        ("portal_export", "GET", f"/api/v1/jobs/{theirs['job']}", None),
        ("settings", "GET", f"/api/v1/companies/{theirs['company']}/plugins", None),
        (
            "settings",
            "PUT",
            f"/api/v1/companies/{theirs['company']}/plugins/core.catalogue.dictionaries.builtin",
            {"enabled": False},
        ),
    ]
    checked = 0
    failures = []
    for name, levels, user in holders:
        token = await bo_factory.token(user)
        for area, method, url, body in probes:
            if levels.get(area) != "manage":
                continue
            kwargs = {"json": body} if body is not None else {}
            res = await bo_client.request(
                method, url, headers={"Authorization": f"Bearer {token}"}, **kwargs
            )
            checked += 1
            expected = 403 if name.startswith("portal") else 404  # issue 8: portal users
            if res.status_code != expected:
                failures.append(f"{name}: {method} {url} answered {res.status_code}")
    assert checked >= 20 and not failures, "\n".join(failures)
