"""/api/v1/vendor-connections and /api/v1/vendor-types over the generic instance store:
validation with the vendor's own fields (a conditional file upload among them), write-only
secrets, audit, roles, tenant isolation and the plugin switch. The vendor is the example
package's, registered from its source folder."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

import pytest

EXAMPLE_SRC = Path(__file__).resolve().parents[1] / "examples/backoffice-example-plugin/src"
if str(EXAMPLE_SRC) not in sys.path:
    sys.path.insert(0, str(EXAMPLE_SRC))

from backoffice_example_plugin import plugin  # noqa: E402

from core.access.models import Role, RolePermission  # noqa: E402
from core.access.testing import user_with_role  # noqa: E402
from core.audit.models import AuditChange, AuditEvent  # noqa: E402
from core.plugins.models import CompanyPlugin  # noqa: E402
from core.plugins.testing import AuthedClient, serve_in_loop  # noqa: E402

API = "/api/v1/vendor-connections"
SETTINGS = {
    "base_url": "https://gateway.example.test",
    "api_key": "key-0123456789abcdef",
    "webhook_secret": "whsec-0123456789abcdef",
}
PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


@pytest.fixture
async def client(bo_db, bo_register_plugin):
    from core.web.app import create_app

    bo_register_plugin(plugin, name="example")
    async with serve_in_loop(create_app()) as client:
        yield client


async def _api(bo_factory, client, company: dict, **kw) -> AuthedClient:
    return AuthedClient(client, await bo_factory.token(await bo_factory.user(company, **kw)))


def _body(**settings) -> dict:
    return {"name": "Gateway", "plugin": "example-http", "settings": {**SETTINGS, **settings}}


async def test_a_connection_is_created_with_secrets_write_only_and_audited(client, bo_factory):
    api = await _api(bo_factory, client, await bo_factory.company(kind="reseller"))
    res = await api.post(API, json=_body())
    assert res.status_code == 201, res.text
    out = res.json()
    assert out["secrets_set"] == {"api_key": True, "webhook_secret": True}
    assert "0123456789abcdef" not in res.text
    assert (await api.get(f"{API}/{out['id']}")).json()["name"] == "Gateway"
    assert [c["id"] for c in (await api.get(API)).json()["items"]] == [out["id"]]
    event = await AuditEvent.select(AuditEvent.id).where(
        AuditEvent.action == "Vendor connection created"
    )
    assert len(event) == 1
    changes = await AuditChange.select(AuditChange.new_values).where(
        AuditChange.event == event[0]["id"]
    )
    assert "0123456789abcdef" not in str(changes)


async def test_every_settings_error_at_once_and_the_conditional_file(client, bo_factory):
    api = await _api(bo_factory, client, await bo_factory.company(kind="reseller"))
    res = await api.post(API, json={"name": "G", "plugin": "example-http", "settings": {}})
    assert res.status_code == 422
    fields = {e["field"] for e in res.json()["errors"]}
    assert {"settings.base_url", "settings.api_key", "settings.webhook_secret"} <= fields
    own_ca = await api.post(API, json=_body(tls_trust="own_ca"))
    assert own_ca.status_code == 422
    assert [e["field"] for e in own_ca.json()["errors"]] == ["settings.ca_certificate"]
    upload = {
        "filename": "ca.pem",
        "content_type": "application/x-pem-file",
        "data": base64.b64encode(PEM).decode(),
    }
    made = await api.post(API, json=_body(tls_trust="own_ca", ca_certificate=upload))
    assert made.status_code == 201, made.text
    shown = made.json()["settings"]["ca_certificate"]
    assert shown["filename"] == "ca.pem" and "data" not in shown
    wrong = await api.post(
        API,
        json={**_body(tls_trust="own_ca"), "name": "Other"}
        | {"settings": {**SETTINGS, "tls_trust": "own_ca", "ca_certificate": "not a file"}},
    )
    assert wrong.status_code == 422
    unknown = await api.post(API, json={**_body(), "plugin": "nope"})
    assert unknown.status_code == 422 and "nope" in unknown.json()["detail"]
    assert (await api.post(API, json={"name": "x"})).status_code == 400


async def test_another_tenants_connection_is_404(client, bo_factory):
    a = await _api(bo_factory, client, await bo_factory.company(kind="reseller"))
    b = await _api(bo_factory, client, await bo_factory.company(kind="reseller"))
    made = (await a.post(API, json=_body())).json()
    for call in (
        b.get(f"{API}/{made['id']}"),
        b.patch(f"{API}/{made['id']}", json={"name": "Mine"}),
        b.delete(f"{API}/{made['id']}"),
        b.post(f"{API}/{made['id']}/test"),
        a.get(f"{API}/{2**40}"),
    ):
        res = await call
        assert res.status_code == 404, res.text
    assert (await b.get(API)).json()["items"] == []
    assert (await a.get(f"{API}/{made['id']}")).status_code == 200


async def test_roles_and_client_companies(client, bo_factory):
    reseller = await bo_factory.company(kind="reseller")
    role = Role(company=reseller["id"], name="Viewer", group="backoffice", is_system=False)
    await role.save()
    await RolePermission.insert(RolePermission(role=role.id, area="settings", level="view"))
    viewer = await user_with_role(bo_factory, reseller, "backoffice", role.id)
    api = AuthedClient(client, await bo_factory.token(viewer))
    assert (await api.get(API)).status_code == 200
    assert (await api.post(API, json=_body())).status_code == 403
    customer = await _api(bo_factory, client, await bo_factory.company(parent=reseller))
    assert (await customer.post(API, json=_body())).status_code == 403


async def test_a_switched_off_vendor_plugin_is_422_and_absent_from_the_types(client, bo_factory):
    reseller = await bo_factory.company(kind="reseller")
    api = await _api(bo_factory, client, reseller)
    made = (await api.post(API, json=_body())).json()
    assert "example-http" in [t["key"] for t in (await api.get("/api/v1/vendor-types")).json()]
    await CompanyPlugin.insert(
        CompanyPlugin(company=reseller["id"], plugin="example", enabled=False)
    )
    refused = await api.post(API, json={**_body(), "name": "Second"})
    assert refused.status_code == 422
    assert "disabled for your company" in refused.json()["detail"]
    assert "example-http" not in [t["key"] for t in (await api.get("/api/v1/vendor-types")).json()]
    assert (await api.get(f"{API}/{made['id']}")).status_code == 200  # existing stays readable
    assert (await api.delete(f"{API}/{made['id']}")).status_code == 204


async def test_the_list_filters_sorts_and_pages(client, bo_factory):
    api = await _api(bo_factory, client, await bo_factory.company(kind="reseller"))
    made = []
    for name in ("Charlie", "Alpha", "Bravo"):
        res = await api.post(API, json={**_body(), "name": name})
        assert res.status_code == 201, res.text
        made.append(res.json()["id"])
    newest = (await api.get(API, params={"sort": "id", "order": "desc", "page_size": 2})).json()
    assert [c["id"] for c in newest["items"]] == made[:0:-1]
    assert newest["total"] == 3 and newest["pages"] == 2 and newest["next"]
    params = {"sort": "id", "order": "desc", "page_size": 2, "cursor": newest["next"]}
    rest = (await api.get(API, params=params)).json()
    assert [c["id"] for c in rest["items"]] == [made[0]]
    by_name = (await api.get(API)).json()["items"]  # default: by name
    assert [c["name"] for c in by_name] == ["Alpha", "Bravo", "Charlie"]
    found = (await api.get(API, params={"q": "RAV"})).json()["items"]
    assert [c["name"] for c in found] == ["Bravo"]
    assert (await api.get(API, params={"sort": "settings"})).status_code == 422
    assert (await api.get(API, params={"enabled": "false"})).json()["items"] == []
    assert (await api.get(API, params={"plugin": "nope"})).json()["items"] == []
