"""CSV export of the lists: columns, filters, sort, tenant scope, amounts, formula escaping,
the row cap and the UI link."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import msgspec
from ledger_helpers import set_balance
from test_agreements_api import make, world
from test_bank_accounts_api import _account, _bank, _entity, _tree
from test_ui_helpers import sign_in

from core.accounts.agreements import csv as agreement_csv
from core.accounts.agreements import service as agreements
from core.accounts.agreements.models import AgreementVersion
from core.accounts.agreements.schemas import AgreementOut
from core.accounts.bank_accounts.schemas import BankAccountOut
from core.accounts.banks import service as banks
from core.accounts.banks.models import Bank
from core.accounts.companies.schemas import CompanyOut
from core.db.engine import is_postgres
from core.portals import export as portal_export
from core.portals import service as portals
from core.portals.schemas import PortalOut
from core.web import csv_export
from core.web.csv_cells import Columns, Plan
from core.web.listing import ListQuery, Resume, fetch_batch, fetch_page
from tenants.models import Portal
from tenants.scope import Scope

COMPANY_FIELDS = [
    f.name for f in msgspec.structs.fields(CompanyOut) if not f.name.startswith("mnp")
]


def parse(res) -> list[list[str]]:
    """The rows of a CSV answer, after checking it is a download with a BOM."""
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/csv")
    disposition = res.headers["content-disposition"]
    assert re.fullmatch(r'attachment; filename="[a-z-]+-\d{8}-\d{4}\.csv"', disposition)
    assert res.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(res.content.decode("utf-8-sig"))))


def column(rows: list[list[str]], name: str) -> list[str]:
    index = rows[0].index(name)
    return [row[index] for row in rows[1:]]


async def test_companies_export_follows_filters_sort_and_scope(bo_factory, bo_api):
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="Tenant One")
    r2 = await bo_factory.company(owner, "reseller", name="Tenant Two")
    await bo_factory.company(r1, "client", name="Beta Client")
    await bo_factory.company(r1, "client", name="Alpha Client", enabled=False)
    await bo_factory.company(r1, "client", name="=HYPERLINK(1)")
    await bo_factory.company(r2, "client", name="Sibling Client")
    api = await bo_api(await bo_factory.user(r1))

    rows = parse(await api.get("/api/v1/companies?format=csv&sort=name&order=asc"))
    assert rows[0] == COMPANY_FIELDS  # mnp_* are system-owner only, so not shown here
    assert column(rows, "name") == ["'=HYPERLINK(1)", "Alpha Client", "Beta Client"]
    assert column(rows, "enabled") == ["yes", "no", "yes"]
    assert column(rows, "parent_id") == [str(r1["id"])] * 3
    created = column(rows, "created_at")[0]
    assert datetime.fromisoformat(created).year == datetime.now(UTC).year

    desc = parse(await api.get("/api/v1/companies?format=csv&sort=name&order=desc&page_size=1"))
    assert column(desc, "name") == ["Beta Client", "Alpha Client", "'=HYPERLINK(1)"]
    only = parse(await api.get("/api/v1/companies?format=csv&q=alpha"))
    assert column(only, "name") == ["Alpha Client"]

    sibling = await bo_api(await bo_factory.user(r2))
    theirs = parse(await sibling.get("/api/v1/companies?format=csv"))
    assert column(theirs, "name") == ["Sibling Client"]
    # JSON stays the default answer
    assert (await api.get("/api/v1/companies")).json()["total"] == 3


async def test_export_reads_every_batch_by_key_with_no_cap(bo_factory, bo_api, monkeypatch):
    """Issue 9: exports stream by key with no row cap (they were refused above 50,000 rows)."""
    owner = await bo_factory.owner()
    r1 = await bo_factory.company(owner, "reseller", name="Tenant One")
    for n in range(5):
        await bo_factory.company(r1, "client", name=f"Client {n}")
    api = await bo_api(await bo_factory.user(r1))
    monkeypatch.setattr(csv_export, "PAGE_SIZE", 2)
    rows = parse(await api.get("/api/v1/companies?format=csv&sort=name&order=asc"))
    assert column(rows, "name") == [f"Client {n}" for n in range(5)]

    desc = parse(await api.get("/api/v1/companies?format=csv&sort=name&order=desc"))
    assert column(desc, "name") == [f"Client {n}" for n in reversed(range(5))]
    by_id = parse(await api.get("/api/v1/companies?format=csv&sort=id&order=asc"))
    assert column(by_id, "name") == [f"Client {n}" for n in range(5)]
    assert not hasattr(csv_export, "MAX_ROWS")
    narrowed = await api.get("/api/v1/companies?format=csv&q=Client 1")
    assert column(parse(narrowed), "name") == ["Client 1"]


async def test_export_rejects_unknown_sort_and_format(bo_factory, bo_api):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(await bo_factory.company(owner, "reseller")))
    res = await api.get("/api/v1/companies?format=csv&sort=password")
    assert res.status_code == 422 and "sort" in res.text
    assert (await api.get("/api/v1/companies?format=xml")).status_code == 400


async def test_agreements_export_keeps_amounts_exact(bo_factory, bo_api):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    first = await make(api, w, code="AG-1", credit_limit="1234.5")
    second = await make(api, w, code="=cmd|calc", credit_limit=None)
    await set_balance(first["id"], -5_000_000)
    await set_balance(second["id"], 1_234_500_000)

    rows = parse(await api.get("/api/v1/agreements?format=csv&sort=id&order=asc"))
    header = rows[0]
    for field in msgspec.structs.fields(AgreementOut):
        if field.name != "current_version":
            assert field.name in header
    assert "current_version.credit_limit" in header
    assert column(rows, "code") == ["AG-1", "'=cmd|calc"]
    assert column(rows, "balance") == ["-5.000000", "1234.500000"]
    assert column(rows, "credit_limit") == ["1234.500000", ""]
    assert column(rows, "current_version.invoice_emails") == ["Billing@client.test"] * 2
    listed = (await api.get("/api/v1/agreements?sort=id&order=asc")).json()["items"]
    assert column(rows, "balance") == [a["balance"] for a in listed]

    filtered = parse(await api.get("/api/v1/agreements?format=csv&q=AG-1"))
    assert column(filtered, "code") == ["AG-1"]
    theirs = parse(await (await bo_api(w["sibling_user"])).get("/api/v1/agreements?format=csv"))
    assert len(theirs) == 1  # the header alone
    client = await bo_api(w["client_user"])  # issue 8: refused outright
    assert (await client.get("/api/v1/agreements?format=csv")).status_code == 403


async def test_own_bank_accounts_export_is_scoped_and_filtered(bo_factory, bo_api):
    owner, r1, r2, c1, _c2 = await _tree(bo_factory)
    bank = await _bank(owner, "Owner Bank")
    main_entity = await _entity(r1, "R1 Main")
    other_entity = await _entity(r1, "R1 Other")
    await _account(r1, main_entity, bank, "Main EUR")
    await _account(r1, other_entity, bank, "Other USD")
    await _account(r2, await _entity(r2, "R2 Ltd"), bank, "Sibling EUR")
    await _account(c1, await _entity(c1, "C1 Ltd"), bank, "Client EUR")
    api = await bo_api(await bo_factory.user(r1))

    rows = parse(await api.get("/api/v1/own-bank-accounts?format=csv&sort=name&order=asc"))
    assert rows[0] == [f.name for f in msgspec.structs.fields(BankAccountOut)]
    assert column(rows, "name") == ["Main EUR", "Other USD"]
    only = parse(
        await api.get(f"/api/v1/own-bank-accounts?format=csv&legal_entity_id={main_entity}")
    )
    assert column(only, "name") == ["Main EUR"]
    clients = parse(await api.get("/api/v1/bank-accounts?format=csv"))
    assert column(clients, "name") == ["Client EUR"]

    other = await bo_api(await bo_factory.user(r2))
    theirs = parse(await other.get("/api/v1/own-bank-accounts?format=csv"))
    assert column(theirs, "name") == ["Sibling EUR"]
    client = await bo_api(await bo_factory.user(c1))  # issue 8: client users are refused
    assert (await client.get("/api/v1/own-bank-accounts?format=csv")).status_code == 403


async def test_ui_lists_link_to_an_export_of_the_same_filters(bo_factory, bo_client):
    w = await world(bo_factory)
    await bo_factory.company(w["r1"], "client", name="Other Client")
    await sign_in(bo_client, w["user"])

    page = await bo_client.get("/companies?q=Client Co&page=2")
    assert page.status_code == 200
    link = re.search(
        r'<a class="btn btn-secondary" href="([^"]+)" download>Export CSV</a>', page.text
    )
    assert link, "the companies list has no export link"
    href = link.group(1).replace("&amp;", "&")
    assert "format=csv" in href and "page=" not in href
    assert column(parse(await bo_client.get(href)), "name") == ["Client Co"]

    for path in LISTS:
        listing = await bo_client.get(path)
        assert listing.status_code == 200 and "Export CSV" in listing.text, path
    rows = parse(await bo_client.get("/own-bank-accounts?format=csv"))
    assert column(rows, "name") == ["Tenant account"]

    await sign_in(bo_client, w["sibling_user"])
    rows = parse(await bo_client.get("/companies?format=csv"))
    assert rows[1:] == []


LISTS = (
    "/companies",
    "/legal-entities",
    "/own-legal-entities",
    "/banks",
    "/bank-accounts",
    "/own-bank-accounts",
    "/agreements",
    "/portals",
    "/payment-systems",
)


async def test_every_exported_list_answers_csv_on_api_and_ui(bo_factory, bo_api, bo_client):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    await sign_in(bo_client, w["user"])
    for path in LISTS:
        rows = parse(await api.get(f"/api/v1{path}?format=csv"))
        assert rows[0][0] == "id", path
        ui_rows = parse(await bo_client.get(f"{path}?format=csv"))
        assert ui_rows == rows, path


def test_cells_are_plain_text_without_live_formulas():
    assert csv_export.cell(None) == ""
    assert csv_export.cell(True) == "yes" and csv_export.cell(False) == "no"
    assert csv_export.cell(["a", "b"]) == "a; b"
    assert csv_export.cell(datetime(2026, 1, 2, 3, 4, tzinfo=UTC)) == "2026-01-02T03:04:00+00:00"
    assert csv_export.cell("-5.00") == "-5.00" and csv_export.cell("+12") == "+12"
    for risky in ("=1+1", "+A1", "-A1", "@SUM(A1)", "\tx", "\rx", "-5.00x"):
        assert csv_export.cell(risky) == "'" + risky
    assert csv_export.cell(-7) == "-7"


async def _batches(plan: Plan, query: tuple[str, str], read) -> list[tuple]:
    """Every cell of an export read through ``read`` two rows a batch, by key."""
    resume, number, rows = Resume(), 0, []
    while True:
        number += 1
        batch, *_ = await read(ListQuery(number, 2, *query, resume=resume))
        rows += plan.rows_of(batch) if isinstance(batch, Columns) else plan.rows(batch)
        if len(batch) < 2:
            return rows


async def test_agreements_columns_path_gives_the_struct_paths_cells(bo_factory, bo_api):
    """The agreements' export reads batches straight into columns (``agreement_csv``); every
    cell must be what the Struct path (``list_agreements`` through the plan) gives, for
    amounts, instants in other zones, NULLs, e-mail lists, flags, unicode and formulas, and
    for rows with no version in force, under every sort, batch after batch."""
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    unicode = "Zürich \u2013 東京"
    first = await make(api, w, code="AG-1", credit_limit="1234.5", split_by_month=False)
    second = await make(
        api, w, code="=cmd|calc", credit_limit=None, timezone="Asia/Tokyo", invoice_emails=[]
    )
    await make(api, w, code=unicode, effective_from="2999-01-01T00:00:00")  # not yet
    fourth = await make(
        api,
        w,
        code="-12.50",
        bank_account_id=None,
        own_bank_account_id=None,
        billing_period="monthly",
        billing_day=None,
        split_by_month=False,
        effective_till="2998-06-30T12:30:00",
        timezone="America/New_York",
    )
    await make(
        api,
        w,
        code="AG-5",
        effective_from="2020-01-01T00:00:00",
        effective_till="2021-01-01T00:00:00",
    )
    await AgreementVersion.update(
        {AgreementVersion.account_emails: '["=x@evil.test", "a@b.test"]'}
    ).where(AgreementVersion.agreement == first["id"])
    balances = {first["id"]: -5_000_000, second["id"]: 1_234_500_001, fourth["id"]: 7}
    for agreement_id, micros in balances.items():
        await set_balance(agreement_id, micros)
    scope = Scope.of(w["r1"])
    filters = agreements.AgreementFilters()
    plan = Plan(AgreementOut)
    for sort in ("id", "code", "balance", "company"):
        for order in ("asc", "desc"):
            query = (sort, order)
            by_struct = await _batches(
                plan, query, lambda q: agreements.list_agreements(scope, filters, q)
            )
            by_column = await _batches(
                plan, query, lambda q: agreement_csv.columns(scope, filters, q)
            )
            assert len(by_struct) == 5 and by_column == by_struct, query

    rows = parse(await api.get("/api/v1/agreements?format=csv&sort=id&order=asc"))
    assert column(rows, "code") == ["AG-1", "'=cmd|calc", unicode, "-12.50", "AG-5"]
    assert column(rows, "balance") == [
        "-5.000000",
        "1234.500001",
        "0.000000",
        "0.000007",
        "0.000000",
    ]
    assert column(rows, "credit_limit") == ["1234.500000", "", "", "1500.500000", ""]
    assert column(rows, "current_version.account_emails")[0] == "'=x@evil.test; a@b.test"
    assert column(rows, "current_version.split_by_month")[:2] == ["no", "yes"]
    assert column(rows, "current_version.id")[2] == "" == column(rows, "current_version.id")[4]
    assert column(rows, "current_version.effective_till")[3] == "2998-06-30T16:30:00+00:00"
    assert column(rows, "current_version.effective_till_local")[3] == "2998-06-30T12:30:00"
    assert column(rows, "bank_account_id")[3] == "" == column(rows, "own_bank_account_name")[3]
    assert column(rows, "current_version.status")[:2] == ["current"] * 2
    # another tenant's export reads through the same columns and sees none of these rows
    theirs = await (await bo_api(w["sibling_user"])).get("/api/v1/agreements?format=csv")
    assert parse(theirs) == [plan.header]


async def test_portals_columns_path_gives_the_struct_paths_cells(bo_factory, bo_api):
    """The portals' export reads batches straight into columns (``core.portals.export``):
    every cell equals the Struct path's (JSON columns, file slots, secrets shown as a flag,
    NULL instants, unicode, formulas), and another tenant's export sees none of the rows."""
    w = await world(bo_factory)
    r1 = w["r1"]
    unicode = "Zürich \u2013 東京"
    await Portal(
        company=r1["id"], name="=HYPERLINK(1)", fqdn="one.portal.test", title=unicode
    ).save()
    await Portal(
        company=r1["id"],
        name=unicode,
        fqdn="two.portal.test",
        languages='["de", "=fr"]',
        login_descriptions='{"en": "Hello, \\"you\\""}',
        favicon="portals/2/favicon.png",
        license_pdf="portals/2/license.pdf",
        intercom_secret="encrypted",
        domain_checked_at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
    ).save()
    await Portal(
        company=w["c1"]["id"], name="-1", fqdn="three.portal.test", languages='{"not": "a list"}'
    ).save()
    await Portal(company=w["r2"]["id"], name="Sibling portal", fqdn="four.portal.test").save()
    scope = Scope.of(r1)
    filters = portals.PortalFilters()
    plan = Plan(PortalOut)
    for query in (("id", "asc"), ("name", "desc"), ("fqdn", "asc"), ("company", "desc")):
        by_struct = await _batches(plan, query, lambda q: portals.list_portals(scope, filters, q))
        by_column = await _batches(plan, query, lambda q: portal_export.columns(scope, filters, q))
        assert len(by_struct) == 3 and by_column == by_struct, query

    api = await bo_api(w["user"])
    rows = parse(await api.get("/api/v1/portals?format=csv&sort=id&order=asc"))
    assert column(rows, "name") == ["'=HYPERLINK(1)", unicode, "-1"]
    assert column(rows, "languages") == ["en", "de; '=fr", ""]  # not a list: none
    assert column(rows, "files") == ["", "favicon; license_pdf", ""]
    assert column(rows, "intercom_secret_set") == ["no", "yes", "no"]
    assert column(rows, "domain_checked_at") == ["", "2026-01-02T03:04:05.000006+00:00", ""]
    assert column(rows, "login_descriptions")[1] == '{"en":"Hello, \\"you\\""}'
    theirs = await (await bo_api(w["sibling_user"])).get("/api/v1/portals?format=csv")
    assert column(parse(theirs), "name") == ["Sibling portal"]


async def _read_all(read, sort: str, order: str, size: int) -> list[dict]:
    resume, rows, number = Resume(), [], 0
    while True:
        number += 1
        batch = await read(ListQuery(number, size, sort, order, resume=resume))
        rows += batch if isinstance(batch, list) else batch.rows()
        if len(batch) < size:
            return rows


async def test_a_batch_read_as_columns_holds_the_rows_read_as_dicts(bo_factory):
    """``listing.fetch_batch`` (an export's batch as columns) reads what ``fetch_page`` reads
    for a batch, row for row, through a scope of disjoint arms (a client sees its own, its
    reseller's and the owner's banks) both merged (small batches) and as one query, under
    every sort both ways; another reseller's banks are in neither."""
    owner, r1, r2, c1, _ = await _tree(bo_factory)
    for company, names in ((owner, ("OB", "OA")), (r1, ("RB", "RA", "RC")), (c1, ("CB", "CA"))):
        for name in names:
            await _bank(company, name)
    await _bank(r2, "Sibling bank")
    await Bank.update({Bank.swift: "DEUTDEFF"}).where(Bank.name.is_in(["RA", "OB"]))
    scope, filters = Scope.of(c1), banks.BankFilters()
    where = [banks.visible(scope), *filters.clauses()]
    args = (Bank, banks.OUT_COLUMNS, where)

    async def as_rows(query):
        rows, *_ = await fetch_page(*args, query, banks.SORTABLE)
        return rows

    async def as_columns(query):
        return await fetch_batch(*args, query, banks.SORTABLE)

    for sort in banks.SORTABLE:
        for order in ("asc", "desc"):
            for size in (2, 5_000):
                expected = await _read_all(as_rows, sort, order, size)
                got = await _read_all(as_columns, sort, order, size)
                assert len(expected) == 7 and got == expected, (sort, order, size)
                assert [list(row) for row in got] == [list(row) for row in expected]
                # the list's order, told apart from the reads: (key, id), either way
                ordered = sorted(got, key=lambda r: (r[sort], r["id"]), reverse=order == "desc")
                assert got == ordered, (sort, order, size)
    assert "Sibling bank" not in {row["name"] for row in got}


async def test_an_export_batch_reads_each_ancestor_s_banks_as_one_index_range(bo_factory):
    """A batch of thousands of rows (past ``MERGE_REACH``) still reads by arm, each one range
    of the ``(company, id)`` index: as one ``company IN (…)`` query SQLite sorted every bank
    of the scope after the bound, for every batch."""
    from core.db import disjoint

    owner, r1, _, c1, _ = await _tree(bo_factory)
    for company in (owner, r1, c1):
        await _bank(company, f"Bank of {company['name']}")
    selects: list = []
    real = disjoint.ordered

    async def spy(table, where, key, select_for, **options):
        async def read(select):
            selects.append(select)
            return await options["read"](select)

        return await real(table, where, key, select_for, **{**options, "read": read})

    scope, filters = Scope.of(c1), banks.BankFilters()
    query = ListQuery(1, 5_000, "id", "desc", resume=Resume())
    try:
        disjoint.ordered = spy
        rows, *_ = await banks.list_banks(scope, filters, query)
    finally:
        disjoint.ordered = real
    assert [r.name for r in rows] == [f"Bank of {c['name']}" for c in (c1, r1, owner)]
    assert len(selects) == 3  # one read per ancestor
    if not is_postgres():
        for select in selects:
            plan = await Bank.raw("EXPLAIN QUERY PLAN {}", select.querystrings[0])
            details = " ".join(str(row["detail"]) for row in plan)
            assert "TEMP B-TREE" not in details and "banks_company" in details, details
