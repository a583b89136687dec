"""Settings of a configured plugin instance: validated by the declaration's own field list,
sealed with Fernet, write-only for secrets and redacted before they reach a page or the log.

Every configured plugin (payment systems included) keeps its settings in ``plugin_instances``
under these rules, so a secret is handled one way wherever a plugin is configured. The store
passes its encryption ``purpose``: a key derived for it opens nothing sealed for another use.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from core.auth.secrets import SecretUnreadable, decrypt, encrypt
from core.errors import Invalid
from core.plugins.fields import Field, redact, validate_values

MASK = "(secret)"  # what the audit log shows for a secret, never a hint of its characters


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}


def clean(
    fields: Iterable[Field], given: Mapping[str, Any], stored: Mapping[str, Any]
) -> dict[str, Any]:
    """Validated settings, every error at once (fields named ``settings.<name>``); a secret
    or file left out or blank keeps its stored value, so an edit never has to repeat it."""
    fields = tuple(fields)
    data = dict(given)
    for field in fields:
        blank = data.get(field.name) is None or str(data.get(field.name)).strip() == ""
        if field.keeps_stored and blank and stored.get(field.name):
            data[field.name] = stored[field.name]
    try:
        values = validate_values(fields, data)
    except Invalid as exc:
        errors = [{**e, "field": f"settings.{e['field']}"} for e in exc.errors]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        raise Invalid(detail, errors) from None
    return _jsonable(values)


def seal(settings: Mapping[str, Any], purpose: str) -> str:
    return encrypt(json.dumps(dict(settings), sort_keys=True), purpose=purpose)


def unseal(token: str | None, purpose: str) -> dict[str, Any]:
    """The stored settings; unreadable ones (another secret key) read as none, so the row can
    still be shown and its settings entered again."""
    if not token:
        return {}
    try:
        return json.loads(decrypt(token, purpose=purpose))
    except SecretUnreadable:
        return {}


def shown(fields: Iterable[Field], settings: Mapping[str, Any]) -> dict[str, Any]:
    """What a page or API response may carry: secrets reduced to a hint."""
    return redact(fields, settings)


def secrets_set(fields: Iterable[Field], settings: Mapping[str, Any]) -> dict[str, bool]:
    return {f.name: bool(settings.get(f.name)) for f in fields if f.secret}


def audited(fields: Iterable[Field], settings: Mapping[str, Any]) -> dict[str, Any]:
    """Settings for the audit log: a secret becomes ``MASK`` (no hint), a file its name. A
    value no field declares as plain (its plugin gone, or the field dropped) is masked too:
    without the declaration nothing says it is not a secret."""
    fields = tuple(fields)
    plain = {f.name for f in fields if not f.secret}
    safe = redact(fields, {k: v for k, v in settings.items() if k in plain})
    hidden = {k: MASK for k, v in settings.items() if k not in plain and v not in (None, "")}
    return {**safe, **hidden}


def changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
