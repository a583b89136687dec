"""Failed sign-ins are limited per account and per IP, and every failure is in the audit."""

from __future__ import annotations

import os
import uuid

import pytest
from signin_helpers import api_login


@pytest.fixture
def limits(monkeypatch):
    from core.settings import get_settings

    def set_limits(**values):
        for name, value in values.items():
            monkeypatch.setenv(f"BACKOFFICE_{name.upper()}", str(value))
        get_settings.cache_clear()

    yield set_limits
    for name in ("LOGIN_MAX_FAILURES", "LOGIN_MAX_FAILURES_PER_IP", "TRUSTED_PROXIES"):
        monkeypatch.delenv(f"BACKOFFICE_{name}", raising=False)
    get_settings.cache_clear()


async def test_ten_failures_block_the_account_even_with_the_right_password(bo_client, bo_factory):
    user = await bo_factory.user(await bo_factory.owner())
    wrong = {**user, "password": "Not-the-one-1"}
    for _ in range(10):
        assert (await api_login(bo_client, wrong)).status_code == 401
    blocked = await api_login(bo_client, user)
    assert blocked.status_code == 429 and "too many failed" in blocked.json()["detail"]


async def test_the_ip_limit_covers_many_accounts(bo_client, bo_factory, limits):
    limits(login_max_failures_per_ip=3)
    owner = await bo_factory.owner()
    users = [await bo_factory.user(owner) for _ in range(4)]
    for person in users[:3]:
        assert (await api_login(bo_client, {**person, "password": "x"})).status_code == 401
    assert (await api_login(bo_client, users[3])).status_code == 429


async def test_success_resets_the_account_counter(bo_client, bo_factory, limits):
    limits(login_max_failures=3)
    user = await bo_factory.user(await bo_factory.owner())
    for _ in range(2):
        await api_login(bo_client, {**user, "password": "x"})
    assert (await api_login(bo_client, user)).status_code == 201
    for _ in range(2):
        await api_login(bo_client, {**user, "password": "x"})
    assert (await api_login(bo_client, user)).status_code == 201


async def test_every_failure_is_audited_with_the_typed_login_and_no_password(bo_client, bo_factory):
    from core.audit.models import AuditChange, AuditEvent

    user = await bo_factory.user(await bo_factory.owner())
    await api_login(bo_client, {**user, "password": "Typed-secret-9"})
    await bo_client.post(
        "/api/v1/auth/token", json={"login": "nobody@x.test", "password": "Other-secret-9"}
    )
    events = await AuditEvent.select().where(AuditEvent.action.like("Sign-in failed%"))
    assert {e["user_label"] for e in events} == {user["email"], "nobody@x.test"}
    assert {e["ip"] for e in events} == {"127.0.0.1"}
    everything = repr(await AuditEvent.select()) + repr(await AuditChange.select())
    assert "Typed-secret-9" not in everything and "Other-secret-9" not in everything


async def test_the_ui_shows_the_limit(bo_client, bo_factory, limits):
    from test_ui_helpers import token_for

    limits(login_max_failures=1)
    user = await bo_factory.user(await bo_factory.owner())
    token = await token_for(bo_client, "/login")
    data = {"_csrf_token": token, "login": user["email"], "password": "x"}
    assert (await bo_client.post("/login", data=data)).status_code == 401
    res = await bo_client.post("/login", data={**data, "password": user["password"]})
    assert res.status_code == 429 and "Too many failed sign-in attempts" in res.text


@pytest.mark.skipif(
    not os.environ.get("BACKOFFICE_TEST_REDIS_URL"), reason="BACKOFFICE_TEST_REDIS_URL not set"
)
async def test_redis_counters_are_shared_and_expire():
    from core.auth.ratelimit import RedisCounter

    namespace = f"bo-test-rl-{uuid.uuid4().hex[:8]}"
    one = RedisCounter(os.environ["BACKOFFICE_TEST_REDIS_URL"], namespace)
    two = RedisCounter(os.environ["BACKOFFICE_TEST_REDIS_URL"], namespace)
    try:
        assert await one.incr("k", 60) == 1
        assert await two.incr("k", 60) == 2  # another process sees the same count
        assert await two.get("k") == 2
        assert 0 < await one._client.ttl(f"{namespace}:k") <= 60
        await one.clear("k")
        assert await two.get("k") == 0
    finally:
        await one._client.delete(f"{namespace}:k")
        await one._client.aclose()
        await two._client.aclose()


async def test_in_process_counter_window_expires(monkeypatch):
    from core.auth import ratelimit

    counter = ratelimit.MemoryCounter()
    clock = [1000.0]
    monkeypatch.setattr(ratelimit.time, "monotonic", lambda: clock[0])
    assert await counter.incr("k", 60) == 1
    assert await counter.incr("k", 60) == 2
    clock[0] += 61
    assert await counter.get("k") == 0
    assert await counter.incr("k", 60) == 1


def test_limit_settings_are_read_and_checked():
    from core.settings import SettingsError, load_settings

    loaded = load_settings(
        {
            "BACKOFFICE_LOGIN_MAX_FAILURES": "5",
            "BACKOFFICE_LOGIN_MAX_FAILURES_PER_IP": "200",
            "BACKOFFICE_LOGIN_FAILURE_WINDOW_MINUTES": "30",
        }
    )
    assert (loaded.login_max_failures, loaded.login_max_failures_per_ip) == (5, 200)
    assert loaded.login_failure_window_minutes == 30
    defaults = load_settings({})
    assert (defaults.login_max_failures, defaults.login_max_failures_per_ip) == (10, 50)
    with pytest.raises(SettingsError, match="BACKOFFICE_LOGIN_MAX_FAILURES"):
        load_settings({"BACKOFFICE_LOGIN_MAX_FAILURES": "0"})
    with pytest.raises(SettingsError, match="WINDOW_MINUTES"):
        load_settings({"BACKOFFICE_LOGIN_FAILURE_WINDOW_MINUTES": "soon"})


async def _try(client, login: str, password: str, address: str | None = None) -> int:
    headers = {"X-Forwarded-For": address} if address else {}
    body = {"login": login, "password": password}
    return (await client.post("/api/v1/auth/token", json=body, headers=headers)).status_code


async def test_login_name_and_email_share_one_count(bo_client, bo_factory):
    user = await bo_factory.user(await bo_factory.owner(), login="ann.smith")
    for n in range(10):
        name = "ann.smith" if n % 2 else user["email"].upper()
        assert await _try(bo_client, name, "Wrong-pass-1") == 401
    assert await _try(bo_client, "ann.smith", user["password"]) == 429
    assert await _try(bo_client, user["email"], user["password"]) == 429


async def test_one_address_cannot_lock_the_owner_out(bo_client, bo_factory, limits):
    limits(trusted_proxies="127.0.0.1")
    user = await bo_factory.user(await bo_factory.owner(), login="admin")
    for _ in range(10):
        assert await _try(bo_client, "admin", "guess-1", "203.0.113.66") == 401
    assert await _try(bo_client, "admin", user["password"], "203.0.113.66") == 429
    # the owner, from their own address, still gets in (and the attacker stays locked)
    assert await _try(bo_client, "admin", user["password"], "198.51.100.10") == 201
    assert await _try(bo_client, "admin", user["password"], "203.0.113.66") == 429


async def test_the_account_wide_ceiling_stops_a_spread_campaign(bo_client, bo_factory, limits):
    limits(trusted_proxies="127.0.0.1", login_max_failures=2)  # ceiling: 2 x 10 = 20
    user = await bo_factory.user(await bo_factory.owner(), login="target")
    for n in range(10):
        for _ in range(2):
            assert await _try(bo_client, "target", "guess-1", f"203.0.113.{n}") == 401
    assert await _try(bo_client, "target", user["password"], "198.51.100.10") == 429
