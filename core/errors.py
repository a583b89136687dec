"""Domain errors and their rendering as ``application/problem+json`` (RFC 9457).

Services raise these; the web layer turns them, and litestar's own validation errors, into one
problem document shape with field-level ``errors`` so API clients and the UI read one format.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.exceptions import NotFoundException as LitestarNotFound
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

PROBLEM_JSON = "application/problem+json"


class DomainError(Exception):
    status_code = 400
    title = "Bad request"

    def __init__(self, detail: str, errors: list[dict[str, str]] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class NotFound(DomainError):
    status_code = 404
    title = "Not found"


class Conflict(DomainError):
    status_code = 409
    title = "Conflict"


class Forbidden(DomainError):
    status_code = 403
    title = "Forbidden"


class Unauthorized(DomainError):
    status_code = 401
    title = "Unauthorized"


class PluginsInConflict(DomainError):
    """Two plugins (or a plugin and the core) claim one key: the registry refuses to pick one,
    so what reads it answers 503 naming them (what ``backoffice plugins check`` prints) rather
    than an opaque 500, until an operator removes or switches off one of them."""

    status_code = 503
    title = "Plugins in conflict"


class Invalid(DomainError):
    """Input that parsed but breaks a rule; ``errors`` says which field and why."""

    status_code = 422
    title = "Validation failed"

    @classmethod
    def field(cls, field: str, message: str) -> Invalid:
        return cls(f"{field}: {message}", [{"field": field, "message": message}])


def problem(status: int, title: str, detail: str, errors: list[dict] | None = None, **extra: Any):
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


_INT_RANGE = re.compile(r"out of int(?:16|32|64) range")
_NAMED_FIELD = re.compile(r"(?:unknown|required) field `([^`]+)`")


NO_BODY = "Required: send a JSON object with the fields"


def _litestar_field_errors(request: Request, exc: ValidationException) -> list[dict[str, str]]:
    """litestar's errors in our words; a refused body is re-checked field by field so the
    answer names every broken field, not just the first one msgspec met."""
    from core.validation import describe

    body = _body_errors(request)
    errors = list(body or [])
    for item in exc.extra or []:
        if isinstance(item, dict):
            message = str(item.get("message", ""))
            key = str(item.get("key") or item.get("source") or "body")
            if key in {"data", "body"} and (named := _NAMED_FIELD.search(message)):
                key = named.group(1)
            if body is not None and (item.get("source") == "body" or key in {"data", "body"}):
                continue
            errors.append({"field": key, "message": describe(message, _param_type(request, key))})
    if not errors:
        errors.append({"field": "body", "message": describe(exc.detail)})
    return errors


def _param_type(request: Request, name: str) -> Any:
    """The annotated type of a query or path parameter (of the handler or of a dependency such
    as paging), so a refused value can be answered with the values that would do."""
    from typing import get_type_hints

    try:
        handler = request.route_handler
        field = handler.parsed_fn_signature.parameters.get(name)
        if field is not None:
            return field.annotation
        for provide in handler.resolve_dependencies().values():
            hints = get_type_hints(provide.dependency, include_extras=True)
            if name in hints:
                return hints[name]
    except Exception:  # an unresolvable hint only costs the list of choices
        return None
    return None


def _body_errors(request: Request) -> list[dict[str, str]] | None:
    """Every broken field of the JSON body, when the handler takes a Struct as ``data``."""
    import msgspec
    from litestar.types import Empty
    from litestar.utils.scope.state import ScopeState

    from core.validation import struct_errors

    try:
        field = request.route_handler.parsed_fn_signature.parameters.get("data")
    except Exception:  # no route matched (404, 405): there is no body shape to check
        return None
    struct = getattr(field, "annotation", None)
    if not (isinstance(struct, type) and issubclass(struct, msgspec.Struct)):
        return None
    raw = ScopeState.from_scope(request.scope).json
    if raw is Empty:  # no JSON body at all: say so, with every field it must hold
        return [{"field": "body", "message": NO_BODY}, *struct_errors({}, struct)]
    return struct_errors(raw, struct) or None


def to_problem(request: Request, exc: Exception) -> tuple[int, dict]:
    if isinstance(exc, DomainError):
        return exc.status_code, problem(exc.status_code, exc.title, exc.detail, exc.errors)
    if isinstance(exc, ValidationException):
        errors = _litestar_field_errors(request, exc)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return 400, problem(400, "Invalid request", detail, errors)
    if isinstance(exc, NotAuthorizedException):
        return 401, problem(401, "Unauthorized", exc.detail or "authentication required")
    if isinstance(exc, PermissionDeniedException):
        return 403, problem(403, "Forbidden", exc.detail or "not allowed")
    if isinstance(exc, LitestarNotFound):
        # litestar's router says a bare "Not Found" for a path no route matches (e.g. "abc"
        # where an id belongs): name the path so the answer reads like our own 404s.
        detail = exc.detail if exc.detail and exc.detail != "Not Found" else ""
        return 404, problem(404, "Not found", detail or f"{request.url.path} not found")
    if isinstance(exc, HTTPException):
        if exc.status_code == 400:
            error = {"field": "body", "message": exc.detail}
            return 400, problem(400, "Malformed request", exc.detail, [error])
        return exc.status_code, problem(exc.status_code, exc.detail, exc.detail)
    if _out_of_range(exc):
        if _path_id_beyond_columns(request):
            # no row can have such an id: the same answer as for any id that does not exist
            return 404, problem(404, "Not found", f"{request.url.path} not found")
        detail = "a number in the request is out of range"
        return 400, problem(400, "Invalid request", detail, [{"field": "id", "message": detail}])
    if _unique_violation(exc):
        # Services check uniqueness first with a clear field message; this is the race where
        # two requests passed that check at once and the database's unique index decided.
        detail = "another request just created the same record; reload and try again"
        return 409, problem(409, "Conflict", detail)
    request.logger.exception("unhandled error", exc_info=exc)
    return HTTP_500_INTERNAL_SERVER_ERROR, problem(500, "Internal server error", "unexpected error")


def _path_id_beyond_columns(request: Request) -> bool:
    """A path id wider than the narrowest id column (32-bit serials on PostgreSQL)."""
    values = getattr(request, "path_params", None) or {}
    return any(
        isinstance(v, int) and not isinstance(v, bool) and not -(2**31) <= v < 2**31
        for v in values.values()
    )


def _out_of_range(exc: Exception) -> bool:
    """An integer beyond its column (ids are 32-bit serials on PostgreSQL): SQLite raises
    OverflowError, asyncpg a DataError while encoding the argument. Both mean bad input."""
    if isinstance(exc, OverflowError):
        return True
    return type(exc).__name__ == "DataError" and bool(_INT_RANGE.search(str(exc)))


def _unique_violation(exc: Exception) -> bool:
    name = type(exc).__name__
    if name == "UniqueViolationError":  # asyncpg
        return True
    return name == "IntegrityError" and "UNIQUE constraint failed" in str(exc)  # sqlite3


def problem_response(request: Request, exc: Exception) -> Response:
    status, body = to_problem(request, exc)
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON)
