"""A demo tree to click through: system owner, a reseller with a client, and their admins.

The tree itself (companies, portals, legal entities, an invited admin) is the bootstrap file
``tenants/demo/tenant.toml``, applied by the same sync as ``backoffice tenants sync``, so the
demo exercises the real thing. The sync invites people instead of choosing passwords; the
demo then adds its three sign-in users with one known password. Idempotent: a second run finds
what the first created and only resets the demo passwords, so the password printed is always
the one that works.

The password is ``BACKOFFICE_DEMO_PASSWORD`` when set (it must pass the password policy), else
a generated one whose special characters are all safe to paste unquoted into a shell.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from core.accounts.bootstrap import create_user
from core.auth.models import User
from core.auth.passwords import hash_password
from core.auth.policy import SPECIALS, check_new_password, generate_password
from core.auth.tokens import now
from core.errors import Invalid
from tenants.models import Company

DEMO_FILE = Path(__file__).resolve().parents[1] / "tenants" / "demo" / "tenant.toml"
# Special characters no shell treats specially, so `curl ... -d '{"password": "..."}'` and
# `export X=...` work with the printed password as it is.
SHELL_SAFE = "-_.,:@+=%"

# (email, login, company as names from the owner down, group): the client's user belongs to the
# client portal.
DEMO_USERS = (
    ("admin@demo.local", "admin", (), "backoffice"),
    ("reseller@demo.local", "reseller", ("Demo Reseller",), "backoffice"),
    ("client@demo.local", "client", ("Demo Reseller", "Demo Client"), "portal"),
)


class DemoPasswordRefused(ValueError):
    """``BACKOFFICE_DEMO_PASSWORD`` breaks the password policy; the message says which rule."""


def shell_safe_password(length: int = 16) -> str:
    """A policy-proof generated password whose specials are all in ``SHELL_SAFE``."""
    return "".join(
        secrets.choice(SHELL_SAFE) if c in SPECIALS and c not in SHELL_SAFE else c
        for c in generate_password(length)
    )


def _label(names: tuple[str, ...]) -> str:
    return names[-1].split()[-1].lower() if names else "owner"


async def _company_id(names: tuple[str, ...]) -> int:
    """Walk down from the system owner, so a same-named company elsewhere never matches."""
    row = await Company.select(Company.id).where(Company.kind == "owner").first()
    for name in names:
        if row is None:
            break
        row = (
            await Company.select(Company.id)
            .where(Company.parent == row["id"], Company.name == name)
            .first()
        )
    if row is None:
        raise RuntimeError(f"{DEMO_FILE} no longer describes the company {' / '.join(names)}")
    return row["id"]


async def seed_demo() -> list[str]:
    from core.db.migrate import migrate
    from tenants.sync import sync_path

    await migrate()
    password = os.environ.get("BACKOFFICE_DEMO_PASSWORD") or shell_safe_password()
    try:
        await check_new_password(None, password, by_admin=True)
    except Invalid as exc:
        reason = "; ".join(e["message"] for e in exc.errors) or exc.detail
        raise DemoPasswordRefused(f"BACKOFFICE_DEMO_PASSWORD: {reason}") from None
    summary = await sync_path(DEMO_FILE)
    from core.demo_agreements import seed_agreements
    from core.demo_services import seed_services

    owner_id, reseller_id = await _company_id(()), await _company_id(("Demo Reseller",))
    added = await seed_agreements(
        owner_id, reseller_id, await _company_id(("Demo Reseller", "Demo Client"))
    )
    services = await seed_services([owner_id, reseller_id])
    for email, login, company, group in DEMO_USERS:
        existing = await User.select(User.id).where(User.email == email).first()
        if existing:
            # As a fresh account: a printed password that has aged past the policy's expiry,
            # or a 2FA lock from earlier tries, would otherwise refuse the sign-in it promises.
            changed_at = now()
            await User.update(
                {
                    User.password_hash: hash_password(password),
                    User.status: "active",
                    User.password_changed_at: changed_at,
                    User.must_change_password: False,
                    User.failed_code_attempts: 0,
                    User.locked_until: None,
                    User.updated_at: changed_at,
                }
            ).where(User.id == existing["id"])
        else:
            await create_user(
                await _company_id(company),
                email,
                password,
                login=login,
                is_admin=True,
                first_name="Demo",
                last_name=_label(company).capitalize(),
                group=group,
            )
    return [
        *summary.lines(),
        "  agreements: " + ("2 created (DEMO-RS-1, DEMO-CL-1)" if added else "unchanged"),
        "  services: " + (f"{services} created" if services else "unchanged"),
        "Demo data is ready.",
        *(
            f"  {_label(company):<9} login: {login:<9} password: {password}  ({group})"
            for _, login, company, group in DEMO_USERS
        ),
        "  (client is a client-portal user: BackOffice pages are not for it)",
        "  Set BACKOFFICE_DEMO_PASSWORD before `backoffice demo` to choose the password.",
    ]
