"""tenant.toml bootstrap: validation with TOML paths, secrets from the environment, idempotent
and all-or-nothing apply, dry run, and the ``backoffice tenants sync`` command."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from core.accounts.legal_entities.models import LegalEntity
from core.audit.models import AuditChange, AuditEvent
from core.auth.secrets import decrypt
from core.cli import main
from core.mail.models import OutboundEmail
from core.plugins.models import CompanyPlugin
from core.users.models import Invitation
from tenants.models import Company, Portal
from tenants.spec import SpecError
from tenants.sync import SETTINGS_PURPOSE, sync_path

FULL = """
[owner]
[[owner.portals]]
fqdn = "Admin.Example.test"
name = "Platform"
status = "active"
[[owner.legal_entities]]
name = "Platform"
legal_name = "Platform Ltd"
country = "GBR"

[[companies]]
name = "Acme Reseller"
type = "reseller"
creator_of_resellers = true
description = "first tenant"
[[companies.portals]]
fqdn = "acme.example.test"
name = "Acme"
title = "Acme messaging"
primary_color = "#AA0000"
support_email = "help@acme.example.test"
[[companies.admins]]
email = "Boss@Acme.example.test"
first_name = "Ann"
last_name = "Boss"
role = "admin"
[[companies.legal_entities]]
name = "Acme EU"
legal_name = "Acme Europe BV"
country = "NL"
[[companies.legal_entities]]
name = "Acme US"
legal_name = "Acme Inc."
country = "US"
is_default = true
[companies.plugins.vendor-x]
enabled = true
region = "eu"
api_key = { "$env" = "VX_KEY" }
nested = { tokens = [{ "$env" = "VX_TOKEN" }, "plain"] }

[[companies.companies]]
name = "Sub Reseller"
type = "reseller"
[[companies.companies.companies]]
name = "Deep Client"
type = "client"
two_factor_required = true
[[companies.companies.companies.admins]]
email = "owner@deep.example.test"
"""
ENV = {"VX_KEY": "sk-live-123", "VX_TOKEN": "tok-456"}


@pytest.fixture
def vendor_x(bo_register_plugin):
    class VendorX:
        """A plugin with no hooks: enough to be a known name."""

    bo_register_plugin(VendorX(), name="vendor-x")


def _write(tmp_path, text: str):
    path = tmp_path / "tenant.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def _errors(tmp_path, text: str, env=None) -> dict[str, str]:
    with pytest.raises(SpecError) as info:
        await sync_path(_write(tmp_path, text), env=env or {})
    return {e["field"]: e["message"] for e in info.value.errors}


async def _counts() -> dict[str, int]:
    tables = (Company, Portal, LegalEntity, Invitation, CompanyPlugin, AuditEvent, OutboundEmail)
    return {t._meta.tablename: await t.count() for t in tables}


async def test_validation_names_every_problem_by_its_toml_path(bo_db, tmp_path, vendor_x):
    errors = await _errors(
        tmp_path,
        """
[[companies]]
name = "One"
type = "client"
creator_of_resellers = true
[[companies.companies]]
name = "Below a client"
type = "client"
[[companies]]
name = "one"
type = "reseller"
[[companies.portals]]
fqdn = "not a host"
name = "P"
theme = "no-such-theme"
primary_color = "red"
[[companies.portals]]
fqdn = "dup.example.test"
name = "P2"
[[companies.portals]]
fqdn = "DUP.example.test."
name = "P3"
support_email = "nope"
[[companies.legal_entities]]
name = "E"
legal_name = "E"
country = "XX"
[[companies.admins]]
email = "broken"
[companies.plugins.who-knows]
enabled = "yes"
""",
    )
    assert errors == {
        "companies[0].creator_of_resellers": "only a reseller can be a creator of resellers",
        "companies[0].companies": "a client company cannot have companies of its own",
        "companies[1].name": "appears twice under the same parent",
        "companies[1].portals[0].fqdn": (
            "enter a domain name only, without scheme, path or spaces"
        ),
        "companies[1].portals[0].theme": errors["companies[1].portals[0].theme"],
        "companies[1].portals[0].primary_color": "must be a colour like #1a2b3c",
        "companies[1].portals[2].fqdn": "already used at companies[1].portals[1]",
        "companies[1].portals[2].support_email": "must be a valid email address",
        "companies[1].legal_entities[0].country": ("XX is not an ISO 3166-1 country code"),
        "companies[1].admins[0].email": "must be a valid email address",
        "companies[1].plugins.who-knows": errors["companies[1].plugins.who-knows"],
        "companies[1].plugins.who-knows.enabled": "must be true or false",
    }
    theme = "unknown theme 'no-such-theme'; installed themes: "
    assert errors["companies[1].portals[0].theme"].startswith(theme)
    assert "default" in errors["companies[1].portals[0].theme"]
    assert errors["companies[1].plugins.who-knows"].startswith("unknown plugin 'who-knows'")
    assert "vendor-x" in errors["companies[1].plugins.who-knows"]  # the known ones are listed
    # shape errors come from the schema, still with the path
    text = '[[companies]]\nname = "A"\ntype = "reseller"\n[[companies.portals]]\nfqdn = 7\n'
    assert await _errors(tmp_path, text + 'name = "x"\n') == {
        "companies[0].portals[0].fqdn": "expected `str`, got `int`"
    }
    assert await _errors(tmp_path, '[[companies]]\nname = "A"\ntype = "shop"\n') == {
        "companies[0].type": "invalid enum value 'shop'"
    }
    assert (await _counts())["companies"] == 0


async def test_unknown_fields_and_bad_toml_are_reported(bo_db, tmp_path):
    assert await _errors(tmp_path, '[[companies]]\nname = "A"\ntype = "client"\ncolour = 1\n') == {
        "companies[0]": "object contains unknown field `colour`"
    }
    with pytest.raises(SpecError, match="not valid TOML"):
        await sync_path(_write(tmp_path, "[[companies]\n"))
    with pytest.raises(SpecError, match="no such file"):
        await sync_path(tmp_path / "missing")


async def test_apply_creates_the_tree_and_a_second_run_changes_nothing(bo_db, tmp_path, vendor_x):
    path = _write(tmp_path, FULL)
    first = await sync_path(path, env=ENV)
    assert {k: dict(v) for k, v in first.counts.items()} == {
        "companies": {"created": 3},
        "portals": {"created": 2},
        "legal_entities": {"created": 3},
        "invitations": {"created": 2},
        "plugins": {"created": 1},
    }
    owner = await Company.select().where(Company.kind == "owner").first()
    acme = await Company.select().where(Company.name == "Acme Reseller").first()
    sub = await Company.select().where(Company.name == "Sub Reseller").first()
    deep = await Company.select().where(Company.name == "Deep Client").first()
    assert acme["parent"] == owner["id"] and acme["creator_of_resellers"]
    assert sub["parent"] == acme["id"] and deep["parent"] == sub["id"]
    assert deep["path"] == f"{sub['path']}{deep['id']}/" and deep["two_factor_required"]
    portals = {p["fqdn"]: p for p in await Portal.select()}
    assert portals["admin.example.test"]["company"] == owner["id"]
    assert portals["admin.example.test"]["status"] == "active"
    acme_portal = portals["acme.example.test"]
    assert acme_portal["status"] == "draft" and acme_portal["primary_color"] == "#aa0000"
    assert acme_portal["title"] == "Acme messaging" and acme_portal["theme"] == "default"
    # after the commit each new portal asked for its certificate (no plugin here: pending)
    assert acme_portal["certificate_status"] == "pending"
    assert await AuditEvent.count().where(AuditEvent.action == "Portal certificate requested") == 2
    entities = {e["name"]: e for e in await LegalEntity.select()}
    assert entities["Platform"]["country"] == "GB" and entities["Platform"]["is_default"]
    assert not entities["Acme EU"]["is_default"] and entities["Acme US"]["is_default"]
    # the service's rule: a new company is sold to by its tenant's default own legal entity
    assert acme["own_legal_entity"] == entities["Platform"]["id"]

    invites = {i["email"]: i for i in await Invitation.select()}
    assert invites["boss@acme.example.test"]["company"] == acme["id"]
    assert invites["boss@acme.example.test"]["group"] == "backoffice"
    assert invites["owner@deep.example.test"]["group"] == "portal"  # a client's users
    assert invites["owner@deep.example.test"]["two_factor"] is True
    assert all(i["is_admin"] and i["status"] == "invited" for i in invites.values())
    mails = await OutboundEmail.select(OutboundEmail.to_address, OutboundEmail.text_body)
    assert sorted(m["to_address"] for m in mails) == sorted(invites)
    assert all("/signup/" in m["text_body"] for m in mails)

    plugin = await CompanyPlugin.select().first()
    assert plugin["company"] == acme["id"] and plugin["plugin"] == "vendor-x"
    assert "sk-live-123" not in plugin["settings"]
    assert json.loads(decrypt(plugin["settings"], purpose=SETTINGS_PURPOSE)) == {
        "api_key": "sk-live-123",
        "nested": {"tokens": ["tok-456", "plain"]},
        "region": "eu",
    }
    audit_text = json.dumps(
        [(c["old_values"], c["new_values"]) for c in await AuditChange.select()]
    )
    assert "sk-live-123" not in audit_text and "tok-456" not in audit_text
    labels = {e["user_label"] for e in await AuditEvent.select() if e["user"] is None}
    assert "tenants sync" in labels
    sync_events = await AuditEvent.select().where(AuditEvent.user_label == "tenants sync")
    assert {e["company"] for e in sync_events} == {owner["id"]}

    before = await _counts()
    second = await sync_path(path, env=ENV)
    assert second.changed == 0
    assert {k: dict(v) for k, v in second.counts.items()} == {
        "companies": {"unchanged": 3},
        "portals": {"unchanged": 2},
        "legal_entities": {"unchanged": 3},
        "invitations": {"unchanged": 2},
        "plugins": {"unchanged": 1},
    }
    assert await _counts() == before  # no row, no audit event, no email added


async def test_changes_are_applied_and_unmentioned_rows_are_kept(
    bo_db, bo_factory, tmp_path, vendor_x
):
    path = _write(tmp_path, FULL)
    await sync_path(path, env=ENV)
    acme = await Company.select().where(Company.name == "Acme Reseller").first()
    extra = await bo_factory.company(acme, "client", name="Made in the UI")
    changed = (
        FULL.replace('description = "first tenant"', 'description = "renamed tenant"')
        .replace('title = "Acme messaging"', 'title = "Acme"')
        .replace('region = "eu"', 'region = "us"')
    )
    changed = changed[: changed.index("[[companies.companies]]")]  # children no longer listed
    summary = await sync_path(_write(tmp_path, changed), env={**ENV, "VX_KEY": "sk-rotated"})
    assert summary.counts["companies"] == {"updated": 1}
    assert summary.counts["portals"] == {"updated": 1, "unchanged": 1}
    assert summary.counts["plugins"] == {"updated": 1}
    assert summary.counts["invitations"] == {"unchanged": 1}
    row = await Company.select().where(Company.id == acme["id"]).first()
    assert row["description"] == "renamed tenant"
    names = {c["name"] for c in await Company.select(Company.name)}
    assert {"Made in the UI", "Sub Reseller", "Deep Client"} <= names  # nothing deleted
    assert await Company.exists().where(Company.id == extra["id"])
    plugin = await CompanyPlugin.select().first()
    settings = json.loads(decrypt(plugin["settings"], purpose=SETTINGS_PURPOSE))
    assert settings["api_key"] == "sk-rotated" and settings["region"] == "us"
    update = (
        await AuditChange.select()
        .where(AuditChange.table_name == "company_plugins", AuditChange.operation == "update")
        .first()
    )
    assert json.loads(update["new_values"]) == {"settings_keys": ["api_key", "nested", "region"]}
    portal_update = (
        await AuditChange.select()
        .where(AuditChange.table_name == "portals", AuditChange.event.action == "Portal updated")
        .first()
    )
    assert json.loads(portal_update["old_values"]) == {"title": "Acme messaging"}


async def test_missing_environment_variable_stops_before_writing(bo_db, tmp_path, vendor_x):
    errors = await _errors(tmp_path, FULL, env={"VX_KEY": "x"})
    assert errors == {
        "companies[0].plugins.vendor-x.nested.tokens[0]": (
            "environment variable VX_TOKEN is not set"
        )
    }
    bad_ref = FULL.replace('{ "$env" = "VX_KEY" }', '{ "$env" = "VX_KEY", other = 1 }')
    errors = await _errors(tmp_path, bad_ref, env=ENV)
    assert errors == {
        "companies[0].plugins.vendor-x.api_key": (
            'a secret reference is { "$env" = "VARIABLE_NAME" }'
        )
    }
    assert (await _counts())["companies"] == 0


async def test_a_failure_half_way_leaves_the_database_unchanged(bo_db, bo_factory, tmp_path):
    owner = await bo_factory.owner()
    plain = await bo_factory.company(owner, "reseller", name="Plain Reseller")
    other = await bo_factory.company(owner, "client", name="Someone Else")
    await Portal.insert(Portal(company=other["id"], name="Taken", fqdn="taken.example.test"))
    before = await _counts()
    text = """
[[companies]]
name = "Fine"
type = "reseller"
[[companies.admins]]
email = "fine@example.test"
[[companies]]
name = "Second"
type = "client"
[[companies.portals]]
fqdn = "taken.example.test"
name = "Mine now"
"""
    assert await _errors(tmp_path, text) == {
        "companies[1].portals[0].fqdn": "already used by a portal of another company"
    }
    assert await _counts() == before  # "Fine", its invitation and their audit rolled back
    # a rule of the company service, reported where the file broke it
    text = """
[[companies]]
name = "Plain Reseller"
type = "reseller"
[[companies.companies]]
name = "Wants to resell"
type = "reseller"
"""
    assert await _errors(tmp_path, text) == {
        "companies[0].companies[0].type": "your company may not create resellers"
    }
    assert await _counts() == before
    assert not await Company.exists().where(Company.parent == plain["id"])


async def test_invitations_respect_existing_users_and_renew_expired_links(
    bo_db, bo_factory, tmp_path
):
    owner = await bo_factory.owner()
    await bo_factory.user(owner, email="known@example.test")
    text = """
[[companies]]
name = "Acme"
type = "reseller"
[[companies.admins]]
email = "known@example.test"
[[companies.admins]]
email = "late@example.test"
"""
    path = _write(tmp_path, text)
    first = await sync_path(path)
    assert first.counts["invitations"] == {"unchanged": 1, "created": 1}
    assert [i["email"] for i in await Invitation.select()] == ["late@example.test"]
    past = datetime.now(UTC) - timedelta(hours=1)
    await Invitation.update({Invitation.expires_at: past}).where(Invitation.id > 0)
    old = await Invitation.select().first()
    renewed = await sync_path(path)
    assert renewed.counts["invitations"] == {"unchanged": 1, "updated": 1}
    row = await Invitation.select().first()
    assert row["id"] == old["id"] and row["token_hash"] != old["token_hash"]
    assert row["expires_at"] > datetime.now(UTC)
    assert await OutboundEmail.count() == 2
    await Invitation.update({Invitation.status: "revoked"}).where(Invitation.id > 0)
    assert (await sync_path(path)).counts["invitations"] == {"unchanged": 2}
    assert await OutboundEmail.count() == 2


async def test_dry_run_reports_and_writes_nothing(bo_db, tmp_path, vendor_x):
    summary = await sync_path(_write(tmp_path, FULL), dry_run=True, env=ENV)
    assert summary.counts["companies"] == {"created": 3}
    assert summary.lines()[0].startswith("dry run")
    assert all(count == 0 for count in (await _counts()).values())


def _cli(args: list[str]):
    """Run a command in a thread, as a terminal would: it owns its own event loop."""
    return asyncio.to_thread(CliRunner().invoke, main, args)


async def test_cli_exit_codes_and_output(bo_db, tmp_path, monkeypatch):
    folder = tmp_path / "acme"
    folder.mkdir()
    (folder / "tenant.toml").write_text(
        '[[companies]]\nname = "Acme"\ntype = "reseller"\n'
        '[companies.plugins."core.catalogue.dictionaries.builtin"]\nkey = { "$env" = "CLI_KEY" }\n'
    )
    result = await _cli(["tenants", "sync", str(folder)])
    assert result.exit_code == 1
    assert "companies[0].plugins.core.catalogue.dictionaries.builtin.key: environment variable" in (
        result.output
    )
    monkeypatch.setenv("CLI_KEY", "secret")
    result = await _cli(["tenants", "sync", "--dry-run", str(folder)])
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output and "companies: 1 created" in result.output
    assert not await Company.exists().where(Company.name == "Acme")
    result = await _cli(["tenants", "sync", str(folder / "tenant.toml")])
    assert result.exit_code == 0, result.output
    assert "companies: 1 created" in result.output and "plugins: 1 created" in result.output
    result = await _cli(["tenants", "sync", str(folder)])
    assert "companies: 0 created, 0 updated, 1 unchanged" in result.output
    result = await _cli(["tenants", "sync", str(tmp_path / "nowhere")])
    assert result.exit_code == 2  # click's usage error: the path does not exist


async def test_the_documented_example_applies(bo_db, tmp_path, vendor_x):
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "tenants.md").read_text(encoding="utf-8")
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    env = {"ACME_VENDOR_X_KEY": "k"}
    summary = await sync_path(_write(tmp_path, example), env=env)
    assert summary.counts["companies"] == {"created": 2}
    assert summary.counts["invitations"] == {"created": 3}
    assert (await sync_path(tmp_path, env=env)).changed == 0  # a folder works too
