"""Sort keys copied from joined rows (``core.db.copies``) and the list indexes of issue 9: the
database keeps every copy equal to what the join gives, through every write path, and the
lists' pages are index ranges (no sort of the scope) on both engines."""

from __future__ import annotations

from importlib import import_module

import pytest

from core.accounts.agreements.models import Agreement
from core.accounts.bank_accounts.models import BankAccount
from core.accounts.banks.models import Bank
from core.accounts.legal_entities.models import LegalEntity
from core.auth.models import User
from core.db import bulk
from core.db.copies import COPIES
from core.db.engine import is_postgres, transaction
from core.db.statistics import refresh_statistics
from core.jobs.models import Job
from core.ledger.models import BalanceAccount
from core.payments.models import PaymentSystemConfig
from core.payments.systems import SORTABLE as PAYMENT_KEYS
from core.users.models import Invitation
from tenants.models import Company, Portal

# Query plans depend on the tables' files, not only their rows (see bo_fresh_tables).
pytestmark = pytest.mark.usefixtures("bo_fresh_tables")

MIGRATION = "core.db.migrations.backoffice_2026_12_01t11_20_02_000000"
PAYMENT_INDEXES = "core.db.migrations.backoffice_2026_12_01t17_40_02_000000"


def test_the_copies_are_the_migrations():
    assert import_module(MIGRATION).COPIES == COPIES
    models = {t._meta.tablename: t for t in (Agreement, BankAccount, LegalEntity, User)}
    models |= {t._meta.tablename: t for t in (Company, Portal, Invitation)}
    assert set(models) == set(COPIES)
    for table, copies in COPIES.items():
        for column in copies:
            assert models[table]._meta.get_column_by_name(column)._meta.null, (table, column)


def test_every_payment_system_sort_is_indexed():
    assert set(import_module(PAYMENT_INDEXES).KEYS) == set(PAYMENT_KEYS)


async def _stale() -> list[tuple]:
    """Every copy that differs from its join, NULL where the join finds no row."""
    wrong = []
    for table, copies in COPIES.items():
        for column, (fk, ref, ref_column) in copies.items():
            rows = await Company.raw(
                f"SELECT t.id, t.{column} AS copy, r.{ref_column} AS joined FROM {table} t "
                f"LEFT JOIN {ref} r ON r.id = t.{fk} "
                f"WHERE t.{column} IS DISTINCT FROM r.{ref_column}"
                if is_postgres()
                else f"SELECT t.id, t.{column} AS copy, r.{ref_column} AS joined FROM {table} t "
                f"LEFT JOIN {ref} r ON r.id = t.{fk} WHERE t.{column} IS NOT r.{ref_column}"
            )
            wrong += [(table, column, dict(row)) for row in rows]
    return wrong


async def _world(bo_factory) -> dict:
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Seller")
    client = await bo_factory.company(reseller, name="Beta client")
    own = LegalEntity(company=reseller["id"], name="Own LE", legal_name="x")
    await own.save()
    entity = LegalEntity(company=client["id"], name="Client LE", legal_name="x")
    await entity.save()
    bank = Bank(company=reseller["id"], name="First bank", country="DE", address="x")
    await bank.save()
    return {"owner": owner, "reseller": reseller, "client": client, "own": own.id}


async def test_every_write_path_keeps_the_copies(bo_factory):
    world = await _world(bo_factory)
    reseller, client = world["reseller"], world["client"]
    entity = (await LegalEntity.select(LegalEntity.id).where(LegalEntity.name == "Client LE"))[0]
    bank = (await Bank.select(Bank.id))[0]["id"]
    # piccolo inserts, a copy written by the caller (overwritten), bulk inserts
    account = BankAccount(
        company=client["id"],
        legal_entity=entity["id"],
        bank=bank,
        name="acct",
        holder="h",
        sort_company="forged",
    )
    await account.save()
    await Portal(company=client["id"], name="P", fqdn="p.example.test").save()
    await bo_factory.user(client)
    columns = ["company", "legal_entity", "own_legal_entity", "code", "currency"]
    rows = [(client["id"], entity["id"], world["own"], f"A-{n}", "EUR") for n in range(3)]
    await bulk.insert_many(Agreement, columns, rows)
    await bulk.insert_many(
        LegalEntity, ["company", "name", "legal_name"], [(client["id"], "bulk LE", "x")]
    )
    assert await _stale() == []
    row = await Agreement.select(Agreement.sort_company).first()
    assert row["sort_company"] == "Beta client"
    # renames follow, a changed foreign key and a removed own legal entity too
    await Company.update({Company.name: "Alpha client"}).where(Company.id == client["id"])
    await LegalEntity.update({LegalEntity.name: "Renamed LE"}).where(LegalEntity.id == entity["id"])
    await Bank.update({Bank.name: "Renamed bank"}).where(Bank.id == bank)
    await Company.update({Company.own_legal_entity: world["own"]}).where(Company.id == client["id"])
    assert await _stale() == []
    await LegalEntity.update({LegalEntity.name: "Own renamed"}).where(
        LegalEntity.id == world["own"]
    )
    mine = await Company.select(Company.sort_own_legal_entity).where(Company.id == client["id"])
    assert mine[0]["sort_own_legal_entity"] == "Own renamed"
    await Company.update({Company.own_legal_entity: None}).where(Company.id == client["id"])
    await BankAccount.update({BankAccount.company: reseller["id"]}).where(
        BankAccount.id == account.id
    )
    # writing a copy directly changes nothing
    await Agreement.update({Agreement.sort_company: "Zzz"}).where(Agreement.id > 0)
    assert await _stale() == []
    # an upsert moving a row to another company
    await bulk.upsert_many(
        Portal,
        ["id", "company", "name", "fqdn"],
        [(1_000_001, reseller["id"], "Q", "q.example.test")],
        key=("id",),
        update=("company",),
    )
    assert await _stale() == []


async def test_a_rename_moves_a_companys_agreements_in_the_order(bo_factory, bo_api):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Seller")
    admin = await bo_factory.user(reseller)
    own = LegalEntity(company=reseller["id"], name="Own LE", legal_name="x")
    await own.save()
    codes = {}
    for name in ("Alpha", "Bravo", "Charlie"):
        client = await bo_factory.company(reseller, name=name)
        entity = LegalEntity(company=client["id"], name=f"LE {name}", legal_name="x")
        await entity.save()
        for n in range(2):
            agreement = Agreement(
                company=client["id"],
                legal_entity=entity.id,
                own_legal_entity=own.id,
                code=f"{name}-{n}",
                currency="EUR",
            )
            await agreement.save()
        codes[name] = client["id"]
    api = await bo_api(admin)

    async def order() -> list[str]:
        res = await api.get("/api/v1/agreements?sort=company&order=asc&page_size=2")
        seen, body = [], res.json()
        while True:
            seen += [item["code"] for item in body["items"]]
            if not body["next"]:
                return seen
            url = f"/api/v1/agreements?sort=company&order=asc&page_size=2&cursor={body['next']}"
            body = (await api.get(url)).json()

    assert await order() == ["Alpha-0", "Alpha-1", "Bravo-0", "Bravo-1", "Charlie-0", "Charlie-1"]
    res = await api.patch(f"/api/v1/companies/{codes['Alpha']}", json={"name": "Delta"})
    assert res.status_code == 200, res.text
    assert await order() == ["Bravo-0", "Bravo-1", "Charlie-0", "Charlie-1", "Alpha-0", "Alpha-1"]


async def _plan(sql: str, *args) -> str:
    async with transaction() as txn:
        conn = txn.connection
        if is_postgres():
            await conn.execute("SET LOCAL enable_seqscan = off")
            numbered = sql
            for n in range(len(args)):
                numbered = numbered.replace("?", f"${n + 1}", 1)
            rows = await conn.fetch("EXPLAIN " + numbered, *args)
            return "\n".join(row[0] for row in rows)
        cursor = await conn.execute("EXPLAIN QUERY PLAN " + sql, args)
        return "\n".join(str(row["detail"]) for row in await cursor.fetchall())


PAGES = [
    ("jobs", "company", "created_at", ""),
    ("jobs", "company", "kind", ""),
    ("jobs", "company", "finished_at", "finished_at IS NOT NULL"),
    ("jobs", "company", "finished_at", "finished_at IS NULL"),
    ("banks", "company", "name", ""),
    ("agreements", "seller_id", "sort_company", "sort_company IS NOT NULL"),
    ("agreements", "seller_id", "sort_balance", ""),
    *(("payment_systems", "company", key, "") for key in PAYMENT_KEYS if key != "id"),
    ("companies", "parent", "sort_own_legal_entity", "sort_own_legal_entity IS NULL"),
    ("legal_entities", "tenant_id", "sort_company", "sort_company IS NOT NULL"),
    ("users", "company", "last_active_at", "last_active_at IS NOT NULL"),
    ("users", "company", "last_active_at", "last_active_at IS NULL"),
]


async def _thousands(reseller: int) -> None:
    """2,000 clients of ``reseller`` with a legal entity and an agreement each (balances
    spread), and as many jobs, banks, users and payment systems of the reseller (half never
    active, half of the jobs unfinished)."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    rows = [(f"C {i:05d}", "client", reseller, 2) for i in range(2000)]
    await bulk.insert_many(Company, ["name", "kind", "parent", "depth"], rows)
    clients = [r["id"] for r in await Company.select(Company.id).where(Company.parent == reseller)]
    entities = [(c, f"LE {c}", "x") for c in clients]
    await bulk.insert_many(LegalEntity, ["company", "name", "legal_name"], entities)
    entity = (await LegalEntity.select(LegalEntity.id).first())["id"]
    agreements = [(c, entity, entity, f"A-{c}", "EUR") for c in clients]
    columns = ["company", "legal_entity", "own_legal_entity", "code", "currency"]
    await bulk.insert_many(Agreement, columns, agreements)
    jobs = [(reseller, "export", "done", now if n % 2 else None) for n in range(2000)]
    await bulk.insert_many(Job, ["company", "kind", "status", "finished_at"], jobs)
    banks = [(reseller, f"Bank {n}", "DE", "x") for n in range(2000)]
    await bulk.insert_many(Bank, ["company", "name", "country", "address"], banks)
    users = [(reseller, f"u{n}@example.test", "x", now if n % 2 else None) for n in range(2000)]
    await bulk.insert_many(User, ["company", "email", "password_hash", "last_active_at"], users)
    systems = [(reseller, f"System {n}", f"kind{n % 7}", n * 1000) for n in range(2000)]
    await bulk.insert_many(
        PaymentSystemConfig, ["company", "name", "kind", "internal_fee"], systems
    )
    # balances spread over many values (the copy follows them: its own triggers)
    await BalanceAccount.raw("UPDATE balance_accounts SET balance = (agreement % 97) - 40")


@pytest.mark.parametrize(("table", "scope", "key", "run"), PAGES)
async def test_a_page_is_one_index_range(bo_factory, table, scope, key, run):
    """With thousands of rows in the scope and fresh statistics, a page of each newly indexed
    sort (each run of a NULL-able key) reads an index in order, backwards too: no sort, no
    table scan."""
    owner = await bo_factory.owner()
    reseller = (await bo_factory.company(owner, "reseller"))["id"]
    await _thousands(reseller)
    await refresh_statistics()
    where = f"{scope} = ?" + (f" AND {run}" if run else "")
    for direction in ("", " DESC"):
        order = f"{key}{direction}, id{direction}"
        sql = f"SELECT id FROM {table} WHERE {where} ORDER BY {order} LIMIT 26"
        plan = await _plan(sql, reseller)
        if is_postgres():
            assert "Sort" not in plan and "Seq Scan" not in plan, plan
        else:
            assert "TEMP B-TREE" not in plan and f"SCAN {table}" not in plan, plan


async def test_banks_merge_the_ancestors_in_order(bo_factory, bo_api):
    """One arm per ancestor: the owner's banks and the reseller's interleave by name."""
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    client = await bo_factory.company(reseller, "reseller")
    admin = await bo_factory.user(client)
    names = []
    for n, company in enumerate([owner, reseller, client] * 3):
        name = f"Bank {n % 4}"
        bank = Bank(company=company["id"], name=name, country="DE", address="x")
        await bank.save()
        names.append((name, bank.id))
    other = await bo_factory.company(owner, "reseller")
    await Bank(company=other["id"], name="Bank 0", country="DE", address="x").save()
    api = await bo_api(admin)
    for order in ("asc", "desc"):
        res = await api.get(f"/api/v1/banks?sort=name&order={order}&page_size=500")
        got = [(i["name"], i["id"]) for i in res.json()["items"]]
        assert got == sorted(names, reverse=order == "desc")
