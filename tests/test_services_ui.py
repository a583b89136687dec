"""Finance → Services pages: add, view, edit, clone, archive and delete; errors shown under
their field with the values kept; filters and sorting; a sibling's service is a 404 page; a
view-only role gets no write buttons."""

from __future__ import annotations

import re

from test_ui_helpers import post_form, sign_in, token_for

from core.access.models import Role, RolePermission
from core.access.testing import user_with_role
from core.audit.models import AuditEvent
from core.catalogue.services.models import Service

FORM = {
    "name": "SMS retail",
    "type": "pay_as_you_go",
    "currency": "EUR",
    "size": "",
    "description": "",
}


async def _service(company: dict, name: str, **fields) -> int:
    values = {"type": "pay_as_you_go", "currency": "EUR", **fields}
    service = Service(company=company["id"], name=name, **values)
    await service.save()
    return service.id


def _names(page_html: str) -> list[str]:
    return re.findall(r'class="row-link" href="/services/\d+">([^<]+)</a>', page_html)


async def _reseller_admin(bo_factory, bo_client):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller")
    admin = await bo_factory.user(reseller)
    await sign_in(bo_client, admin)
    return reseller, admin


async def test_add_view_edit_clone_archive_delete(bo_client, bo_factory):
    reseller, admin = await _reseller_admin(bo_factory, bo_client)
    form = await bo_client.get("/services/new")
    assert form.status_code == 200 and '<option value="unit_pack">Unit pack</option>' in form.text
    res = await post_form(bo_client, "/services/new", {**FORM, "currency": "eur"})
    assert res.status_code == 303, res.text
    row = await Service.select().where(Service.name == "SMS retail").first()
    assert row["company"] == reseller["id"] and row["currency"] == "EUR"
    assert res.headers["location"] == f"/services/{row['id']}"
    sid = row["id"]

    view = await bo_client.get(f"/services/{sid}")
    assert view.status_code == 200 and "was created" in view.text
    assert "Pay-as-you-go" in view.text and f'href="/services/{sid}/edit"' in view.text

    body = {**FORM, "type": "monetary_pack", "size": "250.5"}
    res = await post_form(bo_client, f"/services/{sid}/edit", body)
    assert res.status_code == 303, res.text
    saved = await Service.select(Service.type, Service.size).where(Service.id == sid).first()
    assert saved == {"type": "monetary_pack", "size": 250_500_000}
    edit = await bo_client.get(f"/services/{sid}/edit")
    assert 'value="250.50"' in edit.text  # as a person types it back
    view = await bo_client.get(f"/services/{sid}")
    assert "250.50 EUR" in view.text

    res = await post_form(bo_client, f"/services/{sid}/clone", {"name": "SMS copy"})
    assert res.status_code == 303, res.text
    copy = await Service.select().where(Service.name == "SMS copy").first()
    assert (copy["type"], copy["size"], copy["currency"]) == ("monetary_pack", 250_500_000, "EUR")

    res = await post_form(bo_client, f"/services/{sid}/archive", {}, page=f"/services/{sid}")
    assert res.status_code == 303
    view = await bo_client.get(f"/services/{sid}")
    assert "Archived" in view.text and "Unarchive" in view.text
    res = await post_form(bo_client, f"/services/{sid}/unarchive", {}, page=f"/services/{sid}")
    assert res.status_code == 303
    archived = await Service.select(Service.archived_at).where(Service.id == sid).first()
    assert archived["archived_at"] is None

    confirm = await bo_client.get(f"/services/{copy['id']}/delete")
    assert confirm.status_code == 200 and "SMS copy" in confirm.text
    res = await post_form(bo_client, f"/services/{copy['id']}/delete", {})
    assert res.status_code == 303 and res.headers["location"] == "/services"
    assert not await Service.exists().where(Service.id == copy["id"])
    actions = [
        e["action"]
        for e in await AuditEvent.select(AuditEvent.action)
        .where(AuditEvent.action.like("Service %"), AuditEvent.user == admin["id"])
        .order_by(AuditEvent.id)
    ]
    assert actions == [
        "Service created",
        "Service updated",
        "Service cloned",
        "Service archived",
        "Service unarchived",
        "Service deleted",
    ]


async def test_errors_are_shown_by_field_and_values_kept(bo_client, bo_factory):
    reseller, _ = await _reseller_admin(bo_factory, bo_client)
    body = {**FORM, "type": "unit_pack", "size": "1.5", "description": "keep"}
    res = await post_form(bo_client, "/services/new", body)
    assert res.status_code == 422
    assert "has no currency" in res.text and "whole number" in res.text
    assert ">keep</textarea>" in res.text and 'value="1.5"' in res.text
    res = await post_form(bo_client, "/services/new", {**FORM, "size": "10"})
    assert res.status_code == 422 and "only packs have a size" in res.text.lower()
    assert await Service.count() == 0
    await _service(reseller, "Taken")
    res = await post_form(bo_client, "/services/new", {**FORM, "name": "TAKEN"})
    assert res.status_code == 409 and "taken by another of your services" in res.text.lower()


async def test_filters_and_sorting(bo_client, bo_factory):
    reseller, _ = await _reseller_admin(bo_factory, bo_client)
    await _service(reseller, "Alpha")
    await _service(reseller, "Beta", currency="USD")
    await _service(reseller, "Gamma pack", type="unit_pack", currency=None, size=1000)
    await Service.update({Service.archived_at: Service.created_at}).where(Service.name == "Beta")
    assert _names((await bo_client.get("/services?sort=name&order=asc")).text) == [
        "Alpha",
        "Beta",
        "Gamma pack",
    ]
    assert _names((await bo_client.get("/services?q=pack")).text) == ["Gamma pack"]
    assert _names((await bo_client.get("/services?type=unit_pack")).text) == ["Gamma pack"]
    assert _names((await bo_client.get("/services?currency=USD")).text) == ["Beta"]
    assert _names((await bo_client.get("/services?archived=yes")).text) == ["Beta"]
    assert "Beta" not in _names((await bo_client.get("/services?archived=no")).text)
    res = await bo_client.get("/services?type=nonsense&sort=bogus&currency=XXX1")
    assert res.status_code == 200 and len(_names(res.text)) == 3
    for label in ("ID", "Name", "Type", "Size", "Currency"):
        assert f">{label}<" in res.text
    csv = await bo_client.get("/services?format=csv&sort=name&order=asc")
    assert csv.status_code == 200 and csv.text.count("\n") >= 4


async def test_a_siblings_service_is_a_404_page(bo_client, bo_factory):
    owner = await bo_factory.owner()
    sibling = await bo_factory.company(owner, "reseller")
    theirs = await _service(sibling, "Theirs")
    await _reseller_admin(bo_factory, bo_client)
    assert _names((await bo_client.get("/services")).text) == []
    for suffix in ("", "/edit", "/clone", "/delete"):
        assert (await bo_client.get(f"/services/{theirs}{suffix}")).status_code == 404
    token = await token_for(bo_client, "/services")
    for suffix, data in (
        ("/edit", {**FORM, "name": "Hijacked"}),
        ("/clone", {"name": "Hijacked"}),
        ("/archive", {}),
        ("/delete", {}),
    ):
        res = await bo_client.post(
            f"/services/{theirs}{suffix}", data={"_csrf_token": token, **data}
        )
        assert res.status_code == 404, suffix
    row = (
        await Service.select(Service.name, Service.archived_at).where(Service.id == theirs).first()
    )
    assert row == {"name": "Theirs", "archived_at": None}
    assert await Service.count() == 1


async def test_view_only_user_gets_no_write_buttons(bo_client, bo_factory):
    owner = await bo_factory.owner()
    sid = await _service(owner, "Owner plan")
    role = Role(company=owner["id"], name="Rate viewer", group="backoffice")
    await role.save()
    await RolePermission(role=role.id, area="services", level="view").save()
    await sign_in(bo_client, await user_with_role(bo_factory, owner, "backoffice", role.id))
    listing = await bo_client.get("/services")
    assert listing.status_code == 200 and _names(listing.text) == ["Owner plan"]
    assert 'href="/services/new"' not in listing.text and "/edit" not in listing.text
    view = await bo_client.get(f"/services/{sid}")
    assert view.status_code == 200 and "/edit" not in view.text and "/archive" not in view.text
    assert (await bo_client.get("/services/new")).status_code == 403


def _field(page_html: str, name: str) -> str:
    """The opening tag of the form field (label) holding the control ``name``."""
    found = re.search(
        r'(<label class="field[^>]*>)\s*<span[^>]*>[^<]*</span>\s*<(?:input|select)[^>]*name="'
        + name
        + '"',
        page_html,
    )
    assert found, name
    return found.group(1)


async def test_the_form_shows_currency_and_size_only_for_the_types_that_have_them(
    bo_client, bo_factory
):
    """The server renders the state the page's script keeps: a new pay-as-you-go form hides the
    size, a unit pack hides the currency, and a field with an error always shows."""
    reseller, _ = await _reseller_admin(bo_factory, bo_client)
    form = (await bo_client.get("/services/new")).text
    assert " hidden" not in _field(form, "currency")
    assert _field(form, "size").endswith(" hidden>")
    assert 'data-shown-values="unit_pack monetary_pack bundle_pack"' not in form  # sorted
    assert 'data-shown-values="bundle_pack monetary_pack unit_pack"' in _field(form, "size")
    assert "unit_pack" not in _field(form, "currency")
    res = await post_form(bo_client, "/services/new", {**FORM, "type": "unit_pack", "currency": ""})
    assert res.status_code == 422 and "is required for a unit pack" in res.text.lower()  # size
    assert _field(res.text, "currency").endswith(" hidden>")
    assert " hidden" not in _field(res.text, "size")
    # a currency sent for a unit pack (no script) is refused under its field, which then shows
    body = {**FORM, "type": "unit_pack", "size": "1000"}
    res = await post_form(bo_client, "/services/new", body)
    assert res.status_code == 422 and "has no currency" in res.text
    assert " hidden" not in _field(res.text, "currency")
    pack = await _service(reseller, "Pack", type="unit_pack", currency=None, size=1000)
    edit = (await bo_client.get(f"/services/{pack}/edit")).text
    assert _field(edit, "currency").endswith(" hidden>") and 'value="1000"' in edit


async def test_the_view_shows_the_fields_of_its_type_and_the_list_its_actions(
    bo_client, bo_factory
):
    reseller, _ = await _reseller_admin(bo_factory, bo_client)
    payg = await _service(reseller, "Retail")
    pack = await _service(reseller, "Pack", type="unit_pack", currency=None, size=1000)
    bundle = await _service(reseller, "Bundle", type="bundle_pack", size=500)
    view = (await bo_client.get(f"/services/{payg}")).text
    assert "<dt>Currency</dt><dd>EUR</dd>" in view and "<dt>Size</dt>" not in view
    view = (await bo_client.get(f"/services/{pack}")).text
    assert "<dt>Currency</dt>" not in view and "<dd>1000 units</dd>" in view
    view = (await bo_client.get(f"/services/{bundle}")).text
    assert "<dd>500 unique recipients</dd>" in view
    listing = (await bo_client.get("/services")).text
    for sid in (payg, pack, bundle):
        for action in ("clone", "edit", "delete"):
            assert f'href="/services/{sid}/{action}"' in listing
    assert f'class="link-action" href="/services/{payg}">View' not in listing
    assert "Export CSV" in listing and "format=csv" in listing
