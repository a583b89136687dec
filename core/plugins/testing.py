"""pytest fixtures for BackOffice and its plugin authors (loaded through the ``pytest11`` entry).

Before anything imports the engine, ``pytest_configure`` points BackOffice at a throw-away
database: a temporary SQLite file, or a freshly created PostgreSQL database when
``BACKOFFICE_TEST_DATABASE_URL`` names one. ``BACKOFFICE_TEST_REDIS_URL`` switches jobs to the
Redis broker. Fixtures:

- ``bo_db``: a migrated, emptied database for the test.
- ``bo_fresh_tables``: also gives PostgreSQL's tables new files (for tests of query plans).
- ``bo_factory``: creates companies, users and bearer tokens directly.
- ``bo_app`` / ``bo_client``: the app and an async test client bound to it.
- ``bo_api``: a callable giving an API client authenticated as a given user.
- ``bo_register_plugin``: registers a plugin object for one test and unregisters it after.
- ``bo_plugin``: ``await bo_plugin(obj, name=...)`` makes a plugin that adds pages, templates
  or tables usable in one test: registered unless its package is installed, its migrations
  applied, the theme environments rebuilt (its templates join them); undone after.
- ``bo_sign_in``: ``await bo_sign_in(client, user)`` signs a user in through the login form,
  so the client can open pages (``/p/<key>/...``) and see the menu.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

_STATE: dict = {}


def _prepare_postgres(url: str) -> None:
    import asyncpg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")

    async def recreate() -> None:
        conn = await asyncpg.connect(
            host=parsed.hostname,
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password,
            database="postgres",
        )
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
            # A throw-away database: a crash may lose its last commits, and no test waits on
            # the WAL flush of each one.
            await conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit TO off')
        finally:
            await conn.close()

    asyncio.run(recreate())


def _worker_url(url: str, worker: str) -> str:
    """Each pytest-xdist worker gets its own PostgreSQL database: ``…/name_gw0``."""
    if not worker:
        return url
    parsed = urlparse(url)
    return parsed._replace(path=f"{parsed.path.rstrip('/')}_{worker}").geturl()


def pytest_configure(config) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if getattr(config.option, "numprocesses", None) and not worker:
        return  # an xdist controller runs no test: each worker prepares its own database
    guard = f"BACKOFFICE_TESTING_CONFIGURED_{worker or 'main'}"
    if os.environ.get(guard):
        return
    os.environ[guard] = "1"
    os.environ["BACKOFFICE_TEST_CHEAP_PASSWORD_HASHING"] = "1"
    from core.jobs import runtime

    # Idle job threads wake this often to see whether to stop: every test stops the in-process
    # worker once, and at the production 100 ms that wait was a fifth of a second a test.
    runtime.IN_PROCESS_WORKER_TIMEOUT_MS = 20
    workdir = Path(tempfile.mkdtemp(prefix="backoffice-test-"))
    _STATE["workdir"] = workdir
    url = os.environ.get("BACKOFFICE_TEST_DATABASE_URL")
    url = _worker_url(url, worker) if url else f"sqlite:///{workdir / 'test.db'}"
    if url.startswith("postgres"):
        _prepare_postgres(url)
    os.environ["BACKOFFICE_DATABASE_URL"] = url
    redis_url = os.environ.get("BACKOFFICE_TEST_REDIS_URL")
    if redis_url:
        os.environ["BACKOFFICE_REDIS_URL"] = redis_url
        os.environ["BACKOFFICE_REDIS_NAMESPACE"] = f"bo-test-{uuid.uuid4().hex[:8]}"
    else:
        os.environ.pop("BACKOFFICE_REDIS_URL", None)
    os.environ["BACKOFFICE_DATA_DIR"] = str(workdir / "data")
    os.environ.setdefault("BACKOFFICE_SECRET_KEY", "test-secret-key-" + "x" * 32)
    from core.settings import get_settings

    get_settings.cache_clear()
    from core.db.migrate import migrate

    asyncio.run(migrate())


async def _empty_tables() -> None:
    from core.db.engine import engine, is_postgres
    from core.db.tables import all_tables, core_tables

    db = engine()
    core = set(core_tables())
    # a plugin registered for this test may not have had its migrations run yet (bo_plugin)
    names = [
        table._meta.tablename
        for table in all_tables()
        if table in core or await table.table_exists()
    ]
    if is_postgres():
        await _empty_postgres(db, names)
        return
    await db.run_ddl(
        'UPDATE "companies" SET "parent" = NULL, "portal" = NULL, "own_legal_entity" = NULL'
    )
    from core.ledger.append_only import delete_all_sqlite

    for name in reversed(names):
        if name == "ledger_entries":
            await delete_all_sqlite(db)  # past the append-only guard
        else:
            await db.run_ddl(f'DELETE FROM "{name}"')


async def _empty_postgres(db, names: list[str]) -> None:
    """Delete the rows of the tables that hold some, then restart their id sequences.

    ``TRUNCATE`` swaps the files of a table and of each of its indexes: over a second a test
    when every table was truncated, a third of one for the handful a test fills. A ``DELETE``
    of those few rows costs milliseconds. ``session_replication_role = replica`` (the suite
    connects as a superuser) skips row triggers and foreign-key checks for this transaction
    only: every table that holds a row is emptied, so no reference is left dangling, and the
    ledger's append-only guard does not stop the clean-up.
    """
    probes = " UNION ALL ".join(
        f"SELECT '{name}' AS name WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in names
    )
    filled = [row["name"] for row in await db.run_ddl(probes) or ()]
    async with db.transaction():
        await db.run_ddl("SET LOCAL session_replication_role = replica")
        for name in filled:
            await db.run_ddl(f'DELETE FROM "{name}"')
        # Every table's sequence: a test may have added rows and deleted them itself.
        tables = ", ".join(f"'\"{name}\"'" for name in names)
        await db.run_ddl(
            "SELECT setval(seq, 1, false) FROM (SELECT pg_get_serial_sequence(t, 'id') AS seq "
            f"FROM unnest(ARRAY[{tables}]) AS t) AS s WHERE seq IS NOT NULL"
        )


@pytest.fixture
async def bo_db():
    """An empty, migrated database (all rows of the previous test removed)."""
    await _empty_tables()
    from core.auth import policy, ratelimit

    policy.forget_cache()  # per-process caches describe the rows just deleted
    await ratelimit.reset_for_tests()
    yield


@pytest.fixture
async def bo_fresh_tables(bo_db):
    """Every table as a new database has it, for a test that asserts query plans.

    ``bo_db`` deletes rows on PostgreSQL: quick, but a table keeps its dead tuples and free
    space, so rows a test bulk-inserts land in those holes out of id order and the planner's
    costs differ from a fresh database's. ``TRUNCATE`` gives every table new files.
    """
    from core.db.engine import engine, is_postgres
    from core.db.tables import core_tables

    if is_postgres():
        names = ", ".join(f'"{table._meta.tablename}"' for table in core_tables())
        await engine().run_ddl(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    yield


class Factory:
    """Direct inserts for test set-up; the API under test is never used to arrange a test."""

    def __init__(self) -> None:
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    async def owner(self) -> dict:
        from core.accounts.bootstrap import ensure_system_owner

        return await ensure_system_owner()

    async def company(self, parent: dict | None = None, kind: str = "client", **fields) -> dict:
        from tenants.models import Company
        from tenants.tree import child_path

        parent = parent or await self.owner()
        name = fields.pop("name", f"{kind.title()} {self._next()}")
        company = Company(
            name=name, kind=kind, parent=parent["id"], depth=parent["depth"] + 1, **fields
        )
        await company.save()
        await Company.update({Company.path: child_path(parent["path"], company.id)}).where(
            Company.id == company.id
        )
        return await Company.select().where(Company.id == company.id).first()

    async def user(
        self, company: dict, *, is_admin: bool = True, password: str = "Passw0rd!x", **kw
    ) -> dict:
        from core.accounts.bootstrap import create_user
        from core.auth.models import User

        n = self._next()
        email = kw.pop("email", f"user{n}@example.test")
        user_id = await create_user(company["id"], email, password, is_admin=is_admin, **kw)
        row = await User.select().where(User.id == user_id).first()
        row["password"] = password
        return row

    async def token(self, user: dict, kind: str = "api") -> str:
        from core.auth.tokens import issue_token

        return await issue_token(user["id"], kind=kind, hours=1)


@pytest.fixture
def bo_factory(bo_db) -> Factory:
    return Factory()


_APPS: list[tuple[tuple, object]] = []
_APPS_KEPT = 4


def _app_key() -> tuple:
    """What ``create_app`` reads: the settings and the registered plugins. The key holds the
    objects themselves, so none can be collected and its id reused by another while cached."""
    from core.plugins.manager import plugin_manager
    from core.settings import get_settings

    pm = plugin_manager()
    plugins = tuple(sorted(pm.list_name_plugin(), key=lambda item: item[0]))
    return (get_settings(), pm, *((name, plugin) for name, plugin in plugins))


def _same(key: tuple, other: tuple) -> bool:
    return len(key) == len(other) and all(
        a is b if not isinstance(a, tuple) else (a[0] == b[0] and a[1] is b[1])
        for a, b in zip(key, other, strict=True)
    )


def shared_app():
    """An app built once per settings and plugin set and reused by the tests that share them.

    Building the app (litestar copies every router with all its handlers) costs more than most
    tests; each test still runs the lifespan afresh, so pools and jobs start and stop as before.
    """
    from core.web.app import create_app

    key = _app_key()
    for cached_key, app in _APPS:
        if _same(cached_key, key):
            return app
    app = create_app(run_jobs=True)
    _APPS.append((key, app))
    del _APPS[:-_APPS_KEPT]
    return app


@pytest.fixture
async def bo_app(bo_db):
    """The app with its jobs running in this process, on the Redis broker when one is set.

    Production web processes leave Redis jobs to ``backoffice worker``; a test needs them done.
    """
    return shared_app()


@asynccontextmanager
async def serve_in_loop(app):
    """An httpx client bound to ``app`` whose lifespan runs in the current event loop.

    litestar's own test client runs the lifespan through a portal in another loop, and a
    PostgreSQL pool opened there cannot be used from the test's loop.
    """
    import httpx

    started, stop = asyncio.Event(), asyncio.Event()

    async def hold_lifespan() -> None:
        # Entered and exited in this one task, as anyio's cancel scopes require.
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(hold_lifespan())
    await asyncio.wait({task, asyncio.create_task(started.wait())}, return_when="FIRST_COMPLETED")
    if task.done():
        task.result()  # a failed start-up raises here
    try:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            yield client
    finally:
        stop.set()
        await task


@pytest.fixture
async def bo_client(bo_app):
    """An unauthenticated async client, with the app's lifespan (and in-process jobs) running."""
    async with serve_in_loop(bo_app) as client:
        yield client


@pytest.fixture
def bo_api(bo_client, bo_factory):
    """``await bo_api(user)`` returns a client whose requests carry that user's bearer token."""

    async def for_user(user: dict):
        token = await bo_factory.token(user)
        return AuthedClient(bo_client, token)

    return for_user


class AuthedClient:
    def __init__(self, client, token: str) -> None:
        self._client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def __getattr__(self, method: str):
        call = getattr(self._client, method)

        async def request(url: str, **kwargs):
            kwargs["headers"] = {**self.headers, **kwargs.get("headers", {})}
            return await call(url, **kwargs)

        return request


@pytest.fixture
def bo_register_plugin():
    """Register plugin objects for one test: ``bo_register_plugin(obj, name=...)``."""
    from core.plugins.manager import plugin_manager

    pm = plugin_manager()
    names: list[str] = []

    def register(plugin, name: str | None = None):
        name = pm.register(plugin, name=name)
        pm.check_pending()
        names.append(name)
        return name

    yield register
    for name in names:
        pm.unregister(name=name)


@pytest.fixture
async def bo_plugin(bo_db):
    """Install a plugin for one test the way a start-up would see it.

    An installed package (found through its entry point) is used as it is; a module or object
    is registered under ``name``. Either way its migrations run (``migrate_plugins`` only
    applies what is missing) and the themes' template loaders are rebuilt to include its
    folders, and again after the test so the next one sees the plugin set it has.
    """
    from core.db.migrate import migrate_plugins
    from core.plugins.extension import by_plugin
    from core.plugins.manager import plugin_manager
    from core.web.themes import reset_theme_cache

    pm = plugin_manager()
    names: list[str] = []

    async def install(plugin, name: str | None = None) -> str:
        if pm.is_registered(plugin):
            found = pm.get_name(plugin)
        else:
            found = pm.register(plugin, name=name)
            pm.check_pending()
            names.append(found)
        reset_theme_cache()
        await migrate_plugins()
        # bo_db emptied the tables of the plugins registered before the test, not this one's
        for owner, app in by_plugin("register_migrations"):
            if owner == found:
                for table in reversed(app.table_classes):
                    await table.delete(force=True)
        return found

    yield install
    for name in names:
        pm.unregister(name=name)
    reset_theme_cache()


async def sign_in(client, user: dict) -> None:
    """Sign ``user`` (a ``bo_factory.user`` row, which carries its password) in through the
    login form; the client keeps the session and CSRF cookies for the pages that follow."""
    import html
    import re

    client.cookies.clear()
    form = await client.get("/login")
    match = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
    assert form.status_code == 200 and match, "the login page has no CSRF field"
    res = await client.post(
        "/login",
        data={
            "_csrf_token": html.unescape(match.group(1)),
            "login": user["email"],
            "password": user["password"],
        },
    )
    assert res.status_code == 303, f"sign-in of {user['email']} failed: {res.status_code}"


@pytest.fixture
def bo_sign_in():
    """``await bo_sign_in(client, user)``: see ``sign_in``."""
    return sign_in


@asynccontextmanager
async def running_app(**kwargs):
    """An app with its lifespan running, outside of a fixture (e.g. in a benchmark)."""
    from core.web.app import create_app

    async with serve_in_loop(create_app(**kwargs)) as client:
        yield client
