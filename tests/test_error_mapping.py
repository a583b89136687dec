"""Database errors that only bad input or a lost race can cause answer 4xx, never 500."""

from __future__ import annotations

from tenants.models import Portal

HUGE = 2**63  # one past the largest 64-bit id
BIG = 2**31  # one past PostgreSQL's 32-bit serial ids


async def test_ids_beyond_the_columns_answer_4xx_not_500(bo_factory, bo_api, bo_client):
    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner)
    api = await bo_api(admin)
    # an id in the path that no row can have is simply not found, like any missing id
    for url in (
        f"/api/v1/companies/{HUGE}",
        f"/api/v1/own-legal-entities/{HUGE}/payment-systems",
        f"/api/v1/agreements/{BIG}",
    ):
        res = await api.get(url)
        assert res.status_code == 404, (url, res.text)
        assert res.headers["content-type"].startswith("application/problem+json")
    res = await api.get(f"/api/v1/companies?own_legal_entity_id={HUGE}")
    assert res.status_code == 400, res.text
    assert "out of range" in res.json()["detail"] or "too large" in res.text.lower()
    res = await api.post("/api/v1/companies", json={"name": "Big", "portal_id": HUGE})
    assert res.status_code in (400, 422), res.text
    await bo_client.get("/login")
    from test_ui_helpers import sign_in

    await sign_in(bo_client, admin)
    res = await bo_client.get(f"/companies/{HUGE}")
    assert res.status_code == 404, res.text[:300]


async def test_a_lost_uniqueness_race_answers_409(bo_factory, bo_api, monkeypatch):
    owner = await bo_factory.owner()
    await Portal(company=owner["id"], name="Taken", fqdn="taken.example.test").save()
    from core.portals import service

    async def no_check(*args, **kwargs):  # as if a parallel request had passed the check
        return None

    monkeypatch.setattr(service, "_unique_fqdn", no_check)
    api = await bo_api(await bo_factory.user(owner))
    res = await api.post("/api/v1/portals", json={"name": "Again", "fqdn": "taken.example.test"})
    assert res.status_code == 409, res.text
    assert await Portal.count().where(Portal.fqdn == "taken.example.test") == 1
