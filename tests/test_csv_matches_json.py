"""Every list's CSV export holds exactly what its JSON list holds: the same rows in the same
order, each value formatted by the export's rules (``core.web.csv_cells.cell``): money as the
API's exact decimal text, instants with their zone, NULLs empty, unicode intact, formulas
defused. Exports run in batches of two here, so the batching by key and the read-ahead of the
next batch are part of what is compared."""

from __future__ import annotations

import csv
import io

import msgspec
import pytest
from ledger_helpers import set_balance
from test_agreements_api import make, world
from test_payment_systems_api import body as payment_body
from test_payment_systems_api import fakepay  # noqa: F401  (the fixture)

from core.accounts.agreements.schemas import AgreementOut
from core.accounts.bank_accounts.models import BankAccount
from core.accounts.bank_accounts.schemas import BankAccountOut
from core.accounts.banks.models import Bank
from core.accounts.banks.schemas import BankOut
from core.accounts.companies.schemas import CompanyOut
from core.accounts.legal_entities.models import LegalEntity
from core.accounts.legal_entities.schemas import LegalEntityOut
from core.catalogue.services.schemas import ServiceOut
from core.payments.schemas import PaymentSystemOut
from core.portals.schemas import PortalOut
from core.web import csv_export
from core.web.csv_cells import cell, columns
from tenants.models import Company, Portal

# path: (row type, a second sort key besides id)
LISTS = {
    "/api/v1/companies": (CompanyOut, "name"),
    "/api/v1/legal-entities": (LegalEntityOut, "name"),
    "/api/v1/own-legal-entities": (LegalEntityOut, "name"),
    "/api/v1/agreements": (AgreementOut, "code"),
    "/api/v1/banks": (BankOut, "name"),
    "/api/v1/bank-accounts": (BankAccountOut, "name"),
    "/api/v1/own-bank-accounts": (BankAccountOut, "name"),
    "/api/v1/payment-systems": (PaymentSystemOut, "name"),
    "/api/v1/portals": (PortalOut, "name"),
    "/api/v1/services": (ServiceOut, "name"),
}
UNICODE = "Zürich \u2013 東京 \u201cÜnïcode\u201d"  # en dash, curly quotes
FORMULA = '=HYPERLINK("http://x")'
MULTILINE = 'first line\nsecond, "quoted" line'


def parse(res) -> list[list[str]]:
    assert res.status_code == 200, res.text
    return list(csv.reader(io.StringIO(res.content.decode("utf-8-sig"), newline="")))


def _value(row, path: tuple[str, ...]):
    for name in path:
        row = getattr(row, name, None)
        if row is None:
            return None
    return row


def expected(row_type: type[msgspec.Struct], items: list[dict]) -> list[list[str]]:
    """The CSV the JSON items make: typed back into the list's Struct (instants, dates), then
    each field through the one definition of the export's rules."""
    structs = [msgspec.convert(item, row_type) for item in items]
    paths = [path for path, _ in columns(row_type, structs[0] if structs else None)]
    header = [".".join(path) for path in paths]
    return [header, *([cell(_value(s, path)) for path in paths] for s in structs)]


async def _seed(bo_factory, api, w) -> None:
    """Rows with every kind of value the rules treat apart, in every exported list."""
    r1 = w["r1"]
    for name in (UNICODE, FORMULA, "-12.50", "Plain Client"):
        await bo_factory.company(r1, "client", name=name)
    await Company.update({Company.description: MULTILINE}).where(Company.name == UNICODE)
    le = LegalEntity(company=w["c1"]["id"], name=FORMULA, legal_name=UNICODE, country="CH")
    await le.save()
    await LegalEntity.update(
        {LegalEntity.notification_emails: '["=x@evil.test", "a@b.test"]'}
    ).where(LegalEntity.id == le.id)
    own = LegalEntity(company=r1["id"], name=UNICODE, legal_name=FORMULA, billing_address=MULTILINE)
    await own.save()
    bank = Bank(company=r1["id"], name=UNICODE, country="CH", address=MULTILINE, swift="UBSWCHZH")
    await bank.save()
    await BankAccount(
        company=w["c1"]["id"],
        legal_entity=le.id,
        bank=bank.id,
        name="@SUM(A1)",
        holder=UNICODE,
        number="CH9300762011623852957",
        created_by_company=r1["id"],
    ).save()
    await BankAccount(
        company=r1["id"], legal_entity=own.id, bank=bank.id, name=UNICODE, holder="+1", number="1"
    ).save()
    first = await make(api, w, code="AG-1", credit_limit="1234.5")
    second = await make(
        api, w, code=FORMULA, credit_limit=None, timezone="Asia/Tokyo", invoice_emails=[]
    )
    third = await make(api, w, code="AG-3", effective_from="2999-01-01T00:00:00")  # not yet
    balances = {first["id"]: -5_000_000, second["id"]: 1_234_500_001, third["id"]: 0}
    for agreement_id, micros in balances.items():
        await set_balance(agreement_id, micros)
    for name in (UNICODE, FORMULA, "Card gateway"):
        res = await api.post("/api/v1/payment-systems", json=payment_body(name=name))
        assert res.status_code == 201, res.text
    await Portal(company=r1["id"], name=FORMULA, fqdn="one.portal.test", title=UNICODE).save()
    await Portal(company=r1["id"], name=UNICODE, fqdn="two.portal.test").save()
    await Portal(company=w["c1"]["id"], name="Client portal", fqdn="three.portal.test").save()
    for body in (
        {"name": UNICODE, "type": "monetary_pack", "currency": "CHF", "size": "1234.500001"},
        {"name": FORMULA, "type": "unit_pack", "size": "1000", "description": MULTILINE},
        {"name": "-12.50", "type": "pay_as_you_go", "currency": "EUR"},
    ):
        res = await api.post("/api/v1/services", json=body)
        assert res.status_code == 201, res.text
    res = await api.get("/api/v1/services?q=12.50")
    await api.post(f"/api/v1/services/{res.json()['items'][0]['id']}/archive")


@pytest.mark.usefixtures("fakepay")
async def test_every_export_equals_its_json_list(bo_factory, bo_api, monkeypatch):
    monkeypatch.setattr(csv_export, "PAGE_SIZE", 2)
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    await _seed(bo_factory, api, w)
    for path, (row_type, key) in LISTS.items():
        for sort, order in (("id", "asc"), ("id", "desc"), (key, "asc"), (key, "desc")):
            query = f"sort={sort}&order={order}"
            listed = await api.get(f"{path}?{query}&page_size=500")
            assert listed.status_code == 200, (path, listed.text)
            items = listed.json()["items"]
            assert len(items) >= 2, path  # every list has several rows to compare
            rows = parse(await api.get(f"{path}?{query}&format=csv"))
            assert rows == expected(row_type, items), (path, query)


@pytest.mark.usefixtures("fakepay")
async def test_the_rules_seen_in_the_files(bo_factory, bo_api, monkeypatch):
    """What the comparison above relies on, spelled out: the rules themselves."""
    monkeypatch.setattr(csv_export, "PAGE_SIZE", 2)
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    await _seed(bo_factory, api, w)

    companies = parse(await api.get("/api/v1/companies?format=csv&sort=name&order=asc"))
    names = [row[companies[0].index("name")] for row in companies[1:]]
    assert "'" + FORMULA in names and UNICODE in names
    assert "-12.50" in names  # a plain signed number is data, not a formula
    described = next(r for r in companies[1:] if r[companies[0].index("name")] == UNICODE)
    assert described[companies[0].index("description")] == MULTILINE

    agreements = parse(await api.get("/api/v1/agreements?format=csv&sort=code&order=asc"))
    head = agreements[0]

    def field(code: str, name: str) -> str:
        row = next(r for r in agreements[1:] if r[head.index("code")] == code)
        return row[head.index(name)]

    assert field("AG-1", "balance") == "-5.000000"
    assert field("'" + FORMULA, "balance") == "1234.500001"
    assert field("AG-1", "credit_limit") == "1234.500000"
    assert field("'" + FORMULA, "credit_limit") == ""  # unlimited: NULL
    assert field("AG-1", "own_bank_account_name") == "Tenant account"
    assert field("AG-1", "current_version.effective_from") == "2025-01-31T23:00:00+00:00"
    assert field("AG-1", "current_version.effective_from_local") == "2025-02-01T00:00:00"
    assert field("'" + FORMULA, "current_version.effective_from") == "2025-01-31T15:00:00+00:00"
    assert field("'" + FORMULA, "current_version.timezone") == "Asia/Tokyo"
    assert field("AG-1", "current_version.effective_till") == ""
    assert field("AG-1", "current_version.invoice_emails") == "Billing@client.test"
    assert field("'" + FORMULA, "current_version.invoice_emails") == ""
    assert field("AG-3", "current_version.id") == ""  # no version in force yet
    assert field("AG-3", "credit_limit") == ""

    entities = parse(await api.get("/api/v1/legal-entities?format=csv"))
    emails = [r[entities[0].index("notification_emails")] for r in entities[1:]]
    assert "'=x@evil.test; a@b.test" in emails

    accounts = parse(await api.get("/api/v1/bank-accounts?format=csv"))
    assert [r[accounts[0].index("name")] for r in accounts[1:]] == ["'@SUM(A1)", "Client account"]
    assert [r[accounts[0].index("is_iban")] for r in accounts[1:]] == ["yes", "no"]
