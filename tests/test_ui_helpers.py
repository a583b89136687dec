"""Shared steps of the UI tests: reading the CSRF token of a page and signing in."""

from __future__ import annotations

import html
import re

_TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_of(page_html: str) -> str:
    match = _TOKEN.search(page_html)
    assert match, "the page has no CSRF field"
    return html.unescape(match.group(1))


async def token_for(client, path: str) -> str:
    res = await client.get(path)
    assert res.status_code == 200, res.text
    return csrf_of(res.text)


async def sign_in(client, user: dict) -> None:
    """Sign in through the real form; the client keeps the session and CSRF cookies."""
    client.cookies.clear()
    token = await token_for(client, "/login")
    res = await client.post(
        "/login", data={"_csrf_token": token, "login": user["email"], "password": user["password"]}
    )
    assert res.status_code == 303, res.text
    assert client.cookies.get("bo_session")


async def post_form(client, path: str, data: dict, page: str | None = None):
    """POST ``data`` with the CSRF token of ``page`` (default: the same path)."""
    token = await token_for(client, page or path)
    return await client.post(path, data={"_csrf_token": token, **data})


def test_csrf_of_reads_escaped_tokens():
    assert csrf_of('<input name="_csrf_token" value="a&amp;b">') == "a&b"
