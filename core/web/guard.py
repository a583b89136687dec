"""One check of all incoming text before any handler sees it (the app's ``before_request``).

Path, query parameters, JSON bodies and form fields are refused when they hold a NUL
character: no name, code or search needs one, SQLite would store it silently and PostgreSQL
refuses it with a server error. A JSON body that is not valid UTF-8 or nests too deep is refused
here as a malformed request, instead of failing later inside litestar's decoder as a 500. The
decoded body is cached where litestar looks for it, so it is parsed once.
"""

from __future__ import annotations

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState

from core.errors import DomainError
from core.validation import NUL_MESSAGE, beyond_int64, nul_field
from core.web.rule_check import refuse_with_rules

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class MalformedRequest(DomainError):
    status_code = 400
    title = "Malformed request"


def _refuse(field: str) -> None:
    raise DomainError(f"{field}: {NUL_MESSAGE}", [{"field": field, "message": NUL_MESSAGE}])


async def check_request(request: Request) -> None:
    if "\x00" in request.scope.get("path", ""):
        _refuse("path")
    for key, value in request.query_params.multi_items():
        if "\x00" in key or "\x00" in value:
            _refuse(key.replace("\x00", "") or "query")
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE"):
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in FORM_TYPES:
        form = await request.form()
        # uploaded files keep their bytes; only their names are text
        for key, value in form.multi_items():
            text = value if isinstance(value, str) else getattr(value, "filename", "") or ""
            if "\x00" in key or "\x00" in text:
                _refuse(key.replace("\x00", "") or "form")
        return
    data_field = request.route_handler.parsed_fn_signature.parameters.get("data")
    if data_field is None or data_field.annotation in (bytes, str) or "msgpack" in content_type:
        return
    state = ScopeState.from_scope(request.scope)
    if state.json is not Empty:
        return
    body = await request.body()
    if not body.strip():
        return
    try:
        data = msgspec.json.decode(body)
    except (msgspec.DecodeError, ValueError, RecursionError) as exc:
        detail = f"the body is not valid JSON: {_reason(exc)}"
        raise MalformedRequest(detail, [{"field": "body", "message": detail}]) from None
    if found := nul_field(data):
        _refuse(found)
    state.json = data
    if beyond_int64(data):  # msgspec takes it, the database would not: name the field(s)
        raise ValidationException("a number in the body is out of range")
    await refuse_with_rules(request, data, data_field.annotation)


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "utf-8" in text.lower() or "unicode" in text.lower():
        return "it must be UTF-8 text"
    if "recursion" in text.lower() or "depth" in text.lower() or isinstance(exc, RecursionError):
        return "it nests too deep"
    if "truncated" in text.lower():
        return "it ends before it is complete"
    return text.removeprefix("JSON is malformed: ").rstrip(".")
