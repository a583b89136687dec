"""Hardening headers on every answer, the CSRF cookie's Secure flag, and trusted proxies only."""

from __future__ import annotations

import pytest
from signin_helpers import api_login

from core.settings import SettingsError, load_settings
from core.web.security_headers import forwarded_client


@pytest.fixture
def env(monkeypatch):
    from core.settings import get_settings

    def set_env(**values):
        for name, value in values.items():
            monkeypatch.setenv(f"BACKOFFICE_{name.upper()}", str(value))
        get_settings.cache_clear()

    yield set_env
    for name in ("TRUSTED_PROXIES", "SECURE_COOKIES", "LOGIN_MAX_FAILURES_PER_IP"):
        monkeypatch.delenv(f"BACKOFFICE_{name}", raising=False)
    get_settings.cache_clear()


COMMON = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}


@pytest.mark.parametrize(
    "path", ["/login", "/no-such-page", "/users/abc", "/static/default/app.css"]
)
async def test_ui_answers_carry_the_policy(bo_client, path):
    res = await bo_client.get(path)
    for name, value in COMMON.items():
        assert res.headers[name] == value, (path, name)
    assert "camera=()" in res.headers["permissions-policy"]
    policy = res.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";")[0]


async def test_api_and_docs_policies(bo_client):
    api = await bo_client.get("/api/v1/me")
    assert api.status_code == 401
    assert api.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    docs = await bo_client.get("/api/schema")
    assert docs.status_code == 200 and docs.headers["x-frame-options"] == "DENY"
    # the docs viewers bring their own scripts: only framing is forbidden there
    assert docs.headers["content-security-policy"] == "frame-ancestors 'none'"


async def test_a_response_with_its_own_policy_keeps_it():
    from core.web.security_headers import add_security_headers

    message = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-security-policy", b"default-src 'none'; sandbox")],
    }
    await add_security_headers(message, {"type": "http", "path": "/portals/1/logo"})
    policies = [v for k, v in message["headers"] if k == b"content-security-policy"]
    assert policies == [b"default-src 'none'; sandbox"]
    assert (b"x-frame-options", b"DENY") in message["headers"]


async def test_csrf_cookie_is_secure_with_the_session_cookie(bo_db, bo_factory, env):
    from core.plugins.testing import serve_in_loop
    from core.web.app import create_app

    env(secure_cookies="true")
    user = await bo_factory.user(await bo_factory.owner())
    async with serve_in_loop(create_app(run_jobs=False)) as client:
        res = await client.get("/login")
        csrf = next(c for c in res.headers.get_list("set-cookie") if c.startswith("bo_csrf="))
        assert "Secure" in csrf, csrf
        token = csrf.split(";", 1)[0].split("=", 1)[1]
        data = {"_csrf_token": token, "login": user["email"], "password": user["password"]}
        # the client keeps Secure cookies for https only, so send it by hand
        res = await client.post("/login", data=data, headers={"Cookie": f"bo_csrf={token}"})
        session = [c for c in res.headers.get_list("set-cookie") if c.startswith("bo_session=")]
        assert session and "Secure" in session[0], res.headers.get_list("set-cookie")


async def _failure_ip(bo_client, bo_factory, headers: dict) -> str:
    from core.audit.models import AuditEvent

    user = await bo_factory.user(await bo_factory.owner())
    await bo_client.post(
        "/api/v1/auth/token",
        json={"login": user["email"], "password": "wrong-Password-1"},
        headers=headers,
    )
    event = await AuditEvent.select(AuditEvent.ip).where(AuditEvent.action.like("Sign-in failed%"))
    return event[-1]["ip"]


async def test_forwarded_for_ignored_by_default(bo_client, bo_factory):
    # the test client connects from 127.0.0.1, a "local caller"
    assert await _failure_ip(bo_client, bo_factory, {"X-Forwarded-For": "203.0.113.9"}) == (
        "127.0.0.1"
    )


async def test_forwarded_for_honoured_from_a_trusted_proxy(bo_client, bo_factory, env):
    env(trusted_proxies="127.0.0.0/8")
    headers = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9, 127.0.0.2"}
    assert await _failure_ip(bo_client, bo_factory, headers) == "203.0.113.9"


async def test_forwarded_for_from_an_untrusted_peer(bo_client, bo_factory, env):
    env(trusted_proxies="10.0.0.0/8")
    assert await _failure_ip(bo_client, bo_factory, {"X-Forwarded-For": "203.0.113.9"}) == (
        "127.0.0.1"
    )


async def test_spoofed_forwarded_for_cannot_dodge_the_ip_limit(bo_client, bo_factory, env):
    env(login_max_failures_per_ip=3)
    owner = await bo_factory.owner()
    users = [await bo_factory.user(owner) for _ in range(4)]
    for n, person in enumerate(users[:3]):
        res = await bo_client.post(
            "/api/v1/auth/token",
            json={"login": person["email"], "password": "x"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
        assert res.status_code == 401
    assert (await api_login(bo_client, users[3])).status_code == 429


def test_forwarded_client_walks_from_the_right():
    from core.web.security_headers import _networks

    nets = _networks(("10.0.0.0/8",))
    assert forwarded_client("10.0.0.1", "1.2.3.4, 10.0.0.5", nets) == "1.2.3.4"
    assert forwarded_client("10.0.0.1", "6.6.6.6, 1.2.3.4", nets) == "1.2.3.4"
    assert forwarded_client("10.0.0.1", "garbage, 1.2.3.4", nets) == "1.2.3.4"
    assert forwarded_client("10.0.0.1", "1.2.3.4, junk", nets) == "10.0.0.1"
    assert forwarded_client("10.0.0.1", "10.0.0.7", nets) == "10.0.0.7"


def test_trusted_proxies_setting():
    assert load_settings({}).trusted_proxies == ()
    s = load_settings({"BACKOFFICE_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16,::1"})
    assert s.trusted_proxies == ("10.0.0.1/32", "192.168.0.0/16", "::1/128")
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
        load_settings({"BACKOFFICE_TRUSTED_PROXIES": "proxy.local"})
