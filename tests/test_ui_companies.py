"""Companies pages: list, filters, sorting, paging, columns, create, edit, delete and scope."""

from __future__ import annotations

import html
import re

from test_ui_helpers import post_form, sign_in, token_for

from tenants.models import Company


async def _owner_admin(bo_factory, bo_client):
    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner)
    await sign_in(bo_client, admin)
    return owner, admin


def _names_in_order(page_html: str) -> list[str]:
    return re.findall(r'class="row-link" href="/companies/\d+">([^<]+)</a>', page_html)


async def test_list_shows_only_own_companies_with_columns(bo_client, bo_factory):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Alpha Reseller")
    await bo_factory.company(reseller, "client", name="Alpha Client")
    await bo_factory.company(owner, "reseller", name="Beta Reseller")
    await sign_in(bo_client, await bo_factory.user(reseller))
    res = await bo_client.get("/companies")
    assert res.status_code == 200
    assert _names_in_order(res.text) == ["Alpha Client"]
    for label in ("ID", "Company", "Own legal entity", "Is reseller", "Enabled", "Created"):
        assert f">{label}<" in res.text
    # Fewer columns by default so the list fits its card; the rest stay under Columns.
    for key in ("portal", "moderation", "creator_of_resellers", "updated"):
        assert f'name="col" value="{key}">' in res.text and f'class="col-{key}"' not in res.text
    assert "Beta Reseller" not in res.text and "—" in res.text


async def test_filters_sorting_and_paging(bo_client, bo_factory):
    owner, _ = await _owner_admin(bo_factory, bo_client)
    for i in range(12):
        await bo_factory.company(owner, "client", name=f"Client {i:02d}", moderation=i == 3)
    await bo_factory.company(owner, "reseller", name="Zeta Reseller", creator_of_resellers=True)

    res = await bo_client.get("/companies?q=zeta")
    assert _names_in_order(res.text) == ["Zeta Reseller"]
    res = await bo_client.get("/companies?type=reseller&cor=yes")
    assert _names_in_order(res.text) == ["Zeta Reseller"]
    res = await bo_client.get("/companies?moderation=yes")
    assert _names_in_order(res.text) == ["Client 03"]

    res = await bo_client.get("/companies?sort=name&order=asc&page_size=10")
    assert _names_in_order(res.text) == [f"Client {i:02d}" for i in range(10)]
    assert "1\u201310 of 13" in res.text and "Page 1 of 2" in res.text
    # Next follows the page's cursor; the sort and page size stay in the link
    found = re.search(r'href="(/companies\?[^"]*cursor=[^"]*)"[^>]*rel="next"', res.text)
    assert found and "sort=name" in found.group(1) and "page_size=10" in found.group(1)
    res = await bo_client.get(html.unescape(found.group(1)))
    assert _names_in_order(res.text) == ["Client 10", "Client 11", "Zeta Reseller"]
    assert "13 records" in res.text and 'rel="next"' not in res.text
    res = await bo_client.get("/companies?sort=name&order=asc&page_size=10&page=2")
    assert _names_in_order(res.text) == ["Client 10", "Client 11", "Zeta Reseller"]
    res = await bo_client.get("/companies?sort=name&order=desc")
    assert _names_in_order(res.text)[0] == "Zeta Reseller"
    # a hand-edited query string falls back to defaults instead of failing
    res = await bo_client.get("/companies?sort=password&order=up&page=x&page_size=9999")
    assert res.status_code == 200 and len(_names_in_order(res.text)) == 13


async def test_column_choice_is_remembered(bo_client, bo_factory):
    owner, _ = await _owner_admin(bo_factory, bo_client)
    await bo_factory.company(owner, "client", name="Visible Co")
    token = await token_for(bo_client, "/companies")
    res = await bo_client.post(
        "/ui/columns/companies",
        data={"_csrf_token": token, "col": ["name", "enabled", "bogus"], "back": "/companies?q=V"},
    )
    assert res.status_code == 303 and res.headers["location"] == "/companies?q=V"
    assert bo_client.cookies.get("bo_cols_companies") == "name.enabled"
    page = (await bo_client.get("/companies")).text
    assert ">Enabled<" in page and ">Own legal entity<" not in page and ">Portal<" not in page
    res = await bo_client.post(
        "/ui/columns/companies", data={"_csrf_token": token, "back": "https://evil.test/"}
    )
    assert res.headers["location"] == "/"
    assert (
        await bo_client.post("/ui/columns/nope", data={"_csrf_token": token})
    ).status_code == 404


async def test_create_company_through_the_form(bo_client, bo_factory):
    owner, admin = await _owner_admin(bo_factory, bo_client)
    form = await bo_client.get("/companies/new")
    assert form.status_code == 200 and 'name="creator_of_resellers"' in form.text
    res = await post_form(
        bo_client,
        "/companies/new",
        {
            "name": "  Acme Reseller ",
            "type": "reseller",
            "enabled": "1",
            "creator_of_resellers": "1",
            "moderation": "1",
            "description": "Our best partner",
        },
    )
    row = await Company.select().where(Company.name == "Acme Reseller").first()
    # issue 8: creating lands on the new object's page, as for every entity
    assert res.status_code == 303 and res.headers["location"] == f"/companies/{row['id']}"
    assert row["kind"] == "reseller" and row["parent"] == owner["id"]
    assert row["creator_of_resellers"] and row["moderation"] and row["enabled"]
    assert row["description"] == "Our best partner"
    listing = await bo_client.get("/companies")
    assert "Acme Reseller" in listing.text and "was created" in listing.text
    assert "was created" not in (await bo_client.get("/companies")).text  # shown once

    from core.audit.models import AuditEvent

    event = await AuditEvent.select().where(AuditEvent.action == "Company created").first()
    assert event["user"] == admin["id"] and event["company"] == owner["id"]


async def test_client_type_drops_creator_of_resellers_and_unchecked_boxes(bo_client, bo_factory):
    await _owner_admin(bo_factory, bo_client)
    res = await post_form(
        bo_client,
        "/companies/new",
        {"name": "Plain", "type": "client", "creator_of_resellers": "1"},
    )
    assert res.status_code == 303
    row = await Company.select().where(Company.name == "Plain").first()
    assert row["kind"] == "client" and not row["creator_of_resellers"] and not row["enabled"]


async def test_validation_errors_are_shown_by_field_and_values_kept(bo_client, bo_factory):
    owner, _ = await _owner_admin(bo_factory, bo_client)
    await bo_factory.company(owner, "client", name="Taken")
    res = await post_form(
        bo_client, "/companies/new", {"name": "", "type": "client", "description": "keep me"}
    )
    assert res.status_code == 422
    assert ">Required<" in res.text and "keep me" in res.text
    res = await post_form(bo_client, "/companies/new", {"name": "X", "type": "partner"})
    assert res.status_code == 422 and "Choose one of: client, reseller" in res.text
    res = await post_form(bo_client, "/companies/new", {"name": "taken", "type": "client"})
    assert res.status_code == 409 and "Already used by another of your companies" in res.text
    assert 'value="taken"' in res.text
    res = await post_form(
        bo_client, "/companies/new", {"name": "Extra", "type": "client", "portal": "1"}
    )
    assert res.status_code == 422 and "not accepted" in res.text
    assert await Company.count().where(Company.parent == owner["id"]) == 1


async def test_reseller_without_permission_cannot_create_resellers(bo_client, bo_factory):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Small", creator_of_resellers=False)
    await sign_in(bo_client, await bo_factory.user(reseller))
    res = await post_form(bo_client, "/companies/new", {"name": "Sub", "type": "reseller"})
    assert res.status_code == 422 and "Your company may not create resellers" in res.text
    client = await bo_factory.company(reseller, "client", name="Leaf")
    await sign_in(bo_client, await bo_factory.user(client))
    page = await bo_client.get("/companies")  # issue 8: client users get their own page
    assert page.status_code == 403 and 'href="/companies/new"' not in page.text
    res = await bo_client.post(
        "/companies/new",
        data={"_csrf_token": bo_client.cookies.get("bo_csrf"), "name": "Sub", "type": "client"},
    )
    assert res.status_code == 403


async def test_edit_company(bo_client, bo_factory):
    owner, _ = await _owner_admin(bo_factory, bo_client)
    company = await bo_factory.company(owner, "client", name="Old Name", description="d")
    page = await bo_client.get(f"/companies/{company['id']}/edit")
    assert page.status_code == 200 and 'value="Old Name"' in page.text
    res = await post_form(
        bo_client,
        f"/companies/{company['id']}/edit",
        {"name": "New Name", "type": "client", "enabled": "1", "description": "d"},
    )
    assert res.status_code == 303 and res.headers["location"] == f"/companies/{company['id']}"
    row = await Company.select().where(Company.id == company["id"]).first()
    assert row["name"] == "New Name" and not row["moderation"]
    res = await post_form(
        bo_client, f"/companies/{company['id']}/edit", {"name": "", "type": "client"}
    )
    assert res.status_code == 422 and ">Required<" in res.text

    from core.audit.models import AuditEvent

    assert await AuditEvent.exists().where(AuditEvent.action == "Company updated")


async def test_delete_needs_confirmation_and_post(bo_client, bo_factory):
    owner, _ = await _owner_admin(bo_factory, bo_client)
    company = await bo_factory.company(owner, "client", name="Doomed")
    busy = await bo_factory.company(owner, "client", name="Busy")
    await bo_factory.user(busy)
    confirm = await bo_client.get(f"/companies/{company['id']}/delete")
    assert confirm.status_code == 200 and "Doomed" in confirm.text
    assert await Company.exists().where(Company.id == company["id"])  # GET deletes nothing
    res = await post_form(bo_client, f"/companies/{company['id']}/delete", {})
    assert res.status_code == 303
    assert not await Company.exists().where(Company.id == company["id"])
    res = await post_form(bo_client, f"/companies/{busy['id']}/delete", {})
    assert res.status_code == 409 and "still has users" in res.text
    assert await Company.exists().where(Company.id == busy["id"])


async def test_foreign_company_pages_answer_404(bo_client, bo_factory):
    owner = await bo_factory.owner()
    mine = await bo_factory.company(owner, "reseller", name="Mine", creator_of_resellers=True)
    other = await bo_factory.company(owner, "reseller", name="Other")
    foreign = await bo_factory.company(other, "client", name="Foreign")
    await sign_in(bo_client, await bo_factory.user(mine))
    token = await token_for(bo_client, "/companies")
    for target in (foreign, other, owner, mine):
        cid = target["id"]
        res = await bo_client.get(f"/companies/{cid}")
        assert res.status_code == 404 and "does not exist" in res.text
        for page in ("edit", "delete", "block", "unblock"):
            assert (await bo_client.get(f"/companies/{cid}/{page}")).status_code == 404
        for action in ("block", "unblock"):
            res = await bo_client.post(f"/companies/{cid}/{action}", data={"_csrf_token": token})
            assert res.status_code == 404
        res = await bo_client.post(
            f"/companies/{cid}/edit",
            data={"_csrf_token": token, "name": "Hijacked", "type": "client"},
        )
        assert res.status_code == 404
        res = await bo_client.post(f"/companies/{cid}/delete", data={"_csrf_token": token})
        assert res.status_code == 404
    assert not await Company.exists().where(Company.name == "Hijacked")
    assert await Company.exists().where(Company.id == foreign["id"])


async def test_form_offers_own_legal_entities_flags_and_the_two_factor_warning(
    bo_client, bo_factory
):
    from core.accounts.legal_entities.models import LegalEntity

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Seller")
    sales = LegalEntity(company=reseller["id"], name="Seller Sales", country="DE", is_default=True)
    await sales.save()
    foreign = LegalEntity(company=owner["id"], name="Owner Sales", country="DE")
    await foreign.save()
    await sign_in(bo_client, await bo_factory.user(reseller))
    form = (await bo_client.get("/companies/new")).text
    assert f'<option value="{sales.id}" selected>Seller Sales (default)</option>' in form
    assert "Owner Sales" not in form
    assert 'name="invoices_enabled"' in form and 'name="two_factor_required"' in form
    assert "needs a phone number" in form
    assert 'name="mnp_requests"' not in form  # the system owner's option only
    res = await post_form(
        bo_client,
        "/companies/new",
        {
            "name": "Flagged",
            "type": "client",
            "own_legal_entity_id": str(sales.id),
            "invoices_enabled": "1",
            "two_factor_required": "1",
        },
    )
    assert res.status_code == 303
    row = await Company.select().where(Company.name == "Flagged").first()
    assert row["own_legal_entity"] == sales.id
    assert row["invoices_enabled"] and row["two_factor_required"]
    listing = (await bo_client.get("/companies?invoices=yes&tfa=yes")).text
    assert _names_in_order(listing) == ["Flagged"] and "Seller Sales" in listing
    res = await post_form(
        bo_client,
        "/companies/new",
        {"name": "Bad", "type": "client", "own_legal_entity_id": str(foreign.id)},
    )
    assert res.status_code == 422 and "No such legal entity among your own" in res.text
    res = await post_form(
        bo_client, "/companies/new", {"name": "Sneaky", "type": "client", "mnp_requests": "1"}
    )
    assert res.status_code == 422 and "Only the system owner sets" in res.text
    assert not await Company.exists().where(Company.name.is_in(["Bad", "Sneaky"]))


async def test_system_owner_sees_mnp_controls_and_an_honest_refusal(bo_client, bo_factory):
    owner, _ = await _owner_admin(bo_factory, bo_client)
    form = (await bo_client.get("/companies/new")).text
    assert 'name="mnp_requests"' in form and "No MNP-capable connection is available yet" in form
    res = await post_form(
        bo_client, "/companies/new", {"name": "Ported", "type": "client", "mnp_requests": "1"}
    )
    assert res.status_code == 422 and "No MNP-capable connection is available yet" in res.text
    res = await post_form(bo_client, "/companies/new", {"name": "Plain", "type": "client"})
    assert res.status_code == 303
    assert await Company.count().where(Company.parent == owner["id"]) == 1


async def test_block_and_unblock_through_confirmation_pages(bo_client, bo_factory):
    from core.auth.models import AuthToken

    owner, _ = await _owner_admin(bo_factory, bo_client)
    company = await bo_factory.company(owner, "client", name="Target")
    user = await bo_factory.user(company)
    await bo_factory.token(user, "session")
    cid = company["id"]
    confirm = await bo_client.get(f"/companies/{cid}/block")
    assert confirm.status_code == 200 and "signed out" in confirm.text
    assert (await Company.select(Company.enabled).where(Company.id == cid).first())["enabled"]
    res = await post_form(bo_client, f"/companies/{cid}/block", {})
    assert res.status_code == 303 and res.headers["location"] == f"/companies/{cid}"
    profile = (await bo_client.get(f"/companies/{cid}")).text
    assert "was blocked" in profile and ">Blocked<" in profile
    assert f'href="/companies/{cid}/unblock"' in profile
    assert not await AuthToken.exists().where(AuthToken.user == user["id"])
    res = await post_form(bo_client, f"/companies/{cid}/block", {}, page=f"/companies/{cid}")
    assert res.status_code == 303
    assert "already blocked" in (await bo_client.get(f"/companies/{cid}")).text
    res = await post_form(bo_client, f"/companies/{cid}/unblock", {})
    assert res.status_code == 303
    assert (await Company.select(Company.enabled).where(Company.id == cid).first())["enabled"]
