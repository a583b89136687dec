"""Broken or incompatible installed packages are left out with their package name and the
reason, the rest of the app starts, and ``backoffice plugins check`` prints the same report
and exits 1. Each package here is a real distribution (``*.dist-info`` with an entry point) on
``sys.path``, found by ``importlib.metadata`` exactly as a pip-installed one."""

from __future__ import annotations

import logging
import textwrap

import pytest
from click.testing import CliRunner

from core.cli import main
from core.plugins import compat, registry
from core.plugins.manager import build_plugin_manager, plugin_manager
from core.plugins.testing import serve_in_loop
from core.settings import get_settings

GOOD = """
    from core.plugins.declarations import Dictionary
    from core.plugins.hookspecs import hookimpl

    BACKOFFICE_API = ">=1,<2"

    class Shapes(Dictionary):
        key = "compat-shapes"
        name = "Shapes"
        entries = [("sq", "Square")]

    @hookimpl
    def register_dictionaries():
        return [Shapes]
"""
HOOK = 'from core.plugins.hookspecs import hookimpl\n\nBACKOFFICE_API = ">=1"\n'

# entry-point name: (distribution, module body, words the reason must hold)
PACKAGES = {
    "cp-good": ("bo-cp-good", GOOD, None),
    "cp-import": ("bo-cp-import", "import no_such_module_xyz\n", "ModuleNotFoundError"),
    "cp-newer": ("bo-cp-newer", 'BACKOFFICE_API = ">=2,<3"\n', "supports core API >=2,<3"),
    "cp-undeclared": ("bo-cp-undeclared", "X = 1\n", "declares no BACKOFFICE_API"),
    "cp-garbled": ("bo-cp-garbled", 'BACKOFFICE_API = "banana"\n', "is not a version range"),
    "cp-raises": (
        "bo-cp-raises",
        HOOK + "@hookimpl\ndef register_channels():\n    raise RuntimeError('boom')\n",
        "hook register_channels raised RuntimeError: boom",
    ),
    "cp-not-list": (
        "bo-cp-not-list",
        HOOK + "@hookimpl\ndef register_vendors():\n    return 'smpp'\n",
        "must return a list",
    ),
    "cp-typo": (
        "bo-cp-typo",
        HOOK + "@hookimpl\ndef register_chanels():\n    return []\n",
        "'register_chanels', which is not a hook",
    ),
    "cp-bad-decl": (
        "bo-cp-bad-decl",
        HOOK
        + "from core.plugins.declarations import PaymentSystem\n"
        + "class Bad(PaymentSystem):\n    key = 'Not A Key'\n    name = 'Bad'\n"
        + "@hookimpl\ndef register_payment_systems():\n    return [Bad]\n",
        "register_payment_systems",
    ),
}


def _install(tmp_path, monkeypatch, names=tuple(PACKAGES)) -> None:
    for ep_name in names:
        dist_name, body, _ = PACKAGES[ep_name]
        module = dist_name.replace("-", "_")
        (tmp_path / f"{module}.py").write_text(textwrap.dedent(body))
        info = tmp_path / f"{module}-1.2.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: 1.2\n")
        (info / "entry_points.txt").write_text(f"[backoffice.plugins]\n{ep_name} = {module}\n")
    monkeypatch.syspath_prepend(str(tmp_path))


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """The packages installed and the process-wide manager rebuilt with them, then without."""
    _install(tmp_path, monkeypatch)
    registry.reset(manager=True)
    yield
    monkeypatch.undo()
    get_settings.cache_clear()
    registry.reset(manager=True)
    assert plugin_manager().get_plugin("cp-good") is None


def test_each_broken_package_is_left_out_with_its_reason(tmp_path, monkeypatch):
    _install(tmp_path, monkeypatch)
    pm = build_plugin_manager()
    assert pm.get_plugin("cp-good") is not None
    assert pm.packages["cp-good"].package == "bo-cp-good"
    problems = {p.name: p for p in pm.problems}
    assert set(problems) == set(PACKAGES) - {"cp-good"}
    for name, problem in problems.items():
        dist_name, _, words = PACKAGES[name]
        assert pm.get_plugin(name) is None, name
        assert problem.package == dist_name and problem.version == "1.2"
        assert words in problem.reason, (name, problem.reason)
        assert dist_name in problem.line() and problem.reason in problem.line()
    # nothing of a left-out package stays registered, so every hook call still works
    assert all(
        impl.plugin_name == "cp-good" or not impl.plugin_name.startswith("cp-")
        for impl in pm.hook.register_channels.get_hookimpls()
    )
    blocked = build_plugin_manager(disabled=("cp-import",))
    assert "cp-import" not in {p.name for p in blocked.problems}


def test_the_core_api_range_check():
    class Ok:
        BACKOFFICE_API = "~=1.0"

    class Old:
        BACKOFFICE_API = "<1"

    class Wrong:
        BACKOFFICE_API = 1

    assert compat.incompatibility(Ok) is None
    assert "provides " + compat.CORE_API_VERSION in compat.incompatibility(Old)
    assert "must be a version range string" in compat.incompatibility(Wrong)


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


async def test_the_app_starts_reports_them_and_lists_them(installed, bo_factory):
    from core.web.app import create_app

    owner = await bo_factory.owner()
    token = await bo_factory.token(await bo_factory.user(owner))
    seen = _Lines()
    logging.getLogger("backoffice.plugins").addHandler(seen)
    try:
        async with serve_in_loop(create_app()) as client:
            assert (await client.get("/health")).status_code == 200
            res = await client.get(
                "/api/v1/plugins",
                params={"page_size": 100},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert res.status_code == 200, res.text
            items = {i["name"]: i for i in res.json()["items"]}
            shapes = await client.get(
                "/api/v1/dictionaries/compat-shapes", headers={"Authorization": f"Bearer {token}"}
            )
            assert shapes.status_code == 200  # the good package works
        assert items["cp-good"]["compatible"] and items["cp-good"]["kind"] == "package"
        assert items["cp-good"]["package"] == "bo-cp-good" and items["cp-good"]["version"] == "1.2"
        newer = items["cp-newer"]
        assert newer["status"] == "broken" and not newer["compatible"] and not newer["enabled"]
        assert "supports core API >=2,<3" in newer["problem"]
    finally:
        logging.getLogger("backoffice.plugins").removeHandler(seen)
    logged = "\n".join(seen.lines)
    for name in set(PACKAGES) - {"cp-good"}:
        assert f"{PACKAGES[name][0]} 1.2 (plugin '{name}')" in logged


async def test_a_left_out_package_cannot_be_switched(installed, bo_factory, bo_api):
    owner = await bo_factory.owner()
    api = await bo_api(await bo_factory.user(owner))
    url = f"/api/v1/companies/{owner['id']}/plugins"
    res = await api.put(f"{url}/cp-newer", json={"enabled": True})
    assert res.status_code == 422 and "left out at start-up" in res.text
    assert (await api.put(f"{url}/cp-good", json={"enabled": False})).status_code == 200
    states = {s["plugin"]: s for s in (await api.get(url)).json()["items"]}
    assert states["cp-good"]["setting"] == "off" and "cp-newer" not in states


def test_plugins_check_prints_the_report_and_fails(installed):
    result = CliRunner().invoke(main, ["plugins", "check"])
    assert result.exit_code == 1, result.output
    out = result.output
    assert f"core API {compat.CORE_API_VERSION}" in out
    assert "ok      cp-good: bo-cp-good 1.2 [package], core API >=1,<2" in out
    for name, (dist_name, _, words) in PACKAGES.items():
        if words:
            line = next(x for x in out.splitlines() if f"BROKEN  {name}:" in x)
            assert dist_name in line and words in line, line
    assert "1 plugin(s) loaded" not in out and "8 problem(s)" in out


def test_plugins_check_passes_without_broken_packages():
    result = CliRunner().invoke(main, ["plugins", "check"])
    assert result.exit_code == 0, result.output
    assert "ok      core.catalogue.dictionaries.builtin: backoffice" in result.output
    assert "0 problem(s)" in result.output
