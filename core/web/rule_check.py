"""An API body's shape errors and business-rule errors in one answer, as the forms give them.

litestar refuses a body whose fields have the wrong shape before the handler (and so the
service) runs, so a client would learn about a bad date first and, once that is fixed, about a
broken rule in another field. A write handler that declares its rules with ``rules(...)`` in its
``opt`` has them judged here, on the fields that did parse, and both kinds come back together.
Nothing is written: the services' ``rule_errors`` only read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request

from core.errors import DomainError
from core.validation import parsed_part, struct_errors

Check = Callable[[Request, Any, frozenset[str]], Awaitable[list[dict[str, str]]]]


@dataclass(frozen=True)
class RuleCheck:
    struct: type[msgspec.Struct]  # the shape whose fields the rules judge (made all-optional)
    check: Check


class InvalidRequest(DomainError):
    status_code = 400
    title = "Invalid request"


def rules(struct: type[msgspec.Struct], check: Check) -> dict[str, RuleCheck]:
    """The ``opt`` of a write handler whose rules ``check`` judges: ``check(request, partial,
    broken)`` returns the rule errors of the fields of ``partial`` not in ``broken``."""
    return {"rule_check": RuleCheck(struct, check)}


async def rules_of_parsed(
    data: dict[str, Any],
    errors: list[dict[str, str]],
    struct: type[msgspec.Struct],
    check: Callable[[Any, frozenset[str]], Awaitable[list[dict[str, str]]]],
    *,
    skip: Iterable[str] = (),
    whole: str = "form",
) -> list[dict[str, str]]:
    """The rule errors of the fields of ``data`` that ``errors`` (shape errors) does not name,
    for the API here and for the forms: ``check(partial, broken)`` judges them without writing.
    Fields in ``skip`` are not judged either; a rule error without a field is put on ``whole``."""
    partial, broken = parsed_part(data, errors, struct)
    if partial is None:
        return []
    try:
        found = await check(partial, broken | frozenset(skip))
    except DomainError as exc:
        found = list(exc.errors) or [{"field": whole, "message": exc.detail}]
    named = {e["field"] for e in errors}
    return [e for e in found if e["field"] not in named]


async def refuse_with_rules(request: Request, data: Any, body_struct: type) -> None:
    """Raise every shape and rule error of ``data`` when its shape is wrong; else return."""
    rule_check = request.route_handler.opt.get("rule_check")
    if rule_check is None or not isinstance(data, dict):
        return
    errors = struct_errors(data, body_struct)
    if not errors:
        return  # a body of the right shape goes to the handler, whose service checks the rules

    async def check(partial: Any, broken: frozenset[str]) -> list[dict[str, str]]:
        return await rule_check.check(request, partial, broken)

    errors += await rules_of_parsed(data, errors, rule_check.struct, check, whole="body")
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    raise InvalidRequest(detail, errors)
