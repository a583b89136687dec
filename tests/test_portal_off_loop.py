"""Issue 8 (item 7 and 12): the domain check and the certificate hook never block the event loop
and are bounded in time; a missing platform setting is not the portal's fault; with "display
branding" off the branding files are not served."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from test_portal_uploads import _put, _setup, image, pdf
from test_portals_api import API, _body

from core.plugins.hookspecs import hookimpl
from core.portals import certificates, domain
from core.settings import get_settings


@pytest.fixture
def addresses(monkeypatch):
    """Set BACKOFFICE_PUBLIC_ADDRESSES for one test (settings are cached per process)."""

    def use(value: str) -> None:
        monkeypatch.setenv("BACKOFFICE_PUBLIC_ADDRESSES", value)
        get_settings.cache_clear()

    yield use
    monkeypatch.delenv("BACKOFFICE_PUBLIC_ADDRESSES", raising=False)
    get_settings.cache_clear()


async def _nowhere(host: str) -> list[str]:
    return []  # the name does not resolve


async def _ticks_while(work) -> tuple[object, int]:
    """Run ``work`` and count how often the event loop got to run a 10 ms ticker meanwhile."""
    ticks = 0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    try:
        result = await work
    finally:
        done.set()
        await task
    return result, ticks


async def test_unconfigured_addresses_are_named_and_leave_the_status_alone(
    bo_factory, bo_api, monkeypatch, addresses
):
    monkeypatch.setattr(domain, "resolve_addresses", _nowhere)
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    portal = (await api.post(API, json=_body(status="active"))).json()
    addresses("")
    res = (await api.post(f"{API}/{portal['id']}/check-domain")).json()  # name does not resolve
    assert res["domain_status"] == "not_configured" and res["status"] == "active"
    assert (
        "public addresses are not configured (BACKOFFICE_PUBLIC_ADDRESSES)"
        in (res["domain_message"])
    )
    assert "expected none" not in res["domain_message"]
    assert "does not resolve yet" in res["domain_message"]


async def test_a_slow_resolver_is_given_up_on_without_judging_the_portal(
    bo_factory, bo_api, monkeypatch, addresses
):
    async def slow(host: str) -> list[str]:
        await asyncio.sleep(30)
        return ["203.0.113.10"]

    monkeypatch.setattr(domain, "resolve_addresses", slow)
    monkeypatch.setattr(domain, "RESOLVE_TIMEOUT", 0.2)
    addresses("203.0.113.10")
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    portal = (await api.post(API, json=_body(status="active"))).json()
    started = time.monotonic()
    res = (await api.post(f"{API}/{portal['id']}/check-domain")).json()
    assert time.monotonic() - started < 5
    assert res["domain_status"] == "timeout" and res["status"] == "active"
    assert "took longer than 0.2 seconds" in res["domain_message"]


async def test_dns_lookup_runs_in_a_thread(monkeypatch):
    def blocking_lookup(host, port, *args, **kwargs):
        time.sleep(0.3)  # a real resolver blocks like this
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("198.51.100.7", 0))]

    monkeypatch.setattr(socket, "getaddrinfo", blocking_lookup)
    found, ticks = await _ticks_while(domain.resolve_addresses("portal.example"))
    assert found == ["198.51.100.7"]
    assert ticks >= 10  # the loop kept running during the 300 ms lookup


class SlowPlugin:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    @hookimpl
    def request_certificate(self, portal):
        time.sleep(self.seconds)  # e.g. an ACME call made in the hook itself
        return {"status": "pending", "message": "Order placed."}


async def test_certificate_hook_runs_off_the_loop(bo_register_plugin):
    bo_register_plugin(SlowPlugin(0.3), name="slow-acme")
    answer, ticks = await _ticks_while(
        certificates.request_automatic({"id": 1, "fqdn": "a.example", "company_id": 1})
    )
    assert answer == {"status": "pending", "message": "Order placed."}
    assert ticks >= 10


async def test_a_hung_certificate_hook_is_bounded(bo_register_plugin, monkeypatch):
    bo_register_plugin(SlowPlugin(2), name="hung-acme")
    monkeypatch.setattr(certificates, "PLUGIN_TIMEOUT", 0.2)
    started = time.monotonic()
    answer = await certificates.request_automatic({"id": 1, "fqdn": "a.example"})
    assert time.monotonic() - started < 1.5
    assert answer["status"] == "error"
    assert "did not answer within 0.2 seconds" in answer["message"]


async def test_branding_files_are_not_served_with_display_branding_off(
    bo_factory, bo_api, bo_client
):
    api, portal_id = await _setup(bo_factory, bo_api)
    assert (await _put(api, portal_id, "favicon", image("PNG"))).status_code == 200
    assert (await _put(api, portal_id, "privacy_pdf", pdf(), name="p.pdf")).status_code == 200
    await api.patch(f"{API}/{portal_id}", json={"status": "active"})
    assert (await bo_client.get(f"/branding/{portal_id}/favicon")).status_code == 200

    res = await api.patch(f"{API}/{portal_id}", json={"display_branding": False})
    assert res.status_code == 200, res.text
    assert (await bo_client.get(f"/branding/{portal_id}/favicon")).status_code == 404
    assert (await bo_client.get(f"/branding/{portal_id}/privacy_pdf")).status_code == 200
    preview = await api.get(f"{API}/{portal_id}/files/favicon")
    assert preview.status_code == 200  # the portal's own managers still see what is stored

    await api.patch(f"{API}/{portal_id}", json={"display_branding": True})
    assert (await bo_client.get(f"/branding/{portal_id}/favicon")).status_code == 200
