"""Payment systems a company configured, and which of them its own legal entities offer.

A payment system belongs to the company that created it and is visible to that company only:
at every reselling level, clients top up through the systems that level set up (guide §10.8),
never through its tenant's. The settings live in the payment system's plugin instance
(``core.plugins.instances``, category ``payment_system``): validated by the plugin's own field
list, sealed, shown with secrets redacted, masked in the audit log and tested there. This module
writes both rows in one transaction, so the instance's name and enabled always equal the
payment system's, and logs both changes in one event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from core.access.guards import refuse_client_writes
from core.accounts.in_use import Usage, refuse_if_used
from core.accounts.legal_entities.models import LegalEntity
from core.audit.recorder import AuditContext, Change, diff, record_event, snapshot
from core.db.engine import transaction
from core.db.search import matches
from core.errors import Invalid, NotFound
from core.payments.models import LegalEntityPaymentSystem, PaymentSystemConfig
from core.payments.schemas import (
    AssignedPaymentSystem,
    AssignmentOut,
    PaymentSystemCreate,
    PaymentSystemOut,
    PaymentSystemTypeOut,
    PaymentSystemUpdate,
)
from core.plugins import enablement, instances, registry
from core.plugins import instance_settings as codec
from core.plugins.declarations import PaymentSystem
from core.plugins.fields import json_schema
from core.plugins.values import TestResult
from core.web.listing import Cursors, ListQuery, fetch_page
from tenants.scope import Scope

TABLE = "payment_systems"
CATEGORY = "payment_system"
FEE_SCALE = 1_000_000  # micro-percent: 1 % is stored as 1_000_000
FEE_PLACES = Decimal("0.0001")
AUDITED = [
    PaymentSystemConfig.id,
    PaymentSystemConfig.company,
    PaymentSystemConfig.name,
    PaymentSystemConfig.kind,
    PaymentSystemConfig.enabled,
    PaymentSystemConfig.fee_payer,
    PaymentSystemConfig.internal_fee,
]
ROW = [*AUDITED, PaymentSystemConfig.instance]
OUT_COLUMNS = [*ROW, PaymentSystemConfig.created_at, PaymentSystemConfig.updated_at]
SORTABLE = {
    "id": PaymentSystemConfig.id,
    "name": PaymentSystemConfig.name,
    "kind": PaymentSystemConfig.kind,
    "enabled": PaymentSystemConfig.enabled,
    "fee_payer": PaymentSystemConfig.fee_payer,
    "internal_fee": PaymentSystemConfig.internal_fee,
    "created_at": PaymentSystemConfig.created_at,
    "updated_at": PaymentSystemConfig.updated_at,
}


@dataclass(frozen=True)
class PaymentSystemFilters:
    q: str | None = None
    kind: str | None = None
    enabled: bool | None = None

    def clauses(self) -> list:
        clauses = []
        if self.q:
            clauses.append(matches(PaymentSystemConfig.name, self.q))
        if self.kind:
            clauses.append(PaymentSystemConfig.kind == self.kind)
        if self.enabled is not None:
            clauses.append(PaymentSystemConfig.enabled == self.enabled)
        return clauses


def plugin_types() -> dict[str, type[PaymentSystem]]:
    return registry.payment_systems()


async def offered_types(scope: Scope) -> dict[str, type[PaymentSystem]]:
    """The payment-system plugins switched on for the caller's company (new use: the type
    choice of the form and the API); rows of a switched-off plugin stay readable."""
    return await enablement.available(scope, "payment_systems")


def list_types(types: dict[str, type[PaymentSystem]] | None = None) -> list[PaymentSystemTypeOut]:
    types = plugin_types() if types is None else types
    return [
        PaymentSystemTypeOut(
            key=key, name=cls.name, settings_schema=json_schema(cls.settings_fields)
        )
        for key, cls in sorted(types.items(), key=lambda item: item[1].name.lower())
    ]


def fee_text(micros: int) -> str:
    return str((Decimal(micros) / FEE_SCALE).quantize(FEE_PLACES))


def parse_fee(text: str | None) -> int:
    """A percent string (0 to 100, at most 4 decimals) into micro-percent; blank means 0."""
    if text is None or not str(text).strip():
        return 0
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise Invalid.field("internal_fee", "must be a decimal percent such as 2.5") from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise Invalid.field("internal_fee", "must be between 0 and 100")
    if value != value.quantize(FEE_PLACES):
        raise Invalid.field("internal_fee", "must have at most 4 decimal places")
    return int(value * FEE_SCALE)


def _refuse_client(scope: Scope) -> None:
    """Clients buy through their tenant's payment systems; they configure none of their own."""
    if scope.company_kind == "client":
        refuse_client_writes(scope, "payment systems")


def _category() -> instances.Category:
    return instances.category(CATEGORY)


async def stored_settings(scope: Scope, row: dict) -> dict[str, Any]:
    """A payment system's settings as its instance holds them (secrets included: server use)."""
    found = await instances.stored_settings(scope, CATEGORY, [row["instance"]])
    return found.get(row["instance"], {})


def to_out(row: dict, settings: dict[str, Any]) -> PaymentSystemOut:
    plugin = plugin_types().get(row["kind"])
    if plugin is None:
        shown, secrets = {}, {}
    else:
        shown = codec.shown(plugin.settings_fields, settings)
        secrets = codec.secrets_set(plugin.settings_fields, settings)
    return PaymentSystemOut(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        kind_name=plugin.name if plugin else row["kind"],
        plugin_installed=plugin is not None,
        enabled=row["enabled"],
        settings=shown,
        secrets_set=secrets,
        fee_payer=row["fee_payer"],
        internal_fee=fee_text(row["internal_fee"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _snap(row: dict) -> dict[str, Any]:
    """The payment system's own columns for the audit log; its instance logs itself."""
    return snapshot(PaymentSystemConfig, {k: v for k, v in row.items() if k != "instance"})


def _mine(scope: Scope):
    return PaymentSystemConfig.company == scope.company_id


async def list_payment_systems(
    scope: Scope, filters: PaymentSystemFilters, query: ListQuery
) -> tuple[list[PaymentSystemOut], int, Cursors]:
    where = [_mine(scope), *filters.clauses()]
    rows, total, cursors = await fetch_page(
        PaymentSystemConfig, OUT_COLUMNS, where, query, SORTABLE
    )
    settings = await instances.stored_settings(scope, CATEGORY, [r["instance"] for r in rows])
    return [to_out(r, settings.get(r["instance"], {})) for r in rows], total, cursors


async def _row(scope: Scope, system_id: int, *columns) -> dict:
    row = (
        await PaymentSystemConfig.select(*columns)
        .where(PaymentSystemConfig.id == system_id, _mine(scope))
        .first()
    )
    if row is None:
        raise NotFound(f"payment system {system_id} not found")
    return row


async def get_payment_system(scope: Scope, system_id: int) -> PaymentSystemOut:
    row = await _row(scope, system_id, *OUT_COLUMNS)
    return to_out(row, await stored_settings(scope, row))


def _fee(fee_payer: str, text: str | None, fallback: int) -> int:
    """The stored fee: only the owner-pays model has one, so a client-pays fee is refused."""
    micros = fallback if text is None else parse_fee(text)
    if fee_payer == "client":
        if text is not None and micros:
            raise Invalid.field(
                "internal_fee", "only applies when the owner pays the fee; leave it empty"
            )
        return 0
    return micros


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise Invalid.field("name", "must not be blank")
    return name


async def create_payment_system(
    ctx: AuditContext, scope: Scope, data: PaymentSystemCreate
) -> PaymentSystemOut:
    _refuse_client(scope)
    plugin = await instances.usable(scope, _category(), data.kind, "kind")
    name = _clean_name(data.name)
    settings = instances.clean(plugin, data.settings)
    fee = _fee(data.fee_payer, data.internal_fee, 0)
    async with transaction():
        made = await instances.insert_row(
            scope, _category(), plugin, data.kind, name, data.enabled, settings
        )
        system = PaymentSystemConfig(
            company=scope.company_id,
            name=name,
            kind=data.kind,
            instance=made.object_id,
            enabled=data.enabled,
            fee_payer=data.fee_payer,
            internal_fee=fee,
        )
        await system.save()
        row = await _row(scope, system.id, *AUDITED)
        insert = Change(TABLE, "insert", system.id, {}, snapshot(PaymentSystemConfig, row))
        insert.object_company_id = scope.company_id
        insert.new["settings_fields"] = sorted(settings)
        await record_event(ctx, "Payment system created", [insert, made])
    return await get_payment_system(scope, system.id)


async def update_payment_system(
    ctx: AuditContext, scope: Scope, system_id: int, data: PaymentSystemUpdate
) -> PaymentSystemOut:
    async with transaction():
        old = await _row(scope, system_id, *ROW)
        _refuse_client(scope)
        if data.kind is not msgspec.UNSET and data.kind != old["kind"]:
            raise Invalid.field("kind", "is fixed once the payment system exists")
        values = {k: v for k, v in old.items() if k != "instance"}
        name = msgspec.UNSET
        if data.name is not msgspec.UNSET:
            name = values["name"] = _clean_name(data.name)
        if data.enabled is not msgspec.UNSET:
            values["enabled"] = data.enabled
        if data.fee_payer is not msgspec.UNSET:
            values["fee_payer"] = data.fee_payer
        fee_text_in = None if data.internal_fee is msgspec.UNSET else data.internal_fee
        if data.internal_fee is None:
            fee_text_in = ""
        values["internal_fee"] = _fee(values["fee_payer"], fee_text_in, old["internal_fee"])
        edit = await instances.update_row(
            scope, _category(), old["instance"], name, data.enabled, data.settings
        )
        before, after = diff(_snap(old), snapshot(PaymentSystemConfig, values))
        if after or edit.change is not None:
            update = {getattr(PaymentSystemConfig, k): values[k] for k in after}
            if edit.settings_keys:
                after["settings_fields"] = edit.settings_keys  # names only, never values
            await PaymentSystemConfig.update(
                update | {PaymentSystemConfig.updated_at: datetime.now().astimezone()}
            ).where(PaymentSystemConfig.id == system_id)
            change = Change(TABLE, "update", system_id, before, after, scope.company_id)
            changes = [change] if edit.change is None else [change, edit.change]
            await record_event(ctx, "Payment system updated", changes)
    return await get_payment_system(scope, system_id)


async def check_payment_system(scope: Scope, system_id: int) -> TestResult:
    """Run the plugin's connection test on the stored settings (the generic store's rules:
    a plugin error is a failed test, a plugin without a test a 422, a switched-off one too)."""
    row = await _row(scope, system_id, *ROW)
    _refuse_client(scope)
    return await instances.check_instance(scope, CATEGORY, row["instance"], "kind")


def usages(system_id: int) -> list[Usage]:
    return [
        Usage(
            "own legal entity",
            "own legal entities",
            LegalEntityPaymentSystem,
            LegalEntityPaymentSystem.payment_system == system_id,
        )
    ]


async def delete_payment_system(ctx: AuditContext, scope: Scope, system_id: int) -> None:
    async with transaction():
        old = await _row(scope, system_id, *ROW)
        _refuse_client(scope)
        await refuse_if_used(f"payment system “{old['name']}”", usages(system_id))
        await PaymentSystemConfig.delete().where(PaymentSystemConfig.id == system_id)
        gone = await instances.delete_row(scope, _category(), old["instance"])
        change = Change(TABLE, "delete", system_id, _snap(old), {}, scope.company_id)
        await record_event(ctx, "Payment system deleted", [change, gone])


# --- assignment to own legal entities ---------------------------------------------------------


async def _own_entity(scope: Scope, entity_id: int) -> dict:
    row = (
        await LegalEntity.select(LegalEntity.id, LegalEntity.name, LegalEntity.company)
        .where(LegalEntity.id == entity_id, LegalEntity.company == scope.company_id)
        .first()
    )
    if row is None:
        raise NotFound(f"own legal entity {entity_id} not found")
    return row


async def _assigned_ids(entity_id: int) -> list[int]:
    rows = await LegalEntityPaymentSystem.select(LegalEntityPaymentSystem.payment_system).where(
        LegalEntityPaymentSystem.legal_entity == entity_id
    )
    return sorted(r["payment_system"] for r in rows)


async def get_assignment(scope: Scope, entity_id: int) -> AssignmentOut:
    await _own_entity(scope, entity_id)
    ids = await _assigned_ids(entity_id)
    rows = []
    if ids:
        rows = await (
            PaymentSystemConfig.select(
                PaymentSystemConfig.id,
                PaymentSystemConfig.name,
                PaymentSystemConfig.kind,
                PaymentSystemConfig.enabled,
            )
            .where(PaymentSystemConfig.id.is_in(ids))
            .order_by(PaymentSystemConfig.name)
        )
    return AssignmentOut(
        legal_entity_id=entity_id,
        payment_system_ids=ids,
        payment_systems=[AssignedPaymentSystem(**r) for r in rows],
    )


async def assignable(scope: Scope) -> list[dict]:
    """The caller's enabled payment systems whose plugin is on for its company: the only ones
    its own entities may newly offer."""
    rows = await (
        PaymentSystemConfig.select(
            PaymentSystemConfig.id, PaymentSystemConfig.name, PaymentSystemConfig.kind
        )
        .where(_mine(scope), PaymentSystemConfig.enabled.eq(True))
        .order_by(PaymentSystemConfig.name)
    )
    offered = await offered_types(scope)
    return [{"id": r["id"], "name": r["name"]} for r in rows if r["kind"] in offered]


async def _refusal(scope: Scope, system_id: int) -> str:
    """Why an own payment system cannot be newly offered: its plugin is off, or it is not one
    of the caller's enabled systems (a foreign id reads the same as a missing one)."""
    row = (
        await PaymentSystemConfig.select(PaymentSystemConfig.kind, PaymentSystemConfig.enabled)
        .where(PaymentSystemConfig.id == system_id, _mine(scope))
        .first()
    )
    if row is not None and row["enabled"]:
        try:
            await enablement.refuse_disabled(scope, "payment_systems", row["kind"], "kind")
        except Invalid as exc:
            return f"payment system {system_id}: {exc.errors[0]['message']}"
    return f"payment system {system_id} is not one of your enabled payment systems"


async def set_assignment(
    ctx: AuditContext, scope: Scope, entity_id: int, system_ids: list[int]
) -> AssignmentOut:
    """Replace the set of payment systems of an own legal entity; no change, no audit event."""
    async with transaction():
        entity = await _own_entity(scope, entity_id)
        _refuse_client(scope)
        wanted = sorted(set(system_ids))
        current = await _assigned_ids(entity_id)
        allowed = {r["id"] for r in await assignable(scope)}
        # One disabled after it was assigned may stay; only additions must be enabled and own.
        refused = [i for i in wanted if i not in allowed and i not in current]
        if refused:
            errors = [
                {
                    "field": "payment_system_ids",
                    "message": await _refusal(scope, i),
                }
                for i in refused
            ]
            raise Invalid("; ".join(e["message"] for e in errors), errors)
        added = [i for i in wanted if i not in current]
        removed = [i for i in current if i not in wanted]
        if added or removed:
            if removed:
                await LegalEntityPaymentSystem.delete().where(
                    LegalEntityPaymentSystem.legal_entity == entity_id,
                    LegalEntityPaymentSystem.payment_system.is_in(removed),
                )
            if added:
                await LegalEntityPaymentSystem.insert(
                    *[
                        LegalEntityPaymentSystem(legal_entity=entity_id, payment_system=i)
                        for i in added
                    ]
                )
            change = Change(
                "legal_entities",
                "update",
                entity_id,
                {"payment_system_ids": current},
                {"payment_system_ids": wanted},
                entity["company"],
            )
            await record_event(ctx, "Payment systems of own legal entity changed", [change])
    return await get_assignment(scope, entity_id)
