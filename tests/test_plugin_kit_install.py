"""The author kit end to end (issue 11 item 7): ``examples/backoffice-example-plugin`` is
installed with pip, its own tests pass against that installation, BackOffice finds it through
its entry point and confines it to the companies it is on for, and once it is removed again the
app still starts and says what became of it.

pip builds the package with the venv's setuptools and ``wheel`` (both in the ``dev`` extras)
into a temporary ``--target``, without the network or build isolation. A copy of the package
is built, so no build folder lands in the repository.
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from core.plugins.models import CompanyPlugin
from core.plugins.testing import AuthedClient, serve_in_loop, sign_in

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "backoffice-example-plugin"
MODULE = "backoffice_example_plugin"
KEY = "example"
PIP_INSTALL = [
    *(sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation"),
    *("--no-index", "--disable-pip-version-check"),
]
SETTINGS = {
    "base_url": "https://gateway.example.test",
    "api_key": "key-0123456789abcdef",
    "webhook_secret": "whsec-0123456789abcdef",
}


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture(scope="module")
def wheel_target(tmp_path_factory) -> Path:
    """The example installed by pip into a folder of its own; returns that folder."""
    work = tmp_path_factory.mktemp("kit")
    source = work / "backoffice-example-plugin"
    shutil.copytree(
        EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    )
    target = work / "site"
    done = subprocess.run(
        [*PIP_INSTALL, "--target", str(target), str(source)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (
        "pip could not build the example (the dev extras bring setuptools and wheel: "
        f"make install):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    )
    assert (target / MODULE / "templates" / "example" / "receipts.html").is_file()
    assert list((target / MODULE / "migrations").glob("example_gateway_*.py"))
    return target


def _subprocess_env(target: Path) -> dict[str, str]:
    """This process's environment minus what points at its own test database: the package's
    tests prepare a database of their own (a PostgreSQL one named ``<ours>_kit``)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BACKOFFICE_TESTING_CONFIGURED_", "PYTEST_"))
        and k not in ("BACKOFFICE_DATABASE_URL", "BACKOFFICE_DATA_DIR", "BACKOFFICE_REDIS_URL")
    }
    url = os.environ.get("BACKOFFICE_TEST_DATABASE_URL")
    if url:
        parsed = urlparse(url)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "")
        name = f"{parsed.path.strip('/')}{'_' + worker if worker else ''}_kit"
        env["BACKOFFICE_TEST_DATABASE_URL"] = parsed._replace(path=f"/{name}").geturl()
    env["PYTHONPATH"] = os.pathsep.join([str(target), str(ROOT)])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def test_the_packages_own_tests_pass_against_the_installation(wheel_target, tmp_path):
    env = _subprocess_env(wheel_target)
    where = subprocess.run(
        [sys.executable, "-c", f"import {MODULE}; print({MODULE}.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert where.stdout.strip().startswith(str(wheel_target)), where.stderr
    tests = tmp_path / "tests"  # the tests alone: nothing but the installation to import
    shutil.copytree(EXAMPLE / "tests", tests, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(EXAMPLE / "pyproject.toml", tmp_path / "pyproject.toml")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0", "tests"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "skipped" not in run.stdout.split("\n")[-2]


def _forget_example_modules() -> dict:
    return {n: sys.modules.pop(n) for n in list(sys.modules) if n.split(".")[0] == MODULE}


@pytest.fixture
async def discovered(wheel_target, tmp_path, bo_db):
    """BackOffice started with the example on ``sys.path`` as pip put it there: the plugin
    manager finds it by its entry point. Yields a ``remove()`` that deletes the installation
    (as ``pip uninstall`` would) and restarts the manager without it."""
    from core.db.engine import engine
    from core.db.migrate import migrate_plugins
    from core.plugins import registry
    from core.web.themes import reset_theme_cache

    site = tmp_path / "site"
    shutil.copytree(wheel_target, site)  # this test's own installation, to delete later
    stashed = _forget_example_modules()  # e.g. imported from ./src by test_plugins_example
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    registry.reset(manager=True)
    reset_theme_cache()
    await migrate_plugins()
    # bo_db ran before the package was found, so it did not empty the package's table
    await engine().run_ddl('DELETE FROM "example_delivery_receipts"')

    def remove() -> None:
        sys.path.remove(str(site))
        shutil.rmtree(site)
        _forget_example_modules()
        importlib.invalidate_caches()
        registry.reset(manager=True)
        reset_theme_cache()

    yield site, remove
    if str(site) in sys.path:
        sys.path.remove(str(site))
    _forget_example_modules()
    sys.modules.update(stashed)
    importlib.invalidate_caches()
    registry.reset(manager=True)
    reset_theme_cache()


async def _switch(api: AuthedClient, company: dict, enabled: bool) -> None:
    res = await api.put(
        f"/api/v1/companies/{company['id']}/plugins/{KEY}", json={"enabled": enabled}
    )
    assert res.status_code == 200, res.text


async def _receipt_rows() -> list[dict]:
    from core.db.engine import engine

    rows = await engine().run_ddl('SELECT "company", "status" FROM "example_delivery_receipts"')
    return [dict(row) for row in rows or ()]  # asyncpg answers Records


async def _world(bo_factory, client):
    owner = await bo_factory.owner()
    a = await bo_factory.company(kind="reseller", name="Reseller A")
    b = await bo_factory.company(kind="reseller", name="Reseller B")
    admin = AuthedClient(client, await bo_factory.token(await bo_factory.user(owner)))
    await _switch(admin, a, True)
    await _switch(admin, b, False)
    users = {"a": await bo_factory.user(a), "b": await bo_factory.user(b)}
    return admin, a, b, users


async def test_installed_example_is_confined_to_the_companies_it_is_on_for(discovered, bo_factory):
    import json

    from backoffice_example_plugin.vendor import sign

    from core.plugins.testing import shared_app

    site, _ = discovered
    async with serve_in_loop(shared_app()) as client:
        admin, a, b, users = await _world(bo_factory, client)
        listed = await admin.get("/api/v1/plugins", params={"q": KEY})
        assert listed.status_code == 200, listed.text
        [item] = [i for i in listed.json()["items"] if i["name"] == KEY]
        assert (item["kind"], item["package"], item["version"]) == (
            "package",
            "backoffice-example-plugin",
            "0.1.0",
        )
        assert "example-http" in item["contributes"]["vendors"]
        assert sys.modules[MODULE].__file__.startswith(str(site))

        api_a = AuthedClient(client, await bo_factory.token(users["a"]))
        api_b = AuthedClient(client, await bo_factory.token(users["b"]))
        types_a = [t["key"] for t in (await api_a.get("/api/v1/vendor-types")).json()]
        types_b = [t["key"] for t in (await api_b.get("/api/v1/vendor-types")).json()]
        assert "example-http" in types_a and "example-http" not in types_b
        body = {"name": "Gateway", "plugin": "example-http", "settings": SETTINGS}
        made = await api_a.post("/api/v1/vendor-connections", json=body)
        assert made.status_code == 201, made.text
        refused = await api_b.post("/api/v1/vendor-connections", json=body)
        assert refused.status_code == 422, refused.text
        assert "example" in refused.json()["detail"] and "disabled" in refused.json()["detail"]

        receipt = json.dumps({"type": "status", "id": "gw-7", "status": "delivered"}).encode()
        hook = await client.post(
            f"/hooks/{KEY}/receipts/{made.json()['id']}",
            content=receipt,
            headers={"X-Example-Signature": sign(SETTINGS["webhook_secret"], receipt)},
        )
        assert hook.status_code == 200, hook.text

        link = 'href="/p/example/receipts"'
        await sign_in(client, users["a"])
        assert link in (await client.get("/")).text
        shown = await client.get("/p/example/receipts")
        assert shown.status_code == 200 and "gw-7" in shown.text
        await sign_in(client, users["b"])
        assert link not in (await client.get("/")).text
        hidden = await client.get("/p/example/receipts")
        assert hidden.status_code == 404

        await _switch(admin, a, False)  # off for A too: A's data stays, the page goes
        await sign_in(client, users["a"])
        assert (await client.get("/p/example/receipts")).status_code == 404
        assert link not in (await client.get("/")).text
        kept = await api_a.get(f"/api/v1/vendor-connections/{made.json()['id']}")
        assert kept.status_code == 200 and kept.json()["plugin"] == "example-http"
    assert await _receipt_rows() == [{"company": a["id"], "status": "delivered"}]


async def test_removing_the_package_leaves_the_app_starting_with_a_notice(discovered, bo_factory):
    from core.plugins.instance_models import PluginInstance
    from core.web.app import create_app

    _, remove = discovered
    async with serve_in_loop(create_app()) as client:
        admin, a, _, users = await _world(bo_factory, client)
        api_a = AuthedClient(client, await bo_factory.token(users["a"]))
        body = {"name": "Gateway", "plugin": "example-http", "settings": SETTINGS}
        made = await api_a.post("/api/v1/vendor-connections", json=body)
        assert made.status_code == 201, made.text
    from backoffice_example_plugin.receipts import Receipt

    await Receipt.insert(
        Receipt(company=a["id"], connection=made.json()["id"], vendor_message_id="gw-9")
    )

    remove()
    assert MODULE not in sys.modules
    logged = _Recorder()
    logging.getLogger("backoffice.plugins").addHandler(logged)
    try:
        async with serve_in_loop(create_app()) as client:  # starts without the package
            assert any("“example” is no longer installed" in m for m in logged.lines)
            admin = AuthedClient(client, admin.headers["Authorization"].removeprefix("Bearer "))
            listed = await admin.get("/api/v1/plugins")
            assert listed.status_code == 200, listed.text
            assert KEY not in [i["name"] for i in listed.json()["items"]]
            [notice] = listed.json()["notices"]
            assert "“example” is no longer installed" in notice and "2 companies" in notice
            await sign_in(client, await bo_factory.user(await bo_factory.owner()))
            page = await client.get("/plugins")
            assert page.status_code == 200
            assert "no longer installed" in page.text and "plugin-missing" in page.text
            await sign_in(client, users["a"])
            assert (await client.get("/")).status_code == 200
            assert (await client.get("/p/example/receipts")).status_code == 404
            api_a = AuthedClient(client, await bo_factory.token(users["a"]))
            kept = await api_a.get(f"/api/v1/vendor-connections/{made.json()['id']}")
            assert kept.status_code == 200, kept.text
            assert kept.json()["plugin_installed"] is False
            refused = await api_a.post("/api/v1/vendor-connections", json=body)
            assert refused.status_code == 422
            gone = await client.post(f"/hooks/{KEY}/receipts/{made.json()['id']}", content=b"{}")
            assert gone.status_code == 404
    finally:
        logging.getLogger("backoffice.plugins").removeHandler(logged)
    assert await CompanyPlugin.count().where(CompanyPlugin.plugin == KEY) == 2
    assert await PluginInstance.count().where(PluginInstance.plugin == "example-http") == 1
    assert len(await _receipt_rows()) == 1
