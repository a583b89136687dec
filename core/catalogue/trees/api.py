"""REST endpoints for rate trees: the document (``GET``/``PUT /api/v1/scopes/{id}/tree``,
``docs/rate-trees.md``) and the evaluation of one event (``POST
/api/v1/services/{id}/evaluate``). Same permission area as services: a tree is the service's
price list."""

from __future__ import annotations

import msgspec
from litestar import Request, get, post, put
from litestar.exceptions import ClientException
from litestar.params import FromPath, JSONBody

from core.access.guards import requires
from core.catalogue.trees import evaluation, service
from core.catalogue.trees.schemas import EvaluateIn, EvaluationOut, TreeReplaced
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


API_HANDLERS = [read_tree, replace_tree, evaluate]
