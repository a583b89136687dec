"""Legal-entity pages: both lists, filters, columns, add/view/edit/delete and scope."""

from __future__ import annotations

import json
import re

from test_ui_helpers import post_form, sign_in, token_for

from core.accounts.legal_entities.models import LegalEntity
from core.audit.models import AuditEvent
from tenants.models import Portal


async def _reseller_admin(bo_factory, bo_client):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    client = await bo_factory.company(reseller, "client", name="Client Co")
    admin = await bo_factory.user(reseller)
    await sign_in(bo_client, admin)
    return owner, reseller, client, admin


async def _entity(company: dict, name: str, **fields) -> int:
    fields = {"legal_name": f"{name} Ltd", "country": "DE", **fields}
    row = LegalEntity(company=company["id"], name=name, **fields)
    await row.save()
    return row.id


def _names(page_html: str, base: str = "/legal-entities") -> list[str]:
    return re.findall(rf'class="row-link" href="{base}/\d+">([^<]+)</a>', page_html)


def _form(**extra) -> dict:
    return {"name": "Hooves", "legal_name": "Hooves, Inc.", "country": "CA", **extra}


async def test_lists_are_separate_and_in_the_menu(bo_client, bo_factory):
    owner, reseller, client, _ = await _reseller_admin(bo_factory, bo_client)
    await _entity(client, "Client Entity")
    await _entity(reseller, "Own Entity")
    sibling = await bo_factory.company(owner, "reseller", name="Sibling")
    await _entity(sibling, "Sibling Entity")
    res = await bo_client.get("/legal-entities")
    assert res.status_code == 200 and _names(res.text) == ["Client Entity"]
    assert 'href="/own-legal-entities"' in res.text and ">Settings<" in res.text
    for label in ("ID", "Name", "Company", "Country", "Legal company name", "Is default"):
        assert f">{label}<" in res.text
    assert 'name="col" value="portal">' in res.text and 'class="col-portal"' not in res.text
    assert "Germany" in res.text and "Client Co" in res.text
    res = await bo_client.get("/own-legal-entities")
    assert res.status_code == 200
    assert _names(res.text, "/own-legal-entities") == ["Own Entity"]
    assert "Sibling Entity" not in res.text


async def test_filters_sorting_and_columns(bo_client, bo_factory):
    owner, reseller, client, _ = await _reseller_admin(bo_factory, bo_client)
    other = await bo_factory.company(reseller, "client", name="Other Co")
    await _entity(client, "Alpha", is_default=True)
    await _entity(client, "Beta", country="CA")
    await _entity(other, "Gamma", country="CA")
    assert _names((await bo_client.get("/legal-entities?country=CA&sort=name&order=asc")).text) == [
        "Beta",
        "Gamma",
    ]
    assert _names((await bo_client.get(f"/legal-entities?company_id={other['id']}")).text) == [
        "Gamma"
    ]
    assert _names((await bo_client.get("/legal-entities?is_default=yes")).text) == ["Alpha"]
    assert _names((await bo_client.get("/legal-entities?q=amm")).text) == ["Gamma"]
    res = await bo_client.get("/legal-entities?sort=name&order=desc&page_size=10")
    assert _names(res.text) == ["Gamma", "Beta", "Alpha"]
    res = await bo_client.get("/legal-entities?sort=secret&country=ZZ&company_id=x&page=y")
    assert res.status_code == 200 and len(_names(res.text)) == 3

    token = await token_for(bo_client, "/legal-entities")
    res = await bo_client.post(
        "/ui/columns/legal_entities",
        data={"_csrf_token": token, "col": ["name", "vat_id"], "back": "/legal-entities"},
    )
    assert res.status_code == 303
    page = (await bo_client.get("/legal-entities")).text
    assert 'class="col-vat_id"' in page and 'class="col-country"' not in page
    own = (await bo_client.get("/own-legal-entities")).text  # its own column choice
    assert 'class="col-country"' in own


async def test_add_view_edit_through_the_forms(bo_client, bo_factory):
    owner, reseller, client, admin = await _reseller_admin(bo_factory, bo_client)
    portal = Portal(company=reseller["id"], name="Main portal", fqdn="main.example.test")
    await portal.save()
    form = await bo_client.get("/legal-entities/new")
    assert form.status_code == 200 and "Client Co" in form.text and "Main portal" in form.text
    res = await post_form(
        bo_client,
        "/legal-entities/new",
        _form(
            company_id=str(client["id"]),
            portal_id=str(portal.id),
            notification_emails="a@hoho.com\nb@hoho.com, A@HOHO.com",
        ),
    )
    row = await LegalEntity.select().where(LegalEntity.name == "Hooves").first()
    # issue 8: creating lands on the new object's page, as for every entity
    assert res.status_code == 303 and res.headers["location"] == f"/legal-entities/{row['id']}"
    assert row["company"] == client["id"] and row["portal"] == portal.id and row["is_default"]
    assert json.loads(row["notification_emails"]) == ["a@hoho.com", "b@hoho.com"]
    assert "was created" in (await bo_client.get("/legal-entities")).text
    event = await AuditEvent.select().where(AuditEvent.action == "Legal entity created").first()
    assert event["user"] == admin["id"]

    view = await bo_client.get(f"/legal-entities/{row['id']}")
    assert view.status_code == 200
    for text in ("Hooves, Inc.", "Canada", "Main portal", "b@hoho.com", "Client Co"):
        assert text in view.text
    assert "Manage reselling agreements" not in view.text  # a client's entity resells nothing
    edit = await bo_client.get(f"/legal-entities/{row['id']}/edit")
    assert 'value="Hooves"' in edit.text and "a@hoho.com\nb@hoho.com" in edit.text
    res = await post_form(
        bo_client,
        f"/legal-entities/{row['id']}/edit",
        _form(name="Hooves 2", vat_id="EU1", notification_emails="", portal_id=""),
    )
    assert res.status_code == 303 and res.headers["location"] == f"/legal-entities/{row['id']}"
    row = await LegalEntity.select().where(LegalEntity.id == row["id"]).first()
    assert row["name"] == "Hooves 2" and row["vat_id"] == "EU1" and row["portal"] is None
    assert json.loads(row["notification_emails"]) == [] and not row["is_default"]
    assert await AuditEvent.exists().where(AuditEvent.action == "Legal entity updated")


async def test_own_entity_form_and_default_switch(bo_client, bo_factory):
    owner, reseller, client, _ = await _reseller_admin(bo_factory, bo_client)
    first = await _entity(reseller, "First", is_default=True)
    form = await bo_client.get("/own-legal-entities/new")
    assert form.status_code == 200 and 'name="company_id"' not in form.text
    res = await post_form(bo_client, "/own-legal-entities/new", _form(is_default="1"))
    assert res.status_code == 303 and res.headers["location"].startswith("/own-legal-entities/")
    rows = await LegalEntity.select(LegalEntity.name, LegalEntity.is_default).where(
        LegalEntity.company == reseller["id"]
    )
    assert {r["name"]: r["is_default"] for r in rows} == {"First": False, "Hooves": True}
    assert await LegalEntity.exists().where(LegalEntity.id == first)


async def test_validation_errors_are_shown_by_field(bo_client, bo_factory):
    owner, reseller, client, _ = await _reseller_admin(bo_factory, bo_client)
    sibling = await bo_factory.company(owner, "reseller", name="Sibling")
    foreign = Portal(company=sibling["id"], name="Foreign", fqdn="foreign.example.test")
    await foreign.save()
    cid = str(client["id"])
    res = await post_form(
        bo_client,
        "/legal-entities/new",
        _form(company_id=cid, notification_emails="ok@x.io\nnot-an-email", tax_id="keep me"),
    )
    assert res.status_code == 422
    assert "Address 2 “not-an-email” is not a valid email address" in res.text
    assert "keep me" in res.text and "not-an-email" in res.text
    res = await post_form(bo_client, "/legal-entities/new", _form(company_id=cid, name=""))
    assert res.status_code == 422 and ">Required<" in res.text
    res = await post_form(bo_client, "/legal-entities/new", _form(company_id=""))
    assert res.status_code == 422
    res = await post_form(
        bo_client, "/legal-entities/new", _form(company_id=cid, portal_id=str(foreign.id))
    )
    assert res.status_code == 422 and "No such portal among yours or this legal entity" in res.text
    res = await post_form(bo_client, "/legal-entities/new", _form(company_id=str(sibling["id"])))
    assert res.status_code == 422 and "No such company among the companies you created" in res.text
    assert await LegalEntity.count() == 0


async def test_delete_needs_confirmation_and_says_when_default_is_gone(bo_client, bo_factory):
    owner, reseller, client, _ = await _reseller_admin(bo_factory, bo_client)
    default = await _entity(client, "Main", is_default=True)
    spare = await _entity(client, "Spare")
    confirm = await bo_client.get(f"/legal-entities/{default}/delete")
    assert confirm.status_code == 200 and "default legal entity" in confirm.text
    assert await LegalEntity.exists().where(LegalEntity.id == default)  # GET deletes nothing
    res = await post_form(bo_client, f"/legal-entities/{default}/delete", {})
    assert res.status_code == 303 and res.headers["location"] == "/legal-entities"
    assert not await LegalEntity.exists().where(LegalEntity.id == default)
    listing = (await bo_client.get("/legal-entities")).text
    assert "was deleted" in listing and "Client Co has no default now" in listing
    spare_row = await LegalEntity.select().where(LegalEntity.id == spare).first()
    assert spare_row["is_default"] is False  # none is promoted
    assert await AuditEvent.exists().where(AuditEvent.action == "Legal entity deleted")


async def test_foreign_and_cross_section_pages_answer_404(bo_client, bo_factory):
    owner = await bo_factory.owner()
    mine = await bo_factory.company(owner, "reseller", name="Mine")
    sibling = await bo_factory.company(owner, "reseller", name="Sibling")
    client = await bo_factory.company(sibling, "client", name="Their client")
    own = await _entity(mine, "My own")
    theirs = [await _entity(sibling, "Sibling own"), await _entity(client, "Their client LE")]
    await sign_in(bo_client, await bo_factory.user(mine))
    token = await token_for(bo_client, "/legal-entities")
    targets = [(b, e) for b in ("/legal-entities", "/own-legal-entities") for e in theirs]
    targets.append(("/legal-entities", own))
    for base, entity in targets:
        for suffix in ("", "/edit", "/delete"):
            assert (await bo_client.get(f"{base}/{entity}{suffix}")).status_code == 404
        res = await bo_client.post(
            f"{base}/{entity}/edit", data={"_csrf_token": token, **_form(name="Hijacked")}
        )
        assert res.status_code == 404
        res = await bo_client.post(f"{base}/{entity}/delete", data={"_csrf_token": token})
        assert res.status_code == 404
    assert not await LegalEntity.exists().where(LegalEntity.name == "Hijacked")
    assert await LegalEntity.count() == 3
    assert (await bo_client.get(f"/own-legal-entities/{own}")).status_code == 200


async def test_client_users_only_read_their_entities(bo_client, bo_factory):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    client = await bo_factory.company(reseller, "client", name="Client Co")
    kept = await _entity(client, "Kept for them")
    await sign_in(bo_client, await bo_factory.user(client))
    # issue 8: client users get the "not for client-portal users" page everywhere
    for path in ("/own-legal-entities", f"/own-legal-entities/{kept}"):
        res = await bo_client.get(path)
        assert res.status_code == 403 and "not for client-portal users" in res.text
        assert "Kept for them" not in res.text
    token = bo_client.cookies.get("bo_csrf")
    res = await bo_client.post(f"/own-legal-entities/{kept}/delete", data={"_csrf_token": token})
    assert res.status_code == 403
    assert await LegalEntity.exists().where(LegalEntity.id == kept)


async def test_view_only_user_gets_no_write_buttons(bo_client, bo_factory):
    from core.access.models import Role, RolePermission
    from core.access.testing import user_with_role

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    client = await bo_factory.company(reseller, "client", name="Client Co")
    entity = await _entity(client, "Viewed")
    role = Role(company=reseller["id"], name="Entity viewer", group="backoffice")
    await role.save()
    await RolePermission(role=role.id, area="account_management", level="view").save()
    await sign_in(bo_client, await user_with_role(bo_factory, reseller, "backoffice", role.id))
    listing = await bo_client.get("/legal-entities")
    assert listing.status_code == 200 and _names(listing.text) == ["Viewed"]
    assert 'href="/legal-entities/new"' not in listing.text and "/edit" not in listing.text
    view = await bo_client.get(f"/legal-entities/{entity}")
    assert view.status_code == 200 and "/edit" not in view.text
    assert (await bo_client.get("/legal-entities/new")).status_code == 403
