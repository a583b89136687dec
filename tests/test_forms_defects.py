"""Regression tests for the defects of issue 8 found trying the console as a new user."""

from __future__ import annotations

import re

from test_agreements_api import make, world
from test_ui_helpers import post_form, sign_in

from core.users.models import Invitation


async def test_users_list_tells_an_invitation_from_a_user_with_the_same_id(bo_client, bo_factory):
    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner, email="admin@example.test")
    await sign_in(bo_client, admin)
    res = await post_form(
        bo_client,
        "/users/invite",
        {
            "email": "g@example.test",
            "group": "backoffice",
            "company_id": str(owner["id"]),
            "is_admin": "1",
        },
        page="/users/invite?group=backoffice",
    )
    assert res.status_code == 303, res.text
    invitation = await Invitation.select(Invitation.id).first()
    cells = re.findall(r'<td class="col-id">([^<]*)</td>', (await bo_client.get("/users")).text)
    assert f"User {admin['id']}" in cells and f"Invitation {invitation['id']}" in cells


async def test_amounts_in_forms_show_as_typed(bo_client, bo_factory, bo_api):
    w = await world(bo_factory)
    created = await make(await bo_api(w["user"]), w, credit_limit="500", code="AMT")
    await sign_in(bo_client, w["user"])
    version = created["current_version"]["id"]
    for path in (
        f"/agreements/{created['id']}/versions/new",
        f"/agreements/{created['id']}/versions/{version}/edit",
    ):
        text = (await bo_client.get(path)).text
        assert 'name="credit_limit" inputmode="decimal" value="500.00"' in text, path
        assert "500.000000" not in text


async def test_two_factor_warning_renders_only_when_ticked(bo_client, bo_factory):
    owner = await bo_factory.owner()
    await sign_in(bo_client, await bo_factory.user(owner))
    warning = re.compile(
        r'<div class="alert alert-info"[^>]*data-shown-when="two_factor_required"([^>]*)>'
    )
    (attrs,) = warning.findall((await bo_client.get("/companies/new")).text)
    assert "hidden" in attrs  # not ticked: the warning is there for the script, but hidden
    res = await post_form(
        bo_client, "/companies/new", {"name": "", "type": "client", "two_factor_required": "1"}
    )
    assert res.status_code == 422
    (attrs,) = warning.findall(res.text)
    assert "hidden" not in attrs  # ticked: shown, also without JavaScript


async def test_finance_tab_shows_agreement_dates_in_the_zone_they_were_entered_in(
    bo_client, bo_factory, bo_api
):
    w = await world(bo_factory)
    api = await bo_api(w["user"])
    await make(api, w, effective_from="2026-01-01T00:00:00", timezone="Europe/Berlin", code="TZ")
    await make(
        api,
        w,
        code="TZ-2",
        effective_from="2026-01-01T00:00:00",
        effective_till="2099-06-30T00:00:00",
        timezone="Europe/Berlin",
    )
    profile = (await api.get(f"/api/v1/companies/{w['c1']['id']}/profile")).json()
    first = profile["finance"]["agreements"][0]
    assert first["effective_from"].startswith("2025-12-31T23:00:00")  # the instant, in UTC
    assert first["effective_from_local"] == "2026-01-01T00:00:00"
    assert first["timezone"] == "Europe/Berlin"
    await sign_in(bo_client, w["user"])
    tab = (await bo_client.get(f"/companies/{w['c1']['id']}?tab=finance")).text
    assert "from 2026-01-01 00:00 indefinitely" in tab and "2025-12-31" not in tab
    assert "from 2026-01-01 00:00 till 2099-06-30 00:00" in tab
    assert '<span class="muted">Europe/Berlin</span>' in tab
    view = (await bo_client.get(f"/agreements/{first['id']}")).text
    assert "2026-01-01 00:00" in view  # the agreement page says the same


async def test_export_page_and_help_agree_that_the_export_runs_on_without_the_page(
    bo_client, bo_factory
):
    owner = await bo_factory.owner()
    await sign_in(bo_client, await bo_factory.user(owner))
    res = await post_form(bo_client, "/audit/export", {}, page="/audit")
    assert res.status_code == 303 and res.headers["location"].startswith("/jobs/")
    job = (await bo_client.get(res.headers["location"])).text
    assert "you may leave this page, the export keeps running" in job
    assert "for 7 days after it is ready" in job
    help_text = (await bo_client.get("/help/guide")).text
    assert "You may leave its page while it runs" in help_text
    assert "keep the page open" not in help_text


def _cli(args: list[str]):
    import asyncio

    from click.testing import CliRunner

    from core.cli import main

    return asyncio.to_thread(CliRunner().invoke, main, args)


async def test_demo_password_is_shell_friendly_or_chosen_and_the_output_promises_nothing(
    bo_app, monkeypatch
):
    from core.auth.policy import SPECIALS
    from core.demo import SHELL_SAFE, shell_safe_password

    for _ in range(50):
        password = shell_safe_password()
        assert len(password) == 16
        assert all(c.isalnum() or c in SHELL_SAFE for c in password), password
        assert any(c in SPECIALS for c in password)
    monkeypatch.delenv("BACKOFFICE_DEMO_PASSWORD", raising=False)
    result = await _cli(["demo"])
    assert result.exit_code == 0, result.output
    assert "later issue" not in result.output and "BACKOFFICE_DEMO_PASSWORD" in result.output
    monkeypatch.setenv("BACKOFFICE_DEMO_PASSWORD", "short")
    result = await _cli(["demo"])
    assert result.exit_code != 0
    assert "BACKOFFICE_DEMO_PASSWORD: must be at least" in result.output
    assert "Traceback" not in result.output


def test_make_run_migrates_once():
    from pathlib import Path

    recipe = Path(__file__).resolve().parents[1].joinpath("Makefile").read_text()
    run = recipe.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "backoffice demo" in run and "db migrate" not in run  # the demo migrates
    assert "backoffice run --no-migrate" in run
