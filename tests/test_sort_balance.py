"""The agreements list sorted by balance reads ``agreements.sort_balance``, a copy of the ledger
balance the database keeps (issue 9, migration ``2026-12-01T17:40:01``): every write path
keeps the copy equal to the account, and every way of paging gives the order of the true
balance then id, while the balance shown stays the account's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ledger_helpers import set_balance

from core import ledger
from core.accounts.agreements.models import Agreement
from core.accounts.legal_entities.models import LegalEntity
from core.db import bulk
from core.db.engine import is_postgres
from core.ledger.models import BalanceAccount
from core.money import amount_text

# balances in micro-units: ties, negatives and zeros, interleaved with the ids
BALANCES = [500, -300, 0, 500, -300, 0, 1200, 500, 7, -1]


async def _stale() -> list[dict]:
    """Every agreement whose copy differs from its account's balance (0 with no account)."""
    differs = "IS DISTINCT FROM" if is_postgres() else "IS NOT"
    rows = await Agreement.raw(
        "SELECT a.id, a.sort_balance, b.balance FROM agreements a "
        "LEFT JOIN balance_accounts b ON b.agreement = a.id "
        f"WHERE a.sort_balance {differs} COALESCE(b.balance, 0)"
    )
    return [dict(r) for r in rows]


async def _seller(bo_factory, prefix: str, count: int) -> dict:
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name=f"{prefix} seller")
    admin = await bo_factory.user(reseller, email=f"{prefix.lower()}@example.test")
    own = LegalEntity(company=reseller["id"], name="Own LE", legal_name="x")
    await own.save()
    ids = []
    for n in range(count):
        client = await bo_factory.company(reseller, name=f"{prefix} client {n}")
        entity = LegalEntity(company=client["id"], name=f"LE {n}", legal_name="x")
        await entity.save()
        agreement = Agreement(
            company=client["id"],
            legal_entity=entity.id,
            own_legal_entity=own.id,
            code=f"{prefix}-{n}",
            currency="EUR",
        )
        await agreement.save()
        ids.append(agreement.id)
    return {"admin": admin, "ids": ids, "reseller": reseller, "own": own.id}


async def test_every_write_path_keeps_the_copy(bo_factory):
    world = await _seller(bo_factory, "Kay", 3)
    a, b, c = world["ids"]
    assert await _stale() == []
    # the service's one-account and many-account postings
    await set_balance(a, 2_500_000)
    await set_balance(b, -700)
    accounts = [await ledger.main_account(x) for x in (a, b, c)]
    now = datetime.now(UTC)
    rows = [(accounts[n], 10 * (n + 1), "adjustment", "test", now) for n in range(3)]
    await ledger.post_rows(rows, idempotency_key=uuid.uuid4().hex)
    assert await _stale() == []
    copies = await Agreement.select(Agreement.id, Agreement.sort_balance).where(
        Agreement.id.is_in([a, b, c])
    )
    assert {r["id"]: r["sort_balance"] for r in copies} == {a: 2_500_010, b: -680, c: 30}
    # a copy written by a caller is overwritten: an update, and a stale object saved whole
    await Agreement.update({Agreement.sort_balance: 99}).where(Agreement.id > 0)
    assert await _stale() == []
    stale = await Agreement.objects().get(Agreement.id == a)
    await set_balance(a, -5)
    stale.code = "Kay-renamed"
    await stale.save()
    assert await _stale() == []
    # an account written directly, an insert with a forged copy, a bulk insert
    await BalanceAccount.update({BalanceAccount.balance: 42}).where(BalanceAccount.agreement == c)
    client = await bo_factory.company(world["reseller"], name="Kay late")
    entity = LegalEntity(company=client["id"], name="LE late", legal_name="x")
    await entity.save()
    forged = Agreement(
        company=client["id"],
        legal_entity=entity.id,
        own_legal_entity=world["own"],
        code="Kay-forged",
        currency="EUR",
        sort_balance=-123,
    )
    await forged.save()
    columns = ["company", "legal_entity", "own_legal_entity", "code", "currency"]
    rows = [(client["id"], entity.id, world["own"], f"Kay-bulk-{n}", "EUR") for n in range(3)]
    await bulk.insert_many(Agreement, columns, rows)
    assert await _stale() == []
    assert (await Agreement.select(Agreement.sort_balance).where(Agreement.id == c))[0] == {
        "sort_balance": 42
    }


async def _balances(ids: list[int]) -> dict[int, int]:
    rows = await BalanceAccount.select(BalanceAccount.agreement, BalanceAccount.balance).where(
        BalanceAccount.agreement.is_in(ids)
    )
    return {r["agreement"]: r["balance"] for r in rows}


async def _walk(api, url: str, start: str, link: str) -> list[dict]:
    seen, cursor = [], start
    while cursor:
        res = await api.get(f"{url}&cursor={cursor}")
        assert res.status_code == 200, res.text
        body = res.json()
        seen = seen + body["items"] if link == "next" else body["items"] + seen
        cursor = body[link]
        assert len(seen) < 200, "the walk does not end"
    return seen


async def _numbered(api, url: str) -> list[dict]:
    seen, number = [], 1
    while True:
        res = await api.get(f"{url}&page={number}")
        assert res.status_code == 200, res.text
        items = res.json()["items"]
        if not items:
            return seen
        seen, number = seen + items, number + 1


async def _check_order(api, ids: list[int]) -> None:
    """Every way of paging, both orders, gives (true balance, id); each shown balance is the
    account's."""
    balances = await _balances(ids)
    for order in ("asc", "desc"):
        expected = sorted(ids, key=lambda i: (balances[i], i), reverse=order == "desc")
        url = f"/api/v1/agreements?sort=balance&order={order}&page_size=3"
        for walked in (
            await _walk(api, url, "first", "next"),
            await _walk(api, url, "last", "previous"),
            await _numbered(api, url),
        ):
            assert [i["id"] for i in walked] == expected, order
            assert all(i["balance"] == amount_text(balances[i["id"]]) for i in walked)


async def test_balance_pages_follow_the_true_balance(bo_factory, bo_api):
    world = await _seller(bo_factory, "Kay", len(BALANCES))
    other = await _seller(bo_factory, "Other", 3)  # another tenant's agreements never show
    ids = world["ids"]
    for agreement, micros in zip(ids, BALANCES, strict=True):
        if micros:
            await set_balance(agreement, micros)
    for agreement in other["ids"]:
        await set_balance(agreement, 300)
    api = await bo_api(world["admin"])
    await _check_order(api, ids)
    # postings move balances across ties, through zero and below it
    for agreement, micros in ((ids[0], -300), (ids[6], 0), (ids[2], 1200), (ids[9], 500)):
        await set_balance(agreement, micros)
    await _check_order(api, ids)
    whole = (await api.get("/api/v1/agreements?sort=balance&page_size=500")).json()
    assert {i["id"] for i in whole["items"]} == set(ids)
    foreign = await bo_api(other["admin"])
    res = await foreign.get(f"/api/v1/agreements/{ids[0]}")
    assert res.status_code == 404


async def test_a_cursor_made_from_the_copy_survives_a_posting(bo_factory, bo_api):
    """A row moved by a posting between two pages is neither repeated nor lost from the rows
    that did not move: the next page starts after the cursor's (balance, id)."""
    world = await _seller(bo_factory, "Kay", 6)
    ids = world["ids"]
    for n, agreement in enumerate(ids):
        await set_balance(agreement, 100 * n)
    api = await bo_api(world["admin"])
    url = "/api/v1/agreements?sort=balance&order=asc&page_size=3"
    first = (await api.get(f"{url}&cursor=first")).json()
    assert [i["id"] for i in first["items"]] == ids[:3]
    await set_balance(ids[4], -50)  # moves before the cursor: no longer on the next page
    rest = (await api.get(f"{url}&cursor={first['next']}")).json()
    assert [i["id"] for i in rest["items"]] == [ids[3], ids[5]]
