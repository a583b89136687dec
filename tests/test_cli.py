"""The command line: migrate, create-admin, demo."""

from click.testing import CliRunner

from core.cli import main
from core.plugins.testing import serve_in_loop


def test_migrate_is_idempotent():
    result = CliRunner().invoke(main, ["db", "migrate"])
    assert result.exit_code == 0, result.output
    assert "database is up to date" in result.output


async def _user(email):
    from core.auth.models import User

    return (
        await User.select(User.is_admin, User.login, User.company.kind.as_alias("kind"))
        .where(User.email == email)
        .first()
    )


def _cli(args: list[str]):
    """Run a command in a thread, as a terminal would: it owns its own event loop."""
    import asyncio

    return asyncio.to_thread(CliRunner().invoke, main, args)


async def test_create_admin_makes_a_system_owner_admin_who_can_sign_in(bo_app):
    args = ["users", "create-admin", "--email", "Root@Example.test", "--password", "S3cure-pass"]
    result = await _cli([*args, "--login", "root"])
    assert result.exit_code == 0, result.output
    assert await _user("root@example.test") == {"is_admin": True, "login": "root", "kind": "owner"}
    again = await _cli(args)
    assert again.exit_code != 0 and "already exists" in again.output
    async with serve_in_loop(bo_app) as client:
        res = await client.post(
            "/api/v1/auth/token", json={"login": "root", "password": "S3cure-pass"}
        )
    assert res.status_code == 201


async def test_create_admin_rejects_a_short_password():
    result = await _cli(["users", "create-admin", "--email", "a@b.test", "--password", "short"])
    assert result.exit_code != 0 and "at least 8" in result.output


async def test_demo_seeds_a_tree_and_prints_working_credentials(bo_app, monkeypatch):
    monkeypatch.setenv("BACKOFFICE_DEMO_PASSWORD", "demo-Passw0rd")
    outputs = []
    for _ in range(2):  # idempotent
        result = await _cli(["demo"])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert "services: 12 created" in outputs[0] and "services: unchanged" in outputs[1]
    assert "login: admin" in result.output and "demo-Passw0rd" in result.output
    # the tree comes from tenants/demo/tenant.toml; the second run finds all of it in place
    assert "companies: 0 created, 0 updated, 2 unchanged" in result.output
    from tenants.models import Company

    kinds = {r["name"]: r["kind"] for r in await Company.select(Company.name, Company.kind)}
    assert kinds == {"System owner": "owner", "Demo Reseller": "reseller", "Demo Client": "client"}
    async with serve_in_loop(bo_app) as client:
        res = await client.post(
            "/api/v1/auth/token", json={"login": "reseller", "password": "demo-Passw0rd"}
        )
        token = res.json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        listed = await client.get("/api/v1/companies", headers=auth)
        sold = await client.get("/api/v1/agreements", headers=auth)
        params = {"sort": "name", "page_size": 50}
        services = await client.get("/api/v1/services", headers=auth, params=params)
        packs = await client.get("/api/v1/dictionaries/packs", headers=auth)
        sms = next(s for s in services.json()["items"] if s["name"] == "SMS retail EUR")
        event = {"domain": "sms", "resource": "sms_message"}
        priced = await client.post(
            f"/api/v1/services/{sms['id']}/evaluate",
            headers=auth,
            json={**event, "attributes": {"direction": "MT", "country": "ES", "network": "21401"}},
        )
        on_sold = await client.get(
            "/api/v1/enabled-services", headers=auth, params={"service_id": sms["id"]}
        )
    assert [c["name"] for c in listed.json()["items"]] == ["Demo Client"]
    # the guide's SMS tree is in force on the demo's retail plan, enabled where the company sells
    assert (priced.json()["result"], priced.json()["price"]) == ("price", "0.04")
    assert [e["agreement_id"] for e in on_sold.json()["items"]] == [
        a["id"] for a in sold.json()["items"]
    ]
    # the money side comes once: the reseller sells under DEMO-CL-1 and buys under DEMO-RS-1
    assert "agreements: unchanged" in result.output
    assert [a["code"] for a in sold.json()["items"]] == ["DEMO-CL-1"]
    # a small catalogue of the reseller's own, one plan retired (the owner has the same set)
    seeded = {
        s["name"]: (s["type"], s["currency"], s["size"], s["archived"])
        for s in services.json()["items"]
    }
    assert seeded == {
        "Bundle 1000": ("bundle_pack", "EUR", "1000", False),
        "Bundle initiator": ("bundle_initiator", "EUR", None, False),
        "SMS retail EUR": ("pay_as_you_go", "EUR", None, False),
        "SMS retail EUR 2025": ("pay_as_you_go", "EUR", None, True),
        "USA SMS & WA pack": ("unit_pack", None, "1000", False),
        "WhatsApp EUR": ("pay_as_you_go", "EUR", None, False),
    }
    assert sorted(v["label"] for v in packs.json()["items"]) == ["Bundle 1000", "USA SMS & WA pack"]
    from core.catalogue.services.models import Service

    by_company = await Service.select(Service.company, Service.name)
    assert len(by_company) == 12 and len({r["company"] for r in by_company}) == 2


async def test_demo_rerun_revives_an_expired_or_locked_demo_password(bo_app, monkeypatch):
    """The printed password must work even after the policy's expiry or a 2FA lock."""
    from datetime import UTC, datetime, timedelta

    from core.auth.models import User

    monkeypatch.setenv("BACKOFFICE_DEMO_PASSWORD", "demo-Passw0rd")
    assert (await _cli(["demo"])).exit_code == 0
    long_ago = datetime.now(UTC) - timedelta(days=400)
    await User.update(
        {
            User.password_changed_at: long_ago,
            User.must_change_password: True,
            User.locked_until: datetime.now(UTC) + timedelta(minutes=10),
        }
    ).where(User.login == "admin")
    result = await _cli(["demo"])
    assert result.exit_code == 0, result.output
    row = await User.select().where(User.login == "admin").first()
    assert not row["must_change_password"] and row["locked_until"] is None
    async with serve_in_loop(bo_app) as client:
        res = await client.post(
            "/api/v1/auth/token", json={"login": "admin", "password": "demo-Passw0rd"}
        )
    assert res.status_code == 201, res.text
