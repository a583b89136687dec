"""REST endpoints for rate trees: the document (``GET``/``PUT /api/v1/scopes/{id}/tree``,
``docs/rate-trees.md``) and the evaluation of one event (``POST
/api/v1/services/{id}/evaluate``). Same permission area as services: a tree is the service's
price list."""

from __future__ import annotations

import msgspec
from litestar import Request, delete, get, patch, post, put
from litestar.exceptions import ClientException
from litestar.params import FromPath, FromQuery, JSONBody

from core.access.guards import requires
from core.catalogue.trees import evaluation, node_edits, service
from core.catalogue.trees.schemas import (
    EvaluateIn,
    EvaluationOut,
    NodeCreate,
    NodeOut,
    NodePage,
    NodeUpdate,
    TreeReplaced,
)
from core.web.context import audit_context, principal_of

VIEW = [requires("services", "view")]
MANAGE = [requires("services", "manage")]
TAGS = ["Services"]
# A 100,000-leaf tree is about 10 MB of JSON; the room above it is for pretty-printing.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


@get(
    "/scopes/{scope_id:int}/tree",
    summary="A scope's rate tree as a document (docs/rate-trees.md)",
    guards=VIEW,
    tags=TAGS,
)
async def read_tree(request: Request, scope_id: FromPath[int]) -> dict:
    return await service.get_document(principal_of(request).scope, scope_id)


@put(
    "/scopes/{scope_id:int}/tree",
    summary="Replace a scope's rate tree with a document, all or nothing",
    guards=MANAGE,
    tags=TAGS,
    request_max_body_size=MAX_DOCUMENT_BYTES,
)
async def replace_tree(request: Request, scope_id: FromPath[int]) -> TreeReplaced:
    # Read as plain JSON: ``document.parse`` checks every value and names its JSON path,
    # where a typed body would stop at the first wrong type with a generic message.
    body = await request.body()
    try:
        raw = msgspec.json.decode(body) if body.strip() else None
    except msgspec.DecodeError as exc:
        raise ClientException(f"the body is not valid JSON: {exc}") from None
    except UnicodeDecodeError:
        raise ClientException("the body is not valid JSON: a string is not valid UTF-8") from None
    except RecursionError:
        # A tree is never deeper than its resource's attributes (each used once on a path),
        # so a document nested past the decoder's limit cannot be a tree.
        raise ClientException("the body is not a rate tree: its JSON nests too deeply") from None
    if raw is None:
        raise ClientException("Required: send the rate tree document as a JSON object")
    return await service.replace_tree(
        audit_context(request), principal_of(request).scope, scope_id, raw
    )


@post(
    "/services/{service_id:int}/evaluate",
    summary="What one of your services charges for one event at an instant",
    status_code=200,
    guards=VIEW,
    tags=TAGS,
)
async def evaluate(
    request: Request, service_id: FromPath[int], data: JSONBody[EvaluateIn]
) -> EvaluationOut:
    return await evaluation.evaluate(principal_of(request).scope, service_id, data)


@get(
    "/scopes/{scope_id:int}/nodes",
    summary="The children of one node of a scope's tree, in order (no parent: the domains)",
    guards=VIEW,
    tags=TAGS,
)
async def list_nodes(
    request: Request,
    scope_id: FromPath[int],
    parent: FromQuery[int | None] = None,
    after: FromQuery[int | None] = None,
    limit: FromQuery[int] = 200,
) -> NodePage:
    return await node_edits.children(principal_of(request).scope, scope_id, parent, after, limit)


@post(
    "/scopes/{scope_id:int}/nodes",
    summary="Add a domain, a resource or a value to a scope's tree",
    guards=MANAGE,
    tags=TAGS,
)
async def add_node(
    request: Request, scope_id: FromPath[int], data: JSONBody[NodeCreate]
) -> NodeOut:
    return await node_edits.add_node(
        audit_context(request), principal_of(request).scope, scope_id, data
    )


@get("/nodes/{node_id:int}", summary="One node of a rate tree", guards=VIEW, tags=TAGS)
async def read_node(request: Request, node_id: FromPath[int]) -> NodeOut:
    return await node_edits.get_node(principal_of(request).scope, node_id)


@patch(
    "/nodes/{node_id:int}",
    summary="Change a node's value, rate or rules",
    guards=MANAGE,
    tags=TAGS,
)
async def update_node(
    request: Request, node_id: FromPath[int], data: JSONBody[NodeUpdate]
) -> NodeOut:
    return await node_edits.update_node(
        audit_context(request), principal_of(request).scope, node_id, data
    )


@delete(
    "/nodes/{node_id:int}",
    summary="Delete a node and everything below it",
    status_code=204,
    guards=MANAGE,
    tags=TAGS,
)
async def delete_node(request: Request, node_id: FromPath[int]) -> None:
    await node_edits.delete_node(audit_context(request), principal_of(request).scope, node_id)


API_HANDLERS = [
    read_tree,
    replace_tree,
    evaluate,
    list_nodes,
    add_node,
    read_node,
    update_node,
    delete_node,
]
