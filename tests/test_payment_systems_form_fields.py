"""A payment-system form declared with the richer field kinds, posted as a browser would
(multipart with a file, repeated multi-choice boxes, conditional fields left filled in)."""

from __future__ import annotations

import base64
import io

import pytest
from payment_rows import settings_of
from PIL import Image
from test_ui_helpers import sign_in, token_for

from core.payments.models import PaymentSystemConfig
from core.payments.systems import PaymentSystem
from core.plugins.fields import Field
from core.plugins.hookspecs import hookimpl


class FormPay(PaymentSystem):
    key = "formpay"
    name = "FormPay"
    settings_fields = (
        Field("mode", "choice", "Mode", choices=("test", "live"), default="test"),
        Field("methods", "multichoice", "Methods", choices=("card", "sepa", "wallet")),
        Field("limits", "keyvalue", "Limits", group="Limits"),
        Field("fee", "decimal", "Fee", min="0", max="10", group="Limits"),
        Field("live_key", "secret", "Live key", required=True, show_if=("mode", "live")),
        Field(
            "logo",
            "file",
            "Logo",
            content_types=("image/png",),
            max_size=2048,
            image_size=(4, 4),
            show_if=("mode", "live"),
        ),
    )


class FormPayPlugin:
    @hookimpl
    def register_payment_systems(self):
        return [FormPay]


@pytest.fixture
def formpay(bo_register_plugin):
    bo_register_plugin(FormPayPlugin(), name="formpay-ui-test")


def _png(size: int = 4) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), "blue").save(out, "PNG")
    return out.getvalue()


async def _post(client, path: str, fields: list[tuple[str, str]], files=None, page=None):
    """POST like a browser: repeated names become lists (httpx sends each value)."""
    data: dict[str, list[str]] = {"_csrf_token": [await token_for(client, page or path)]}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return await client.post(path, data=data, files=files)


BASE = [("kind", "formpay"), ("name", "Form pay"), ("enabled", "1"), ("fee_payer", "client")]
NEW = "/payment-systems/new?kind=formpay"


async def test_conditional_and_file_fields_through_the_html_form(formpay, bo_client, bo_factory):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    await sign_in(bo_client, await bo_factory.user(reseller))
    page = await bo_client.get(NEW)
    assert 'enctype="multipart/form-data"' in page.text and "/fields.js" in page.text
    assert 'data-show-if="setting_mode" data-show-value="live"' in page.text

    # live without its key, a bad fee, a wrong-size logo: all named at once, next to the inputs
    res = await _post(
        bo_client,
        "/payment-systems/new",
        [*BASE, ("setting_mode", "live"), ("setting_fee", "11"), ("setting_methods", "card")],
        files={"setting_logo": ("logo.png", _png(5), "image/png")},
        page=NEW,
    )
    assert res.status_code == 422
    for field, message in (
        ("setting_live_key", "Is required"),
        ("setting_fee", "Must be at most 10"),
        ("setting_logo", "Must be exactly 4x4 pixels"),
    ):
        assert f'data-error-for="{field}">{message}' in res.text
    assert 'value="card" checked' in res.text  # the ticked box stays ticked
    assert await PaymentSystemConfig.count() == 0

    # test mode: the live fields are posted (the browser had no script) but dropped
    res = await _post(
        bo_client,
        "/payment-systems/new",
        [
            *BASE,
            ("setting_mode", "test"),
            ("setting_live_key", "sk_would_be_ignored"),
            ("setting_methods", "card"),
            ("setting_methods", "sepa"),
            ("setting_limits", "daily=100\nmonthly = 1000"),
        ],
        files={"setting_logo": ("logo.png", _png(5), "image/png")},
        page=NEW,
    )
    assert res.status_code == 303, res.text
    row = await PaymentSystemConfig.select().first()
    settings = await settings_of(row)
    assert settings == {
        "mode": "test",
        "methods": ["card", "sepa"],
        "limits": {"daily": "100", "monthly": "1000"},
    }

    # live with key and logo; then an edit leaving both blank keeps them
    edit = f"/payment-systems/{row['id']}/edit"
    # (a posted "kind" is ignored on edit: the stored system's fields are read)
    live = [*BASE, ("setting_mode", "live"), ("setting_live_key", "sk_live_1")]
    live[0] = ("kind", "no-such-kind")
    res = await _post(
        bo_client, edit, live, files={"setting_logo": ("logo.png", _png(), "image/png")}
    )
    assert res.status_code == 303, res.text
    view = await bo_client.get(f"/payment-systems/{row['id']}")
    assert "logo.png" in view.text and "card, sepa" not in view.text
    form = await bo_client.get(edit)
    assert "A file is stored" in form.text and "Currently set" in form.text
    res = await _post(bo_client, edit, [*BASE[1:], ("setting_mode", "live")])
    assert res.status_code == 303, res.text
    row = await PaymentSystemConfig.select().first()
    kept = await settings_of(row)
    assert kept["live_key"] == "sk_live_1" and base64.b64decode(kept["logo"]["data"]) == _png()

    # an oversize upload is refused as invalid input, not a crash
    res = await _post(
        bo_client,
        edit,
        [*BASE[1:], ("setting_mode", "live")],
        files={"setting_logo": ("big.png", b"\x89PNG" + b"0" * 5000, "image/png")},
    )
    assert res.status_code == 422 and "Must be at most 2048 bytes" in res.text


async def test_the_api_takes_the_same_fields_as_json(formpay, bo_factory, bo_api):
    owner = await bo_factory.owner()
    reseller = await bo_factory.company(owner, "reseller", name="Reseller One")
    api = await bo_api(await bo_factory.user(reseller))
    logo = {
        "filename": "l.png",
        "content_type": "image/png",
        "data": base64.b64encode(_png()).decode(),
    }
    body = {
        "name": "Api pay",
        "kind": "formpay",
        "settings": {"mode": "live", "live_key": "k", "logo": logo, "methods": ["wallet"]},
    }
    res = await api.post("/api/v1/payment-systems", json=body)
    assert res.status_code == 201, res.text
    shown = res.json()["settings"]
    assert shown["logo"] == {"filename": "l.png", "content_type": "image/png", "size": len(_png())}
    assert shown["methods"] == ["wallet"] and shown["live_key"] == "****"
    bad = {**body, "settings": {"mode": "live", "logo": {**logo, "data": "!!"}, "fee": "1e9999"}}
    res = await api.post("/api/v1/payment-systems", json=bad)
    assert res.status_code == 422
    fields = {e["field"] for e in res.json()["errors"]}
    assert fields == {"settings.live_key", "settings.logo", "settings.fee"}
    types = await api.get("/api/v1/payment-system-types")
    assert types.status_code == 200, types.text
    listed = types.json()
    listed = listed.get("items", listed) if isinstance(listed, dict) else listed
    schema = next(t for t in listed if t["key"] == "formpay")["settings_schema"]
    assert schema["allOf"][0]["then"] == {"required": ["live_key"]}
