"""Payment-system rows written straight to the database, for tests that need one without the
API: each comes with its plugin instance (where its settings live), as the service makes it."""

from __future__ import annotations

from typing import Any

from core.payments.models import PaymentSystemConfig
from core.payments.systems import CATEGORY
from core.plugins.instance_models import PluginInstance
from core.plugins.instance_settings import seal, unseal
from core.plugins.instances import PURPOSE


async def linked(
    company: int, name: str, kind: str, settings: dict[str, Any] | None = None, **columns: Any
) -> PaymentSystemConfig:
    """An unsaved payment system whose instance is saved already (save it, or change it first)."""
    instance = PluginInstance(
        company=company,
        category=CATEGORY,
        plugin=kind,
        name=name,
        enabled=columns.get("enabled", True),
        settings=seal(settings or {}, PURPOSE),
    )
    await instance.save()
    return PaymentSystemConfig(
        company=company, name=name, kind=kind, instance=instance.id, **columns
    )


async def saved(
    company: int, name: str, kind: str, settings: dict[str, Any] | None = None, **columns: Any
) -> PaymentSystemConfig:
    system = await linked(company, name, kind, settings, **columns)
    await system.save()
    return system


async def delete_payment_systems(*where) -> None:
    """Delete payment systems and their instances, as deleting one through the service does."""
    rows = await PaymentSystemConfig.select(PaymentSystemConfig.instance).where(*where)
    await PaymentSystemConfig.delete().where(*where)
    ids = [r["instance"] for r in rows if r["instance"] is not None]
    if ids:
        await PluginInstance.delete().where(PluginInstance.id.is_in(ids))


async def settings_of(row: dict) -> dict[str, Any]:
    """A payment system row's stored settings, secrets included."""
    found = await PluginInstance.select(PluginInstance.settings).where(
        PluginInstance.id == row["instance"]
    )
    return unseal(found[0]["settings"], PURPOSE) if found else {}
