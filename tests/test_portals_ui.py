"""Portal pages: list and filters, add/edit with field errors, the view page's actions, delete."""

from __future__ import annotations

import html
import re

from test_portal_certificates import make_pair
from test_portal_uploads import image
from test_ui_helpers import csrf_of, post_form, sign_in

from core.accounts.legal_entities.models import LegalEntity
from core.portals import domain
from tenants.models import Portal


async def _admin(bo_factory, bo_client):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    client = await bo_factory.company(reseller, "client", name="Client Co")
    await sign_in(bo_client, await bo_factory.user(reseller))
    return owner, reseller, client


async def _portal(company: dict, name: str, fqdn: str, **fields) -> int:
    row = Portal(company=company["id"], name=name, fqdn=fqdn, **fields)
    await row.save()
    return row.id


def _names(page_html: str) -> list[str]:
    return re.findall(r'class="row-link" href="/portals/\d+">([^<]+)</a>', page_html)


def _form(**extra) -> dict:
    return {
        "name": "Hooves",
        "fqdn": "hooves.example.com",
        "status": "draft",
        "theme": "default",
        "languages": "en, de",
        "certificate_mode": "automatic",
        **extra,
    }


async def test_list_filters_and_menu(bo_client, bo_factory):
    owner, reseller, client = await _admin(bo_factory, bo_client)
    await _portal(reseller, "Alpha", "alpha.example.com", status="active")
    await _portal(client, "Beta", "beta.example.com", status="draft")
    sibling = await bo_factory.company(owner, "reseller", name="Sibling")
    await _portal(sibling, "Sibling portal", "sibling.example.com")
    res = await bo_client.get("/portals")
    assert res.status_code == 200 and sorted(_names(res.text)) == ["Alpha", "Beta"]
    assert 'href="/portals"' in res.text and "Sibling portal" not in res.text
    for label in ("ID", "Company", "Name", "FQDN", "Status", "Updated"):
        assert f">{label}<" in res.text
    for key in ("backoffice_url", "created", "created_by", "updated_by"):
        assert f'name="col" value="{key}">' in res.text and f'class="col-{key}"' not in res.text
    assert "alpha.example.com" in res.text
    assert _names((await bo_client.get("/portals?status=active")).text) == ["Alpha"]
    assert _names((await bo_client.get(f"/portals?company_id={client['id']}")).text) == ["Beta"]
    assert _names((await bo_client.get("/portals?q=bet")).text) == ["Beta"]
    res = await bo_client.get("/portals?sort=name&order=asc")
    assert _names(res.text) == ["Alpha", "Beta"]
    res = await bo_client.get("/portals?status=weird&sort=nope&page=x&company_id=y")
    assert res.status_code == 200 and len(_names(res.text)) == 2


async def test_add_with_errors_then_edit(bo_client, bo_factory):
    owner, reseller, client = await _admin(bo_factory, bo_client)
    res = await post_form(
        bo_client,
        "/portals/new",
        _form(fqdn="example.com:8443", company_id=str(client["id"])),
    )
    assert res.status_code == 422
    assert "A port is only allowed with localhost" in html.unescape(res.text)
    res = await post_form(
        bo_client,
        "/portals/new",
        _form(
            company_id=str(client["id"]),
            description_de="Willkommen",
            intercom_enabled="1",
            intercom_app_id="app1",
            intercom_secret="top-secret",
        ),
    )
    assert res.status_code == 303, res.text
    portal = await Portal.select().where(Portal.name == "Hooves").first()
    assert portal["company"] == client["id"] and portal["status"] == "draft"
    assert portal["intercom_secret"] and portal["display_branding"] is False
    page = await bo_client.get(res.headers["location"])
    text = html.unescape(page.text)
    assert "Portal “Hooves” was created." in text and "https://hooves.example.com/bo" in text
    assert "No certificate plugin is installed" in text and "secret key stored" in text
    assert "top-secret" not in text

    edit = f"/portals/{portal['id']}/edit"
    form = await bo_client.get(edit)
    assert 'name="description_de"' in form.text and "Willkommen" in form.text
    assert "top-secret" not in form.text
    res = await post_form(
        bo_client,
        edit,
        _form(
            status="active",
            description_de="Hallo",
            display_branding="1",
            remove_intercom_secret="1",
            primary_color="#ABCDEF",
        ),
    )
    assert res.status_code == 303, res.text
    saved = await Portal.select().where(Portal.id == portal["id"]).first()
    assert saved["status"] == "active" and saved["primary_color"] == "#abcdef"
    assert saved["intercom_secret"] == "" and saved["display_branding"] is True
    res = await post_form(bo_client, edit, _form(languages="en, zz"))
    assert res.status_code == 422 and "“zz”" in html.unescape(res.text)


async def test_view_actions_check_certificate_files(bo_client, bo_factory, monkeypatch):
    owner, reseller, client = await _admin(bo_factory, bo_client)
    portal_id = await _portal(reseller, "Shop", "shop.example.com", status="active")
    view = f"/portals/{portal_id}"

    async def resolve(host):
        return ["192.0.2.1"]

    monkeypatch.setattr(domain, "resolve_addresses", resolve)
    res = await post_form(bo_client, f"{view}/check-domain", {}, page=view)
    assert res.status_code == 303
    page = html.unescape((await bo_client.get(view)).text)
    assert "Not configured" in page and "192.0.2.1" in page

    token = csrf_of((await bo_client.get(view)).text)
    res = await bo_client.post(
        f"{view}/certificate",
        data={"_csrf_token": token, "certificate_pem": "nonsense", "private_key_pem": ""},
    )
    assert res.status_code == 422 and "Not a PEM certificate" in html.unescape(res.text)
    cert_pem, key_pem, _ = make_pair(("shop.example.com",))
    res = await bo_client.post(
        f"{view}/certificate",
        data={"_csrf_token": token},
        files={
            "certificate_file": ("c.pem", cert_pem.encode(), "application/x-pem-file"),
            "key_file": ("k.pem", key_pem.encode(), "application/x-pem-file"),
        },
    )
    assert res.status_code == 303, res.text
    page = html.unescape((await bo_client.get(view)).text)
    assert "CN=shop.example.com" in page and "Valid until" in page

    res = await bo_client.post(
        f"{view}/files/login_logo",
        data={"_csrf_token": token},
        files={"file": ("x.png", b"not a picture", "image/png")},
    )
    assert res.status_code == 422 and "Unsupported file" in html.unescape(res.text)
    res = await bo_client.post(
        f"{view}/files/login_logo",
        data={"_csrf_token": token},
        files={"file": ("x.png", image("PNG"), "image/png")},
    )
    assert res.status_code == 303
    page = (await bo_client.get(view)).text
    assert f'src="/portals/{portal_id}/files/login_logo"' in page
    preview = await bo_client.get(f"/portals/{portal_id}/files/login_logo")
    assert preview.status_code == 200 and preview.content == image("PNG")
    res = await post_form(bo_client, f"{view}/files/login_logo/delete", {}, page=view)
    assert res.status_code == 303
    assert (await bo_client.get(f"/portals/{portal_id}/files/login_logo")).status_code == 404


async def test_delete_confirmation_warns_about_references(bo_client, bo_factory):
    owner, reseller, client = await _admin(bo_factory, bo_client)
    portal_id = await _portal(reseller, "Old", "old.example.com")
    entity = LegalEntity(
        company=reseller["id"], name="E", legal_name="E", country="DE", portal=portal_id
    )
    await entity.save()
    confirm = f"/portals/{portal_id}/delete"
    page = await bo_client.get(confirm)
    assert page.status_code == 200
    assert "1 legal entity and 0 companies point at it" in html.unescape(page.text)
    res = await post_form(bo_client, confirm, {})
    assert res.status_code == 303 and res.headers["location"] == "/portals"
    assert not await Portal.exists().where(Portal.id == portal_id)


async def test_foreign_portals_are_404_on_every_page(bo_client, bo_factory):
    owner, reseller, client = await _admin(bo_factory, bo_client)
    sibling = await bo_factory.company(owner, "reseller", name="Sibling")
    theirs = await _portal(sibling, "Theirs", "theirs.example.com")
    base = f"/portals/{theirs}"
    for path in (base, f"{base}/edit", f"{base}/delete", f"{base}/files/favicon"):
        assert (await bo_client.get(path)).status_code == 404, path
    for path in (f"{base}/edit", f"{base}/delete", f"{base}/check-domain"):
        res = await post_form(bo_client, path, {"name": "X"}, page="/portals")
        assert res.status_code == 404, path
    assert await Portal.count().where(Portal.name == "Theirs") == 1


async def test_sibling_and_client_users_get_404_on_every_portal_page(bo_client, bo_factory):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    client = await bo_factory.company(reseller, "client", name="Client Co")
    sibling = await bo_factory.company(owner, "reseller", name="Sibling")
    theirs = await _portal(reseller, "Theirs", "theirs.example.com", status="active")
    base = f"/portals/{theirs}"
    for outsider in (sibling, client):
        await sign_in(bo_client, await bo_factory.user(outsider))
        expected = 403 if outsider is client else 404  # issue 8: client users are refused
        for path in (base, f"{base}/edit", f"{base}/delete", f"{base}/files/favicon"):
            assert (await bo_client.get(path)).status_code == expected, (outsider["name"], path)
        for path in (
            f"{base}/edit",
            f"{base}/delete",
            f"{base}/check-domain",
            f"{base}/files/favicon/delete",
        ):
            token = csrf_of((await bo_client.get("/portals")).text)
            res = await bo_client.post(path, data={"_csrf_token": token, "name": "X"})
            assert res.status_code == expected, (outsider["name"], path)
        token = csrf_of((await bo_client.get("/portals")).text)
        res = await bo_client.post(
            f"{base}/certificate",
            data={"_csrf_token": token, "certificate_pem": "x", "private_key_pem": "y"},
        )
        assert res.status_code == expected, (outsider["name"], res.status_code)
        res = await bo_client.post(
            f"{base}/files/favicon",
            data={"_csrf_token": token},
            files={"file": ("x.png", image("PNG"), "image/png")},
        )
        assert res.status_code == expected, (outsider["name"], res.status_code)
    row = await Portal.select().where(Portal.id == theirs).first()
    assert row["name"] == "Theirs" and row["favicon"] == "" and row["certificate_pem"] == ""


async def test_saving_a_portal_in_error_keeps_its_status(bo_client, bo_factory):
    owner, reseller, client = await _admin(bo_factory, bo_client)
    portal_id = await _portal(reseller, "Broken", "broken.example.com", status="error")
    edit = f"/portals/{portal_id}/edit"
    form = await bo_client.get(edit)
    assert '<option value="error" selected disabled>' in form.text
    values = _form(name="Broken, renamed", fqdn="broken.example.com")
    del values["status"]  # a disabled option is never submitted
    res = await post_form(bo_client, edit, values)
    assert res.status_code == 303, res.text
    row = await Portal.select(Portal.name, Portal.status).where(Portal.id == portal_id).first()
    assert row == {"name": "Broken, renamed", "status": "error"}
