"""Every hook is documented in its docstring and in docs/plugins.md, and exercised by a test."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from core.plugins import hookspecs

ROOT = Path(__file__).resolve().parents[1]
HOOKS = sorted(
    name
    for name, obj in vars(hookspecs).items()
    if inspect.isfunction(obj) and hasattr(obj, f"{hookspecs.PROJECT}_spec")
)
DOCS = (ROOT / "docs" / "plugins.md").read_text()
TESTS = {
    path.name: path.read_text()
    for path in (ROOT / "tests").rglob("test_*.py")
    if path.name != Path(__file__).name
}


def test_the_hook_list_is_the_expected_one():
    assert HOOKS == [
        "on_event",
        "register_actors",
        "register_channels",
        "register_cli_commands",
        "register_dashboard_blocks",
        "register_dictionaries",
        "register_event_subscribers",
        "register_menu_entries",
        "register_migrations",
        "register_pages",
        "register_payment_systems",
        "register_permission_areas",
        "register_routes",
        "register_templates",
        "register_themes",
        "register_vendors",
        "request_certificate",
    ]


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_google_style_docstring_with_returns(hook):
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    summary, _, rest = doc.partition("\n\n")
    assert summary.strip() and summary.rstrip().endswith("."), f"{hook}: summary line"
    assert re.search(r"^Returns:\n    \S", rest, re.MULTILINE), f"{hook}: no Returns section"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_section_in_the_plugin_docs(hook):
    assert re.search(rf"^#+ .*`{hook}\b", DOCS, re.MULTILINE), f"docs/plugins.md: no {hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_is_exercised_by_a_test(hook):
    using = [name for name, text in TESTS.items() if re.search(rf"\b{hook}\b", text)]
    assert using, f"no test under tests/ mentions {hook}"
