"""An audit change as a person reads it: field labels, names for ids, plain values, a diff.

The log stores raw column values (ids, booleans, JSON lists) so it stays exact; this module
only dresses them for the detail page. Names are looked up within the viewer's scope, so an id
of an object the viewer may not see (or that no longer exists) stays a bare "ID n" and leaks
nothing; each lookup is one query per table for the whole event.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.table import Table

from core.access.areas import get_area
from core.access.models import Role
from core.accounts.agreements.models import Agreement
from core.accounts.bank_accounts.models import BankAccount
from core.accounts.banks.models import Bank
from core.accounts.legal_entities.models import LegalEntity
from core.auth.models import User
from core.money import from_micros
from core.payments.models import PaymentSystemConfig
from tenants.models import Company, Portal
from tenants.scope import Scope, in_scope


@dataclass(frozen=True)
class Kind:
    """A table whose rows are named things: its label, name column and page."""

    label: str
    table: type[Table]
    name: Callable[[dict], str]
    page: Callable[[dict, Scope], str | None]


def _own_or(own: str, other: str) -> Callable[[dict, Scope], str]:
    return lambda row, scope: (
        (own if row.get("company") == scope.company_id else other) + str(row["id"])
    )


def _path(prefix: str) -> Callable[[dict, Scope], str]:
    return lambda row, scope: f"{prefix}{row['id']}"


def _user_name(row: dict) -> str:
    full = f"{row.get('first_name') or ''} {row.get('last_name') or ''}".strip()
    return f"{full} ({row['email']})" if full else row["email"]


KINDS: dict[str, Kind] = {
    "companies": Kind(
        "Company",
        Company,
        lambda r: r["name"],
        # the viewer's own company has no page among "Companies" (those it created)
        lambda r, scope: None if r["id"] == scope.company_id else f"/companies/{r['id']}",
    ),
    "legal_entities": Kind(
        "Legal entity",
        LegalEntity,
        lambda r: r["name"],
        _own_or("/own-legal-entities/", "/legal-entities/"),
    ),
    "bank_accounts": Kind(
        "Bank account",
        BankAccount,
        lambda r: r["name"],
        _own_or("/own-bank-accounts/", "/bank-accounts/"),
    ),
    "banks": Kind("Bank", Bank, lambda r: r["name"], _path("/banks/")),
    "roles": Kind("Role", Role, lambda r: r["name"], _path("/roles/")),
    "users": Kind("User", User, _user_name, _path("/users/")),
    "portals": Kind("Portal", Portal, lambda r: r["name"], _path("/portals/")),
    "agreements": Kind("Agreement", Agreement, lambda r: r["code"], _path("/agreements/")),
    "payment_systems": Kind(
        "Payment system", PaymentSystemConfig, lambda r: r["name"], _path("/payment-systems/")
    ),
}
OTHER_TABLES = {
    "invitations": "Invitation",
    "agreement_versions": "Agreement version",
    "reselling_associations": "Reselling agreement",
    "legal_entity_payment_systems": "Payment system of a legal entity",
    "plugin_instances": "Plugin instance",
    "password_policies": "Password policy",
    "departments": "Department",
    "jobs": "Job",
}
# Fields holding the id of a named thing (with or without an ``_id`` suffix).
REFERENCES = {
    "company": "companies",
    "parent": "companies",
    "legal_entity": "legal_entities",
    "own_legal_entity": "legal_entities",
    "bank_account": "bank_accounts",
    "own_bank_account": "bank_accounts",
    "bank": "banks",
    "role": "roles",
    "template": "roles",
    "user": "users",
    "invited_by": "users",
    "portal": "portals",
    "agreement": "agreements",
    "payment_system": "payment_systems",
}
LABELS = {
    "is_admin": "No restrictions",
    "fqdn": "Domain",
    "two_factor": "Two-factor authentication",
    "two_factor_required": "Two-factor authentication required",
    "creator_of_resellers": "May create resellers",
    "kind": "Type",
    "swift": "SWIFT/BIC",
    "vat_id": "VAT ID",
    "tax_id": "Tax ID",
    "legal_id": "Legal ID",
    "smtp": "SMTP",
    "url": "URL",
    "ip": "IP address",
    "permissions": "Permissions",
    "company_ids": "Companies",
}


# Columns stored in micro-units of a currency (see core.money).
MONEY_KEYS = {"balance", "credit_limit", "amount"}
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")


def field_label(key: str) -> str:
    if key in LABELS:
        return LABELS[key]
    base = key[:-3] if key.endswith("_id") and key[:-3] in REFERENCES else key
    return base.replace("_", " ").strip().capitalize() or key


def _reference(key: str) -> str | None:
    return REFERENCES.get(key) or (REFERENCES.get(key[:-3]) if key.endswith("_id") else None)


def table_label(table: str) -> str:
    if table in KINDS:
        return KINDS[table].label
    return OTHER_TABLES.get(table) or table.replace("_", " ").capitalize()


class Names:
    """Names of the referenced objects the viewer may see, fetched per table in one query."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.wanted: dict[str, set[int]] = {}
        self.rows: dict[tuple[str, int], dict] = {}

    def want(self, table: str, value: Any) -> None:
        if table in KINDS and isinstance(value, int) and not isinstance(value, bool):
            self.wanted.setdefault(table, set()).add(value)

    def _visible(self, kind: Kind):
        table = kind.table
        if table is Company:
            return (Company.id == self.scope.company_id) | (Company.parent == self.scope.company_id)
        if table is Role:
            return Role.is_system.eq(True) | (Role.company == self.scope.company_id)
        return in_scope(table, self.scope)

    async def load(self) -> None:
        for table, ids in self.wanted.items():
            kind = KINDS[table]
            rows = await kind.table.select().where(
                kind.table._meta.primary_key.is_in(sorted(ids)), self._visible(kind)
            )
            for row in rows:
                self.rows[(table, row["id"])] = row

    def name(self, table: str, object_id: Any) -> str | None:
        row = self.rows.get((table, object_id))
        return KINDS[table].name(row) if row else None

    def page(self, table: str, object_id: Any) -> str | None:
        row = self.rows.get((table, object_id))
        return KINDS[table].page(row, self.scope) if row else None


def _moment(text: str) -> str:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    shown = moment.strftime("%Y-%m-%d %H:%M")
    if moment.utcoffset() is None:
        return shown
    offset = moment.strftime("%z")
    return f"{shown} UTC" if offset == "+0000" else f"{shown} {offset[:3]}:{offset[3:]}"


def _money(micros: int) -> str:
    amount = from_micros(micros)
    return f"{amount:.2f}" if amount == round(amount, 2) else format(amount.normalize(), "f")


def plain(value: Any) -> str:
    """A stored value as a person writes it: Yes/No, lists joined, moments without the
    ISO ``T``, nothing as a dash."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str) and ISO_MOMENT.match(value):
        try:
            return _moment(value)
        except ValueError:
            return value
    if isinstance(value, list | tuple):
        return ", ".join(plain(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{field_label(str(k))}: {plain(v)}" for k, v in value.items())
    return str(value)


def _permissions(value: Any) -> str:
    if not isinstance(value, dict):
        return plain(value)
    parts = []
    for key, level in value.items():
        area = get_area(str(key))
        parts.append(f"{area.label if area else key}: {level}")
    return ", ".join(parts) or "—"


@dataclass(frozen=True)
class Shown:
    text: str
    href: str | None = None


def shown(key: str, value: Any, names: Names) -> Shown:
    table = _reference(key)
    if table in KINDS and isinstance(value, int) and not isinstance(value, bool):
        name = names.name(table, value)
        if name is not None:
            return Shown(name, names.page(table, value))
        return Shown(f"ID {value}")
    if key == "permissions":
        return Shown(_permissions(value))
    if key in MONEY_KEYS and isinstance(value, int) and not isinstance(value, bool):
        return Shown(_money(value))
    return Shown(plain(value))


def want_references(names: Names, change: Any) -> None:
    names.want(change.table, change.object_id)
    for values in (change.old_values, change.new_values):
        for key, value in values.items():
            table = _reference(key)
            if table:
                names.want(table, value)


def diff_rows(change: Any, names: Names) -> list[dict]:
    """One row per field: label, before, after, and whether the value changed."""
    keys = list(dict.fromkeys([*change.old_values, *change.new_values]))
    rows = []
    for key in sorted(keys, key=field_label):
        has_old, has_new = key in change.old_values, key in change.new_values
        old = change.old_values.get(key)
        new = change.new_values.get(key)
        rows.append(
            {
                "label": field_label(key),
                "old": shown(key, old, names) if has_old else None,
                "new": shown(key, new, names) if has_new else None,
                "changed": has_old and has_new and old != new,
            }
        )
    return rows
