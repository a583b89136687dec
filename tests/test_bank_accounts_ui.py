"""Bank-account pages: both lists, filters, columns, add/view/edit/delete and scope."""

from __future__ import annotations

import re
from datetime import date

from test_ui_helpers import post_form, sign_in, token_for

from core.accounts.agreements.models import Agreement
from core.accounts.bank_accounts.models import BankAccount
from core.accounts.banks.models import Bank
from core.accounts.legal_entities.models import LegalEntity
from core.audit.models import AuditEvent


async def _reseller_admin(bo_factory, bo_client):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    client = await bo_factory.company(reseller, "client", name="Client Co")
    admin = await bo_factory.user(reseller)
    await sign_in(bo_client, admin)
    return owner, reseller, client, admin


async def _entity(company: dict, name: str) -> int:
    row = LegalEntity(company=company["id"], name=name, legal_name=name, country="DE")
    await row.save()
    return row.id


async def _bank(company: dict, name: str) -> int:
    row = Bank(company=company["id"], name=name, country="DE", address="Main street 1")
    await row.save()
    return row.id


async def _account(company: dict, entity: int, bank: int, name: str, **fields) -> int:
    fields = {"holder": f"{name} holder", "number": f"N{name.upper()}", **fields}
    row = BankAccount(company=company["id"], legal_entity=entity, bank=bank, name=name, **fields)
    await row.save()
    return row.id


def _names(page_html: str, base: str = "/bank-accounts") -> list[str]:
    return re.findall(rf'class="row-link" href="{base}/\d+">([^<]+)</a>', page_html)


async def test_lists_are_separate_and_in_the_menu(bo_client, bo_factory):
    owner, reseller, client, _ = await _reseller_admin(bo_factory, bo_client)
    bank = await _bank(owner, "Owner Bank")
    await _account(client, await _entity(client, "Client Ltd"), bank, "Client account")
    own_entity = await _entity(reseller, "Reseller Ltd")
    await _account(reseller, own_entity, bank, "Assigned", created_by_company=owner["id"])
    await _account(reseller, own_entity, bank, "Self made", created_by_company=reseller["id"])
    await _account(owner, await _entity(owner, "Owner Ltd"), bank, "Tenant's own")
    res = await bo_client.get("/bank-accounts")
    assert res.status_code == 200 and _names(res.text) == ["Client account"]
    assert 'href="/own-bank-accounts"' in res.text and 'href="/bank-accounts"' in res.text
    for label in ("Name", "Company", "Legal entity", "Bank", "Account number"):
        assert f">{label}<" in res.text
    assert "Client Co" in res.text and "Owner Bank" in res.text
    res = await bo_client.get("/own-bank-accounts?sort=name&order=asc")
    assert _names(res.text, "/own-bank-accounts") == ["Assigned", "Self made"]
    assert "Tenant's own" not in res.text
    assert f'title="Opened by {owner["name"]}"' in res.text  # the tenant's origin is marked


async def test_filters_sorting_and_columns(bo_client, bo_factory):
    owner, reseller, client, _ = await _reseller_admin(bo_factory, bo_client)
    other = await bo_factory.company(reseller, "client", name="Other Co")
    first, second = await _bank(owner, "First Bank"), await _bank(reseller, "Second Bank")
    e1, e2 = await _entity(client, "Client Ltd"), await _entity(other, "Other Ltd")
    await _account(client, e1, first, "Alpha", holder="Alpha Holdings")
    await _account(client, e1, second, "Beta")
    await _account(other, e2, first, "Gamma")
    page = (await bo_client.get("/bank-accounts")).text
    assert "Other Ltd (Other Co)" in page and ">Second Bank<" in page  # filter choices
    assert _names((await bo_client.get(f"/bank-accounts?bank_id={first}&order=asc")).text) == [
        "Alpha",
        "Gamma",
    ]
    assert _names((await bo_client.get(f"/bank-accounts?company_id={other['id']}")).text) == [
        "Gamma"
    ]
    assert _names((await bo_client.get(f"/bank-accounts?legal_entity_id={e1}")).text) == [
        "Beta",
        "Alpha",
    ]
    assert _names((await bo_client.get("/bank-accounts?q=holdings")).text) == ["Alpha"]
    res = await bo_client.get("/bank-accounts?sort=name&order=desc")
    assert _names(res.text) == ["Gamma", "Beta", "Alpha"]
    res = await bo_client.get("/bank-accounts?sort=secret&bank_id=x&company_id=y&page=z")
    assert res.status_code == 200 and len(_names(res.text)) == 3

    token = await token_for(bo_client, "/bank-accounts")
    res = await bo_client.post(
        "/ui/columns/bank_accounts",
        data={"_csrf_token": token, "col": ["name", "holder"], "back": "/bank-accounts"},
    )
    assert res.status_code == 303
    page = (await bo_client.get("/bank-accounts")).text
    assert 'class="col-holder"' in page and 'class="col-bank"' not in page
    assert 'class="col-bank"' in (await bo_client.get("/own-bank-accounts")).text


async def test_add_view_edit_through_the_forms(bo_client, bo_factory):
    owner, reseller, client, admin = await _reseller_admin(bo_factory, bo_client)
    bank = await _bank(owner, "Owner Bank")
    await _bank(await bo_factory.company(owner, "reseller", name="Sibling"), "Sibling Bank")
    entity = await _entity(client, "Client Ltd")
    await _entity(reseller, "Reseller Ltd")
    form = await bo_client.get("/bank-accounts/new")
    assert form.status_code == 200 and 'optgroup label="Client Co"' in form.text
    assert "Owner Bank" in form.text and "Sibling Bank" not in form.text
    assert "Reseller Ltd" not in form.text  # own entities belong to the other section
    data = {
        "name": "Main EUR",
        "legal_entity_id": str(entity),
        "bank_id": str(bank),
        "holder": "Client Co GmbH",
        "number": "de89 3704 0044 0532 0130 00",
    }
    res = await post_form(bo_client, "/bank-accounts/new", data)
    row = await BankAccount.select().where(BankAccount.name == "Main EUR").first()
    # issue 8: creating lands on the new object's page, as for every entity
    assert res.status_code == 303 and res.headers["location"] == f"/bank-accounts/{row['id']}"
    assert row["company"] == client["id"] and row["number"] == "DE89370400440532013000"
    assert row["created_by_company"] == reseller["id"]
    assert "was created" in (await bo_client.get("/bank-accounts")).text
    event = await AuditEvent.select().where(AuditEvent.action == "Bank account created").first()
    assert event["user"] == admin["id"]

    view = await bo_client.get(f"/bank-accounts/{row['id']}")
    for text in ("Client Co GmbH", "DE89 3704 0044 0532 0130 00", "Owner Bank", "Client Ltd"):
        assert text in view.text
    edit = await bo_client.get(f"/bank-accounts/{row['id']}/edit")
    assert 'value="Main EUR"' in edit.text and "optgroup" not in edit.text
    res = await post_form(
        bo_client, f"/bank-accounts/{row['id']}/edit", {**data, "name": "Main EUR 2"}
    )
    assert res.status_code == 303 and res.headers["location"] == f"/bank-accounts/{row['id']}"
    assert await BankAccount.exists().where(BankAccount.name == "Main EUR 2")
    assert await AuditEvent.exists().where(AuditEvent.action == "Bank account updated")


async def test_validation_errors_are_shown_by_field(bo_client, bo_factory):
    owner, reseller, client, _ = await _reseller_admin(bo_factory, bo_client)
    bank = await _bank(reseller, "Mine")
    entity = await _entity(client, "Client Ltd")
    await _account(client, entity, bank, "Taken", number="555")
    base = {"name": "New", "legal_entity_id": str(entity), "bank_id": str(bank), "holder": "H"}
    # issue 8: a number starting like an IBAN must be one, whatever its length (was accepted)
    res = await post_form(bo_client, "/bank-accounts/new", {**base, "number": "GB00BADIBAN000"})
    assert res.status_code == 422
    assert "an IBAN from GB has 22 characters, this one has 14" in res.text
    res = await post_form(bo_client, "/bank-accounts/new", {**base, "number": "DE00 1234"})
    assert res.status_code == 422 and "an IBAN from DE has 22 characters" in res.text
    res = await post_form(bo_client, "/bank-accounts/new", {**base, "number": "AB12 345"})
    assert res.status_code == 422 and "AB is not a country that uses IBANs" in res.text
    res = await post_form(bo_client, "/bank-accounts/new", {**base, "number": "0012 3456"})
    assert res.status_code == 303  # a domestic number is kept as typed
    res = await post_form(
        bo_client, "/bank-accounts/new", {**base, "number": "DE89 3704 0044 0532 0130 01"}
    )
    assert res.status_code == 422 and "Looks like an IBAN but is not a valid one" in res.text
    assert "DE89 3704 0044 0532 0130 01" in res.text  # the typed value is kept
    res = await post_form(bo_client, "/bank-accounts/new", {**base, "number": "5 55"})
    assert (
        res.status_code == 409 and "This bank already has an account with this number" in res.text
    )
    res = await post_form(bo_client, "/bank-accounts/new", {**base, "legal_entity_id": ""})
    assert res.status_code == 422 and ">Required<" in res.text
    assert await BankAccount.count() == 2


async def test_delete_needs_confirmation_and_is_refused_while_in_use(bo_client, bo_factory):
    owner, reseller, client, _ = await _reseller_admin(bo_factory, bo_client)
    bank = await _bank(reseller, "Mine")
    entity, own = await _entity(client, "Client Ltd"), await _entity(reseller, "Reseller Ltd")
    used = await _account(client, entity, bank, "Used")
    free = await _account(reseller, own, bank, "Free")
    agreement = Agreement(
        company=client["id"],
        legal_entity=entity,
        own_legal_entity=own,
        bank_account=used,
        code="AG-1",
        agreement_date=date(2026, 1, 1),
        currency="EUR",
    )
    await agreement.save()
    confirm = await bo_client.get(f"/bank-accounts/{used}/delete")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.text
    res = await post_form(bo_client, f"/bank-accounts/{used}/delete", {})
    assert res.status_code == 409 and "Bank account “Used” is still used by 1 agreement" in res.text
    assert await BankAccount.exists().where(BankAccount.id == used)
    res = await post_form(bo_client, f"/own-bank-accounts/{free}/delete", {})
    assert res.status_code == 303 and res.headers["location"] == "/own-bank-accounts"
    assert "was deleted" in (await bo_client.get("/own-bank-accounts")).text
    assert not await BankAccount.exists().where(BankAccount.id == free)
    assert await AuditEvent.exists().where(AuditEvent.action == "Own bank account deleted")


async def test_foreign_and_cross_section_pages_answer_404(bo_client, bo_factory):
    owner = await bo_factory.owner()
    mine = await bo_factory.company(owner, "reseller", name="Mine")
    sibling = await bo_factory.company(owner, "reseller", name="Sibling")
    their_client = await bo_factory.company(sibling, "client", name="Their client")
    bank = await _bank(owner, "Shared")
    own = await _account(mine, await _entity(mine, "Mine Ltd"), bank, "My own")
    theirs = [
        await _account(sibling, await _entity(sibling, "S Ltd"), bank, "Sibling own"),
        await _account(their_client, await _entity(their_client, "TC Ltd"), bank, "Theirs"),
    ]
    await sign_in(bo_client, await bo_factory.user(mine))
    token = await token_for(bo_client, "/bank-accounts")
    targets = [(b, a) for b in ("/bank-accounts", "/own-bank-accounts") for a in theirs]
    targets.append(("/bank-accounts", own))
    for base, account in targets:
        for suffix in ("", "/edit", "/delete"):
            assert (await bo_client.get(f"{base}/{account}{suffix}")).status_code == 404
        res = await bo_client.post(
            f"{base}/{account}/edit", data={"_csrf_token": token, "name": "Hijacked"}
        )
        assert res.status_code == 404
        res = await bo_client.post(f"{base}/{account}/delete", data={"_csrf_token": token})
        assert res.status_code == 404
    assert not await BankAccount.exists().where(BankAccount.name == "Hijacked")
    assert await BankAccount.count() == 3
    assert (await bo_client.get(f"/own-bank-accounts/{own}")).status_code == 200


async def test_client_users_only_read_their_accounts(bo_client, bo_factory):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    client = await bo_factory.company(reseller, "client", name="Client Co")
    bank = await _bank(reseller, "R Bank")
    kept = await _account(client, await _entity(client, "C Ltd"), bank, "Kept for them")
    await sign_in(bo_client, await bo_factory.user(client))
    # issue 8: client users get the "not for client-portal users" page everywhere
    for path in ("/own-bank-accounts", f"/own-bank-accounts/{kept}"):
        res = await bo_client.get(path)
        assert res.status_code == 403 and "not for client-portal users" in res.text
        assert "Kept for them" not in res.text
    token = bo_client.cookies.get("bo_csrf")
    res = await bo_client.post(f"/own-bank-accounts/{kept}/delete", data={"_csrf_token": token})
    assert res.status_code == 403
    assert await BankAccount.exists().where(BankAccount.id == kept)
