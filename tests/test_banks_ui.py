"""Banks pages: list with filters, sorting, paging and columns; view, add, edit and delete; the
read-only view of a tenant's bank and 404 for banks outside the caller's scope."""

from __future__ import annotations

import re

from test_ui_helpers import post_form, sign_in, token_for

from core.access.models import Role, RolePermission
from core.access.testing import user_with_role
from core.accounts.banks.models import Bank
from core.audit.models import AuditEvent

FORM = {
    "name": "Prague Financial House",
    "description": "",
    "country": "CZ",
    "address": "Praha, Na Příkopě 1",
    "swift": "pfhbczpp",
    "branch_code": "888",
    "bank_code": "",
}


async def _bank(company: dict, name: str, **fields) -> dict:
    values = {"country": "AT", "address": "Somewhere 1", **fields}
    bank = Bank(company=company["id"], name=name, **values)
    await bank.save()
    return {"id": bank.id, "name": name}


def _names(page_html: str) -> list[str]:
    return re.findall(r'class="row-link" href="/banks/\d+">([^<]+)</a>', page_html)


async def _owner_admin(bo_factory, bo_client):
    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner)
    await sign_in(bo_client, admin)
    return owner, admin


async def test_add_view_edit_delete(bo_client, bo_factory):
    owner, admin = await _owner_admin(bo_factory, bo_client)
    form = await bo_client.get("/banks/new")
    assert form.status_code == 200 and '<option value="CZ">Czechia</option>' in form.text
    res = await post_form(bo_client, "/banks/new", FORM)
    assert res.status_code == 303, res.text
    row = await Bank.select().where(Bank.name == "Prague Financial House").first()
    assert row["company"] == owner["id"] and row["swift"] == "PFHBCZPP"
    assert res.headers["location"] == f"/banks/{row['id']}"

    view = await bo_client.get(f"/banks/{row['id']}")
    assert view.status_code == 200 and "was created" in view.text
    assert "Czechia (CZ)" in view.text and "PFHBCZPP" in view.text
    assert f'href="/banks/{row["id"]}/edit"' in view.text
    assert f'href="/banks/{row["id"]}/delete"' in view.text

    edit = await bo_client.get(f"/banks/{row['id']}/edit")
    assert edit.status_code == 200 and 'value="Prague Financial House"' in edit.text
    assert '<option value="CZ" selected>' in edit.text
    res = await post_form(
        bo_client, f"/banks/{row['id']}/edit", {**FORM, "country": "SK", "bank_code": "42"}
    )
    assert res.status_code == 303
    saved = await Bank.select().where(Bank.id == row["id"]).first()
    assert saved["country"] == "SK" and saved["bank_code"] == "42"

    listing = await bo_client.get("/banks")
    assert _names(listing.text) == ["Prague Financial House"]
    assert "Slovakia" in listing.text and owner["name"] in listing.text

    confirm = await bo_client.get(f"/banks/{row['id']}/delete")
    assert confirm.status_code == 200 and "Prague Financial House" in confirm.text
    assert await Bank.exists().where(Bank.id == row["id"])  # GET deletes nothing
    res = await post_form(bo_client, f"/banks/{row['id']}/delete", {})
    assert res.status_code == 303 and res.headers["location"] == "/banks"
    assert not await Bank.exists().where(Bank.id == row["id"])
    actions = [
        e["action"]
        for e in await AuditEvent.select(AuditEvent.action)
        .where(AuditEvent.action.like("Bank %"), AuditEvent.user == admin["id"])
        .order_by(AuditEvent.id)
    ]
    assert actions == ["Bank created", "Bank updated", "Bank deleted"]


async def test_validation_errors_are_shown_by_field_and_values_kept(bo_client, bo_factory):
    await _owner_admin(bo_factory, bo_client)
    res = await post_form(bo_client, "/banks/new", {**FORM, "name": "", "description": "keep"})
    assert res.status_code == 422
    assert ">Required<" in res.text and ">keep</textarea>" in res.text
    res = await post_form(bo_client, "/banks/new", {**FORM, "swift": "PFHBCZP"})
    assert res.status_code == 422
    assert "Must be 8 or 11 characters long, not 7" in res.text and 'value="PFHBCZP"' in res.text
    res = await post_form(bo_client, "/banks/new", {**FORM, "swift": "PFHBQQPP"})
    assert res.status_code == 422 and "QQ is not one" in res.text
    res = await post_form(bo_client, "/banks/new", {**FORM, "country": "QQ"})
    assert res.status_code == 422 and "QQ is not an ISO 3166-1 country code" in res.text
    res = await post_form(bo_client, "/banks/new", {**FORM, "country": ""})
    assert res.status_code == 422 and ">Required<" in res.text
    res = await post_form(bo_client, "/banks/new", {**FORM, "iban": "x"})
    assert res.status_code == 422 and "not accepted" in res.text
    assert await Bank.count() == 0


async def test_edit_errors_change_nothing(bo_client, bo_factory):
    owner, _ = await _owner_admin(bo_factory, bo_client)
    bank = await _bank(owner, "Stable", swift="DEUTDEFF")
    res = await post_form(bo_client, f"/banks/{bank['id']}/edit", {**FORM, "swift": "X"})
    assert res.status_code == 422 and "Must be 8 or 11 characters long" in res.text
    row = await Bank.select(Bank.name, Bank.swift).where(Bank.id == bank["id"]).first()
    assert row == {"name": "Stable", "swift": "DEUTDEFF"}


async def test_filters_sorting_paging_and_columns(bo_client, bo_factory):
    owner, _ = await _owner_admin(bo_factory, bo_client)
    for i in range(12):
        country = "NO" if i == 4 else "AT"
        await _bank(owner, f"Bank {i:02d}", country=country, swift=f"BANK{country}{i:02d}")
    res = await bo_client.get("/banks?q=bank 07")
    assert _names(res.text) == ["Bank 07"]
    res = await bo_client.get("/banks?country=NO")
    assert _names(res.text) == ["Bank 04"]
    res = await bo_client.get("/banks?swift=bankat11")
    assert _names(res.text) == ["Bank 11"]
    res = await bo_client.get("/banks?sort=name&order=asc&page_size=10")
    assert _names(res.text) == [f"Bank {i:02d}" for i in range(10)]
    assert "Page 1 of 2" in res.text
    res = await bo_client.get("/banks?sort=name&order=asc&page_size=10&page=2")
    assert _names(res.text) == ["Bank 10", "Bank 11"]
    res = await bo_client.get("/banks?sort=country&order=desc")
    assert _names(res.text)[0] == "Bank 04"
    res = await bo_client.get("/banks?sort=address&order=up&page=x&country=Narnia")
    assert res.status_code == 200 and len(_names(res.text)) == 12
    for label in ("ID", "Name", "Country", "SWIFT code", "Branch code", "Owner company"):
        assert f">{label}<" in res.text

    token = await token_for(bo_client, "/banks")
    res = await bo_client.post(
        "/ui/columns/banks", data={"_csrf_token": token, "col": ["name", "bank_code"]}
    )
    assert res.status_code == 303 and bo_client.cookies.get("bo_cols_banks") == "name.bank_code"
    page = (await bo_client.get("/banks")).text
    assert 'class="col-bank_code"' in page and 'class="col-name"' in page
    assert 'class="col-owner"' not in page and 'class="col-swift"' not in page


async def test_reseller_sees_tenant_bank_read_only(bo_client, bo_factory):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller")
    sibling = await bo_factory.company(owner, "reseller", name="Sibling")
    sub = await bo_factory.company(reseller, "reseller", name="Sub")
    tenant_bank = await _bank(owner, "Tenant Bank")
    own_bank = await _bank(reseller, "Own Bank")
    sibling_bank = await _bank(sibling, "Sibling Bank")
    sub_bank = await _bank(sub, "Sub Bank")
    await sign_in(bo_client, await bo_factory.user(reseller))

    listing = await bo_client.get("/banks?sort=name&order=asc")
    assert _names(listing.text) == ["Own Bank", "Tenant Bank"]
    assert f'href="/banks/{tenant_bank["id"]}/edit"' not in listing.text
    assert f'href="/banks/{own_bank["id"]}/edit"' in listing.text
    view = await bo_client.get(f"/banks/{tenant_bank['id']}")
    assert view.status_code == 200 and "Read-only" in view.text
    assert "/edit" not in view.text and "/delete" not in view.text

    token = await token_for(bo_client, "/banks")
    for bank, readable in ((tenant_bank, True), (sibling_bank, False), (sub_bank, False)):
        bid = bank["id"]
        assert (await bo_client.get(f"/banks/{bid}")).status_code == (200 if readable else 404)
        assert (await bo_client.get(f"/banks/{bid}/edit")).status_code == 404
        assert (await bo_client.get(f"/banks/{bid}/delete")).status_code == 404
        res = await bo_client.post(
            f"/banks/{bid}/edit", data={"_csrf_token": token, **FORM, "name": "Hijacked"}
        )
        assert res.status_code == 404
        res = await bo_client.post(f"/banks/{bid}/delete", data={"_csrf_token": token})
        assert res.status_code == 404
    assert not await Bank.exists().where(Bank.name == "Hijacked")
    assert await Bank.count() == 4


async def test_view_only_user_gets_no_write_buttons(bo_client, bo_factory):
    owner = await bo_factory.owner()
    bank = await _bank(owner, "Owner Bank")
    role = Role(company=owner["id"], name="Bank viewer", group="backoffice")
    await role.save()
    await RolePermission(role=role.id, area="account_management", level="view").save()
    await sign_in(bo_client, await user_with_role(bo_factory, owner, "backoffice", role.id))
    listing = await bo_client.get("/banks")
    assert listing.status_code == 200 and _names(listing.text) == ["Owner Bank"]
    assert 'href="/banks/new"' not in listing.text and "/edit" not in listing.text
    view = await bo_client.get(f"/banks/{bank['id']}")
    assert view.status_code == 200 and "/edit" not in view.text
    assert (await bo_client.get("/banks/new")).status_code == 403


async def test_a_field_the_form_does_not_have_is_named_in_the_message(bo_client, bo_factory):
    owner = await bo_factory.owner()
    await sign_in(bo_client, await bo_factory.user(owner))
    res = await post_form(bo_client, "/banks/new", {**FORM, "smuggled_flag": "1"})
    assert res.status_code in (400, 422), res.text[:300]
    assert "Smuggled flag: This field is not accepted here" in res.text
    assert not await Bank.exists().where(Bank.name == FORM["name"])
