"""Name search through the trigram index (``core.db.search``): the semantics of the old
``contains`` on every searched list, the index kept in step, the index actually used."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from payment_rows import linked

from core.access.models import Role
from core.access.roles import RoleFilters
from core.accounts.agreements.models import Agreement
from core.accounts.agreements.service import AgreementFilters
from core.accounts.bank_accounts.models import BankAccount
from core.accounts.bank_accounts.service import BankAccountFilters
from core.accounts.banks.models import Bank
from core.accounts.banks.service import BankFilters
from core.accounts.companies.service import CompanyFilters
from core.accounts.legal_entities.models import LegalEntity
from core.accounts.legal_entities.service import LegalEntityFilters
from core.auth.models import User
from core.db import bulk
from core.db.engine import is_postgres, transaction
from core.db.search import SEARCHED, matches, search_table
from core.payments.models import PaymentSystemConfig
from core.payments.systems import PaymentSystemFilters
from core.portals.service import PortalFilters
from core.users.directory import DirectoryFilters
from core.users.invitations import InvitationFilters
from core.users.models import Invitation
from tenants.models import Company, Portal

# Query plans depend on the tables' files, not only their rows (see bo_fresh_tables).
pytestmark = pytest.mark.usefixtures("bo_fresh_tables")

TEXTS = [
    "Acme Trading",
    "ACME TRADING LTD",
    "Beta 50% off",
    "Beta 50 off",
    "snake_case",
    "snakeXcase",
    'Quote "q" NEAR(x) a*b OR c',
    "Zeta",
]
# Short texts (1-2 characters) take the plain scan; FTS5 syntax must stay literal.
QUERIES = [
    *("acme", "TRAD", "me t", "50%", "%", "0%", "e_c", "_", "ke_", "a", "ta", "zz"),
    *("nomatch", '"', '"q"', 'e "q', "NEAR(", "a*b", "OR c", "*", "OR", ")", "{name}"),
    *("'", "\\", "-x", "^", "Acme Trading LTD!", "name:acme", "AND", "NOT", "   ", " 50"),
]
# Other searched columns of a row hold this (never in a query), made unique by repetition.
FILLER = "·"


def expected(q: str) -> set[str]:
    return {t for t in TEXTS if q.lower() in t.lower()}


class World:
    """One tenant with what every searched row needs (legal entity, bank, role)."""

    def __init__(self, company: dict) -> None:
        self.company = company["id"]
        self.n = 0

    def filler(self) -> str:
        self.n += 1
        return FILLER * self.n

    async def prepare(self) -> None:
        le = LegalEntity(company=self.company, name=self.filler(), legal_name=self.filler())
        await le.save()
        self.le = le.id
        bank = Bank(company=self.company, name=self.filler(), country="DE", address="x")
        await bank.save()
        self.bank = bank.id


async def _company(w: World, name: str) -> int:
    row = Company(name=name, kind="client", parent=w.company, depth=2)
    await row.save()
    return row.id


def _fields(w: World, columns: tuple[str, ...], column: str, text: str) -> dict:
    return {c: (text if c == column else w.filler()) for c in columns}


async def make(kind: str, w: World, column: str, text: str) -> int:
    """A row of list ``kind`` whose ``column`` holds ``text``; returns the listed row's id."""
    if kind == "companies":
        return await _company(w, text)
    if kind == "agreements":
        company = await _company(w, text if column == "company.name" else w.filler())
        code = text if column == "code" else w.filler()
        row = Agreement(
            company=company,
            legal_entity=w.le,
            own_legal_entity=w.le,
            code=code,
            agreement_date=date(2026, 1, 1),
            currency="EUR",
        )
    elif kind == "legal_entities":
        row = LegalEntity(company=w.company, **_fields(w, ("name", "legal_name"), column, text))
    elif kind == "banks":
        row = Bank(company=w.company, country="DE", address="x", name=text)
    elif kind == "bank_accounts":
        fields = _fields(w, ("name", "holder"), column, text)
        row = BankAccount(
            company=w.company, legal_entity=w.le, bank=w.bank, number=w.filler(), **fields
        )
    elif kind == "portals":
        row = Portal(company=w.company, **_fields(w, ("name", "fqdn"), column, text))
    elif kind == "payment_systems":
        row = await linked(w.company, text, "test")
    elif kind == "roles":
        row = Role(company=w.company, name=text)
    elif kind == "users":
        fields = _fields(w, ("email", "first_name", "last_name", "login"), column, text)
        row = User(company=w.company, **fields)
    elif kind == "invitations":
        row = Invitation(
            company=w.company,
            email=text,
            token_hash=uuid.uuid4().hex,
            expires_at=datetime.now(UTC) + timedelta(days=1),
        )
    else:
        raise AssertionError(kind)
    await row.save()
    return row.id


# list -> (listed table, the list's own filter clauses for a search text)
LISTS = {
    "companies": (Company, lambda q: CompanyFilters(q=q).clauses()),
    "legal_entities": (LegalEntity, lambda q: LegalEntityFilters(q=q).clauses()),
    "agreements": (Agreement, lambda q: AgreementFilters(q=q).clauses()),
    "banks": (Bank, lambda q: BankFilters(q=q).clauses()),
    "bank_accounts": (BankAccount, lambda q: BankAccountFilters(q=q).clauses()),
    "portals": (Portal, lambda q: PortalFilters(q=q).clauses()),
    "payment_systems": (PaymentSystemConfig, lambda q: PaymentSystemFilters(q=q).clauses()),
    "roles": (Role, lambda q: RoleFilters(q=q).clauses()),
    "users": (User, lambda q: DirectoryFilters(q=q, group="backoffice").user_clauses()),
    "invitations": (Invitation, lambda q: InvitationFilters(q=q).clauses()),
}
CASES = [
    ("companies", "name"),
    ("legal_entities", "name"),
    ("legal_entities", "legal_name"),
    ("agreements", "code"),
    ("agreements", "company.name"),
    ("banks", "name"),
    ("bank_accounts", "name"),
    ("bank_accounts", "holder"),
    ("portals", "name"),
    ("portals", "fqdn"),
    ("payment_systems", "name"),
    ("roles", "name"),
    ("users", "email"),
    ("users", "first_name"),
    ("users", "last_name"),
    ("users", "login"),
    ("invitations", "email"),
]


async def found(table, clauses, ids: set[int]) -> set[int]:
    query = table.select(table.id).where(table.id.is_in(list(ids)))
    for clause in clauses:
        query = query.where(clause)
    return {row["id"] for row in await query}


@pytest.mark.parametrize(("kind", "column"), CASES, ids=[f"{k}-{c}" for k, c in CASES])
async def test_search_is_a_literal_case_insensitive_substring(bo_factory, kind, column):
    w = World(await bo_factory.company(await bo_factory.owner(), "reseller"))
    await w.prepare()
    rows = {await make(kind.split(".")[0], w, column, text): text for text in TEXTS}
    table, clauses = LISTS[kind]
    for q in QUERIES:
        hits = await found(table, clauses(q), set(rows))
        assert {rows[i] for i in hits} == expected(q), q


async def test_bank_swift_and_account_number_filters(bo_factory):
    w = World(await bo_factory.company(await bo_factory.owner(), "reseller"))
    await w.prepare()
    swifts = {}
    for swift in ("DEUTDEFF", "DEUTDEFF500", "COBADEFF", "AB_CDEF%"):
        bank = Bank(company=w.company, name=w.filler(), country="DE", address="x", swift=swift)
        await bank.save()
        swifts[bank.id] = swift
    for q, want in [(" deut ", 2), ("eff5", 1), ("FF", 3), ("_", 1), ("%", 1), ("X", 0)]:
        assert len(await found(Bank, BankFilters(swift=q).clauses(), set(swifts))) == want, q
    numbers = {}
    for number in ("DE89370400440532013000", "GB29NWBK60161331926819", "DE_1%"):
        row = BankAccount(
            company=w.company,
            legal_entity=w.le,
            bank=w.bank,
            name=w.filler(),
            holder=w.filler(),
            number=number,
        )
        await row.save()
        numbers[row.id] = number
    # the number is searched without spaces and upper-cased, as typed on a card
    for q, want in [("de89 3704", 1), ("de", 2), ("1331 926", 1), ("e_1", 1), ("E%", 0)]:
        hits = await found(BankAccount, BankAccountFilters(q=q).clauses(), set(numbers))
        assert len(hits) == want, q


async def test_unicode_case_folds_as_the_engine_did_before(bo_factory):
    """PostgreSQL's ILIKE folds every letter; SQLite's LIKE only ASCII ones, and the FTS5
    candidates are re-checked by that LIKE, so long and short texts agree on each engine."""
    w = World(await bo_factory.company(await bo_factory.owner(), "reseller"))
    row = await _company(w, "MÜLLER GmbH")
    clauses = CompanyFilters(q="müller").clauses()
    assert await found(Company, clauses, {row}) == ({row} if is_postgres() else set())
    assert await found(Company, CompanyFilters(q="ÜLL").clauses(), {row}) == {row}
    assert await found(Company, CompanyFilters(q="gmbh").clauses(), {row}) == {row}
    assert await found(Company, CompanyFilters(q="Ü").clauses(), {row}) == {row}


async def _integrity() -> None:
    """FTS5 compares each index with its content table (SQLite); PostgreSQL keeps GIN indexes
    itself, so there is nothing to check there."""
    if is_postgres():
        return
    async with transaction() as txn:
        for table in SEARCHED:
            fts = search_table(table)
            await txn.connection.execute(f"INSERT INTO {fts} ({fts}) VALUES ('integrity-check')")


async def _search(q: str, parent: int) -> list[str]:
    query = Company.select(Company.name).where(Company.parent == parent, matches(Company.name, q))
    return sorted(row["name"] for row in await query.order_by(Company.name))


async def test_the_index_follows_insert_update_and_delete(bo_factory):
    await _integrity()  # rows of earlier tests were removed by the harness's DELETE/TRUNCATE
    w = World(await bo_factory.company(await bo_factory.owner(), "reseller"))
    first = await _company(w, "Northwind Traders")
    await _company(w, "Southwind Traders")
    assert await _search("wind trad", w.company) == ["Northwind Traders", "Southwind Traders"]
    await Company.update({Company.name: "Eastern Star"}).where(Company.id == first)
    assert await _search("wind trad", w.company) == ["Southwind Traders"]
    assert await _search("ern sta", w.company) == ["Eastern Star"]
    await Company.update({Company.depth: 3}).where(Company.id == first)  # not a searched column
    assert await _search("ern sta", w.company) == ["Eastern Star"]
    await Company.delete().where(Company.id == first)
    assert await _search("ern sta", w.company) == []
    await _integrity()
    from core.plugins.testing import _empty_tables

    await _empty_tables()
    await _integrity()
    assert await Company.count() == 0 and await _search("wind", w.company) == []


async def test_bulk_writes_keep_the_index_in_step(bo_factory):
    w = World(await bo_factory.company(await bo_factory.owner(), "reseller"))
    rows = [(w.company, f"Role {i}") for i in range(300)]
    assert await bulk.insert_many(Role, ["company", "name"], rows) == 300
    hits = await Role.select(Role.name).where(*RoleFilters(q="LE 29").clauses())
    assert {r["name"] for r in hits} == {"Role 29"} | {f"Role {i}" for i in range(290, 300)}
    portals = [(w.company, f"Portal {i}", f"p{i}.example.test") for i in range(20)]
    await bulk.upsert_many(Portal, ["company", "name", "fqdn"], portals, key=["fqdn"])
    renamed = [(w.company, f"Renamed {i}", f"p{i}.example.test") for i in range(10)]
    await bulk.upsert_many(Portal, ["company", "name", "fqdn"], renamed, key=["fqdn"])
    hits = await Portal.select(Portal.name).where(*PortalFilters(q="renamed").clauses())
    assert len(hits) == 10
    hits = await Portal.select(Portal.name).where(*PortalFilters(q="portal ").clauses())
    assert len(hits) == 10
    await _integrity()


async def test_searched_columns_have_their_index():
    """``SEARCHED`` (read by ``matches``) and the migrations name the same columns."""
    from importlib import import_module

    frozen = {}
    for name in ("2026_12_01t06_10_00_000000", "2026_12_01t11_50_00_000000"):
        frozen.update(import_module(f"core.db.migrations.backoffice_{name}").SEARCHED)
    assert frozen == SEARCHED
    async with transaction() as txn:
        conn = txn.connection
        if is_postgres():
            rows = await conn.fetch(
                "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_trgm'"
            )
            names = {row["indexname"] for row in rows}
            assert names == {f"{t}_{c}_trgm" for t, cols in SEARCHED.items() for c in cols}
        else:
            for table, columns in SEARCHED.items():
                cursor = await conn.execute(f"PRAGMA table_info({search_table(table)})")
                assert tuple(row["name"] for row in await cursor.fetchall()) == columns


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


@pytest.mark.parametrize("kind", ["companies", "agreements"])
async def test_a_search_reads_the_trigram_index(bo_factory, kind):
    """Enough rows that a planner's choice means something (and no sequential scan on
    PostgreSQL, see ``_plan``), statistics refreshed as after a migration."""
    from core.db.statistics import refresh_statistics

    owner = await bo_factory.owner()
    w = World(await bo_factory.company(owner, "reseller"))
    await w.prepare()
    names = [(f"Company {i:05d}", "client", w.company, 2) for i in range(3000)]
    await bulk.insert_many(Company, ["name", "kind", "parent", "depth"], names)
    ids = [r["id"] for r in await Company.select(Company.id).where(Company.parent == w.company)]
    agreements = [(c, w.le, w.le, f"AG-{c}", date(2026, 1, 1), "EUR") for c in ids]
    columns = ["company", "legal_entity", "own_legal_entity", "code", "agreement_date", "currency"]
    await bulk.insert_many(Agreement, columns, agreements)
    await refresh_statistics()
    table, clauses = LISTS[kind]
    query = table.select(table.id).where(*clauses("acme"))
    plan = await _plan(query)
    if is_postgres():
        assert "companies_name_trgm" in plan, plan
    else:
        assert "SCAN companies_search VIRTUAL TABLE" in plan, plan
    if kind == "agreements":  # the code's index and the companies' one, no scan of either
        assert ("agreements_code_trgm" if is_postgres() else "agreements_search") in plan, plan
        assert "SCAN agreements\n" not in plan + "\n" and "SCAN companies\n" not in plan + "\n"
    if kind == "companies":  # scoped and sorted as the list does it
        scoped = Company.select(Company.id).where(Company.parent == w.company, *clauses("acme"))
        plan = await _plan(scoped.order_by(Company.name).limit(25))
        assert ("companies_name_trgm" if is_postgres() else "companies_search") in plan, plan


HOSTILE = ['"', '""', "*", "OR", "NEAR(", "a NEAR(b", "%", "_", "\\", "'", "{name}:x", "(", "^a"]
LIST_URLS = [
    "/api/v1/companies?q=",
    "/api/v1/legal-entities?q=",
    "/api/v1/own-legal-entities?q=",
    "/api/v1/agreements?q=",
    "/api/v1/banks?q=",
    "/api/v1/banks?swift=",
    "/api/v1/bank-accounts?q=",
    "/api/v1/own-bank-accounts?q=",
    "/api/v1/portals?q=",
    "/api/v1/payment-systems?q=",
    "/api/v1/roles?q=",
    "/api/v1/users?q=",
    "/api/v1/invitations?q=",
    "/api/v1/audit?action_contains=",
    "/api/v1/audit?user=",
]


async def test_hostile_search_texts_never_fail(bo_factory, bo_api):
    from urllib.parse import quote

    api = await bo_api(await bo_factory.user(await bo_factory.owner()))
    for url in LIST_URLS:
        for text in [*HOSTILE, *(t + " and more" for t in HOSTILE)]:
            res = await api.get(url + quote(text))
            assert res.status_code == 200, (url, text, res.text)
        assert (await api.get(url + "a%00bcd")).status_code == 400, url  # core.web.guard


async def test_another_tenants_rows_never_match(bo_factory, bo_api):
    owner = await bo_factory.owner()
    one = await bo_factory.company(owner, "reseller", name="Tenant One")
    two = await bo_factory.company(owner, "reseller", name="Tenant Two")
    mine = await bo_factory.company(one, "client", name="Acme of One")
    await bo_factory.company(two, "client", name="Acme of Two")
    api = await bo_api(await bo_factory.user(one))
    for q, want in [("acme", [mine["id"]]), ("ACME OF", [mine["id"]]), ("ac", [mine["id"]])]:
        items = (await api.get(f"/api/v1/companies?q={q}")).json()["items"]
        assert [c["id"] for c in items] == want, q
    for q in ("of two", "tw", "Two"):
        assert (await api.get(f"/api/v1/companies?q={q}")).json()["items"] == [], q
