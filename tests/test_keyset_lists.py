"""Key-based paging of every API list (issue 9): walking ``next`` from the first page and
``previous`` from the last gives exactly the unpaged list, for every sort key, both orders,
with ties on the key, NULL keys and keys reached through a join; cursors that are not the
list's answer 422; another tenant's row in a cursor shows nothing of that tenant."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, date, datetime, timedelta

import msgspec
import pytest
from ledger_helpers import set_balance
from payment_rows import linked

from core.access.models import Role
from core.access.roles import SORTABLE as ROLE_KEYS
from core.accounts.agreements.models import Agreement
from core.accounts.agreements.service import SORTABLE as AGREEMENT_KEYS
from core.accounts.bank_accounts.models import BankAccount
from core.accounts.bank_accounts.service import SORTABLE as BANK_ACCOUNT_KEYS
from core.accounts.banks.models import Bank
from core.accounts.banks.service import SORTABLE as BANK_KEYS
from core.accounts.companies.service import SORTABLE as COMPANY_KEYS
from core.accounts.legal_entities.models import LegalEntity
from core.accounts.legal_entities.service import SORTABLE as LEGAL_ENTITY_KEYS
from core.audit.models import AuditEvent
from core.audit.service import SORTABLE as AUDIT_KEYS
from core.auth.models import User
from core.jobs.models import Job
from core.jobs.service import SORTABLE as JOB_KEYS
from core.payments.systems import SORTABLE as PAYMENT_KEYS
from core.portals.service import SORTABLE as PORTAL_KEYS
from core.users.directory import SORT_KEYS as DIRECTORY_KEYS
from core.users.invitations import SORTABLE as INVITATION_KEYS
from core.users.models import Invitation
from core.web import keyset
from tenants.models import Company, Portal

T = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LISTS = {
    "companies": COMPANY_KEYS,
    "legal-entities": LEGAL_ENTITY_KEYS,
    "own-legal-entities": LEGAL_ENTITY_KEYS,
    "banks": BANK_KEYS,
    "bank-accounts": BANK_ACCOUNT_KEYS,
    "own-bank-accounts": BANK_ACCOUNT_KEYS,
    "agreements": AGREEMENT_KEYS,
    "portals": PORTAL_KEYS,
    "payment-systems": PAYMENT_KEYS,
    "roles": ROLE_KEYS,
    "invitations": INVITATION_KEYS,
    "users?group=backoffice": dict.fromkeys(DIRECTORY_KEYS),
    "jobs": JOB_KEYS,
    "audit": AUDIT_KEYS,
}


async def _save(row):
    await row.save()
    return row.id


async def _world(bo_factory, prefix: str) -> dict:
    """A reseller with rows in every list: ties on most keys (same times, names, kinds), NULL
    keys (no own legal entity, unfinished jobs, users never active) and joined keys."""
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name=f"{prefix} reseller")
    rid = reseller["id"]
    admin = await bo_factory.user(reseller, email=f"{prefix.lower()}-admin@example.test")
    own = [
        await _save(LegalEntity(company=rid, name=f"{prefix} own {n % 2}", created_at=T))
        for n in range(5)
    ]
    bank = await _save(Bank(company=rid, name=f"{prefix} bank", country="DE", address="x"))
    # the owner's banks are in the reseller's list too (one arm per ancestor, merged)
    for n in range(3):
        await _save(Bank(company=owner["id"], name=f"{prefix} b{n % 2}", country="DE", address="x"))
    for n in range(4):
        swift = "" if n % 2 else f"{prefix[:4].upper()}DE{n:02d}"
        await _save(
            Bank(company=rid, name=f"{prefix} b{n % 2}", country="AT", address="x", swift=swift)
        )
    for n in range(6):
        client = await bo_factory.company(
            reseller,
            "client",
            name=f"{prefix} client {n}",
            own_legal_entity=own[n % 3] if n % 2 else None,
            enabled=n % 3 != 0,
            created_at=T,
        )
        le = await _save(
            LegalEntity(company=client["id"], name=f"{prefix} le {n % 2}", country="DE" * (n % 2))
        )
        await _save(
            BankAccount(
                company=client["id"],
                legal_entity=le,
                bank=bank,
                name=f"{prefix} acct {n % 2}",
                holder="h",
                number=f"{prefix}-{n}",
            )
        )
        await _save(
            BankAccount(
                company=rid, legal_entity=own[0], bank=bank, name="own", holder="h", number=f"o{n}"
            )
        )
        agreement = await _save(
            Agreement(
                company=client["id"],
                legal_entity=le,
                own_legal_entity=own[0],
                code=f"{prefix}-A{n}",
                agreement_date=date(2026, 1, 1 + n % 2),
                currency="EUR" if n % 2 else "USD",
            )
        )
        await set_balance(agreement, n % 3)
        await _save(
            Portal(
                company=rid,
                name=f"{prefix} portal {n % 2}",
                fqdn=f"{prefix.lower()}{n}.example.test",
                status="active" if n % 2 else "draft",
            )
        )
        # names differ (an instance name is unique per company); kinds and fees tie
        await _save(await linked(rid, f"{prefix} ps {n}", "test", internal_fee=n % 2))
        await _save(Role(company=rid, name=f"{prefix} role {n % 2}", created_at=T))
        await _save(
            Invitation(
                company=rid if n % 2 else client["id"],
                email=f"{prefix.lower()}-inv{n % 3}@example.test",
                token_hash=uuid.uuid4().hex,
                expires_at=T + timedelta(days=3650),
                updated_at=T,
            )
        )
        await _save(
            User(
                company=rid,
                email=f"{prefix.lower()}-user{n}@example.test",
                last_active_at=T if n % 2 else None,
            )
        )
        await _save(
            Job(
                company=rid,
                kind="export" if n % 2 else "import",
                status="done" if n % 3 else "queued",
                created_at=T,
                finished_at=T if n % 3 else None,
            )
        )
        await _save(
            AuditEvent(
                company=rid,
                user_label=f"u{n % 2}@example.test",
                ip="10.0.0.1",
                action="x",
                created_at=T,
            )
        )
    return {"reseller": reseller, "admin": admin}


def _key(item: dict) -> tuple:
    """The users list holds invitations and users (``kind``): their ids may coincide."""
    return item.get("kind", ""), item["id"]


async def _walk(api, url: str, start: str, link: str) -> list[tuple]:
    seen, cursor, pages = [], start, 0
    while cursor:
        res = await api.get(f"{url}&cursor={cursor}")
        assert res.status_code == 200, res.text
        body = res.json()
        keys = [_key(i) for i in body["items"]]
        seen = seen + keys if link == "next" else keys + seen
        cursor, pages = body[link], pages + 1
        assert pages < 100, "the walk does not end"
    return seen


@pytest.fixture
async def tenant(bo_factory, bo_api):
    world = await _world(bo_factory, "Kay")
    await _world(bo_factory, "Other")  # a second tenant whose rows must never show
    return await bo_api(world["admin"])


@pytest.mark.parametrize("path", list(LISTS))
async def test_walks_return_the_unpaged_list(tenant, path):
    """Every sort key of the list, both orders, pages of two rows."""
    join = "&" if "?" in path else "?"
    for sort in LISTS[path]:
        for order in ("asc", "desc"):
            url = f"/api/v1/{path}{join}sort={sort}&order={order}&page_size=2"
            whole = (await tenant.get(url.replace("page_size=2", "page_size=500"))).json()
            full = [_key(i) for i in whole["items"]]
            assert len(full) >= 5 and len(set(full)) == len(full) == whole["total"]
            assert await _walk(tenant, url, "first", "next") == full, (sort, order)
            assert await _walk(tenant, url, "last", "previous") == full, (sort, order)
            first = (await tenant.get(f"{url}&cursor=first")).json()
            assert (first["first"], first["last"]) == ("first", "last")
            assert first["previous"] is None


def _column(path: str, sort: str):
    """The sort key's column (the users list's users block for the directory)."""
    if path.startswith("users"):
        from core.users.directory import _sortable

        return _sortable(User)[sort]
    return LISTS[path][sort]


APART = [
    (path, sort)
    for path, keys in LISTS.items()
    for sort in keys
    if path == "banks" or keyset.apart(_column(path, sort))
]


@pytest.mark.parametrize(("path", "sort"), APART)
async def test_runs_and_arms_give_the_one_query_order(tenant, path, sort):
    """Keys read as two runs (values, then NULLs) and the banks' merged arms give the order
    of the single ``(key IS NULL), key, id`` query that pages by number (OFFSET) still use."""
    join = "&" if "?" in path else "?"
    for order in ("asc", "desc"):
        url = f"/api/v1/{path}{join}sort={sort}&order={order}&page_size=3"
        walked = await _walk(tenant, url, "first", "next")
        numbered, number = [], 1
        while len(numbered) < len(walked) + 3:
            items = (await tenant.get(f"{url}&page={number}")).json()["items"]
            if not items:
                break
            numbered, number = numbered + [_key(i) for i in items], number + 1
        assert numbered == walked, (path, sort, order)


async def test_null_keys_sort_last_ascending_on_every_engine(tenant):
    """NULL is the largest value: after every date ascending, before them descending."""
    for path, sort, field in (
        ("jobs", "finished_at", "finished_at"),
        ("users?group=backoffice", "last_active", "last_active_at"),
    ):
        join = "&" if "?" in path else "?"
        for order in ("asc", "desc"):
            url = f"/api/v1/{path}{join}sort={sort}&order={order}&page_size=500"
            items = (await tenant.get(url)).json()["items"]
            # the users list's invitations (a block of their own, first) are never NULL
            values = [
                i[field] for i in items if not path.startswith("users") or i["kind"] == "user"
            ]
            nulls = [v is None for v in values]
            assert any(nulls) and not all(nulls)
            assert nulls == sorted(nulls, reverse=order == "desc"), (path, order, values)


async def test_page_numbers_still_work_and_carry_cursors(tenant):
    url = "/api/v1/companies?sort=enabled&order=asc&page_size=2"
    everything = (await tenant.get(url.replace("page_size=2", "page_size=500"))).json()
    whole = [i["id"] for i in everything["items"]]
    second = (await tenant.get(f"{url}&page=2")).json()
    assert [i["id"] for i in second["items"]] == whole[2:4] and second["page"] == 2
    after = (await tenant.get(f"{url}&cursor={second['next']}")).json()
    before = (await tenant.get(f"{url}&cursor={second['previous']}")).json()
    assert [i["id"] for i in after["items"]] == whole[4:6]
    assert [i["id"] for i in before["items"]] == whole[0:2]


async def test_page_numbers_cross_the_users_lists_blocks(tenant):
    """By number too, the invitations' block runs on into the users' without a gap."""
    url = "/api/v1/users?group=backoffice&sort=status&order=desc&page_size=3"
    whole = (await tenant.get(url.replace("page_size=3", "page_size=500"))).json()
    pages = []
    for number in range(1, whole["total"] // 3 + 2):
        pages += [_key(i) for i in (await tenant.get(f"{url}&page={number}")).json()["items"]]
    assert pages == [_key(i) for i in whole["items"]]
    assert {k for k, _ in pages} == {"invitation", "user"}


async def test_cursor_of_another_list_or_sort_is_refused(tenant):
    page = (await tenant.get("/api/v1/companies?sort=id&page_size=2")).json()
    for other in ("banks?sort=id", "portals?sort=id", "users?group=backoffice&sort=id"):
        res = await tenant.get(f"/api/v1/{other}&page_size=2&cursor={page['next']}")
        assert res.status_code == 422, (other, res.text)
    res = await tenant.get(f"/api/v1/companies?sort=name&page_size=2&cursor={page['next']}")
    assert res.status_code == 422 and "another sort" in res.text
    res = await tenant.get(f"/api/v1/companies?sort=id&order=asc&cursor={page['next']}")
    assert res.status_code == 422


def _forged(*parts) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(list(parts))).decode().rstrip("=")


C, A = "companies?order=asc&sort=", "agreements?order=asc&sort="
GARBLED = [
    (C + "name", "bogus"),
    (C + "name", "%%%"),
    (C + "name", "e30"),  # {}
    (C + "id", _forged(":companies", "after", "id", "asc", keyset.NULLS, 0, 1)),
    (C + "name", _forged(":companies", "after", "name", "asc", keyset.NULLS, 0, 5, 1)),
    (C + "name", _forged(":companies", "after", "name", "asc", keyset.NULLS, 0, None, 1)),
    (C + "name", _forged(":companies", "after", "name", "asc", keyset.NULLS, 0, "a", "1")),
    (C + "name", _forged(":companies", "after", "name", "asc", keyset.NULLS, 3, "a", 1)),
    (C + "name", _forged(":companies", "after", "name", "asc", "nulls-first", 0, "a", 1)),
    (C + "name", _forged(":companies", "sideways", "name", "asc", keyset.NULLS, 0, "a", 1)),
    (C + "name", _forged(":companies", "after", "name", "asc", keyset.NULLS, 0, "a\u0000", 1)),
    (C + "name", _forged(":companies", "after", "name", "asc", keyset.NULLS, 0, ["a"], 1)),
    (
        C + "created_at",
        _forged(":companies", "after", "created_at", "asc", keyset.NULLS, 0, "x", 1),
    ),
    (
        C + "created_at",
        _forged(":companies", "after", "created_at", "asc", keyset.NULLS, 0, "2026-01-01", 1),
    ),
    (C + "enabled", _forged(":companies", "after", "enabled", "asc", keyset.NULLS, 0, 1, 1)),
    (C + "id", _forged(":companies", "after", "id", "asc", keyset.NULLS, 0, 2**70, 2**70)),
    (A + "balance", _forged(":agreements", "after", "balance", "asc", keyset.NULLS, 0, "1", 1)),
    (
        A + "agreement_date",
        _forged(":agreements", "after", "agreement_date", "asc", keyset.NULLS, 0, "2026-13-01", 1),
    ),
]


@pytest.mark.parametrize(("query", "cursor"), GARBLED)
async def test_garbled_cursor_answers_422(tenant, query, cursor):
    res = await tenant.get(f"/api/v1/{query}&cursor={cursor}")
    assert res.status_code == 422, res.text


async def test_another_tenants_row_in_a_cursor_leaks_nothing(bo_factory, tenant):
    """A cursor placed on a foreign row only says where to start: the page holds own rows."""
    other = await Company.select(Company.id, Company.name).where(Company.name.like("Other client%"))
    mine = (await tenant.get("/api/v1/companies?sort=name&order=asc&page_size=500")).json()
    own_ids = {i["id"] for i in mine["items"]}
    for row in other:
        for direction in ("after", "before"):
            at = keyset.Position(0, row["name"], row["id"])
            cursor = keyset.encode(":companies", direction, "name", "asc", at)
            res = await tenant.get(f"/api/v1/companies?sort=name&order=asc&cursor={cursor}")
            assert res.status_code == 200, res.text
            page = res.json()
            assert {i["id"] for i in page["items"]} <= own_ids
            assert "Other" not in res.text


@pytest.mark.parametrize("page", ["/companies", "/users?group=backoffice"])
async def test_ui_tables_link_by_key_and_survive_a_stale_cursor(bo_client, bo_factory, page):
    import html
    import re

    from test_ui_helpers import sign_in

    world = await _world(bo_factory, "Kay")
    for n in range(6):  # more than one page of ten
        await bo_factory.company(world["reseller"], "client", name=f"Kay more {n}")
    await sign_in(bo_client, world["admin"])
    join = "&" if "?" in page else "?"
    first = await bo_client.get(f"{page}{join}page_size=10")
    found = dict(re.findall(r'href="([^"]*)"[^>]*rel="(next)"', first.text))
    assert found, "no Next link"
    following = await bo_client.get(html.unescape(next(iter(found))))
    assert following.status_code == 200 and 'rel="prev"' in following.text
    stale = await bo_client.get(f"{page}{join}page_size=10&cursor=bogus")
    assert stale.status_code == 200 and "out of date" in stale.text
