"""Hooks whose results other parts of BackOffice consume: routes, CLI commands, themes, actors."""

from __future__ import annotations

import click
from click.testing import CliRunner
from litestar import get

from core.access.guards import signed_in
from core.plugins.declarations import Theme
from core.plugins.hookspecs import hookimpl
from core.plugins.manager import collect
from core.plugins.testing import serve_in_loop


@get("/ping", guards=[signed_in()])
async def ping() -> dict[str, str]:
    return {"pong": "yes"}


@click.command("hook-test-hello")
@click.option("--name", default="world")
def hello(name: str) -> None:
    """Say hello from a plugin."""
    click.echo(f"hello {name} from a plugin")


class RoutePlugin:
    @hookimpl
    def register_routes(self):
        return [ping]


class CliPlugin:
    @hookimpl
    def register_cli_commands(self):
        return [hello]


async def test_register_routes_are_served_by_the_app(bo_register_plugin, bo_factory):
    from core.web.app import create_app

    bo_register_plugin(RoutePlugin(), name="route-plugin")
    app = create_app()  # routes are collected when the app is built
    token = await bo_factory.token(await bo_factory.user(await bo_factory.owner()))
    async with serve_in_loop(app) as client:
        anonymous = await client.get("/api/v1/plugins/route-plugin/ping")
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"].startswith("application/problem+json")
        res = await client.get(
            "/api/v1/plugins/route-plugin/ping", headers={"Authorization": f"Bearer {token}"}
        )
    assert res.status_code == 200 and res.json() == {"pong": "yes"}


def test_register_cli_commands_show_up_under_backoffice(bo_register_plugin):
    from core.cli import add_plugin_commands, main

    bo_register_plugin(CliPlugin(), name="cli-plugin")
    try:
        add_plugin_commands(main)
        add_plugin_commands(main)  # idempotent: the same command is not a clash
        runner = CliRunner()
        assert "hook-test-hello" in runner.invoke(main, ["--help"]).output
        result = runner.invoke(main, ["hook-test-hello", "--name", "Ada"])
        assert result.exit_code == 0, result.output
        assert result.output == "hello Ada from a plugin\n"
    finally:
        main.commands.pop("hook-test-hello", None)


def test_a_plugin_command_may_not_replace_a_builtin(bo_register_plugin):
    from core.cli import add_plugin_commands, main

    impostor = click.Command("demo", callback=lambda: None)

    class Impostor:
        @hookimpl
        def register_cli_commands(self):
            return [impostor]

    bo_register_plugin(Impostor(), name="impostor")
    try:
        add_plugin_commands(main)
    except click.ClickException as exc:
        assert "'demo' clashes" in exc.message
    else:
        raise AssertionError("a clashing command was accepted")
    assert main.commands["demo"] is not impostor


def test_register_themes_are_collected(bo_register_plugin, tmp_path):
    theme = Theme(name="hook-test-theme", label="Hook test", templates_dir=tmp_path)

    class ThemePlugin:
        @hookimpl
        def register_themes(self):
            return [theme]

    bo_register_plugin(ThemePlugin(), name="theme-plugin")
    assert theme in collect("register_themes")


def test_register_actors_returns_what_plugins_declared(bo_register_plugin):
    declared = object()  # the job runtime decides what an actor declaration is

    class ActorPlugin:
        @hookimpl
        def register_actors(self):
            return [declared]

    assert declared not in collect("register_actors")
    bo_register_plugin(ActorPlugin(), name="actor-plugin")
    assert declared in collect("register_actors")
