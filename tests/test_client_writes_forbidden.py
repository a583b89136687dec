"""A client company's writes to BackOffice-only resources answer 403, the same everywhere.

Client companies have client-portal users only, so the guards already stop them; these calls
come from a BackOffice-group user of a client company, the state the services must still refuse.
"""

from __future__ import annotations

import pytest

from core.accounts.bank_accounts.models import BankAccount
from core.accounts.banks.models import Bank
from core.accounts.legal_entities.models import LegalEntity
from tenants.models import Portal

IBAN = "DE89 3704 0044 0532 0130 00"


async def _client_with_kept_objects(bo_factory):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller")
    client = await bo_factory.company(reseller, "client", name="Client")
    bank = Bank(company=reseller["id"], name="Shared Bank", country="DE")
    await bank.save()
    entity = LegalEntity(company=client["id"], name="Kept", legal_name="Kept Ltd", country="DE")
    await entity.save()
    return client, bank.id, entity.id


async def _counts() -> tuple:
    return (
        await Bank.count(),
        await LegalEntity.count(),
        await BankAccount.count(),
        await Portal.count(),
    )


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("post", "/api/v1/banks", {"name": "Mine", "country": "DE", "address": "Berlin"}),
        ("patch", "/api/v1/banks/{bank}", {"name": "Mine"}),
        ("delete", "/api/v1/banks/{bank}", None),
        ("post", "/api/v1/own-legal-entities", {"name": "A", "legal_name": "A", "country": "DE"}),
        ("patch", "/api/v1/own-legal-entities/{entity}", {"name": "Mine now"}),
        ("delete", "/api/v1/own-legal-entities/{entity}", None),
        (
            "post",
            "/api/v1/own-bank-accounts",
            {
                "name": "Main",
                "legal_entity_id": "{entity}",
                "bank_id": "{bank}",
                "holder": "Kept Ltd",
                "number": IBAN,
            },
        ),
        ("post", "/api/v1/payment-systems", {"name": "Gate", "kind": "none", "settings": {}}),
        ("post", "/api/v1/portals", {"name": "Mine", "fqdn": "mine.example.com"}),
        ("post", "/api/v1/services", {"name": "Mine", "type": "unit_pack", "size": "10"}),
    ],
)
async def test_client_writes_answer_403(bo_factory, bo_api, method, path, body):
    client, bank, entity = await _client_with_kept_objects(bo_factory)
    api = await bo_api(await bo_factory.user(client))
    ids = {"bank": bank, "entity": entity}
    url = path.format(**ids)
    if body is not None:
        body = {
            k: (int(v.format(**ids)) if isinstance(v, str) and v.startswith("{") else v)
            for k, v in body.items()
        }
    before = await _counts()
    res = await getattr(api, method)(url, **({"json": body} if body is not None else {}))
    assert res.status_code == 403, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    # the guard refuses client-portal users first; the services' own check stays behind it
    assert "client-portal users" in res.json()["detail"].lower()
    assert await _counts() == before
