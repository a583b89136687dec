"""Signing in and out of the UI, CSRF, and the redirect to the sign-in page."""

from __future__ import annotations

from test_ui_helpers import csrf_of, post_form, sign_in, token_for


async def test_pages_redirect_to_login_and_back(bo_client, bo_factory):
    owner = await bo_factory.owner()
    user = await bo_factory.user(owner)
    res = await bo_client.get("/companies?type=client")
    assert res.status_code == 303
    assert res.headers["location"] == "/login?next=/companies%3Ftype%3Dclient"

    login = await bo_client.get(res.headers["location"])
    assert login.status_code == 200 and 'name="password"' in login.text
    res = await bo_client.post(
        "/login",
        data={
            "_csrf_token": csrf_of(login.text),
            "login": user["email"],
            "password": user["password"],
            "next": "/companies?type=client",
        },
    )
    assert res.status_code == 303 and res.headers["location"] == "/companies?type=client"
    cookie = next(h for h in res.headers.get_list("set-cookie") if h.startswith("bo_session="))
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Secure" not in cookie
    page = await bo_client.get("/companies")
    assert page.status_code == 200 and "Companies" in page.text

    from core.audit.models import AuditEvent

    assert await AuditEvent.exists().where(
        AuditEvent.action == "Signed in", AuditEvent.user == user["id"]
    )


async def test_login_by_login_name_and_offsite_next_is_ignored(bo_client, bo_factory):
    owner = await bo_factory.owner()
    await bo_factory.user(owner, login="mgr", email="mgr@example.test")
    token = await token_for(bo_client, "/login")
    res = await bo_client.post(
        "/login",
        data={
            "_csrf_token": token,
            "login": "mgr",
            "password": "Passw0rd!x",
            "next": "//evil.test",
        },
    )
    assert res.status_code == 303 and res.headers["location"] == "/"


async def test_wrong_password_shows_an_error_and_opens_no_session(bo_client, bo_factory):
    user = await bo_factory.user(await bo_factory.owner())
    token = await token_for(bo_client, "/login")
    res = await bo_client.post(
        "/login", data={"_csrf_token": token, "login": user["email"], "password": "wrong-one"}
    )
    assert res.status_code == 401
    assert "not correct" in res.text and user["email"] in res.text  # the login is kept
    assert "bo_session" not in bo_client.cookies
    res = await bo_client.post("/login", data={"_csrf_token": token, "login": "", "password": ""})
    assert res.status_code == 400 and "Enter your login" in res.text


async def test_post_without_csrf_token_is_rejected(bo_client, bo_factory):
    user = await bo_factory.user(await bo_factory.owner())
    await bo_client.get("/login")  # the CSRF cookie exists, but the form lacks the token
    res = await bo_client.post(
        "/login", data={"login": user["email"], "password": user["password"]}
    )
    assert res.status_code == 403
    assert res.headers["content-type"].startswith("text/html")
    assert "bo_session" not in bo_client.cookies
    await sign_in(bo_client, user)
    res = await bo_client.post("/companies/new", data={"name": "NoToken", "type": "client"})
    assert res.status_code == 403
    from tenants.models import Company

    assert not await Company.exists().where(Company.name == "NoToken")


async def test_logout_revokes_the_session(bo_client, bo_factory):
    user = await bo_factory.user(await bo_factory.owner())
    await sign_in(bo_client, user)
    secret = bo_client.cookies.get("bo_session")
    res = await post_form(bo_client, "/logout", {}, page="/account")
    assert res.status_code == 303 and res.headers["location"] == "/login"
    assert "bo_session" not in bo_client.cookies
    bo_client.cookies.set("bo_session", secret)
    res = await bo_client.get("/account")
    assert res.status_code == 303 and res.headers["location"].startswith("/login")


async def test_my_account_and_layout(bo_client, bo_factory):
    owner = await bo_factory.owner()
    user = await bo_factory.user(
        owner, first_name="Ada", last_name="Lovelace", login="ada", email="ada@example.test"
    )
    await sign_in(bo_client, user)
    res = await bo_client.get("/account")
    assert res.status_code == 200
    for text in ("Ada Lovelace", "ada@example.test", ">ada<", "System owner", ">AL<"):
        assert text in res.text
    assert 'href="/api/schema"' in res.text and 'href="/help/guide"' in res.text
    assert 'action="/logout"' in res.text
    guide = await bo_client.get("/help/guide")
    assert guide.status_code == 200 and "Companies" in guide.text
    home = await bo_client.get("/")  # the dashboard (issue 8), no longer a redirect
    assert home.status_code == 200 and 'data-block="companies"' in home.text


async def test_unknown_page_is_a_friendly_html_404(bo_client, bo_factory):
    user = await bo_factory.user(await bo_factory.owner())
    res = await bo_client.get("/no-such-page")
    assert res.status_code == 404 and "does not exist" in res.text
    await sign_in(bo_client, user)
    res = await bo_client.get("/no-such-page")
    assert res.status_code == 404 and "does not exist" in res.text
    assert 'href="/companies"' in res.text  # signed in: the page keeps the menu
