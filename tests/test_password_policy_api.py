"""The policy settings: system-owner admins only, validated, audited, applied at once."""

from __future__ import annotations

import pytest
from signin_helpers import api_login
from test_ui_helpers import post_form, sign_in

DEFAULTS = {
    "min_length": 8,
    "required_classes": 3,
    "history_size": 7,
    "max_age_days": 60,
    "min_age_hours": 24,
    "inactivity_days": 180,
    "idle_minutes": 60,
}


async def test_owner_admin_reads_and_changes_the_policy(bo_factory, bo_api):
    from core.audit.models import AuditChange, AuditEvent
    from core.auth.models import PasswordPolicy

    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    shown = await api.get("/api/v1/password-policy")
    assert shown.status_code == 200
    assert {k: shown.json()[k] for k in DEFAULTS} == DEFAULTS
    assert await PasswordPolicy.count() == 1  # created on first use
    changed = await api.put("/api/v1/password-policy", json={**DEFAULTS, "min_length": 12})
    assert changed.status_code == 200 and changed.json()["min_length"] == 12
    event = await AuditEvent.select().where(AuditEvent.action == "Password policy changed").first()
    change = await AuditChange.select().where(AuditChange.event == event["id"]).first()
    assert '"min_length": 12' in change["new_values"] and '"min_length": 8' in change["old_values"]
    from core.auth.policy import check_new_password
    from core.errors import Invalid

    with pytest.raises(Invalid, match="at least 12"):
        await check_new_password(None, "Short-pass1", by_admin=False)


async def test_policy_input_is_validated(bo_factory, bo_api):
    api = await bo_api(await bo_factory.user(await bo_factory.owner()))
    too_short = await api.put("/api/v1/password-policy", json={**DEFAULTS, "min_length": 3})
    assert too_short.status_code == 400 and too_short.json()["errors"][0]["field"] == "min_length"
    unknown = await api.put("/api/v1/password-policy", json={**DEFAULTS, "extra": 1})
    assert unknown.status_code == 400


async def test_other_tenants_get_404_and_users_without_settings_403(bo_factory, bo_api):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(kind="reseller")
    reseller_admin = await bo_api(await bo_factory.user(reseller))
    assert (await reseller_admin.get("/api/v1/password-policy")).status_code == 404
    put = await reseller_admin.put("/api/v1/password-policy", json=DEFAULTS)
    assert put.status_code == 404
    plain = await bo_api(await bo_factory.user(owner, is_admin=False))
    assert (await plain.get("/api/v1/password-policy")).status_code == 403
    assert (await plain.put("/api/v1/password-policy", json=DEFAULTS)).status_code == 403


async def test_policy_settings_page(bo_client, bo_factory):
    from core.auth.models import PasswordPolicy

    admin = await bo_factory.user(await bo_factory.owner())
    await sign_in(bo_client, admin)
    page = await bo_client.get("/settings/password-policy")
    assert page.status_code == 200 and 'name="idle_minutes" value="60"' in page.text
    bad = await post_form(
        bo_client, "/settings/password-policy", {**DEFAULTS, "required_classes": 9}
    )
    assert bad.status_code == 422
    saved = await post_form(
        bo_client, "/settings/password-policy", {**DEFAULTS, "idle_minutes": 30}
    )
    assert saved.status_code == 303
    assert (await PasswordPolicy.select(PasswordPolicy.idle_minutes).first())["idle_minutes"] == 30


async def test_turning_off_expiry_lets_old_passwords_sign_in(bo_client, bo_factory, bo_api):
    from signin_helpers import ago, set_user

    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    user = await bo_factory.user(owner, is_admin=False)
    await set_user(user["id"], password_changed_at=ago(days=400))
    assert (await api_login(bo_client, user)).status_code == 403
    await api.put("/api/v1/password-policy", json={**DEFAULTS, "max_age_days": 0})
    assert (await api_login(bo_client, user)).status_code == 201
