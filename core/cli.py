"""The ``backoffice`` command line: serve, work, migrate, seed."""

from __future__ import annotations

import asyncio
import sys

import click

from core.settings import SettingsError, get_settings


def _settings():
    try:
        return get_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def main() -> None:
    """BackOffice: the multi-tenant back office for business messaging."""
    _settings()


@main.group()
def db() -> None:
    """Database commands."""


@db.command("migrate")
def db_migrate() -> None:
    """Apply every pending migration."""
    from core.db.migrate import migrate

    asyncio.run(migrate())
    click.echo("database is up to date")


@main.group()
def users() -> None:
    """User commands."""


@users.command("create-admin")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--login", default=None)
def users_create_admin(email: str, password: str, login: str | None) -> None:
    """Create a system-owner administrator (non-interactive)."""
    from core.accounts.bootstrap import create_admin
    from core.errors import DomainError

    try:
        user_id = asyncio.run(create_admin(email, password, login))
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"created administrator {email} (id {user_id})")


@main.command()
def demo() -> None:
    """Seed a demo system owner, reseller and client; print how to sign in."""
    from core.demo import DemoPasswordRefused, seed_demo

    try:
        lines = asyncio.run(seed_demo())
    except DemoPasswordRefused as exc:
        raise click.ClickException(str(exc)) from None
    for line in lines:
        click.echo(line)


@main.group()
def tenants() -> None:
    """Tenant bootstrap files (tenant.toml)."""


@tenants.command("sync")
@click.argument("path", type=click.Path(exists=True))
@click.option("--dry-run", is_flag=True, help="validate and report; write nothing")
def tenants_sync(path: str, dry_run: bool) -> None:
    """Apply a tenant.toml (or a folder holding one); running it again changes nothing."""
    from core.errors import DomainError
    from tenants.sync import sync_path

    try:
        summary = asyncio.run(sync_path(path, dry_run=dry_run))
    except DomainError as exc:
        raise click.ClickException(exc.detail) from None
    for line in summary.lines():
        click.echo(line)


def _serve(workers: int, reload: bool = False) -> None:
    import uvicorn

    settings = _settings()
    uvicorn.run(
        "core.web.asgi:app",
        host=settings.host,
        port=settings.port,
        workers=workers,
        reload=reload,
        proxy_headers=False,  # core.web.security_headers honours BACKOFFICE_TRUSTED_PROXIES
    )


@main.command()
@click.option(
    "--workers", type=int, default=None, help="web processes (default BACKOFFICE_WEB_WORKERS)"
)
def serve(workers: int | None) -> None:
    """Serve the UI and API (jobs run in-process unless BACKOFFICE_REDIS_URL is set)."""
    settings = _settings()
    workers = workers or settings.web_workers
    if workers > 1 and not settings.uses_redis:
        raise click.ClickException(
            "several web processes need BACKOFFICE_REDIS_URL (and `backoffice worker`); "
            "embedded in-process jobs run in one process only"
        )
    _serve(workers)


@main.command()
@click.option("--no-migrate", is_flag=True, help="skip migrating (`make run` seeds the demo first)")
def run(no_migrate: bool) -> None:
    """Embedded mode: migrate, then serve with the in-process worker and scheduler."""
    from core.db.migrate import migrate

    if not no_migrate:
        asyncio.run(migrate())
    settings = _settings()
    click.echo(f"BackOffice on http://{settings.host}:{settings.port}  (API docs: /api/schema)")
    _serve(1)


@main.command()
@click.option("--threads", type=int, default=None, help="worker threads")
def worker(threads: int | None) -> None:
    """Consume background jobs from Redis (needs BACKOFFICE_REDIS_URL)."""
    from core.jobs.worker import run_worker

    settings = _settings()
    if not settings.uses_redis:
        raise click.ClickException("`backoffice worker` needs BACKOFFICE_REDIS_URL")
    run_worker(threads or settings.worker_threads)


@main.command()
def scheduler() -> None:
    """Enqueue periodic jobs on time (needs BACKOFFICE_REDIS_URL; one per deployment)."""
    from core.jobs.scheduler import run_scheduler_forever

    settings = _settings()
    if not settings.uses_redis:
        raise click.ClickException("`backoffice scheduler` needs BACKOFFICE_REDIS_URL")
    run_scheduler_forever()


@main.group()
def plugins() -> None:
    """Installed plugins."""


@plugins.command("check")
def plugins_check() -> None:
    """List every plugin with its package, version and compatibility; exit 1 if one is broken.

    The same report the app logs at start-up: a broken package is left out and the rest runs.
    """
    from core.plugins.report import check_report

    lines, broken = check_report()
    for line in lines:
        click.echo(line)
    if broken:
        sys.exit(1)


def _add_core_groups() -> None:
    from core.catalogue.dictionaries.cli import dictionaries

    main.add_command(dictionaries)


_add_core_groups()


def add_plugin_commands(group: click.Group = main) -> None:
    """Add every plugin's commands to ``group``; calling it again adds only new ones."""
    try:
        from core.plugins.manager import collect

        for command in collect("register_cli_commands"):
            if group.commands.get(command.name) is command:
                continue
            if command.name in group.commands:
                raise click.ClickException(f"plugin command {command.name!r} clashes")
            group.add_command(command)
    except SettingsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


add_plugin_commands()
