"""``backoffice dictionaries``: list the dictionaries, refresh the stored networks data."""

from __future__ import annotations

import click

SHOWN = 10  # keys listed per kind of change; the counts are always complete


@click.group("dictionaries")
def dictionaries() -> None:
    """Reference dictionaries (countries, networks, WhatsApp regions ...)."""


@dictionaries.command("list")
def list_dictionaries() -> None:
    """Every dictionary with its size, its source and the plugin that registered it."""
    from core.catalogue.dictionaries.service.registry import index_of
    from core.plugins import registry

    for key, dictionary in sorted(registry.dictionaries().items()):
        size = "per tenant" if dictionary.scoped else str(len(index_of(dictionary).values))
        source = dictionary.describe_source()
        plugin = registry.plugin_of("dictionaries", key)
        click.echo(f"{key:<22} {size:>10}  {source}  [{plugin}]")


def _keys(keys: list[str]) -> str:
    more = f" … and {len(keys) - SHOWN} more" if len(keys) > SHOWN else ""
    return ", ".join(keys[:SHOWN]) + more


@dictionaries.command("update")
def update() -> None:
    """Rebuild the stored MCC and networks dictionaries from the installed mcc-mnc-p1 package.

    Reads the package's tables (no network access: upgrade the package with pip to get newer
    data), compares them with the stored copy and writes the new copy to the file storage;
    running servers read it when they restart.
    """
    from core.catalogue.dictionaries import stored_networks

    try:
        report = stored_networks.update()
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    was = report.previous_source or "nothing stored (the package was read directly)"
    click.echo(f"source: {report.source} (was: {was})")
    for key, change in report.changes.items():
        click.echo(
            f"{key}: {change.total} values, {len(change.added)} added, "
            f"{len(change.removed)} removed, {len(change.relabelled)} changed"
        )
        for what, keys in (
            ("added", change.added),
            ("removed", change.removed),
            ("changed", change.relabelled),
        ):
            if keys and report.previous_source is not None:
                click.echo(f"  {what}: {_keys(keys)}")
    click.echo("restart the servers and workers to serve the new values")
