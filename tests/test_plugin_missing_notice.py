"""Switches or settings left for a plugin that is not installed become a notice on the plugins
list, counted within the caller's own subtree only (another reseller's companies are not its
business)."""

from __future__ import annotations

from core.plugins.models import CompanyPlugin
from core.plugins.testing import AuthedClient


async def test_the_notice_counts_only_companies_of_the_callers_subtree(bo_client, bo_factory):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(kind="reseller")
    r2 = await bo_factory.company(kind="reseller")
    child = await bo_factory.company(parent=r1, kind="reseller")
    await CompanyPlugin.insert(
        CompanyPlugin(company=r1["id"], plugin="gone-away", enabled=True),
        CompanyPlugin(company=child["id"], plugin="gone-away", enabled=False),
        CompanyPlugin(company=r2["id"], plugin="gone-away", enabled=False),
    )

    async def notices(company: dict) -> list[str]:
        token = await bo_factory.token(await bo_factory.user(company))
        res = await AuthedClient(bo_client, token).get("/api/v1/plugins")
        assert res.status_code == 200, res.text
        return res.json()["notices"]

    [mine] = await notices(owner)
    assert "“gone-away” is no longer installed, but 3 companies have" in mine
    assert "2 companies have" in (await notices(r1))[0]
    assert "1 company has" in (await notices(r2))[0]
    assert await notices(await bo_factory.company(kind="reseller")) == []
