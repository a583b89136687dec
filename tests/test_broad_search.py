"""A searched list read from its own order first (``core.db.broad_search``): every page, total
and cursor is what the trigram read alone gives, for texts matching every row, half of them, a
tenth, a cluster in the middle of the order, a few and none; walking ``next`` from the first
page and ``previous`` from the last, numbered pages, the last page. The prefix and count
bounds are made small here so a few hundred rows take every branch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.accounts.agreements.models import Agreement
from core.accounts.bank_accounts.models import BankAccount
from core.accounts.banks.models import Bank
from core.accounts.legal_entities.models import LegalEntity
from core.audit.models import AuditEvent
from core.auth.models import User
from core.db import broad_search, bulk
from core.db.engine import engine, is_postgres
from core.web import listing
from tenants.models import Company, Portal

ROWS = 150
# every row / every other row / one in ten / 0100-0149 (one end of the order) / ten / none
TEXTS = ["client", "even", "tenth", "nt 01", "nt 002", "zzzz"]


def _name(i: int) -> str:
    parity = "Even" if i % 2 == 0 else "Odd"
    return f"Client {i:04d} {parity}{' Tenth' if i % 10 == 0 else ''}"


@pytest.fixture
def small_bounds(monkeypatch):
    """Bounds that a few hundred rows cross: more than 20 candidates is a broad text, a prefix
    of 3 rows per row wanted (20-200), a count sampling 30 rows and counting up to 600 with
    LIKE, totals capped at 100."""
    monkeypatch.setattr(broad_search, "SPAN_PER_ROW", 3)
    monkeypatch.setattr(broad_search, "MIN_SPAN", 20)
    monkeypatch.setattr(broad_search, "MAX_SPAN", 200)
    monkeypatch.setattr(broad_search, "SAMPLE", 30)
    monkeypatch.setattr(broad_search, "COUNT_SCAN", 600)
    monkeypatch.setattr(broad_search, "FEW", 20)
    monkeypatch.setattr(listing, "TOTAL_CAP", 100)


def _trigram_only(monkeypatch) -> None:
    """The reference: no clause is seen as a ``Searched`` one, so every read is the trigram's."""
    monkeypatch.setattr(broad_search, "split", lambda where: (None, where))


async def _world(bo_factory, rows: int = ROWS) -> dict:
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Broad reseller")
    rid = reseller["id"]
    await bulk.insert_many(
        Company,
        ["name", "kind", "parent", "depth"],
        [(_name(i), "client", rid, 2) for i in range(rows)],
    )
    le = LegalEntity(company=rid, name="Broad LE", legal_name="Broad LE")
    await le.save()
    clients = await Company.select(Company.id, Company.name).where(Company.parent == rid)
    columns = ["company", "legal_entity", "own_legal_entity", "code", "agreement_date", "currency"]
    agreements = [
        (c["id"], le.id, le.id, f"A-{c['name'][7:11]}", date(2026, 1, 1), "EUR") for c in clients
    ]
    await bulk.insert_many(Agreement, columns, agreements)
    return reseller


async def _scoped_world(bo_factory, rows: int = ROWS) -> dict:
    """A reseller whose scoped lists (two disjoint arms: its own rows, ``owner = R``, and its
    clients', ``tenant_id = R``) hold ``rows`` rows each, every third its own and the others
    spread over six clients, interleaved in every order, so each text matches in both arms."""
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Scoped reseller")
    rid = reseller["id"]
    clients = [
        (await bo_factory.company(reseller, "client", name=f"Scoped client {n}"))["id"]
        for n in range(6)
    ]

    def company(i: int) -> int:
        return rid if i % 3 == 0 else clients[i % 6]

    at = datetime(2026, 3, 1, tzinfo=UTC)
    await bulk.insert_many(
        Portal,
        ["company", "name", "fqdn"],
        [(company(i), _name(i), f"scoped{i}.example.test") for i in range(rows)],
    )
    await bulk.insert_many(
        User,
        ["company", "email", "first_name"],
        [(company(i), f"scoped{i}@example.test", _name(i)) for i in range(rows)],
    )
    await bulk.insert_many(
        AuditEvent,
        ["company", "user_label", "action", "created_at"],
        # ties on the time every five events: the id orders them
        [(company(i), _name(i), "x", at + timedelta(seconds=i // 5)) for i in range(rows)],
    )
    return reseller


async def _walk(api, url: str) -> list[dict]:
    """Every page from the first by ``next``, then from the last by ``previous``, then the
    third numbered page: the whole answers, cursors and totals included."""
    pages = []
    for start, step in (("first", "next"), ("last", "previous")):
        cursor = start
        while cursor is not None:
            res = await api.get(f"{url}&cursor={cursor}")
            assert res.status_code == 200, res.text
            pages.append(res.json())
            cursor = pages[-1][step]
            assert len(pages) < 200, url
    res = await api.get(f"{url}&page=3")
    assert res.status_code == 200, res.text
    pages.append(res.json())
    return pages


def _urls(lists: dict[str, list[str]], sizes=(7,)) -> list[str]:
    return [
        f"/api/v1/{name}?q={text.replace(' ', '%20')}&sort={sort}&order={order}&page_size={size}"
        for name, sorts in lists.items()
        for sort in sorts
        for order in ("asc", "desc")
        for size in sizes
        for text in TEXTS
    ]


def _expected(pages: list[dict], text: str) -> None:
    names = {_name(i) for i in range(ROWS) if text.lower() in _name(i).lower()}
    assert pages[0]["total"] == min(len(names), listing.TOTAL_CAP)
    assert pages[0]["total_is_capped"] == (len(names) > listing.TOTAL_CAP)


async def test_pages_totals_and_cursors_are_the_trigram_reads(
    bo_factory, bo_api, monkeypatch, small_bounds
):
    reseller = await _world(bo_factory)
    api = await bo_api(await bo_factory.user(reseller))
    urls = _urls({"companies": ["name", "id"], "agreements": ["code", "company"]})
    ours = {url: await _walk(api, url) for url in urls}
    _trigram_only(monkeypatch)
    for url in urls:
        reference = await _walk(api, url)
        assert ours[url] == reference, url
        if url.startswith("/api/v1/companies"):
            text = url.split("q=")[1].split("&")[0].replace("%20", " ")
            _expected(reference, text)
            walked = [c["name"] for p in reference[: len(reference) // 2] for c in p["items"]]
            want = [_name(i) for i in range(ROWS) if text in _name(i).lower()]
            assert sorted(walked) == sorted(want), url


async def test_a_short_list_is_read_whole_and_counted_exactly(
    bo_factory, bo_api, monkeypatch, small_bounds
):
    """Fewer rows than the prefix and the count's sample: one LIKE read of them all."""
    reseller = await _world(bo_factory, rows=15)
    api = await bo_api(await bo_factory.user(reseller))
    urls = _urls({"companies": ["name"], "agreements": ["code"]}, sizes=(4,))
    ours = {url: await _walk(api, url) for url in urls}
    _trigram_only(monkeypatch)
    for url in urls:
        assert ours[url] == await _walk(api, url), url


def _scoped_urls(sizes=(7,)) -> list[str]:
    lists = {
        "portals?": ("q", ["name", "id", "company"]),
        "users?group=backoffice&": ("q", ["email", "id"]),
        "audit?": ("user", ["created_at"]),
    }
    return [
        f"/api/v1/{path}{param}={text.replace(' ', '%20')}&sort={sort}&order={order}"
        f"&page_size={size}"
        for path, (param, sorts) in lists.items()
        for sort in sorts
        for order in ("asc", "desc")
        for size in sizes
        for text in TEXTS
    ]


async def test_scoped_lists_read_by_arm_give_the_trigram_reads(
    bo_factory, bo_api, monkeypatch, small_bounds
):
    """A scope of two arms, both holding matches: the prefix probed by arm and the bounded
    count read by arm give every page, total and cursor of the trigram read alone."""
    reseller = await _scoped_world(bo_factory)
    api = await bo_api(await bo_factory.user(reseller))
    urls = _scoped_urls()
    ours = {url: await _walk(api, url) for url in urls}
    _trigram_only(monkeypatch)
    for url in urls:
        reference = await _walk(api, url)
        assert ours[url] == reference, url
        if url.startswith("/api/v1/portals"):
            _expected(reference, url.split("q=")[1].split("&")[0].replace("%20", " "))


async def _accounts_world(bo_factory, rows: int = ROWS) -> dict:
    """A reseller's clients' bank accounts (the ``bank-accounts`` list): names as ``_name``,
    numbers ``IBAN000000``…, so a text may match the name, the holder or the number."""
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Accounts reseller")
    client = await bo_factory.company(reseller, "client", name="Accounts client")
    le = LegalEntity(company=client["id"], name="Accounts LE", legal_name="Accounts LE")
    await le.save()
    bank = Bank(company=reseller["id"], name="Accounts bank", country="DE", address="x")
    await bank.save()
    await bulk.insert_many(
        BankAccount,
        ["company", "legal_entity", "bank", "name", "holder", "number"],
        [(client["id"], le.id, bank.id, _name(i), "Holder", f"IBAN{i:06d}") for i in range(rows)],
    )
    return reseller


async def test_bank_accounts_text_or_number_is_one_searched_read(
    bo_factory, bo_api, monkeypatch, small_bounds, statements
):
    """The bank accounts' ``q`` (the name or holder holding the text, or the number holding it
    without spaces) is one ``Searched`` clause: a broad text is read from the list's order and
    counted with ``LIKE``, never through every posting, with the trigram read's very pages."""
    reseller = await _accounts_world(bo_factory)
    api = await bo_api(await bo_factory.user(reseller))
    statements.clear()
    page = (await api.get("/api/v1/bank-accounts?q=ban%2000&sort=name&order=asc")).json()
    assert page["total"] == 100 and page["total_is_capped"]
    assert page["items"][0]["name"] == _name(0)
    assert not any("IN (SELECT rowid FROM" in sql for sql in statements), statements
    texts = [*TEXTS, "ban 0001", "iban00014", "HOLDER"]
    urls = [
        f"/api/v1/bank-accounts?q={text.replace(' ', '%20')}&sort={sort}&order={order}&page_size=7"
        for sort in ("name", "number")
        for order in ("asc", "desc")
        for text in texts
    ]
    ours = {url: await _walk(api, url) for url in urls}
    _trigram_only(monkeypatch)
    for url in urls:
        assert ours[url] == await _walk(api, url), url


@pytest.fixture
def statements(monkeypatch):
    """The SQL text of every statement run (on the engine's class, as test_query_counts)."""
    engine_class = type(engine())
    seen: list[str] = []
    run_querystring = engine_class.run_querystring

    async def recording(self, querystring, *args, **kwargs):
        seen.append(str(querystring))
        return await run_querystring(self, querystring, *args, **kwargs)

    monkeypatch.setattr(engine_class, "run_querystring", recording)
    return seen


async def test_each_text_takes_its_cheapest_exact_read(
    bo_factory, bo_api, small_bounds, statements
):
    """A broad text's page and total come from the list's order and a bounded count, without
    reading all its FTS5 postings; a rare text's postings are read once (a bounded probe),
    then the page and count go through those rowids; on PostgreSQL none of this happens."""
    reseller = await _world(bo_factory)
    api = await bo_api(await bo_factory.user(reseller))
    every_posting = "IN (SELECT rowid FROM"
    probe = f"LIMIT {broad_search.FEW + 1}"

    statements.clear()
    page = (await api.get("/api/v1/companies?q=client&sort=name&order=asc&page_size=7")).json()
    assert [c["name"] for c in page["items"]] == [_name(i) for i in range(7)]
    assert (page["total"], page["total_is_capped"]) == (100, True)
    assert not any(every_posting in sql for sql in statements), statements
    assert sum(probe in sql for sql in statements) == (0 if is_postgres() else 1)

    statements.clear()
    page = (await api.get("/api/v1/agreements?q=even&sort=code&page_size=7")).json()
    assert [a["code"] for a in page["items"]] == [f"A-{i:04d}" for i in range(148, 134, -2)]
    assert (page["total"], page["total_is_capped"]) == (75, False)
    assert not any(every_posting in sql for sql in statements), statements

    statements.clear()
    page = (await api.get("/api/v1/companies?q=nt%20002&sort=name&page_size=7")).json()
    assert [c["name"] for c in page["items"]] == [_name(i) for i in range(29, 22, -1)]
    assert page["total"] == 10 and page["next"] is not None
    assert not any(every_posting in sql for sql in statements), statements
    assert sum(probe in sql for sql in statements) == (0 if is_postgres() else 1)


async def test_only_sqlite_gets_a_searched_clause():
    """PostgreSQL's SQL is the trigram clause as before; SQLite's carries the cheaper reads,
    except for texts its FTS5 index does not serve (under three characters)."""
    from core.db.search import matches

    clause = matches([Agreement.code, Agreement.company.name], "client")
    assert isinstance(clause, broad_search.Searched) is not is_postgres()
    assert not isinstance(matches(Company.name, "cl"), broad_search.Searched)


async def test_a_scoped_broad_text_is_probed_and_counted_by_arm(
    bo_factory, bo_api, small_bounds, statements, monkeypatch
):
    """The reseller's own rows and its clients' rows are each read through their own index:
    no statement reads every posting, and the prefix probe and the bounded count name each
    arm alone, without the plain scope's join to companies. (The audit list reads a text
    naming few (label, action) pairs as their ranges instead, ``core.audit.label_pairs``:
    turned off here, as for a log of many labels.)"""
    from core.audit import label_pairs

    monkeypatch.setattr(label_pairs, "MAX_PAIRS", 0)
    reseller = await _scoped_world(bo_factory)
    api = await bo_api(await bo_factory.user(reseller))
    for url, first in (
        ("/api/v1/portals?q=client&sort=name&order=asc&page_size=7", "Client 0000 Even Tenth"),
        ("/api/v1/audit?user=client&sort=created_at&page_size=7", _name(ROWS - 1)),
    ):
        statements.clear()
        page = (await api.get(url)).json()
        assert (page["total"], page["total_is_capped"]) == (100, True)
        assert first in {page["items"][0].get("name"), page["items"][0].get("user")}
        if is_postgres():
            continue
        assert not any("IN (SELECT rowid FROM" in sql for sql in statements), statements
        probes = [sql for sql in statements if sql.startswith("SELECT ALL") and "OFFSET" in sql]
        counts = [sql for sql in statements if "AS scanned" in sql]
        for reads in (probes, counts):
            assert reads and not any("JOIN" in sql for sql in reads), reads
            assert any('"company" = ' in sql for sql in reads), reads
            assert any('"tenant_id" = ' in sql for sql in reads), reads
