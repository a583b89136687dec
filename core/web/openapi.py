"""The OpenAPI description, made to say what the server really does, and its docs page.

litestar derives most of the document from the handlers; what it cannot know is declared here
once for every operation instead of on each handler: the problem+json error answers
(``core.errors``), that request Structs refuse unknown fields, that list operations also answer
CSV. A schema fuzzer (tests/test_openapi_fuzz.py) holds the document to the server's behaviour.

Swagger UI's assets are served from the ``swagger-ui-bundle-v2`` package: production machines
have no internet, and litestar's default CDN links leave the docs page blank there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    Schema,
    SecurityScheme,
)
from litestar.openapi.spec import OpenAPIMediaType as MediaTypeSpec
from litestar.static_files import create_static_files_router

from core.errors import PROBLEM_JSON

SCHEMA_PATH = "/api/schema"
ASSETS_PATH = "/static/swagger-ui"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
# The guarded API router's ``security``: Swagger UI then offers "Authorize" for the token.
SECURITY = [{"BearerToken": []}]


_ERRORS = {
    400: "Malformed request: a parameter or body of the wrong type or shape",
    401: "No valid bearer token (or wrong credentials)",
    403: "The token or the user's role does not allow this",
    404: "No such object visible to this user (other tenants' objects included)",
    409: "The change conflicts with the current state (in use, duplicate, race)",
    410: "The link has expired",
    422: "The request parsed but breaks a rule; `errors` says which field and why",
    423: "Locked after too many wrong codes",
    429: "Too many attempts; try again later",
}
# What every API operation can answer: the guards, parsing, lookups and rules all run on each.
COMMON_ERRORS = (400, 401, 403, 404, 409, 422)

_FIELD_ERROR = Schema(
    type=OpenAPIType.OBJECT,
    required=["field", "message"],
    properties={
        "field": Schema(type=OpenAPIType.STRING, description="the field, parameter or `body`"),
        "message": Schema(type=OpenAPIType.STRING),
    },
)
# core.errors.problem(): RFC 9457 members, ``errors`` only when a field is to blame.
_PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    required=["type", "title", "status", "detail"],
    properties={
        "type": Schema(type=OpenAPIType.STRING),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING),
        "errors": Schema(
            type=OpenAPIType.ARRAY, items=Reference(ref="#/components/schemas/FieldError")
        ),
    },
)


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """Answers beyond ``COMMON_ERRORS`` for one handler's ``responses=`` (e.g. 429)."""
    return {
        status: ResponseSpec(
            data_container=None, description=_ERRORS[status], media_type=PROBLEM_JSON
        )
        for status in statuses
    }


def _problem_response(status: int) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=_ERRORS[status],
        content={PROBLEM_JSON: MediaTypeSpec(schema=Reference(ref="#/components/schemas/Problem"))},
    )


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Says ``additionalProperties: false`` where the Struct has ``forbid_unknown_fields``,
    as the server answers 400 to an unknown field (litestar's own plugin leaves it open)."""

    def to_openapi_schema(self, field_definition, schema_creator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        if msgspec.inspect.type_info(field_definition.type_).forbid_unknown_fields:
            schema.additional_properties = False
        return schema


def _swagger_assets() -> Path:
    import swagger_ui_bundle

    return Path(swagger_ui_bundle.swagger_ui_path)


def assets_router():
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[_swagger_assets()],
        name="swagger-ui-assets",
        include_in_schema=False,
    )


def config(title: str, version: str) -> OpenAPIConfig:
    swagger = SwaggerRenderPlugin(
        js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
        css_url=f"{ASSETS_PATH}/swagger-ui.css",
        standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
    )
    return OpenAPIConfig(
        title=title,
        version=version,
        path=SCHEMA_PATH,
        render_plugins=[swagger],
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="A token from POST /api/v1/auth/token or My account > API tokens",
                )
            }
        ),
    )


def _declares_csv(operation: Operation) -> bool:
    return any(
        getattr(p, "name", None) == "format" and getattr(p, "param_in", None) == "query"
        for p in operation.parameters or []
    )


def _finish_operation(operation: Operation) -> None:
    responses = operation.responses = operation.responses or {}
    # Replaced even where declared: litestar's own 400 describes a body of another shape, and
    # a handler's problem_responses() carry no schema yet.
    for status in sorted({*map(str, COMMON_ERRORS), *responses}):
        if int(status) in _ERRORS:
            responses[status] = _problem_response(int(status))
    if _declares_csv(operation) and "200" in responses:
        ok = responses["200"]
        csv = MediaTypeSpec(schema=Schema(type=OpenAPIType.STRING))
        ok.content = {**(ok.content or {}), CSV_MEDIA_TYPE: csv}


def finish(openapi: OpenAPI) -> OpenAPI:
    """What litestar's generator cannot see, applied to every operation of the document."""
    openapi.components.schemas = {
        **(openapi.components.schemas or {}),
        "FieldError": _FIELD_ERROR,
        "Problem": _PROBLEM,
    }
    for path, path_item in (openapi.paths or {}).items():
        # /hooks/: plugins' public webhooks answer the same problem documents (401, 404, ...)
        if not path.startswith(("/api/", "/hooks/")):
            continue
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(path_item, method, None)
            if operation is not None:
                _finish_operation(operation)
    return openapi


class _FinishingOpenAPIPlugin(OpenAPIPlugin):
    __slots__ = ()

    def _build_openapi(self) -> OpenAPI:
        return finish(super()._build_openapi())


def install(app: Litestar) -> Litestar:
    """Runs ``finish`` on the document when litestar first builds it (lazily, on first use).

    litestar offers no hook after the paths are generated; its plugin instance is given a
    subclass that adds one (same slots, so nothing else about it changes).
    """
    plugin = app.plugins.get(OpenAPIPlugin)
    plugin.__class__ = _FinishingOpenAPIPlugin
    return app


def schema_document(app: Litestar) -> dict[str, Any]:
    """The finished document as served at ``/api/schema/openapi.json``."""
    return app.plugins.get(OpenAPIPlugin).provide_openapi_schema()
