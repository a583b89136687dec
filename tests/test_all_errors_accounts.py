"""Companies and bank accounts name every broken rule in one answer, API and form alike, and a
form shows its shape errors and the rule errors of the fields that parsed together (issue 8
item 2)."""

from __future__ import annotations

import re

from test_ui_helpers import csrf_of, post_form, sign_in

from core.accounts.bank_accounts.models import BankAccount
from core.accounts.banks.models import Bank
from core.accounts.legal_entities.models import LegalEntity
from tenants.models import Company, Portal

BA = "/api/v1/bank-accounts"
OWN_BA = "/api/v1/own-bank-accounts"
IBAN = "DE89 3704 0044 0532 0130 00"


def _fields(res) -> dict[str, list[str]]:
    assert res.headers["content-type"].startswith("application/problem+json"), res.text
    found: dict[str, list[str]] = {}
    for error in res.json()["errors"]:
        found.setdefault(error["field"], []).append(error["message"])
    return found


def _form_errors(html: str) -> list[str]:
    return re.findall(r'class="field-error"[^>]*>([^<]+)<', html)


async def _entity(company: dict, name: str) -> int:
    row = LegalEntity(company=company["id"], name=name, legal_name=name, country="DE")
    await row.save()
    return row.id


async def _bank(company: dict, name: str) -> int:
    row = Bank(company=company["id"], name=name, country="DE", address="Main street 1")
    await row.save()
    return row.id


async def _reseller_world(bo_factory):
    """A plain reseller (no right to create resellers) beside another tenant with objects."""
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Plain Reseller")
    other = await bo_factory.company(owner, "reseller", name="Other Tenant")
    client = await bo_factory.company(reseller, "client", name="Client Co")
    other_client = await bo_factory.company(other, "client", name="Other Client")
    foreign_portal = Portal(company=other["id"], name="Theirs", fqdn="theirs.example.test")
    await foreign_portal.save()
    return {
        "owner": owner,
        "reseller": reseller,
        "other": other,
        "client": client,
        "other_client": other_client,
        "foreign_portal": foreign_portal.id,
        "foreign_entity": await _entity(other, "Other Ltd"),
        "foreign_client_entity": await _entity(other_client, "Other Client Ltd"),
        "foreign_bank": await _bank(other, "Their bank"),
    }


# --- companies ---------------------------------------------------------------------------------


async def test_a_company_names_every_broken_rule_at_once(bo_factory, bo_api):
    w = await _reseller_world(bo_factory)
    api = await bo_api(await bo_factory.user(w["reseller"]))
    body = {
        "name": "   ",
        "type": "reseller",
        "creator_of_resellers": True,
        "portal_id": w["foreign_portal"],
        "own_legal_entity_id": w["foreign_entity"],
        "mnp_requests": True,
    }
    res = await api.post("/api/v1/companies", json=body)
    assert res.status_code == 422
    fields = _fields(res)
    assert set(fields) == {
        "name",
        "type",
        "creator_of_resellers",
        "portal_id",
        "own_legal_entity_id",
        "mnp_requests",
    }
    assert fields["name"] == ["must not be blank"]
    assert fields["portal_id"] == ["no such portal among your portals"]
    assert fields["own_legal_entity_id"] == ["no such legal entity among your own"]
    assert await Company.count().where(Company.parent == w["reseller"]["id"]) == 1

    res = await api.patch(
        f"/api/v1/companies/{w['client']['id']}",
        json={"name": " ", "portal_id": w["foreign_portal"], "creator_of_resellers": True},
    )
    assert res.status_code == 422
    assert set(_fields(res)) == {"name", "portal_id", "creator_of_resellers"}
    # another tenant's company stays a 404, whatever the body
    res = await api.patch(f"/api/v1/companies/{w['other_client']['id']}", json={"name": " "})
    assert res.status_code == 404


async def test_a_duplicate_name_alone_is_409_and_joins_other_errors_in_one_422(bo_factory, bo_api):
    w = await _reseller_world(bo_factory)
    api = await bo_api(await bo_factory.user(w["reseller"]))
    res = await api.post("/api/v1/companies", json={"name": "client co", "type": "client"})
    assert res.status_code == 409
    assert _fields(res) == {"name": ["already used by another of your companies"]}
    res = await api.post(
        "/api/v1/companies",
        json={"name": "client co", "type": "client", "portal_id": w["foreign_portal"]},
    )
    assert res.status_code == 422
    assert _fields(res) == {
        "portal_id": ["no such portal among your portals"],
        "name": ["already used by another of your companies"],
    }


async def test_the_company_form_shows_shape_and_rule_errors_together(bo_client, bo_factory):
    w = await _reseller_world(bo_factory)
    await sign_in(bo_client, await bo_factory.user(w["reseller"]))
    res = await post_form(
        bo_client,
        "/companies/new",
        {
            "name": "",  # shape: required
            "type": "reseller",  # rule: this reseller may not create resellers
            "creator_of_resellers": "1",  # rule: same
            "own_legal_entity_id": str(w["foreign_entity"]),  # rule: not among its own
            "description": "x" * 2001,  # shape: too long
        },
    )
    assert res.status_code == 422
    errors = _form_errors(res.text)
    assert "Required" in errors
    assert "Use at most 2000 characters" in errors
    assert "Your company may not create resellers" in errors
    assert "No such legal entity among your own" in errors
    assert await Company.count().where(Company.parent == w["reseller"]["id"]) == 1

    # editing: a broken shape and a taken name in one answer
    await bo_factory.company(w["reseller"], "client", name="Taken Co")
    res = await post_form(
        bo_client,
        f"/companies/{w['client']['id']}/edit",
        {"name": "taken co", "type": "unknown", "own_legal_entity_id": "abc"},
    )
    assert res.status_code == 422
    errors = _form_errors(res.text)
    assert "Choose one of: client, reseller" in errors
    assert "Use a whole number" in errors
    assert "Already used by another of your companies" in errors
    row = await Company.select(Company.name).where(Company.id == w["client"]["id"]).first()
    assert row["name"] == "Client Co"


async def test_a_company_form_rule_check_never_reaches_another_tenant(bo_client, bo_factory):
    w = await _reseller_world(bo_factory)
    await sign_in(bo_client, await bo_factory.user(w["reseller"]))
    res = await post_form(
        bo_client,
        f"/companies/{w['other_client']['id']}/edit",
        {"name": ""},
        page="/companies/new",
    )
    assert res.status_code == 404


# --- bank accounts -----------------------------------------------------------------------------


async def test_a_bank_account_names_every_broken_rule_at_once(bo_factory, bo_api):
    w = await _reseller_world(bo_factory)
    api = await bo_api(await bo_factory.user(w["reseller"]))
    body = {
        "name": " ",
        "holder": " ",
        "number": "GB00BADIBAN000",
        "legal_entity_id": w["foreign_client_entity"],
        "bank_id": w["foreign_bank"],
    }
    res = await api.post(BA, json=body)
    assert res.status_code == 422
    fields = _fields(res)
    assert set(fields) == {"name", "holder", "number", "legal_entity_id", "bank_id"}
    assert fields["legal_entity_id"] == ["no such legal entity among those of your companies"]
    assert fields["bank_id"] == ["no such bank among yours and your tenants'"]
    assert "an IBAN from GB has 22 characters" in fields["number"][0]

    res = await api.post(OWN_BA, json={**body, "legal_entity_id": w["foreign_entity"]})
    assert res.status_code == 422
    assert set(_fields(res)) == {"name", "holder", "number", "legal_entity_id", "bank_id"}
    assert await BankAccount.count() == 0


async def test_a_duplicate_number_alone_is_409_and_joins_other_errors_in_one_422(
    bo_factory, bo_api
):
    w = await _reseller_world(bo_factory)
    api = await bo_api(await bo_factory.user(w["reseller"]))
    entity, bank = await _entity(w["client"], "Client Ltd"), await _bank(w["reseller"], "Mine")
    good = {"name": "A", "holder": "H", "number": IBAN, "legal_entity_id": entity, "bank_id": bank}
    assert (await api.post(BA, json=good)).status_code == 201
    res = await api.post(BA, json={**good, "name": "B"})
    assert res.status_code == 409
    res = await api.post(BA, json={**good, "name": " "})
    assert res.status_code == 422
    assert _fields(res) == {
        "name": ["must not be blank"],
        "number": ["this bank already has an account with this number"],
    }
    created = (await api.get(BA)).json()["items"][0]["id"]
    res = await api.patch(f"{BA}/{created}", json={"holder": " ", "bank_id": w["foreign_bank"]})
    assert res.status_code == 422
    assert set(_fields(res)) == {"holder", "bank_id"}


async def test_the_bank_account_form_shows_shape_and_rule_errors_together(bo_client, bo_factory):
    w = await _reseller_world(bo_factory)
    await sign_in(bo_client, await bo_factory.user(w["reseller"]))
    entity, bank = await _entity(w["client"], "Client Ltd"), await _bank(w["reseller"], "Mine")
    res = await post_form(
        bo_client,
        "/bank-accounts/new",
        {
            "name": "",  # shape
            "holder": "  ",  # rule
            "number": "DE89 3704 0044 0532 0130 01",  # rule: checksum
            "legal_entity_id": str(entity),
            "bank_id": str(w["foreign_bank"]),  # rule: not visible
        },
    )
    assert res.status_code == 422
    errors = _form_errors(res.text)
    assert "Required" in errors
    assert "Must not be blank" in errors
    assert any(e.startswith("Looks like an IBAN but is not a valid one") for e in errors)
    assert "No such bank among yours and your tenants&#39;" in errors
    assert len(errors) == 4, errors

    account = BankAccount(
        company=w["client"]["id"], legal_entity=entity, bank=bank, name="Kept", holder="H"
    )
    account.number = "N1"
    await account.save()
    res = await post_form(
        bo_client,
        f"/bank-accounts/{account.id}/edit",
        {
            "name": "x" * 201,
            "holder": "H",
            "number": "AB12 345",
            "legal_entity_id": str(entity),
            "bank_id": str(bank),
        },
    )
    assert res.status_code == 422
    errors = _form_errors(res.text)
    assert "Use at most 200 characters" in errors
    assert any("AB is not a country that uses IBANs" in e for e in errors)
    row = await BankAccount.select(BankAccount.name).where(BankAccount.id == account.id).first()
    assert row["name"] == "Kept"


# --- legal entities: shape and rule errors in one form answer ---------------------------------


async def test_the_legal_entity_form_shows_shape_and_rule_errors_together(bo_client, bo_factory):
    w = await _reseller_world(bo_factory)
    await sign_in(bo_client, await bo_factory.user(w["reseller"]))
    before = await LegalEntity.count()
    res = await post_form(
        bo_client,
        "/own-legal-entities/new",
        {
            "name": "",  # shape
            "legal_name": "  ",  # rule
            "country": "ZZ",  # rule
            "portal_id": str(w["foreign_portal"]),  # rule
            "notification_emails": "ok@example.test\nnot-an-address",  # rule
        },
    )
    assert res.status_code == 422
    errors = _form_errors(res.text)
    assert "Required" in errors
    assert "Must not be blank" in errors
    assert "ZZ is not an ISO 3166-1 country code" in errors
    assert any(e.startswith("No such portal") for e in errors)
    assert any("not-an-address" in e for e in errors)
    # a client entity: a company of another tenant is named with the broken shape
    res = await post_form(
        bo_client,
        "/legal-entities/new",
        {
            "company_id": str(w["other_client"]["id"]),
            "name": "N",
            "legal_name": "x" * 301,
            "country": "DEU",
        },
    )
    assert res.status_code == 422
    errors = _form_errors(res.text)
    assert "No such company among the companies you created" in errors
    assert any(e.startswith("Use at most") for e in errors)
    entity = await _entity(w["reseller"], "Mine")
    res = await post_form(
        bo_client,
        f"/own-legal-entities/{entity}/edit",
        {"name": "Mine", "legal_name": "Mine", "country": "D", "notification_emails": "@"},
    )
    assert res.status_code == 422
    errors = _form_errors(res.text)
    assert "Use a country code like DE or DEU" in errors
    assert any("“@” is not a valid email address" in e for e in errors), errors
    assert await LegalEntity.count() == before + 1


# --- agreements: shape and rule errors in one form answer -------------------------------------


async def test_the_agreement_form_shows_shape_and_rule_errors_together(bo_client, bo_factory):
    from test_agreements_api import world
    from test_agreements_ui import _form as agreement_form

    from core.accounts.agreements.models import Agreement

    w = await world(bo_factory)
    await sign_in(bo_client, w["user"])
    res = await post_form(
        bo_client,
        "/agreements/new",
        agreement_form(
            w,
            agreement_date="10.01.2025",  # shape
            days_for_payment="soon",  # shape
            own_legal_entity_id=str(w["r2_le"]),  # rule: another tenant's entity
            timezone="Mars/Olympus",  # rule
            billing_day="40",  # rule
            invoice_emails="nope",  # rule
            currency="XXQ",  # rule
        ),
    )
    assert res.status_code == 422
    errors = _form_errors(res.text)
    assert "Use a date like 2026-03-01" in errors
    assert "Use a whole number" in errors
    assert "No such legal entity among your own" in errors
    assert any("Mars/Olympus" in e for e in errors), errors
    assert "Address 1 “nope” is not a valid email address" in errors
    assert any("XXQ" in e for e in errors), errors
    assert any(e.startswith("For a monthly period use 1 to 31") for e in errors)
    assert await Agreement.count() == 0

    # the till only counts against a start that parsed: no message drawn from a guess
    res = await post_form(
        bo_client,
        "/agreements/new",
        agreement_form(w, effective_from="someday", effective_till="2025-01-01T00:00"),
    )
    assert res.status_code == 422
    assert _form_errors(res.text) == ["Use a date and time like 2026-03-01T09:30:00"]

    # a taken code shows with a broken date on the edit form
    created = await post_form(bo_client, "/agreements/new", agreement_form(w))
    assert created.status_code == 303, created.text
    await post_form(bo_client, "/agreements/new", agreement_form(w, code="UI-2"))
    agreement = (await Agreement.select(Agreement.id).where(Agreement.code == "UI-1").first())["id"]
    res = await post_form(
        bo_client,
        f"/agreements/{agreement}/edit",
        {
            "code": "ui-2",
            "agreement_date": "yesterday",
            "legal_entity_id": str(w["c1_le"]),
            "own_legal_entity_id": str(w["own_le"]),
            "own_bank_account_id": str(w["own_ba"]),
            "bank_account_id": str(w["r2_le"] + 999),
        },
    )
    assert res.status_code == 422
    errors = _form_errors(res.text)
    assert "Use a date like 2026-03-01" in errors
    assert "“ui-2” is already used by another agreement" in errors
    assert "No such bank account of the chosen legal entity" in errors


# --- hostile input found by probing the demo (issue 8 item 2) ---------------------------------


async def test_an_empty_body_is_named_in_our_words_with_every_required_field(bo_factory, bo_api):
    w = await _reseller_world(bo_factory)
    api = await bo_api(await bo_factory.user(w["reseller"]))
    # was: 400 "data: 'data'" (litestar's KeyError text)
    for path in ("/api/v1/companies", BA, OWN_BA):
        res = await api.post(path, content=b"", headers={"content-type": "application/json"})
        assert res.status_code == 400
        fields = _fields(res)
        assert fields["body"] == ["Required: send a JSON object with the fields"]
        assert "data" not in fields
        assert fields["name"] == ["Required"]
    res = await api.patch(f"/api/v1/companies/{w['client']['id']}")
    assert res.status_code == 400
    assert _fields(res) == {"body": ["Required: send a JSON object with the fields"]}


async def test_truncated_json_is_refused_in_our_words(bo_factory, bo_api):
    w = await _reseller_world(bo_factory)
    api = await bo_api(await bo_factory.user(w["reseller"]))
    res = await api.post(
        "/api/v1/companies", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert res.status_code == 400
    assert _fields(res) == {"body": ["the body is not valid JSON: it ends before it is complete"]}


async def test_another_tenants_ids_in_a_bank_account_body_are_refused_not_revealed(
    bo_factory, bo_api
):
    w = await _reseller_world(bo_factory)
    api = await bo_api(await bo_factory.user(w["reseller"]))
    mine = await _entity(w["reseller"], "Mine Ltd")
    bank = await _bank(w["reseller"], "Mine")
    body = {"name": "A", "holder": "H", "number": IBAN, "legal_entity_id": mine, "bank_id": bank}
    created = await api.post(OWN_BA, json=body)
    assert created.status_code == 201
    # the same number in another tenant's bank of the same name stays invisible
    theirs = await _entity(w["other"], "Theirs Ltd")
    other_api = await bo_api(await bo_factory.user(w["other"]))
    res = await other_api.post(
        OWN_BA, json={**body, "legal_entity_id": theirs, "bank_id": w["foreign_bank"]}
    )
    assert res.status_code == 201, res.text
    res = await api.patch(
        f"{OWN_BA}/{created.json()['id']}",
        json={"legal_entity_id": theirs, "bank_id": w["foreign_bank"]},
    )
    assert res.status_code == 422
    assert set(_fields(res)) == {"legal_entity_id", "bank_id"}
    their_account = (await other_api.get(OWN_BA)).json()["items"][0]["id"]
    res = await api.patch(f"{OWN_BA}/{their_account}", json={"name": "x"})
    assert res.status_code == 404 and "Theirs" not in res.text


async def test_an_id_between_2_63_and_2_64_is_named_too_large_not_a_database_error(
    bo_factory, bo_api, bo_client
):
    """msgspec takes ints up to 2**64-1; such an id reached the database and came back as a
    400 blaming the field "id" (API) or an error page instead of the form (UI)."""
    w = await _reseller_world(bo_factory)
    api = await bo_api(await bo_factory.user(w["reseller"]))
    res = await api.post(
        "/api/v1/companies", json={"name": "N", "type": "client", "portal_id": 2**63 + 5}
    )
    assert res.status_code == 400
    assert list(_fields(res)) == ["portal_id"]
    assert _fields(res)["portal_id"][0].startswith("Too large")
    res = await api.post(
        BA,
        json={
            "name": "N",
            "holder": "H",
            "number": "1",
            "legal_entity_id": 2**64 - 1,
            "bank_id": 1,
        },
    )
    assert res.status_code == 400 and list(_fields(res)) == ["legal_entity_id"]

    await sign_in(bo_client, await bo_factory.user(w["reseller"]))
    res = await post_form(
        bo_client,
        "/companies/new",
        {"name": "N", "type": "reseller", "own_legal_entity_id": str(2**64)},
    )
    assert res.status_code == 422
    errors = _form_errors(res.text)
    assert any(e.startswith("Too large") for e in errors)
    assert "Your company may not create resellers" in errors  # the rules of the rest, too
    res = await post_form(
        bo_client,
        "/own-bank-accounts/new",
        {"name": "N", "holder": "H", "number": "1", "legal_entity_id": "1", "bank_id": str(2**63)},
    )
    assert res.status_code == 422
    assert any(e.startswith("Too large") for e in _form_errors(res.text))


async def test_a_view_only_role_gets_403_whatever_the_body(bo_factory, bo_api, bo_client):
    """Malformed, empty or hostile bodies do not get past the permission check: a reader is
    told it lacks the right, never which fields of its write would be wrong."""
    from core.access.models import Role, RolePermission
    from core.access.testing import user_with_role

    w = await _reseller_world(bo_factory)
    role = Role(company=w["reseller"]["id"], name="Reader", group="backoffice", is_system=False)
    await role.save()
    await RolePermission.insert(
        RolePermission(role=role.id, area="account_management", level="view"),
        RolePermission(role=role.id, area="settings", level="view"),
    )
    reader = await user_with_role(bo_factory, w["reseller"], "backoffice", role.id)
    api = await bo_api(reader)
    entity, bank = await _entity(w["client"], "Client Ltd"), await _bank(w["reseller"], "Mine")
    account = BankAccount(
        company=w["client"]["id"], legal_entity=entity, bank=bank, name="A", holder="H"
    )
    account.number = "N1"
    await account.save()
    writes = [
        ("POST", "/api/v1/companies"),
        ("PATCH", f"/api/v1/companies/{w['client']['id']}"),
        ("POST", BA),
        ("PATCH", f"{BA}/{account.id}"),
        ("POST", OWN_BA),
    ]
    bodies = [b"", b"{", b'{"name": "\x00"}', b'{"name": 5, "bank_id": 99999999999999999999}']
    for method, path in writes:
        for body in bodies:
            send = api.post if method == "POST" else api.patch
            res = await send(path, content=body, headers={"content-type": "application/json"})
            assert res.status_code == 403, (method, path, body, res.text)
    await sign_in(bo_client, reader)
    token = csrf_of((await bo_client.get("/companies")).text)
    for path in ("/companies/new", f"/bank-accounts/{account.id}/edit", "/own-bank-accounts/new"):
        res = await bo_client.post(path, data={"_csrf_token": token, "name": ""})
        assert res.status_code == 403, (path, res.status_code)
    assert await Company.count().where(Company.parent == w["reseller"]["id"]) == 1
