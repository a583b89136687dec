"""A demo tree to click through: system owner, a reseller with a client, and their admins.

Idempotent: a second run finds what the first created and only resets the demo passwords, so
the password printed is always the one that works.
"""

from __future__ import annotations

import os

from core.accounts.bootstrap import create_user, ensure_system_owner
from core.auth.models import User
from core.auth.passwords import hash_password
from core.auth.policy import check_new_password, generate_password
from core.db.engine import transaction
from tenants.models import Company, Portal
from tenants.tree import child_path

# (email, login, company, group): the client's user belongs to the client portal.
DEMO_USERS = (
    ("admin@demo.local", "admin", "owner", "backoffice"),
    ("reseller@demo.local", "reseller", "reseller", "backoffice"),
    ("client@demo.local", "client", "client", "portal"),
)


async def _child(parent: dict, name: str, kind: str) -> dict:
    async with transaction():
        row = (
            await Company.select()
            .where(Company.parent == parent["id"], Company.name == name)
            .first()
        )
        if row:
            return row
        company = Company(name=name, kind=kind, parent=parent["id"], depth=parent["depth"] + 1)
        await company.save()
        await Company.update({Company.path: child_path(parent["path"], company.id)}).where(
            Company.id == company.id
        )
        return await Company.select().where(Company.id == company.id).first()


async def _portal(company: dict, fqdn: str, name: str, theme: str = "default") -> None:
    if not await Portal.exists().where(Portal.fqdn == fqdn):
        await Portal.insert(
            Portal(company=company["id"], name=name, fqdn=fqdn, theme=theme, title=name)
        )


async def seed_demo() -> list[str]:
    from core.db.migrate import migrate

    await migrate()
    password = os.environ.get("BACKOFFICE_DEMO_PASSWORD") or generate_password(16)
    owner = await ensure_system_owner()
    reseller = await _child(owner, "Demo Reseller", "reseller")
    client = await _child(reseller, "Demo Client", "client")
    companies = {"owner": owner, "reseller": reseller, "client": client}
    await _portal(owner, "127.0.0.1", "BackOffice")
    await _portal(owner, "localhost", "BackOffice (localhost)")
    await check_new_password(None, password, by_admin=True)
    for email, login, key, group in DEMO_USERS:
        existing = await User.select(User.id).where(User.email == email).first()
        if existing:
            await User.update(
                {User.password_hash: hash_password(password), User.status: "active"}
            ).where(User.id == existing["id"])
        else:
            await create_user(
                companies[key]["id"],
                email,
                password,
                login=login,
                is_admin=True,
                first_name="Demo",
                last_name=key.capitalize(),
                group=group,
            )
    return [
        "Demo data is ready.",
        *(
            f"  {key:<9} login: {login:<9} password: {password}  ({group})"
            for _, login, key, group in DEMO_USERS
        ),
        "  (client-portal users cannot use BackOffice pages; the portal comes in a later issue)",
    ]
