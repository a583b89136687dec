"""``core.db.rows.fetch`` gives exactly the rows piccolo gives (same keys, values and types), on
every column of every table, through joins and computed ids; what it cannot read the same way
it leaves to piccolo. PostgreSQL reads through piccolo, so there both sides are the same path.
``rows.fetch_columns`` gives the same values as columns, on both engines (on PostgreSQL it
reads asyncpg's records itself)."""

from __future__ import annotations

from datetime import UTC, datetime

from piccolo.columns import ForeignKey
from test_agreements_api import make, world

from core.accounts.agreements import versions
from core.accounts.agreements.models import Agreement, AgreementVersion
from core.accounts.legal_entities.models import LegalEntity
from core.db import rows
from core.db.engine import engine, is_postgres, transaction
from core.db.tables import all_tables
from tenants.models import Company


def _same(piccolo: list[dict], fast: list[dict]) -> None:
    assert fast == piccolo
    for a, b in zip(piccolo, fast, strict=True):
        assert list(a) == list(b)  # the same keys in the same order
        for key in a:
            assert type(a[key]) is type(b[key]), key
            if isinstance(a[key], datetime):
                assert a[key].tzinfo is b[key].tzinfo, key


async def _filled(bo_factory, bo_api) -> dict:
    """Rows in most tables: companies, users, legal entities, accounts, agreements and their
    versions (flags both ways, NULLs, dates, instants, money)."""
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    await make(api, w)
    await make(api, w, code="A-2", credit_limit=None)
    await LegalEntity.update({LegalEntity.is_default: True}).where(LegalEntity.id == w["c1_le"])
    return w


def _same_columns(piccolo: list[dict], read: rows.Columnar) -> None:
    """The columns hold piccolo's rows: same names in the same order, values and types."""
    assert len(read) == len(piccolo)
    if piccolo:
        assert list(read.columns) == list(piccolo[0])
    _same(piccolo, read.rows())
    for name, column in read.columns.items():
        assert list(column) == [row[name] for row in piccolo], name


def _count_plain_reads(monkeypatch) -> list[str]:
    """The statements read without converters (SQLite), so a test knows the path was taken."""
    db, seen = engine(), []
    plain = getattr(db, "fetch_plain", None)
    if plain is not None:

        async def spy(query, args):
            seen.append(query)
            return await plain(query, args)

        monkeypatch.setattr(db, "fetch_plain", spy)
    return seen


async def test_every_column_of_every_table_reads_as_piccolo_reads_it(
    bo_factory, bo_api, monkeypatch
):
    await _filled(bo_factory, bo_api)
    seen = _count_plain_reads(monkeypatch)
    checked = 0
    for table in all_tables():
        columns = table._meta.columns
        select = table.select(*columns).order_by(table._meta.primary_key)
        got = await rows.fetch(select)
        by_piccolo = await select
        _same(by_piccolo, got)
        _same_columns(by_piccolo, await rows.fetch_columns(select))
        checked += len(got)
        # each foreign key's target columns too, through piccolo's join aliases
        for fk in (c for c in columns if isinstance(c, ForeignKey)):
            target = fk._foreign_key_meta.resolved_references
            joined = [getattr(fk, c._meta.name) for c in target._meta.columns]
            select = table.select(table._meta.primary_key, *joined).order_by(
                table._meta.primary_key
            )
            by_piccolo = await select
            _same(by_piccolo, await rows.fetch(select))
            _same_columns(by_piccolo, await rows.fetch_columns(select))
    assert checked > 20
    if not is_postgres():
        assert sum(not q.startswith("PRAGMA") for q in seen) > len(all_tables())


async def test_aliases_and_the_computed_version_id(bo_factory, bo_api):
    await _filled(bo_factory, bo_api)
    now = datetime.now(UTC)
    select = Agreement.select(
        Agreement.id,
        Agreement.company.name.as_alias("company_name"),
        Agreement.agreement_date.as_alias("day"),
        Agreement.created_at.as_alias("listing_sort_key"),
        versions.in_force_id(now),
    ).order_by(Agreement.id)
    got = await rows.fetch(select)
    _same(await select, got)
    assert len(got) == 2 and all(isinstance(r[versions.IN_FORCE_ID], int) for r in got)
    _same_columns(await select, await rows.fetch_columns(select))
    none = await rows.fetch_columns(select.where(Agreement.id < 0))
    assert len(none) == 0 and list(none["company_name"]) == []  # an empty read's columns


async def test_columns_of_what_only_piccolo_reads_and_inside_a_transaction(bo_factory, bo_api):
    w = await _filled(bo_factory, bo_api)
    for select in (
        Company.select(Company.id, Company.name).output(nested=True),
        Company.select(Company.id, Company.name).output(load_json=True),
    ):
        piccolo = await select
        assert (await rows.fetch_columns(select)).rows() == piccolo
    async with transaction():
        await Company.update({Company.name: "Renamed"}).where(Company.id == w["c1"]["id"])
        select = Company.select(Company.id, Company.name).where(Company.id == w["c1"]["id"])
        assert list((await rows.fetch_columns(select))["name"]) == ["Renamed"]


async def test_what_it_cannot_read_the_same_way_is_piccolo_s(bo_factory, bo_api):
    w = await _filled(bo_factory, bo_api)
    # a REAL in an INTEGER column: SQLite renders its text unlike Python, so piccolo reads it
    if not is_postgres():
        await AgreementVersion.raw("UPDATE agreement_versions SET billing_day = 2.5")
    select = AgreementVersion.select(AgreementVersion.id, AgreementVersion.billing_day)
    _same(await select, await rows.fetch(select))
    # output options piccolo applies after reading
    for select in (
        Company.select(Company.id, Company.name).output(nested=True),
        Company.select(Company.id).output(as_list=True),
        Company.select(),
    ):
        assert await rows.fetch(select) == await select
    # inside a transaction the transaction's own connection reads (it sees its writes)
    async with transaction():
        await Company.update({Company.name: "Renamed"}).where(Company.id == w["c1"]["id"])
        select = Company.select(Company.id, Company.name).where(Company.id == w["c1"]["id"])
        assert (await rows.fetch(select))[0]["name"] == "Renamed"


def test_instants_read_as_piccolo_reads_them_whatever_their_offset():
    """piccolo reads an instant's clock time as UTC, dropping any offset; the fast path keeps
    a value already UTC as parsed and must agree for every other text too."""
    import sqlite3

    texts = (
        "2025-01-01 10:00:00+00:00",
        "2025-01-01 10:00:00.123456+00:00",
        "2025-01-01 10:00:00+02:00",
        "2025-01-01 10:00:00",
    )
    convert = sqlite3.converters["TIMESTAMPTZ"]
    expected = [convert(t.encode()) for t in texts]
    decoded = rows._decode("TIMESTAMPTZ", texts)
    assert decoded == expected
    assert [d.tzinfo for d in decoded] == [UTC] * 4
    assert [d.utcoffset() for d in decoded] == [e.utcoffset() for e in expected]
    assert decoded[2].hour == 10  # the offset dropped, as piccolo does


def test_whole_columns_decode_as_piccolo_s_converters_do_value_by_value():
    """A column of one storage class is decoded by ``map`` in one go; every value must be the
    converter's, as when the column mixes classes (then decoded value by value)."""
    import sqlite3

    columns = {
        "TIMESTAMPTZ": (
            ("2025-01-01 10:00:00+00:00", "2025-01-01 10:00:00.5+00:00"),  # all UTC
            ("2025-01-01 10:00:00+00:00", "2025-01-01 10:00:00"),  # one without offset
            ("2025-01-01 10:00:00+02:00", None),
        ),
        "BOOLEAN": ((1, 0, 1, 2), (1, None, 0)),
        "INTEGER": ((1, -5, 2**62), (None, 3), (None, None)),
        "DATE": (("2025-01-01", "1999-12-31"), ("2025-01-01", None)),
    }
    for kind, cases in columns.items():
        convert = sqlite3.converters[kind]
        for values in cases:
            expected = [None if v is None else convert(str(v).encode()) for v in values]
            decoded = list(rows._decode(kind, values))
            assert decoded == expected, (kind, values)
            assert [type(v) for v in decoded] == [type(v) for v in expected]
            zones = [getattr(v, "tzinfo", None) for v in expected]
            assert [getattr(v, "tzinfo", None) for v in decoded] == zones
