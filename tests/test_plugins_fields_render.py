"""The one macro that renders any declared field list (themes/default/templates/fields.html)."""

from __future__ import annotations

import re

import pytest
from test_plugins_fields import FORM

from core.web.themes import environment

TEMPLATE = (
    '{% from "fields.html" import fields_form %}'
    "{{ fields_form(fields, values, errors, prefix, stored) }}"
)


def _render(values=None, errors=None, stored=(), prefix="s_") -> str:
    template = environment("default").from_string(TEMPLATE)
    return template.render(
        fields=FORM, values=values or {}, errors=errors or {}, prefix=prefix, stored=stored
    )


def _tag(html: str, name: str, tag: str = "input") -> str:
    found = re.search(rf'<{tag}[^>]*name="{name}"[^>]*>', html)
    assert found, f"no <{tag} name={name}>"
    return found.group(0)


def test_each_kind_renders_its_input_with_its_attributes():
    html = _render({"s_port": 443, "s_routes": ["viber"], "s_headers": {"a": "1", "b": "2"}})
    port = _tag(html, "s_port")
    assert 'type="number"' in port and 'min="1"' in port and 'max="65535"' in port
    assert 'value="443"' in port and 'id="field-s_port"' in port
    assert 'inputmode="decimal"' in _tag(html, "s_rate")
    login = _tag(html, "s_login")
    assert 'minlength="3"' in login and 'maxlength="12"' in login
    assert 'pattern="[a-z0-9_]+"' in login
    boxes = re.findall(r'<input type="checkbox"[^>]*name="s_routes"[^>]*>', html)
    assert len(boxes) == 3 and sum("checked" in b for b in boxes) == 1
    assert '<legend class="label">Routes</legend>' in html
    mode = _tag(html, "s_mode", "select")
    assert 'id="field-s_mode"' in mode
    headers = re.search(r'<textarea[^>]*name="s_headers"[^>]*>([^<]*)</textarea>', html)
    assert headers and headers.group(1) == "a=1\nb=2"
    assert 'type="password"' in _tag(html, "s_live_key")
    logo = _tag(html, "s_logo")
    assert 'type="file"' in logo and 'accept="image/png"' in logo and 'data-max-size="4096"' in logo
    assert "exactly 2\u00d72 pixels" in html
    assert '<label class="label" for="field-s_port">Port</label>' in html


def test_labels_required_markers_groups_and_conditions():
    html = _render()
    assert '<label class="label required" for="field-s_live_key">Live key</label>' in html
    # a conditional field is marked but not browser-required, so the form posts while hidden
    assert " required" not in _tag(html, "s_live_key")
    live = re.search(r'<fieldset class="fieldset" data-group="Live">(.*?)</fieldset>', html, re.S)
    assert live and 'name="s_live_key"' in live.group(1) and 'name="s_logo"' in live.group(1)
    assert html.count('data-group="Connection"') == 1
    assert 'data-show-if="s_mode" data-show-value="live"' in html
    assert 'data-show-if="s_routes" data-show-value="viber"' in html
    # stored secrets and files are not asked for again
    kept = _render(stored={"live_key", "logo"})
    assert '<label class="label" for="field-s_live_key">' in kept
    assert "Currently set" in kept and "A file is stored" in kept


def test_error_messages_sit_next_to_their_field():
    html = _render(errors={"s_port": ["must be at least 1"], "s_routes": ["item 2: no"]})
    port = re.search(r'<div class="field has-error" data-field="s_port">(.*?)</div>', html, re.S)
    assert port and 'id="error-s_port"' in port.group(1) and "Must be at least 1" in port.group(1)
    assert 'aria-invalid="true"' in _tag(html, "s_port")
    assert 'aria-describedby="error-s_port"' in _tag(html, "s_port")
    assert re.search(r'<fieldset class="field has-error" data-field="s_routes"', html)


@pytest.mark.parametrize("hostile", ['"><script>alert(1)</script>', "a\x00b", "{{ 7*7 }}"])
def test_values_are_escaped(hostile):
    html = _render({"s_login": hostile, "s_senders": [hostile]})
    assert "<script>alert" not in html and "49" not in html
