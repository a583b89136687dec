"""How many queries the main routes run: an N+1 or a new per-request query shows up here.

The numbers are pinned exactly, so a change in either direction is noticed and the pin moved
on purpose (with the reason in the commit)."""

import pytest
from agreement_helpers import agreement_between

from core.db.engine import engine

# route -> queries for one request by an admin of a reseller with a few companies; a list
# shorter than a page is read whole by its first page, so its total needs no count
PINNED = {
    "/health": 1,  # SELECT 1
    "/api/v1/me": 1,  # the caller (token, user, company and role in one) is the answer
    "/api/v1/companies": 2,  # the caller, the page (its total: the rows read)
    "/api/v1/companies/{client}": 2,  # the caller, the company
    # the caller, the page (its balances and the id of the version in force in its query); the
    # versions in force are then read by id, when there are any (this agreement has none)
    "/api/v1/agreements": 2,
    "/api/v1/legal-entities": 2,
    # a scope of two arms (own rows, rows of the companies created) is read apart, each one index
    # range (core/db/disjoint.py): a short list's page is a query per arm, its total known
    "/api/v1/users": 5,  # the caller, each block (invitations, users) by arm
    "/api/v1/audit": 3,  # the caller, the page by arm
    # the caller, the agreement in scope with its account, the page
    "/api/v1/agreements/{agreement}/ledger": 3,
}


@pytest.fixture
def count_queries(monkeypatch):
    """Patched on the engine's class: PostgreSQL's engine instance has fixed slots."""
    engine_class = type(engine())
    seen: list[str] = []
    run_querystring, run_ddl = engine_class.run_querystring, engine_class.run_ddl

    async def counting(self, querystring, *args, **kwargs):
        seen.append(str(querystring)[:120])
        return await run_querystring(self, querystring, *args, **kwargs)

    async def counting_ddl(self, ddl, *args, **kwargs):
        seen.append(ddl[:120])
        return await run_ddl(self, ddl, *args, **kwargs)

    monkeypatch.setattr(engine_class, "run_querystring", counting)
    monkeypatch.setattr(engine_class, "run_ddl", counting_ddl)
    return seen


async def test_queries_per_request_are_pinned(bo_factory, bo_api, count_queries):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    clients = [await bo_factory.company(reseller, "client") for _ in range(3)]
    agreement = await agreement_between(clients[0], reseller)
    api = await bo_api(await bo_factory.user(reseller))
    await api.get("/api/v1/me")  # first use of the token records its last use once
    counts = {}
    # the second round is counted: the first pays what a process asks once (PostgreSQL's
    # collation, before text keys are merged in Python: core/db/disjoint.py)
    for _ in range(2):
        for route in PINNED:
            url = route.format(client=clients[0]["id"], agreement=agreement)
            count_queries.clear()
            res = await api.get(url)
            assert res.status_code == 200, (url, res.text)
            counts[route] = len(count_queries)
    assert counts == PINNED
