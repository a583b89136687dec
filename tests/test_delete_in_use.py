"""Deleting a bank, a legal entity or a bank account that other rows still use answers 409,
names what uses it, and changes nothing; once the users are gone the delete goes through."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.accounts.agreements.models import Agreement
from core.accounts.bank_accounts.models import BankAccount
from core.accounts.banks.models import Bank
from core.accounts.legal_entities.models import LegalEntity
from core.accounts.reselling.models import ResellingAssociation
from core.audit.models import AuditEvent
from tenants.models import Company


async def _world(bo_factory):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    client = await bo_factory.company(reseller, "client", name="Client Co")
    return owner, reseller, client


async def _entity(company: dict, name: str) -> int:
    row = LegalEntity(company=company["id"], name=name, legal_name=name, country="DE")
    await row.save()
    return row.id


async def _bank(company: dict, name: str = "Bank") -> int:
    row = Bank(company=company["id"], name=name, country="DE", address="Main street 1")
    await row.save()
    return row.id


async def _account(company: dict, entity: int, bank: int, number: str = "1001") -> int:
    row = BankAccount(
        company=company["id"], legal_entity=entity, bank=bank, name="Acc", holder="H", number=number
    )
    await row.save()
    return row.id


async def _agreement(company: dict, entity: int, own_entity: int, **fields) -> int:
    row = Agreement(
        company=company["id"],
        legal_entity=entity,
        own_legal_entity=own_entity,
        code="AG-1",
        agreement_date=date(2026, 1, 1),
        currency="EUR",
        **fields,
    )
    await row.save()
    return row.id


async def _refused(api, url: str, *phrases: str) -> None:
    events = await AuditEvent.count()
    res = await api.delete(url)
    assert res.status_code == 409, res.text
    for phrase in phrases:
        assert phrase in res.json()["detail"], res.json()
    assert await AuditEvent.count() == events  # nothing recorded for a refused delete


async def test_bank_used_by_a_bank_account(bo_factory, bo_api):
    owner, reseller, client = await _world(bo_factory)
    bank = await _bank(reseller, "Busy Bank")
    account = await _account(client, await _entity(client, "C"), bank)
    api = await bo_api(await bo_factory.user(reseller))
    await _refused(api, f"/api/v1/banks/{bank}", "bank “Busy Bank” is still used by 1 bank account")
    assert await Bank.exists().where(Bank.id == bank)
    await BankAccount.delete().where(BankAccount.id == account)
    assert (await api.delete(f"/api/v1/banks/{bank}")).status_code == 204


async def test_legal_entity_used_by_accounts_agreements_associations_companies(bo_factory, bo_api):
    owner, reseller, client = await _world(bo_factory)
    bank = await _bank(reseller)
    entity = await _entity(client, "Client Ltd")
    own = await _entity(reseller, "Reseller Ltd")
    api = await bo_api(await bo_factory.user(reseller))
    client_url = f"/api/v1/legal-entities/{entity}"
    own_url = f"/api/v1/own-legal-entities/{own}"

    await _account(client, entity, bank, "1")
    await _account(client, entity, bank, "2")
    await _refused(api, client_url, "legal entity “Client Ltd” is still used by 2 bank accounts")
    await BankAccount.delete().where(BankAccount.legal_entity == entity)

    agreement = await _agreement(client, entity, own)
    await _refused(api, client_url, "by 1 agreement;")
    await _refused(api, own_url, "by 1 agreement;")  # as the seller's own entity too

    association = ResellingAssociation(
        legal_entity=entity, agreement=agreement, effective_from=datetime.now(UTC)
    )
    await association.save()
    await _refused(api, client_url, "1 agreement and 1 reselling association")
    await ResellingAssociation.delete().where(ResellingAssociation.id == association.id)
    await Agreement.delete().where(Agreement.id == agreement)

    await Company.update({Company.own_legal_entity: own}).where(Company.id == client["id"])
    await _refused(api, own_url, "still used by 1 company it sells to")
    await Company.update({Company.own_legal_entity: None}).where(Company.id == client["id"])

    assert await LegalEntity.count() == 2
    assert (await api.delete(client_url)).status_code == 204
    assert (await api.delete(own_url)).status_code == 204


async def test_bank_account_used_by_an_agreement(bo_factory, bo_api):
    owner, reseller, client = await _world(bo_factory)
    bank = await _bank(reseller)
    entity, own = await _entity(client, "Client Ltd"), await _entity(reseller, "Reseller Ltd")
    theirs = await _account(client, entity, bank, "1")
    mine = await _account(reseller, own, bank, "2")
    agreement = await _agreement(client, entity, own, bank_account=theirs, own_bank_account=mine)
    api = await bo_api(await bo_factory.user(reseller))
    await _refused(api, f"/api/v1/bank-accounts/{theirs}", "is still used by 1 agreement")
    await _refused(api, f"/api/v1/own-bank-accounts/{mine}", "is still used by 1 agreement")
    assert await BankAccount.count() == 2
    await Agreement.delete().where(Agreement.id == agreement)
    assert (await api.delete(f"/api/v1/bank-accounts/{theirs}")).status_code == 204
    assert (await api.delete(f"/api/v1/own-bank-accounts/{mine}")).status_code == 204


async def test_the_pages_show_why_a_delete_was_refused(bo_factory, bo_client):
    from test_ui_helpers import post_form, sign_in

    owner, reseller, client = await _world(bo_factory)
    bank = await _bank(reseller, "Busy Bank")
    entity = await _entity(client, "Client Ltd")
    await _account(client, entity, bank)
    await sign_in(bo_client, await bo_factory.user(reseller))
    res = await post_form(bo_client, f"/banks/{bank}/delete", {})
    assert res.status_code == 409 and "Bank “Busy Bank” is still used by 1 bank account" in res.text
    assert f'action="/banks/{bank}/delete"' in res.text  # still the confirmation page
    res = await post_form(bo_client, f"/legal-entities/{entity}/delete", {})
    assert res.status_code == 409 and "is still used by 1 bank account" in res.text
    assert 'action="/legal-entities/' in res.text  # still the confirmation page
    assert await Bank.count() == 1 and await LegalEntity.count() == 1


async def test_company_with_a_payment_system(bo_factory, bo_api):
    from core.payments.models import PaymentSystemConfig

    owner, reseller, client = await _world(bo_factory)
    await Company.delete().where(Company.id == client["id"])
    from payment_rows import delete_payment_systems, saved

    system = await saved(reseller["id"], "Cards", "fakepay")
    api = await bo_api(await bo_factory.user(owner))
    url = f"/api/v1/companies/{reseller['id']}"
    await _refused(api, url, "this company is still used by 1 payment system")
    await delete_payment_systems(PaymentSystemConfig.id == system.id)
    assert (await api.delete(url)).status_code == 204
