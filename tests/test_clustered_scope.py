"""A scope whose rows lie at one end of another index's order (issue 9): a reseller's own bank
accounts all created after its clients' ones. The clients' pages read their scope's index
(``core.db.pinned``), the statistics refresh vacuums (``core.db.statistics``),
and a scope with filters is counted once without the join (``core.db.disjoint``), on both
engines, with the same rows as before and none of another tenant's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.accounts.bank_accounts.models import BankAccount
from core.accounts.bank_accounts.service import SORTABLE as ACCOUNT_SORTS
from core.accounts.banks.models import Bank
from core.accounts.legal_entities.models import LegalEntity
from core.db import bulk, disjoint
from core.db.engine import is_postgres, transaction
from core.db.statistics import refresh_statistics
from core.users.models import Invitation
from core.web import listing
from core.web.keyset import Block
from core.web.listing import ListQuery
from tenants.models import Company
from tenants.scope import Scope, in_scope

# Query plans depend on the tables' files, not only their rows (see bo_fresh_tables).
pytestmark = pytest.mark.usefixtures("bo_fresh_tables")

CLIENTS = 2000


async def _clustered(bo_factory) -> dict:
    """A reseller with ``CLIENTS`` clients, each with one bank account, then as many own
    accounts of the reseller (higher ids: all at the end of the primary key); another
    reseller with a client and an account, which the first must never see."""
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="R")
    other = await bo_factory.company(owner, "reseller", name="Other")
    stranger = await bo_factory.company(other, "client", name="Stranger")
    rows = [(f"C {i:05d}", "client", reseller["id"], 2) for i in range(CLIENTS)]
    await bulk.insert_many(Company, ["name", "kind", "parent", "depth"], rows)
    clients = [
        r["id"]
        for r in await Company.select(Company.id)
        .where(Company.parent == reseller["id"])
        .order_by(Company.id)
    ]
    entities = [(c, f"LE {c}", "x") for c in [*clients, reseller["id"], stranger["id"]]]
    await bulk.insert_many(LegalEntity, ["company", "name", "legal_name"], entities)
    entity_of = {
        r["company"]: r["id"] for r in await LegalEntity.select(LegalEntity.id, LegalEntity.company)
    }
    bank = Bank(company=owner["id"], name="Bank", country="DE", address="x")
    await bank.save()
    columns = ["company", "legal_entity", "bank", "name", "holder", "number"]
    theirs = [(c, entity_of[c], bank.id, f"Client {c}", "h", f"N{c}") for c in clients]
    theirs.append((stranger["id"], entity_of[stranger["id"]], bank.id, "Stranger", "h", "S1"))
    await bulk.insert_many(BankAccount, columns, theirs)
    own = [
        (reseller["id"], entity_of[reseller["id"]], bank.id, f"Own {n:05d}", "h", f"O{n}")
        for n in range(CLIENTS)
    ]
    await bulk.insert_many(BankAccount, columns, own)
    await refresh_statistics()
    return {"reseller": reseller, "stranger": stranger, "admin": await bo_factory.user(reseller)}


async def _plan(query) -> str:
    from core.db.engine import engine

    sql, args = query.querystrings[0].compile_string(engine_type=engine().engine_type)
    async with transaction() as txn:
        conn = txn.connection
        if is_postgres():
            rows = await conn.fetch("EXPLAIN " + sql, *args)
            return "\n".join(row[0] for row in rows)
        cursor = await conn.execute("EXPLAIN QUERY PLAN " + sql, args)
        return "\n".join(str(row["detail"]) for row in await cursor.fetchall())


def _page_select(where: list, sort: str, ascending: bool):
    """The SELECT of a bank accounts page, as ``core.web.listing`` builds it."""
    block = Block(BankAccount, [BankAccount.id, BankAccount.name], where, ACCOUNT_SORTS)
    query = ListQuery(sort=sort, order="asc" if ascending else "desc")
    return listing._select(block, query, ascending, where).limit(26)


# realm clause, sort, direction, the index the page must read (the own realm by id is not
# pinned, see core.db.pinned: its page may walk the primary key)
PAGES = [
    ("tenant_id", "id", False, "bank_accounts_tenant_id_id_scope"),
    ("tenant_id", "id", True, "bank_accounts_tenant_id_id_scope"),
    ("tenant_id", "name", True, "bank_accounts_tenant_id_name_scope"),
    ("company", "name", False, "bank_accounts_company_name_scope"),
]


@pytest.mark.parametrize(("column", "sort", "ascending", "index"), PAGES)
async def test_a_clustered_scope_is_read_from_its_own_index(
    bo_factory, column, sort, ascending, index
):
    """Statistics fresh, the scope half the table: the page still reads the scope's index,
    not the primary key (or the key's own index) filtering out the other half."""
    world = await _clustered(bo_factory)
    where = [getattr(BankAccount, column) == world["reseller"]["id"]]
    plan = await _plan(_page_select(where, sort, ascending))
    if is_postgres():
        assert f" using {index} on" in plan, plan
        assert "Sort" not in plan and "bank_accounts_pkey" not in plan, plan
    else:
        if (column, sort) == ("company", "id"):
            index = "bank_accounts_company"  # SQLite's (company) ends in the rowid
        assert f"INDEX {index} " in plan, plan
        assert "TEMP B-TREE" not in plan, plan


async def test_the_clustered_pages_hold_the_same_rows(bo_factory, bo_api):
    """The first page of the clients' accounts and the last of the own ones, by key, are the
    rows the order says, and the other reseller's account is in neither list."""
    world = await _clustered(bo_factory)
    api = await bo_api(world["admin"])
    reseller = world["reseller"]["id"]
    theirs = await BankAccount.select(BankAccount.id).where(BankAccount.tenant_id == reseller)
    own = await BankAccount.select(BankAccount.id).where(BankAccount.company == reseller)
    res = await api.get("/api/v1/bank-accounts")
    assert res.status_code == 200, res.text
    body = res.json()
    assert [a["id"] for a in body["items"]] == sorted((r["id"] for r in theirs), reverse=True)[:25]
    assert body["total"] == CLIENTS and not body["total_is_capped"]
    res = await api.get("/api/v1/own-bank-accounts", params={"cursor": "last"})
    assert res.status_code == 200, res.text
    assert [a["id"] for a in res.json()["items"]] == sorted(r["id"] for r in own)[:25][::-1]
    everything = await api.get("/api/v1/bank-accounts", params={"page_size": 500, "q": "Strang"})
    assert everything.status_code == 200 and everything.json()["items"] == []
    res = await api.get("/api/v1/bank-accounts", params={"company_id": world["stranger"]["id"]})
    assert res.status_code == 200 and res.json()["items"] == []


async def test_the_refresh_vacuums_and_the_count_stops_at_the_cap(bo_factory):
    """The refresh vacuums on PostgreSQL (so a bulk-loaded table's pages can be marked
    all-visible and a capped count read from its index alone; whether they are depends on
    every transaction open on the server, out of a test's hands); the own accounts' capped
    count stops at the cap. SQLite counts from the covering ``(company)`` index."""
    world = await _clustered(bo_factory)
    reseller = world["reseller"]["id"]
    assert await listing.capped_count(BankAccount, [BankAccount.company == reseller], 100) == 101
    if is_postgres():
        rows = await Company.raw(
            "SELECT last_vacuum AS at FROM pg_stat_user_tables WHERE relname = 'bank_accounts'"
        )
        assert rows[0]["at"] is not None
    else:
        inner = BankAccount.select(BankAccount.id).where(BankAccount.company == reseller)
        plan = await _plan(inner.limit(101))
        assert "USING COVERING INDEX bank_accounts_company" in plan, plan


async def test_a_filtered_scope_is_counted_once_without_the_join(bo_factory):
    """The users list's invitations block (scope, status and group): one count, the same
    number as the plain clause's; on PostgreSQL over the arms, with no join to companies."""
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    client = await bo_factory.company(reseller)
    other = await bo_factory.company(owner, "reseller")
    later = datetime.now(UTC) + timedelta(days=3)
    rows = []
    for n, company in enumerate([reseller, client, other] * 4):
        status = "accepted" if n % 4 == 0 else "invited"
        rows.append((company["id"], f"i{n}@x.test", f"{n:064d}", status, "backoffice", later))
    rows.append((client["id"], "portal@x.test", "p" * 64, "invited", "portal", later))
    columns = ["company", "email", "token_hash", "status", "group", "expires_at"]
    await bulk.insert_many(Invitation, columns, rows)
    scope = in_scope(Invitation, Scope.of(reseller))
    filters = [Invitation.status != "accepted", Invitation.group == "backoffice"]
    parts = disjoint.counted_apart([scope, *filters])
    assert len(parts) == 1
    expected = sum(
        1
        for company, _, _, status, group, _ in rows
        if company in (reseller["id"], client["id"])
        and status != "accepted"
        and group == "backoffice"
    )
    assert await disjoint.capped_count(Invitation, [scope, *filters], 100) == expected
    assert await disjoint.capped_count(Invitation, [scope, *filters], 2) == 3  # more than 2
    plain = Invitation.count().where(scope, *filters)
    assert await plain == expected
    if is_postgres():
        select = Invitation.select(Invitation.id)
        for clause in parts[0]:
            select = select.where(clause)
        assert "JOIN" not in str(select), str(select)
