"""Account management → Enabled services pages: the four tabs render with their columns,
add/view/edit/delete (behind a confirmation) through the forms, errors under their field with
the values kept, the agreements list's "services N" / "packs N" links, a sibling's row is a
404 page and a view-only role gets no write buttons."""

from __future__ import annotations

import re

from agreement_helpers import agreement_between
from test_ui_helpers import post_form, sign_in

from core.access.testing import role_id, user_with_role
from core.catalogue.enabled.models import EnabledService
from core.catalogue.services.models import Service


async def _world(bo_factory, bo_client):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller")
    client = await bo_factory.company(reseller, "client", name="Client Ltd")
    agreement = await agreement_between(client, reseller)
    services = {}
    for name, kind, currency, size in [
        ("SMS retail", "pay_as_you_go", "EUR", None),
        ("1000 SMS", "unit_pack", None, 1000),
        ("Bundle 1000", "bundle_pack", "EUR", 1000),
    ]:
        row = Service(company=reseller["id"], name=name, type=kind, currency=currency, size=size)
        await row.save()
        services[kind] = row.id
    admin = await bo_factory.user(reseller)
    await sign_in(bo_client, admin)
    return owner, reseller, agreement, services


FORM = {"effective_from": "2030-03-01T00:00", "effective_till": "", "timezone": "Europe/Berlin"}


async def test_the_four_tabs_render_and_a_service_is_added_edited_and_deleted(
    bo_client, bo_factory
):
    _, reseller, agreement, services = await _world(bo_factory, bo_client)
    for path, title in [
        ("/enabled-services", "Enabled services"),
        ("/enabled-packs", "Enabled packs"),
        ("/enabled-bundle-initiators", "Enabled bundle initiators"),
        ("/enabled-bundle-packs", "Enabled bundle packs"),
    ]:
        res = await bo_client.get(path)
        assert res.status_code == 200, res.text
        assert f'class="tab active" href="{path}"' in res.text and title in res.text
    home = await bo_client.get("/enabled-services")
    assert 'href="/enabled-services"' in home.text  # the menu entry

    form = await bo_client.get(f"/enabled-services/new?agreement_id={agreement}")
    assert form.status_code == 200
    assert f'<option value="{services["pay_as_you_go"]}">SMS retail (EUR)</option>' in form.text
    assert "1000 SMS" not in form.text  # a pack is not offered as a pay-as-you-go service
    assert f'<option value="{agreement}" selected>Client Ltd — A-1, EUR</option>' in form.text
    body = {**FORM, "service_id": str(services["pay_as_you_go"]), "agreement_id": str(agreement)}
    res = await post_form(bo_client, "/enabled-services/new", body)
    assert res.status_code == 303, res.text
    row = await EnabledService.select().first()
    assert row["seller"] == reseller["id"] and row["kind"] == "service"
    assert res.headers["location"] == f"/enabled-services/{row['id']}"
    view = await bo_client.get(res.headers["location"])
    assert "was created" in view.text and "2030-03-01 00:00:00 Europe/Berlin" in view.text

    res = await post_form(
        bo_client,
        f"/enabled-services/{row['id']}/edit",
        {**FORM, "effective_till": "2030-01-01T00:00", "hidden_from_client": "1"},
    )
    assert res.status_code == 422
    assert "Must be later than the start" in res.text and 'value="2030-01-01T00:00"' in res.text
    res = await post_form(
        bo_client,
        f"/enabled-services/{row['id']}/edit",
        {**FORM, "effective_till": "2031-01-01T00:00", "hidden_from_client": "1"},
    )
    assert res.status_code == 303, res.text
    saved = await EnabledService.select(EnabledService.hidden_from_client).first()
    assert saved["hidden_from_client"] is True
    listing = await bo_client.get(f"/enabled-services?agreement_id={agreement}")
    assert re.search(rf'href="/enabled-services/{row["id"]}">{row["id"]}</a>', listing.text)
    assert "2031-01-01 00:00" in listing.text

    agreements = await bo_client.get("/agreements")
    assert f'href="/enabled-services?agreement_id={agreement}">services 1</a>' in agreements.text
    assert f'href="/enabled-packs?agreement_id={agreement}">packs 0</a>' in agreements.text

    confirm = await bo_client.get(f"/enabled-services/{row['id']}/delete")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.text
    res = await post_form(bo_client, f"/enabled-services/{row['id']}/delete", {})
    assert res.status_code == 303 and await EnabledService.count() == 0


async def test_form_errors_show_under_their_fields_with_the_values_kept(bo_client, bo_factory):
    _, _, agreement, services = await _world(bo_factory, bo_client)
    res = await post_form(
        bo_client, "/enabled-packs/new", {**FORM, "service_id": "", "agreement_id": ""}
    )
    assert res.status_code == 422
    assert "has-error" in res.text and 'value="Europe/Berlin"' in res.text
    body = {**FORM, "service_id": str(services["unit_pack"]), "agreement_id": str(agreement)}
    res = await post_form(bo_client, "/enabled-packs/new", {**body, "timezone": "Nowhere"})
    assert res.status_code == 422
    assert "IANA timezone" in res.text and "Must be one of: free, charge" in res.text
    res = await post_form(bo_client, "/enabled-packs/new", {**body, "billing": "charge"})
    assert res.status_code == 303, res.text
    listing = await bo_client.get("/enabled-packs")
    assert "1000 SMS" in listing.text and "Charge" in listing.text
    res = await post_form(
        bo_client,
        "/enabled-bundle-packs/new",
        {**body, "service_id": str(services["bundle_pack"]), "auto_extend": "1"},
    )
    assert res.status_code == 303, res.text
    view = await bo_client.get(res.headers["location"])
    assert "Auto extend</dt><dd>Yes" in view.text and "Used</dt><dd>0" in view.text
    res = await post_form(
        bo_client,
        "/enabled-bundle-initiators/new",
        {**body, "service_id": str(services["pay_as_you_go"])},
    )
    assert res.status_code == 422 and "takes a Bundle initiator service" in res.text


async def test_a_sibling_gets_404_pages_and_a_viewer_no_write_buttons(bo_client, bo_factory):
    owner, reseller, agreement, services = await _world(bo_factory, bo_client)
    body = {**FORM, "service_id": str(services["pay_as_you_go"]), "agreement_id": str(agreement)}
    res = await post_form(bo_client, "/enabled-services/new", body)
    enabled_id = int(res.headers["location"].rsplit("/", 1)[1])
    sibling = await bo_factory.company(owner, "reseller")
    await sign_in(bo_client, await bo_factory.user(sibling))
    assert (await bo_client.get(f"/enabled-services/{enabled_id}")).status_code == 404
    assert (await bo_client.get(f"/enabled-services/{enabled_id}/edit")).status_code == 404
    role = await role_id("backoffice", "Finance manager")
    await sign_in(bo_client, await user_with_role(bo_factory, reseller, "backoffice", role))
    view = await bo_client.get(f"/enabled-services/{enabled_id}")
    assert view.status_code == 200 and "/edit" not in view.text
    assert (await bo_client.get("/enabled-services/new")).status_code == 403


async def test_saving_a_started_row_unchanged_keeps_its_start(bo_client, bo_factory):
    """Entered with seconds through the API, shown to the minute: the form sent back as shown
    changes only what was changed."""
    from datetime import UTC, datetime, timedelta

    _, reseller, agreement, services = await _world(bo_factory, bo_client)
    start = (datetime.now(UTC) - timedelta(days=2)).replace(second=16, microsecond=0)
    row = EnabledService(
        seller=reseller["id"],
        agreement=agreement,
        service=services["pay_as_you_go"],
        kind="service",
        effective_from=start,
        timezone="UTC",
    )
    await row.save()
    edit = await bo_client.get(f"/enabled-services/{row.id}/edit")
    shown = start.strftime("%Y-%m-%dT%H:%M")
    assert f'value="{shown}"' in edit.text and "Already started" in edit.text
    body = {"effective_from": shown, "effective_till": "", "timezone": "UTC"}
    res = await post_form(
        bo_client, f"/enabled-services/{row.id}/edit", {**body, "hidden_from_client": "1"}
    )
    assert res.status_code == 303, res.text
    saved = await EnabledService.select().where(EnabledService.id == row.id).first()
    assert saved["hidden_from_client"] is True
    assert saved["effective_from"].astimezone(UTC) == start
    moved = {**body, "effective_from": "2020-01-01T00:00"}
    res = await post_form(bo_client, f"/enabled-services/{row.id}/edit", moved)
    assert res.status_code == 409 and "its start cannot be moved" in res.text
