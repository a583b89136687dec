"""A searched text read through its most selective word (``core.db.search_pieces``): the
same pages, totals and cursors as the whole text, another tenant's rows never found, and the
trigram index asked for the word alone."""

from __future__ import annotations

from datetime import date

import pytest

from core.accounts.agreements.models import Agreement
from core.accounts.banks.models import Bank
from core.accounts.companies.service import CompanyFilters
from core.accounts.legal_entities.models import LegalEntity
from core.db import bulk, search_pieces
from core.db.broad_search import Searched
from core.db.engine import engine, is_postgres, transaction
from core.db.search import refined
from tenants.models import Company

# Query plans depend on the tables' files, not only their rows (see bo_fresh_tables).
pytestmark = pytest.mark.usefixtures("bo_fresh_tables")

ROWS = 300


@pytest.fixture(autouse=True)
def fresh_samples(monkeypatch):
    """Each test's own rows sampled (a sample outlives a test otherwise), small tables
    sampled at all."""
    monkeypatch.setattr(search_pieces, "MIN_SAMPLE", 50)
    search_pieces.forget()
    yield
    search_pieces.forget()


def test_words_are_the_runs_of_letters_and_digits_with_a_trigram():
    assert search_pieces.words("Client 00005") == ["00005", "Client"]
    assert search_pieces.words("A-00005") == ["00005"]
    assert search_pieces.words("LE 0") == []  # no word as long as a trigram
    assert search_pieces.words("Client") == []  # the text itself: nothing to choose
    assert search_pieces.words("snake_case x") == ["case", "snake"]
    assert search_pieces.words("Müller & Söhne") == ["Söhne", "Müller"]


async def _tenant(bo_factory, owner, label: str, rows: int = ROWS) -> dict:
    """A reseller whose clients are named as benchmarks/bench_lists.py names them, each
    with a legal entity, an agreement and one of the reseller's banks."""
    reseller = await bo_factory.company(owner, "reseller", name=f"{label} reseller")
    rid = reseller["id"]
    await bulk.insert_many(
        Company,
        ["name", "kind", "parent", "depth"],
        [(f"Client {i:05d} {label}", "client", rid, 2) for i in range(rows)],
    )
    clients = await Company.select(Company.id, Company.name).where(Company.parent == rid)
    await bulk.insert_many(
        LegalEntity,
        ["company", "name", "legal_name"],
        [(c["id"], f"LE {c['name'][7:12]}", f"LE {c['name'][7:12]} {label}") for c in clients],
    )
    own = LegalEntity(company=rid, name=f"{label} own", legal_name=f"{label} own")
    await own.save()
    les = await LegalEntity.select(LegalEntity.id, LegalEntity.company).where(
        LegalEntity.tenant_id == rid
    )
    by_company = {le["company"]: le["id"] for le in les}
    await bulk.insert_many(
        Agreement,
        ["company", "legal_entity", "own_legal_entity", "code", "agreement_date", "currency"],
        [
            (c["id"], by_company[c["id"]], own.id, f"A-{c['name'][7:12]}", date(2026, 1, 1), "EUR")
            for c in clients
        ],
    )
    await bulk.insert_many(
        Bank,
        ["company", "name", "country", "address"],
        [(rid, f"Bank {i:05d} {label}", "DE", "x") for i in range(rows)],
    )
    return reseller


# list, its sort keys, texts: a word rarer than the rest, words as rare as the text, a word
# of another case, a text split across words, a word found nowhere, broad texts
LISTS = {
    "companies": ("name", ["Client 00012", "client 0001", "nt 0001", "00012 Ours", "ours"]),
    "legal-entities": ("name", ["LE 00012", "le 0002 ours", "E 00012 O", "LE 00012 zzzz"]),
    "agreements": ("code", ["A-00012", "a-0001", "Client 00012", "00012 Ours"]),
    "banks": ("name", ["Bank 00012", "bank 0001", "Bank 0 Ours", "BANK 00012 OURS"]),
}


async def _walk(api, url: str) -> list[dict]:
    """Every page from the first by ``next``, and the last page."""
    pages, cursor = [], "first"
    while cursor is not None:
        res = await api.get(f"{url}&cursor={cursor}")
        assert res.status_code == 200, res.text
        pages.append(res.json())
        cursor = pages[-1]["next"]
        assert len(pages) < 100, url
    res = await api.get(f"{url}&cursor=last")
    assert res.status_code == 200, res.text
    return [*pages, res.json()]


async def test_a_word_gives_the_pages_and_totals_of_the_whole_text(bo_factory, bo_api, monkeypatch):
    owner = await bo_factory.owner()
    ours = await _tenant(bo_factory, owner, "Ours")
    await _tenant(bo_factory, owner, "Theirs")
    api = await bo_api(await bo_factory.user(ours))
    chosen: list[tuple[str, str]] = []
    piece = search_pieces.piece

    async def spied(table, columns, text):
        word = await piece(table, columns, text)
        chosen.append((text, word))
        return word

    monkeypatch.setattr(search_pieces, "piece", spied)
    urls = [
        f"/api/v1/{name}?q={text.replace(' ', '%20')}&sort={sort}&order={order}&page_size=7"
        for name, (key, texts) in LISTS.items()
        for sort in (key, "id")
        for order in ("asc", "desc")
        for text in texts
    ]
    read = {url: await _walk(api, url) for url in urls}
    # the words were taken: a hundredth of the rows holds "00012", every row "Client"
    assert ("Client 00012", "00012") in chosen and ("A-00012", "00012") in chosen
    assert ("LE 00012", "00012") in chosen and ("Bank 00012", "00012") in chosen

    async def whole(table, columns, text):
        return text

    monkeypatch.setattr(search_pieces, "piece", whole)
    for url in urls:
        assert read[url] == await _walk(api, url), url
    page = read["/api/v1/companies?q=Client%2000012&sort=name&order=asc&page_size=7"][0]
    assert [c["name"] for c in page["items"]] == ["Client 00012 Ours"]
    assert page["total"] == 1  # not the other tenant's "Client 00012 Theirs"
    page = read["/api/v1/banks?q=bank%200001&sort=name&order=asc&page_size=7"][0]
    assert page["total"] == 10 and all(b["name"].endswith("Ours") for b in page["items"])


async def test_the_index_is_asked_for_the_word_alone(bo_factory):
    """Enough rows that a planner's choice means something, statistics refreshed: the trigram
    index is read for "00012" and the whole text checked on the rows it gives."""
    from core.db.statistics import refresh_statistics

    owner = await bo_factory.owner()
    reseller = await _tenant(bo_factory, owner, "Ours", rows=3000)
    await refresh_statistics()
    where = await refined(
        [Company.parent == reseller["id"], *CompanyFilters(q="Client 00012").clauses()]
    )
    query = Company.select(Company.id).where(*where)
    sql, args = query.querystrings[0].compile_string(engine_type=engine().engine_type)
    assert [row["id"] for row in await query] == [
        row["id"]
        for row in await Company.select(Company.id).where(Company.name == "Client 00012 Ours")
    ]
    if not is_postgres():
        searched = where[-1]
        assert isinstance(searched, Searched)
        assert [query for _, query in searched.probes] == ['{name} : "00012"']
        assert '{name} : "00012"' in args and "%Client 00012%" in args
        return
    async with transaction() as txn:
        await txn.connection.execute("SET LOCAL enable_seqscan = off")
        rows = await txn.connection.fetch("EXPLAIN " + sql, *args)
    plan = "\n".join(row[0] for row in rows)
    index_conds = [line for line in plan.splitlines() if "Index Cond" in line]
    assert "companies_name_trgm" in plan, plan
    assert any("'%00012%'" in line for line in index_conds), plan
    assert not any("Client 00012" in line for line in index_conds), plan


async def test_a_total_proved_by_sure_matches_is_the_exact_total(bo_factory, bo_api, monkeypatch):
    """PostgreSQL counts a dense text's capped total with rows surely matching (its
    case-sensitive spellings), SQLite with LIKE over as many rows as the table's sample says
    hold the cap: the totals are those of the plain count, whatever the case typed, for texts
    matching every row, half of them, a few and none; another tenant's rows are not
    counted."""
    from core.db import broad_search
    from core.web import listing

    monkeypatch.setattr(broad_search, "SAMPLE", 30)
    monkeypatch.setattr(broad_search, "COUNT_SCAN", 600)
    monkeypatch.setattr(listing, "TOTAL_CAP", 100)
    owner = await bo_factory.owner()
    ours = await _tenant(bo_factory, owner, "Ours")
    await _tenant(bo_factory, owner, "Theirs")
    api = await bo_api(await bo_factory.user(ours))
    texts = ["client", "Client", "CLIENT", "cLiEnT", "lient 000", "LIENT 001", "ours", "zzzz"]
    urls = [
        f"/api/v1/{name}?q={text.replace(' ', '%20')}&page_size=5"
        for name in ("companies", "legal-entities", "banks", "agreements")
        for text in [*texts, "le 0", "bank", "a-0"]
    ]
    statements: list[str] = []
    bounded = broad_search._bounded_count

    async def seen(table, where, plain, rows):
        statements.append(str(plain.querystring))
        return await bounded(table, where, plain, rows)

    monkeypatch.setattr(broad_search, "_bounded_count", seen)
    densities: list[float] = []
    density = search_pieces.density

    async def sampled(table, columns, text):
        densities.append(await density(table, columns, text))
        return densities[-1]

    monkeypatch.setattr(search_pieces, "density", sampled)
    ours_totals = {url: (await api.get(url)).json() for url in urls}
    assert any(" LIKE " in sql for sql in statements) is is_postgres()
    assert max(densities) > 0.9  # "client": the runs were read on the sample's word
    monkeypatch.setattr(broad_search, "_refinable", lambda where: (None, where))

    async def unknown(table, columns, text):
        return 0.0

    monkeypatch.setattr(search_pieces, "density", unknown)
    for url in urls:
        reference = (await api.get(url)).json()
        assert ours_totals[url] == reference, url
    totals = {url: page["total"] for url, page in ours_totals.items()}
    assert totals["/api/v1/companies?q=cLiEnT&page_size=5"] == 100
    assert ours_totals["/api/v1/companies?q=cLiEnT&page_size=5"]["total_is_capped"]
    assert totals["/api/v1/companies?q=lient%20000&page_size=5"] == 100
    assert totals["/api/v1/companies?q=LIENT%20001&page_size=5"] == 100
    assert totals["/api/v1/companies?q=zzzz&page_size=5"] == 0
    assert totals["/api/v1/banks?q=ours&page_size=5"] == 100
