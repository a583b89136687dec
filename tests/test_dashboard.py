"""The home dashboard: blocks by permission, counts scoped to the tenant, plugin blocks."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from test_ui_helpers import sign_in

from core.access.testing import role_id, user_with_role
from core.audit.recorder import AuditContext, record_event
from core.dashboard import BlockContent, DashboardBlock, DashboardError, Stat, all_blocks
from core.plugins.hookspecs import hookimpl
from core.users.models import Invitation
from tenants.models import Portal


def _stat(html: str, block: str, label: str) -> str:
    section = re.search(rf'data-block="{block}".*?</section>', html, re.S)
    assert section, f"no {block} block"
    found = re.search(rf"<dt>{label}</dt>\s*<dd>(?:<a [^>]*>)?(\d+)", section.group(0))
    assert found, f"{block}: no {label}"
    return found.group(1)


async def _tenant(bo_factory, owner, name: str, companies: int, portals: int, invites: int):
    reseller = await bo_factory.company(owner, "reseller", name=f"{name} reseller")
    for i in range(companies):
        await bo_factory.company(reseller, "client", name=f"{name} client {i}")
    for i in range(portals):
        await Portal(
            company=reseller["id"],
            name=f"{name} p{i}",
            fqdn=f"{name.lower()}{i}.test",
            status="error",
        ).save()
    for i in range(invites):
        await Invitation(
            company=reseller["id"],
            email=f"{name.lower()}{i}@example.test",
            group="backoffice",
            is_admin=True,
            token_hash=f"{name}{i}".ljust(64, "0"),
            expires_at=datetime.now(UTC) + timedelta(days=3),
        ).save()
    ctx = AuditContext(company_id=reseller["id"], user_id=None, user_label="x", ip="")
    await record_event(ctx, f"{name} happened", [])
    return reseller


async def test_counts_are_the_users_tenant_only(bo_client, bo_factory):
    owner = await bo_factory.owner()
    mine = await _tenant(bo_factory, owner, "Mine", companies=2, portals=1, invites=1)
    await _tenant(bo_factory, owner, "Theirs", companies=5, portals=3, invites=4)
    await sign_in(bo_client, await bo_factory.user(mine))
    res = await bo_client.get("/")
    assert res.status_code == 200
    assert _stat(res.text, "companies", "Companies") == "2"
    assert _stat(res.text, "invitations", "BackOffice") == "1"
    assert _stat(res.text, "portals", "In error") == "1"
    assert _stat(res.text, "agreements", "In force today") == "0"
    assert "Mine happened" in res.text and "Theirs happened" not in res.text
    assert 'href="/companies"' in res.text and 'href="/portals?status=error"' in res.text


async def test_blocks_follow_the_role(bo_client, bo_factory):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    rate = await user_with_role(
        bo_factory, reseller, "backoffice", await role_id("backoffice", "Rate manager")
    )
    await sign_in(bo_client, rate)
    res = await bo_client.get("/")
    shown = set(re.findall(r'data-block="(\w+)"', res.text))
    # Rate manager: account management view only; no users, portals or audit
    assert shown == {"companies", "agreements"}
    nobody = await user_with_role(bo_factory, reseller, "backoffice", None)
    await sign_in(bo_client, nobody)
    res = await bo_client.get("/")
    assert res.status_code == 200 and "data-block" not in res.text
    assert "gives you access to no area" in res.text


class FaxBlocks:
    @hookimpl
    def register_dashboard_blocks(self):
        async def load(principal):
            return BlockContent(stats=(Stat("Fax lines", 7, "/nowhere"),))

        return [DashboardBlock("fax_lines", "Fax", ("account_management",), load, order=60)]


async def test_register_dashboard_blocks_adds_a_block(bo_client, bo_factory, bo_register_plugin):
    bo_register_plugin(FaxBlocks(), name="fax-dashboard")
    assert [b.key for b in all_blocks()][-1] == "fax_lines"
    owner = await bo_factory.owner()
    await sign_in(bo_client, await bo_factory.user(await bo_factory.company(owner, "reseller")))
    res = await bo_client.get("/")
    assert _stat(res.text, "fax_lines", "Fax lines") == "7"
    assert 'href="/nowhere"' not in res.text  # a link no route lets the user open is dropped


async def test_a_duplicate_or_bad_block_stops_with_a_clear_error(bo_register_plugin):
    class Twice:
        @hookimpl
        def register_dashboard_blocks(self):
            async def load(principal):
                return BlockContent()

            return [DashboardBlock("companies", "Again", ("audit",), load)]

    bo_register_plugin(Twice(), name="twice")
    with pytest.raises(DashboardError, match=r"registered twice.*twice"):
        all_blocks()


def test_block_validation():
    async def load(principal):
        return BlockContent()

    with pytest.raises(DashboardError):
        DashboardBlock("Bad Key", "X", ("audit",), load).validate()
    with pytest.raises(DashboardError):
        DashboardBlock("ok_key", "X", "audit", load).validate()  # type: ignore[arg-type]
