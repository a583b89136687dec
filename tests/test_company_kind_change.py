"""A reseller becomes a client only once it owns no reseller objects; the refusal names them."""

from __future__ import annotations

from payment_rows import delete_payment_systems, saved

from core.accounts.bank_accounts.models import BankAccount
from core.accounts.banks.models import Bank
from core.accounts.legal_entities.models import LegalEntity
from core.payments.models import PaymentSystemConfig
from core.users.invitations import hash_token, now
from core.users.models import Invitation
from tenants.models import Company, Portal


async def _kind(company_id: int) -> str:
    return (await Company.select(Company.kind).where(Company.id == company_id).first())["kind"]


async def test_reseller_with_objects_stays_a_reseller(bo_factory, bo_api):
    from datetime import timedelta

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Resells")
    api = await bo_api(await bo_factory.user(owner))
    url = f"/api/v1/companies/{reseller['id']}"
    rid = reseller["id"]
    bank = Bank(company=rid, name="Reseller Bank", country="DE")
    await bank.save()
    entity = LegalEntity(company=rid, name="Resells GmbH", legal_name="Resells GmbH", country="DE")
    await entity.save()
    await BankAccount.insert(
        BankAccount(
            company=rid,
            legal_entity=entity.id,
            bank=bank.id,
            name="Main EUR",
            holder="Resells GmbH",
            number="DE89370400440532013000",
        )
    )
    await Portal.insert(Portal(company=rid, name="Resells portal", fqdn="p.resells.test"))
    await saved(rid, "Card gateway", "fakepay")
    await bo_factory.company(reseller, "client", name="Their Client")
    staff = await bo_factory.user(reseller, email="staff@resells.test")
    await Invitation(
        company=rid,
        email="next@resells.test",
        group="backoffice",
        is_admin=True,
        token_hash=hash_token("next"),
        status="invited",
        expires_at=now() + timedelta(hours=1),
    ).save()

    res = await api.patch(url, json={"type": "client"})
    assert res.status_code == 422, res.text
    error = res.json()["errors"][0]
    assert error["field"] == "type"
    for named in (
        "1 company it created ('Their Client')",
        "1 bank ('Reseller Bank')",
        "1 portal ('Resells portal')",
        "1 payment system ('Card gateway')",
        "1 own legal entity ('Resells GmbH')",
        "1 own bank account ('Main EUR')",
        "1 BackOffice user ('staff@resells.test')",
        "1 BackOffice invitation ('next@resells.test')",
    ):
        assert named in error["message"], (named, error["message"])
    assert await _kind(rid) == "reseller"

    # once they are gone, the change goes through
    await Company.delete().where(Company.parent == rid)
    await Invitation.delete().where(Invitation.company == rid)
    from core.auth.models import AuthToken, User

    await AuthToken.delete().where(AuthToken.user == staff["id"])
    await User.delete().where(User.id == staff["id"])
    await delete_payment_systems(PaymentSystemConfig.company == rid)
    await Portal.delete().where(Portal.company == rid)
    await BankAccount.delete().where(BankAccount.company == rid)
    await LegalEntity.delete().where(LegalEntity.company == rid)
    res = await api.patch(url, json={"type": "client"})
    assert (
        res.status_code == 422 and "1 bank ('Reseller Bank')" in res.json()["errors"][0]["message"]
    )
    await Bank.delete().where(Bank.company == rid)
    res = await api.patch(url, json={"type": "client"})
    assert res.status_code == 200, res.text
    assert await _kind(rid) == "client"


async def test_the_ui_form_shows_what_is_left(bo_client, bo_factory):
    from test_ui_helpers import post_form, sign_in

    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Resells")
    await Bank(company=reseller["id"], name="Reseller Bank", country="DE").save()
    await sign_in(bo_client, await bo_factory.user(owner))
    page = f"/companies/{reseller['id']}/edit"
    res = await post_form(bo_client, page, {"name": "Resells", "type": "client"}, page=page)
    assert res.status_code == 422 and "Reseller Bank" in res.text
    assert await _kind(reseller["id"]) == "reseller"
