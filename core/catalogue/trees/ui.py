"""The rate-tree constructor (Finance → Services → a service → a scope; guide §7.3.1).

The page renders one level of the tree on the server (the domains, or the children of the
node named by ``?parent=``), so a tree can be read without JavaScript, one level at a time.
``constructor.js`` turns the table into the constructor: it expands and edits rows through
the JSON routes below, one node per request, so a 5,000-node tree never travels whole and no
edit reloads the page. The JSON routes are console twins of the node API
(``/api/v1/scopes/{id}/nodes``, ``/api/v1/nodes/{id}``): the API takes bearer tokens only,
these take the session and its CSRF header, and both call the same ``node_edits`` functions,
so they refuse exactly the same things with the same messages."""

from __future__ import annotations

import msgspec
from litestar import Request, Response, delete, get, patch, post
from litestar.params import FromPath

from core.access.guards import requires
from core.access.service import at_least, best_level
from core.catalogue.dictionaries.service import registry as dictionaries
from core.catalogue.domains.api import domain_out
from core.catalogue.domains.service import available
from core.catalogue.scopes import service as scopes
from core.catalogue.scopes.ui import describe
from core.catalogue.services import service as services
from core.catalogue.trees import node_edits, nodes, rules
from core.catalogue.trees.schemas import NodeCreate, NodeUpdate
from core.errors import DomainError, Invalid, NotFound, problem_response
from core.ui.render import page
from core.web.context import audit_context, principal_of
from core.web.listing import ListQuery

VIEW = [requires("services", "view")]
MANAGE = [requires("services", "manage")]
BASE = "/ui/rate-tree"
# Rows of one level the page renders without JavaScript; the script pages on from there.
PAGE = 200
# Choices a value picker offers per search: enough to pick from, small enough to send often.
PICKS = 50
MAX_QUERY = 100
TYPE_LABELS = {
    nodes.DEPENDS_ON: "Depends on",
    nodes.FLAT: "Flat",
    nodes.SCALE: "Scale",
    nodes.FREE: "Free",
    nodes.INCLUDED: "Included",
    nodes.NOT_INCLUDED: "Not included",
    nodes.BLOCKED: "Blocked",
}


async def can_manage(request: Request) -> bool:
    level = await best_level(principal_of(request), ["services"], request.scope)
    return at_least(level, "manage")


def price_types(service_type: str) -> list[tuple[str, str]]:
    allowed = rules.ALLOWED_TYPES.get(service_type, frozenset())
    return [(key, label) for key, label in TYPE_LABELS.items() if key in allowed]


def _int(request: Request, name: str) -> int | None:
    """An id or position from the query: absent is None, anything but a positive 32-bit
    number is a 400 naming the parameter (never a database error)."""
    raw = request.query_params.get(name, "")
    if raw == "":
        return None
    if not raw.isdigit() or len(raw) > 10 or not 0 <= int(raw) <= scopes.MAX_ID:
        raise Invalid.field(name, "must be a whole number from 0 to 2147483647")
    return int(raw)


def _problem(request: Request, exc: Exception) -> Response:
    return problem_response(request, exc)


async def _body(request: Request, struct: type):
    try:
        return msgspec.json.decode(await request.body(), type=struct)
    except msgspec.ValidationError as exc:
        raise Invalid.field("body", str(exc)) from None
    except msgspec.DecodeError as exc:
        raise Invalid.field("body", f"is not valid JSON: {exc}") from None


@get("/scopes/{scope_id:int}", include_in_schema=False, guards=VIEW)
async def tree_page(request: Request, scope_id: FromPath[int]) -> Response:
    scope = principal_of(request).scope
    row = await scopes.get_scope(scope, scope_id)
    found = await services.get_service(scope, row.service_id)
    parent_id = _int(request, "parent") or None
    after = _int(request, "after")
    chain: list = []
    if parent_id is not None:
        node = await node_edits.owned_node(scope, parent_id)
        if node["scope"] != scope_id:
            raise NotFound(f"node {parent_id} not found")
        chain = [await node_edits.get_node(scope, r["id"]) for r in await node_edits.chain_of(node)]
    level = await node_edits.children(scope, scope_id, parent_id, after, PAGE)
    return await page(
        request,
        "services/tree.html",
        active="services",
        service=found,
        scope_row=row,
        described=describe(row),
        chain=chain,
        level={"rows": msgspec.to_builtins(level.items), "next_after": level.next_after},
        parent_id=parent_id,
        can_manage=await can_manage(request),
        price_types=price_types(found.type),
        type_labels=TYPE_LABELS,
        billing_rules=nodes.BILLING_RULES,
        quantity_rules=nodes.QUANTITY_RULES,
    )


@get(f"{BASE}/domains", include_in_schema=False, guards=VIEW)
async def catalogue(request: Request) -> Response:
    """The domains, resources and attributes the company can price, for the add-row pickers."""
    domains = await available(principal_of(request).scope)
    items = [msgspec.to_builtins(domain_out(domains[key])) for key in sorted(domains)]
    return Response(content={"items": items})


@get(f"{BASE}/scopes/{{scope_id:int}}/nodes", include_in_schema=False, guards=VIEW)
async def level(request: Request, scope_id: FromPath[int]) -> Response:
    try:
        limit = _int(request, "limit") or PAGE
        got = await node_edits.children(
            principal_of(request).scope,
            scope_id,
            _int(request, "parent"),
            _int(request, "after"),
            limit,
        )
    except DomainError as exc:
        return _problem(request, exc)
    return Response(content=msgspec.to_builtins(got))


@post(f"{BASE}/scopes/{{scope_id:int}}/nodes", include_in_schema=False, guards=MANAGE)
async def add(request: Request, scope_id: FromPath[int]) -> Response:
    try:
        data = await _body(request, NodeCreate)
        made = await node_edits.add_node(
            audit_context(request), principal_of(request).scope, scope_id, data
        )
    except DomainError as exc:
        return _problem(request, exc)
    return Response(content=msgspec.to_builtins(made), status_code=201)


@get(f"{BASE}/nodes/{{node_id:int}}", include_in_schema=False, guards=VIEW)
async def one(request: Request, node_id: FromPath[int]) -> Response:
    """The node with how many nodes its subtree holds (the delete question names them)."""
    scope = principal_of(request).scope
    try:
        node = await node_edits.get_node(scope, node_id)
        size = await node_edits.subtree_size(node_id)
    except DomainError as exc:
        return _problem(request, exc)
    return Response(content=msgspec.to_builtins(node) | {"subtree_nodes": size})


@patch(f"{BASE}/nodes/{{node_id:int}}", include_in_schema=False, guards=MANAGE)
async def change(request: Request, node_id: FromPath[int]) -> Response:
    try:
        data = await _body(request, NodeUpdate)
        saved = await node_edits.update_node(
            audit_context(request), principal_of(request).scope, node_id, data
        )
    except DomainError as exc:
        return _problem(request, exc)
    return Response(content=msgspec.to_builtins(saved))


@delete(f"{BASE}/nodes/{{node_id:int}}", include_in_schema=False, guards=MANAGE, status_code=200)
async def remove(request: Request, node_id: FromPath[int]) -> Response:
    try:
        await node_edits.delete_node(audit_context(request), principal_of(request).scope, node_id)
    except DomainError as exc:
        return _problem(request, exc)
    return Response(content={"deleted": node_id})


@get(f"{BASE}/dictionaries/{{key:str}}", include_in_schema=False, guards=VIEW)
async def picks(request: Request, key: FromPath[str]) -> Response:
    """Values of an attribute's dictionary matching ``q``, for the value picker."""
    scope = principal_of(request).scope
    q = request.query_params.get("q", "").strip()[:MAX_QUERY] or None
    try:
        dictionary = dictionaries.declaration(key[:MAX_QUERY], await dictionaries.visible(scope))
        index = await dictionaries.index_for(dictionary, scope)
        rows, total, _ = dictionaries.page(
            index, q, ListQuery(page_size=PICKS, sort="key", order="asc")
        )
    except DomainError as exc:
        return _problem(request, exc)
    items = [{"key": v.key, "label": v.label} for v in rows]
    return Response(content={"items": items, "total": total})


HANDLERS = [tree_page, catalogue, level, add, one, change, remove, picks]
