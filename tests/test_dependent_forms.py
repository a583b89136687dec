"""Dependent selects: the options endpoints behind ``data-depends-on`` are scoped to the caller's
tenant, the forms mark the selects that follow another, and the services still refuse a
mismatched pair sent without the script."""

from __future__ import annotations

from test_agreements_api import entity, world
from test_agreements_ui import _form
from test_ui_helpers import post_form, sign_in

from core.accounts.agreements.models import Agreement
from core.accounts.bank_accounts.models import BankAccount


async def test_options_follow_the_parent_and_stay_in_the_tenant(bo_client, bo_factory):
    w = await world(bo_factory)
    second = await entity(w["c1"], "Another Client Entity")
    await sign_in(bo_client, w["user"])
    res = await bo_client.get(f"/ui/options/legal-entities?company_id={w['c1']['id']}")
    assert res.status_code == 200
    assert res.json() == [
        {"value": str(second), "label": "Another Client Entity"},
        {"value": str(w["c1_le"]), "label": "Client Entity"},
    ]
    res = await bo_client.get(f"/ui/options/legal-entities?company_id={w['rr']['id']}")
    assert [o["label"] for o in res.json()] == ["Reseller Entity"]
    res = await bo_client.get(f"/ui/options/bank-accounts?legal_entity_id={w['c1_le']}")
    assert res.json() == [{"value": str(w["c1_ba"]), "label": "Client account"}]
    res = await bo_client.get(f"/ui/options/bank-accounts?legal_entity_id={w['own_le']}")
    assert res.json() == [{"value": str(w["own_ba"]), "label": "Tenant account"}]
    assert (await bo_client.get("/ui/options/legal-entities?company_id=")).json() == []
    assert (await bo_client.get("/ui/options/bank-accounts")).json() == []

    # another tenant's company, entity, or something that is no id at all: 404
    for path in (
        f"/ui/options/legal-entities?company_id={w['r2']['id']}",
        f"/ui/options/legal-entities?company_id={w['owner']['id']}",
        "/ui/options/legal-entities?company_id=987654",
        "/ui/options/legal-entities?company_id=abc",
        "/ui/options/legal-entities?company_id=-1",
        f"/ui/options/bank-accounts?legal_entity_id={w['r2_le']}",
        "/ui/options/bank-accounts?legal_entity_id=x1",
    ):
        res = await bo_client.get(path, headers={"Accept": "application/json"})
        assert res.status_code == 404, path
        assert "Sibling" not in res.text

    # the sibling tenant sees its own, never the first tenant's
    await sign_in(bo_client, w["sibling_user"])
    res = await bo_client.get(f"/ui/options/legal-entities?company_id={w['c1']['id']}")
    assert res.status_code == 404
    res = await bo_client.get(f"/ui/options/legal-entities?company_id={w['r2']['id']}")
    assert [o["label"] for o in res.json()] == ["Sibling Entity"]


async def test_options_need_a_signed_in_user_with_account_management(bo_client, bo_factory):
    w = await world(bo_factory)
    res = await bo_client.get(f"/ui/options/legal-entities?company_id={w['c1']['id']}")
    assert res.status_code in (302, 303, 401) and "Client Entity" not in res.text


async def test_forms_mark_the_dependent_selects(bo_client, bo_factory):
    w = await world(bo_factory)
    await sign_in(bo_client, w["user"])
    form = (await bo_client.get("/agreements/new")).text
    assert (
        'name="legal_entity_id" required data-depends-on="company_id" '
        'data-options-url="/ui/options/legal-entities?company_id="' in form
    )
    assert 'data-depends-on="legal_entity_id"' in form
    assert 'data-depends-on="own_legal_entity_id"' in form
    form = (await bo_client.get("/bank-accounts/new")).text
    assert '<select name="company_id">' in form
    assert 'data-depends-on="company_id"' in form
    assert "data-depends-on" not in (await bo_client.get("/own-bank-accounts/new")).text
    # an existing agreement keeps its company: its form offers that company's entities only
    import msgspec
    from test_agreements_api import body

    from core.accounts.agreements import service as agreements
    from core.accounts.agreements.schemas import AgreementCreate
    from core.audit.recorder import AuditContext
    from tenants.scope import Scope

    ctx = AuditContext(company_id=w["r1"]["id"], user_id=None, user_label="t", ip="")
    data = msgspec.convert(body(w), AgreementCreate)
    created = await agreements.create_agreement(ctx, Scope.of(w["r1"]), data)
    edit = (await bo_client.get(f"/agreements/{created.id}/edit")).text
    assert "Client Entity" in edit and "Reseller Entity" not in edit
    listing = (await bo_client.get("/bank-accounts")).text  # the list filters follow too
    assert '<select name="legal_entity_id" data-depends-on="company_id"' in listing


async def test_a_mismatch_sent_without_the_script_is_refused(bo_client, bo_factory):
    w = await world(bo_factory)
    await sign_in(bo_client, w["user"])
    # the agreement service refuses an entity of another company than the chosen one
    res = await post_form(bo_client, "/agreements/new", _form(w, legal_entity_id=str(w["rr_le"])))
    assert res.status_code == 422 and "No such legal entity of the chosen company" in res.text
    res = await post_form(bo_client, "/agreements/new", _form(w, bank_account_id=str(w["own_ba"])))
    assert res.status_code == 422 and "No such bank account of the chosen legal entity" in res.text
    assert await Agreement.count() == 0
    # the bank account form's company select narrows; a pick from another company is pointed out
    bank = (await BankAccount.select(BankAccount.bank).first())["bank"]
    fields = {"name": "N", "bank_id": str(bank), "holder": "H", "number": "12345"}
    before = await BankAccount.count()
    res = await post_form(
        bo_client,
        "/bank-accounts/new",
        {**fields, "company_id": str(w["c1"]["id"]), "legal_entity_id": str(w["rr_le"])},
    )
    assert res.status_code == 422 and "Belongs to another company" in res.text
    assert await BankAccount.count() == before
