"""``tenant_id`` (the owning company's parent) kept by the database, and scoped lists read as
two disjoint index ranges (own rows, rows of the companies created) merged into one page."""

from datetime import UTC, datetime, timedelta

import pytest

from core.accounts.bank_accounts.models import BankAccount
from core.accounts.banks.models import Bank
from core.accounts.legal_entities.models import LegalEntity
from core.audit.models import AuditEvent
from core.auth.models import User
from core.db import bulk, disjoint
from core.db.engine import is_postgres, transaction
from core.users.models import Invitation
from core.web import keyset
from tenants.models import Company, Portal
from tenants.scope import Scope, in_scope

# Query plans depend on the tables' files, not only their rows (see bo_fresh_tables).
pytestmark = pytest.mark.usefixtures("bo_fresh_tables")

LATER = datetime.now(UTC) + timedelta(days=3)


async def _tenant_of(table, row_id: int):
    return (await table.select(table.tenant_id).where(table.id == row_id).first())["tenant_id"]


async def _entity(company: dict, name: str = "LE", **fields) -> int:
    row = LegalEntity(company=company["id"], name=name, legal_name=name, **fields)
    await row.save()
    return row.id


async def test_piccolo_inserts_get_the_owners_parent(bo_factory):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    client = await bo_factory.company(reseller)
    assert await _tenant_of(LegalEntity, await _entity(client)) == reseller["id"]
    assert await _tenant_of(LegalEntity, await _entity(reseller)) == owner["id"]
    # the root has no parent: its own rows belong to no tenant
    assert await _tenant_of(LegalEntity, await _entity(owner)) is None
    # a value written by the caller is not trusted
    assert (
        await _tenant_of(LegalEntity, await _entity(client, tenant_id=owner["id"]))
        == (reseller["id"])
    )
    user = await bo_factory.user(client)
    assert user["tenant_id"] == reseller["id"]
    portal = Portal(company=client["id"], name="P", fqdn="p.example.test")
    await portal.save()
    assert await _tenant_of(Portal, portal.id) == reseller["id"]


async def test_bulk_inserts_and_upserts_get_the_owners_parent(bo_factory):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    client = await bo_factory.company(reseller)
    columns = ["company", "name", "legal_name", "tenant_id"]
    await bulk.insert_many(
        LegalEntity,
        columns,
        [(client["id"], "bulk c", "x", None), (reseller["id"], "bulk r", "x", 999_999)],
    )
    rows = await LegalEntity.select(LegalEntity.name, LegalEntity.tenant_id)
    assert {r["name"]: r["tenant_id"] for r in rows} == {
        "bulk c": reseller["id"],
        "bulk r": owner["id"],
    }
    await bulk.insert_many(
        AuditEvent, ["company", "action"], [(client["id"], "a.b"), (owner["id"], "c.d")]
    )
    events = await AuditEvent.select(AuditEvent.action, AuditEvent.tenant_id).where(
        AuditEvent.action.is_in(["a.b", "c.d"])
    )
    assert {e["action"]: e["tenant_id"] for e in events} == {"a.b": reseller["id"], "c.d": None}
    entity = (await LegalEntity.select(LegalEntity.id).where(LegalEntity.name == "bulk c"))[0]
    await bulk.upsert_many(
        LegalEntity,
        ["id", "company", "name", "legal_name", "tenant_id"],
        [(entity["id"], client["id"], "bulk c2", "x", 123_456)],
        key=("id",),
        update=("name", "tenant_id"),
    )
    assert await _tenant_of(LegalEntity, entity["id"]) == reseller["id"]


async def test_tenant_follows_a_new_owner_and_a_new_parent(bo_factory):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller")
    r2 = await bo_factory.company(owner, "reseller")
    client = await bo_factory.company(r1)
    entity = await _entity(client)
    user = await bo_factory.user(client)
    await LegalEntity.update({LegalEntity.company: r1["id"]}).where(LegalEntity.id == entity)
    assert await _tenant_of(LegalEntity, entity) == owner["id"]
    await LegalEntity.update({LegalEntity.company: client["id"]}).where(LegalEntity.id == entity)
    await Company.update({Company.parent: r2["id"]}).where(Company.id == client["id"])
    assert await _tenant_of(LegalEntity, entity) == r2["id"]
    assert await _tenant_of(User, user["id"]) == r2["id"]
    # writing the column directly cannot move a row out of its tenant
    await LegalEntity.update({LegalEntity.tenant_id: r1["id"]}).where(LegalEntity.id == entity)
    assert await _tenant_of(LegalEntity, entity) == r2["id"]


class Tree:
    """owner > reseller R > (client C1, reseller C2 > client G); owner > sibling S > client SC.
    Each company owns one row of every listed kind, named after the company."""

    async def build(self, factory) -> None:
        self.owner = await factory.owner()
        self.r = await factory.company(self.owner, "reseller", name="R")
        self.c1 = await factory.company(self.r, "client", name="C1")
        self.c2 = await factory.company(self.r, "reseller", name="C2")
        self.g = await factory.company(self.c2, "client", name="G")
        self.s = await factory.company(self.owner, "reseller", name="S")
        self.sc = await factory.company(self.s, "client", name="SC")
        self.all = [self.owner, self.r, self.c1, self.c2, self.g, self.s, self.sc]
        self.admin = await factory.user(self.r)
        bank = Bank(company=self.owner["id"], name="Bank", country="DE", address="x")
        await bank.save()
        for n, company in enumerate(self.all):
            cid, name = company["id"], company["name"]
            entity = await _entity(company, f"LE {name}")
            account = BankAccount(
                company=cid, legal_entity=entity, bank=bank.id, name=f"BA {name}", holder="h"
            )
            await account.save()
            await Portal(company=cid, name=f"Portal {name}", fqdn=f"p{n}.example.test").save()
            if company is not self.r:
                await factory.user(company, email=f"{name.lower()}@example.test")
            await Invitation(
                company=cid,
                email=f"invited-{name.lower()}@example.test",
                token_hash=f"{n:064d}",
                expires_at=LATER,
            ).save()
            await AuditEvent(company=cid, action=f"test.{name}").save()

    def ids(self, *companies) -> set[int]:
        return {c["id"] for c in companies}


LISTS = [
    # url, how an item names its company, which of the tree R sees there
    ("/api/v1/own-legal-entities", "company_id", "own"),
    ("/api/v1/legal-entities", "company_id", "children"),
    ("/api/v1/own-bank-accounts", "company_id", "own"),
    ("/api/v1/bank-accounts", "company_id", "children"),
    ("/api/v1/portals", "company_id", "both"),
    ("/api/v1/users", "company_id", "both"),
    ("/api/v1/invitations", "company_id", "both"),
    ("/api/v1/audit", "company_id", "both"),
]


@pytest.mark.parametrize("url,field,part", LISTS)
async def test_a_reseller_sees_its_own_and_its_childrens_rows_only(
    bo_factory, bo_api, url, field, part
):
    tree = Tree()
    await tree.build(bo_factory)
    api = await bo_api(tree.admin)
    expected = {
        "own": tree.ids(tree.r),
        "children": tree.ids(tree.c1, tree.c2),
        "both": tree.ids(tree.r, tree.c1, tree.c2),
    }[part]
    res = await api.get(url, params={"page_size": 100})
    assert res.status_code == 200, res.text
    body = res.json()
    assert {item[field] for item in body["items"]} == expected
    assert body["total"] == len(body["items"])
    # one row a page, both directions: the merged arms give every row once, in order
    for order in ("asc", "desc"):
        seen = []
        for page in range(1, body["total"] + 2):
            params = {"page_size": 1, "page": page, "order": order, "sort": "id"}
            res = await api.get(url, params=params)
            seen += [(item.get("kind"), item["id"]) for item in res.json()["items"]]
        assert len(seen) == body["total"] and len(set(seen)) == len(seen)
        # (the users list puts its invitations before its users, each block in order)
        for kind in {kind for kind, _ in seen}:
            ids = [row_id for k, row_id in seen if k == kind]
            assert ids == sorted(ids, reverse=order == "desc")


async def test_a_page_far_past_the_end_is_empty(bo_factory, bo_api):
    from core.web.listing import MAX_PAGE

    tree = Tree()
    await tree.build(bo_factory)
    api = await bo_api(tree.admin)
    for url in ("/api/v1/portals", "/api/v1/users", "/api/v1/audit"):
        res = await api.get(url, params={"page": MAX_PAGE, "page_size": 1})
        assert res.status_code == 200, (url, res.text)
        assert res.json()["items"] == [] and res.json()["total"] >= 3


async def test_a_merged_page_follows_a_text_sort_across_both_arms(bo_factory, bo_api):
    tree = Tree()
    await tree.build(bo_factory)
    api = await bo_api(tree.admin)
    for order in ("asc", "desc"):
        names = []
        for page in (1, 2, 3):
            res = await api.get(
                "/api/v1/portals",
                params={"sort": "name", "order": order, "page_size": 1, "page": page},
            )
            assert res.status_code == 200 and res.json()["total"] == 3
            names += [item["name"] for item in res.json()["items"]]
        assert names == sorted(["Portal R", "Portal C1", "Portal C2"], reverse=order == "desc")


async def test_the_capped_count_adds_both_arms(bo_factory):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    client = await bo_factory.company(reseller)
    rows = [(reseller["id"], f"own {i}", "x") for i in range(4)]
    rows += [(client["id"], f"child {i}", "x") for i in range(5)]
    await bulk.insert_many(LegalEntity, ["company", "name", "legal_name"], rows)
    where = [in_scope(LegalEntity, Scope.of(reseller))]
    assert await disjoint.capped_count(LegalEntity, where, 100) == 9
    assert await disjoint.capped_count(LegalEntity, where, 3) == 4  # more than 3: stop
    assert await disjoint.capped_count(LegalEntity, where, 6) == 7  # the 2nd arm counts 3
    page = await _ordered(LegalEntity, [LegalEntity.name], where, LegalEntity.name, 3, offset=2)
    assert [r["name"] for r in page] == ["child 2", "child 3", "child 4"]


def _select_for(table, columns, key):
    """A list's SELECT as ``core.web.listing`` builds it, ascending, with the merge's aliases."""

    def select_for(clauses):
        pk = table._meta.primary_key
        select = table.select(*columns, key.as_alias("sort_key"), pk.as_alias("row_id"))
        for clause in clauses:
            select = select.where(clause)
        return keyset.ordered(select, table, key, True)

    return select_for


async def _ordered(table, columns, where, key, limit, offset=0):
    return await disjoint.ordered(
        table,
        where,
        key,
        _select_for(table, columns, key),
        ascending=True,
        limit=limit,
        offset=offset,
        aliases=("sort_key", "row_id"),
    )


async def _plan(query) -> str:
    from core.db.engine import engine

    sql, args = query.querystrings[0].compile_string(engine_type=engine().engine_type)
    async with transaction() as txn:
        conn = txn.connection
        if is_postgres():
            await conn.execute("SET LOCAL enable_seqscan = off")
            rows = await conn.fetch("EXPLAIN " + sql, *args)
            return "\n".join(row[0] for row in rows)
        cursor = await conn.execute("EXPLAIN QUERY PLAN " + sql, args)
        return "\n".join(str(row["detail"]) for row in await cursor.fetchall())


@pytest.mark.parametrize(
    "table,key,index_key",
    [(LegalEntity, "name", "name"), (LegalEntity, "id", "id"), (User, "email", "email")],
)
async def test_a_scoped_first_page_is_one_index_range_per_arm(bo_factory, table, key, index_key):
    """Thousands of rows in and outside the scope, statistics refreshed; each arm's page query
    reads its ``(arm, key, id)`` index in order: no scan of the table, no sort."""
    from core.db.statistics import refresh_statistics

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    other = await bo_factory.company(owner, "reseller")
    # the reseller created one company in ten: its arm is a small part of the table
    names = [
        (f"Client {i:05d}", "client", (other if i % 10 else reseller)["id"], 2) for i in range(3000)
    ]
    await bulk.insert_many(Company, ["name", "kind", "parent", "depth"], names)
    companies = [r["id"] for r in await Company.select(Company.id)]
    if table is LegalEntity:
        rows = [(c, f"LE {c:06d}", "x") for c in companies]
        await bulk.insert_many(LegalEntity, ["company", "name", "legal_name"], rows)
    else:
        rows = [(c, f"u{c:06d}@example.test", "x") for c in companies]
        await bulk.insert_many(User, ["company", "email", "password_hash"], rows)
    await refresh_statistics()
    scope = Scope.of(reseller)
    arms = in_scope(table, scope).arms
    for arm, column in zip(arms, ("company", "tenant_id"), strict=True):
        sort = getattr(table, key)
        query = _select_for(table, [table.id], sort)([arm]).limit(26)
        plan = await _plan(query)
        index = f"{table._meta.tablename}_{column}_{index_key}_scope"
        if (column, key) == ("company", "id") and not is_postgres():
            index = f"{table._meta.tablename}_company"  # SQLite's (company) ends in the rowid
        if is_postgres():
            assert f"Index Scan using {index}" in plan or f"Index Only Scan using {index}" in plan
            assert "Sort" not in plan and "Seq Scan" not in plan, plan
        else:
            assert f"USING INDEX {index}" in plan or f"USING COVERING INDEX {index}" in plan, plan
            assert "TEMP B-TREE" not in plan and f"SCAN {table._meta.tablename}" not in plan, plan


def test_the_sorts_read_by_arm_are_the_indexed_ones():
    from importlib import import_module

    from tenants.scope import SCOPE_SORTS

    migration = import_module("core.db.migrations.backoffice_2026_12_01t10_30_01_000000")
    indexed = {table: set(keys) for table, (_, keys) in migration.TENANT_OWNED.items()}
    later = import_module("core.db.migrations.backoffice_2026_12_01t11_20_00_000000")
    for table, (scopes, keys) in later.SORT_INDEXES.items():
        if "tenant_id" in scopes:
            indexed[table] |= set(keys)
    copies = import_module("core.db.migrations.backoffice_2026_12_01t11_20_02_000000")
    for table, columns in copies.COPIES.items():
        if "tenant_id" in copies.SCOPES[table]:
            indexed[table] |= set(columns)
    assert {table: frozenset(keys) for table, keys in indexed.items()} == SCOPE_SORTS


async def test_an_unindexed_sort_and_a_deep_page_read_the_plain_clause(bo_factory, bo_api):
    """Same rows, same order, whichever way the page is read."""
    tree = Tree()
    await tree.build(bo_factory)
    api = await bo_api(tree.admin)
    for sort in ("fqdn", "created_at", "company"):
        res = await api.get("/api/v1/portals", params={"sort": sort, "order": "asc"})
        assert res.status_code == 200
        assert {p["company_id"] for p in res.json()["items"]} == tree.ids(tree.r, tree.c1, tree.c2)
    rows = [(tree.c1["id"], f"LE bulk {i:04d}", "x") for i in range(1100)]
    await bulk.insert_many(LegalEntity, ["company", "name", "legal_name"], rows)
    where = [in_scope(LegalEntity, Scope.of(tree.r))]
    deep = await _ordered(LegalEntity, [LegalEntity.name], where, LegalEntity.name, 5, offset=1000)
    # the tree's own "LE C1", "LE C2", "LE R" sort first (upper case before lower)
    assert [r["name"] for r in deep] == [f"LE bulk {i:04d}" for i in range(997, 1002)]
