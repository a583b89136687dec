"""Hook specifications of the ``backoffice`` plugin manager.

Hooks are synchronous and cheap: each returns declarations (classes, route handlers, commands).
Anything that does I/O lives in async methods of the returned classes, because pluggy has no
async and an async hook implementation would return an un-awaited coroutine. Every hook takes no
arguments and returns a list; ``core.plugins.manager.collect`` flattens the lists of all plugins.
The exceptions: ``request_certificate`` takes one portal and the first answer wins;
``on_event`` takes one domain event and is called by ``core.events`` in a job, where an
``async def`` implementation is awaited.
"""

from __future__ import annotations

import pluggy

PROJECT = "backoffice"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_channels() -> list:
    """Return messaging channel classes (subclasses of ``core.plugins.declarations.Channel``).

    The registry validates each declaration and checks that the dictionaries its rate-tree
    attributes name are registered too.

    Returns:
        A list of channel classes; each key must be unique across all plugins.
    """


@hookspec
def register_vendors() -> list:
    """Return vendor types (subclasses of ``core.plugins.declarations.Vendor``).

    A vendor may only name channels that are registered and that accept it in ``vendor_types``.

    Returns:
        A list of vendor classes; each declares the channels it can serve.
    """


@hookspec
def register_payment_systems() -> list:
    """Return payment system classes (subclasses of ``core.plugins.declarations.PaymentSystem``).

    Returns:
        A list of payment system classes, each with a unique key.
    """


@hookspec
def register_themes() -> list:
    """Return UI themes as ``core.plugins.declarations.Theme`` declarations.

    Returns:
        A list of themes (name, parent, template and static folders); names are unique.
    """


@hookspec
def register_routes() -> list:
    """Return litestar route handlers, controllers or routers to mount in the app.

    They are collected once, when ``create_app`` builds the app, and mounted beside the guarded
    ``/api/v1`` router: an API handler must set ``guards=[require_api_user]`` itself.

    Returns:
        A list of litestar handlers; API handlers should live under ``/api/v1/<plugin>``.
    """


@hookspec
def register_actors() -> list:
    """Return background jobs (``@core.jobs.job``) and schedules (``core.jobs.every``).

    Returns:
        A list of ``JobDef`` and ``Schedule`` objects; the job runtime binds them to its broker.
    """


@hookspec
def register_cli_commands() -> list:
    """Return click commands to add under the ``backoffice`` command.

    Returns:
        A list of ``click.Command`` objects; names must not clash with built-in commands.
    """


@hookspec
def register_dictionaries() -> list:
    """Return reference dictionaries (``core.plugins.declarations.Dictionary``) for rate trees.

    Returns:
        A list of dictionary classes, each with a unique key and its entries.
    """


@hookspec
def register_permission_areas() -> list:
    """Return permission areas (``core.access.areas.Area``) that roles grant levels on.

    Each area belongs to the BackOffice or the client-portal group; routes name it with
    ``core.access.guards.requires(key, level)``. ``system_levels`` sets what the system roles get
    on it (the Admin role always gets ``manage``).

    Returns:
        A list of ``Area`` declarations; keys must be unique across BackOffice and all plugins.
    """


@hookspec
def register_dashboard_blocks() -> list:
    """Return blocks (``core.dashboard.DashboardBlock``) for the home dashboard at ``/``.

    A block names the permission areas and level that make it visible and an async ``load``
    that answers its numbers and links for the signed-in principal; count within the
    principal's tenant scope (``principal.scope``). Links the user could not open are dropped.

    Returns:
        A list of ``DashboardBlock`` declarations; keys must be unique across core and plugins.
    """


@hookspec(firstresult=True)
def request_certificate(portal: dict) -> dict | None:
    """Start (or finish) issuing a TLS certificate for a portal in automatic mode.

    Called when a portal is saved with automatic certificate management, after its row is
    written. Unlike the ``register_*`` hooks it takes the portal (``id``, ``fqdn``,
    ``company_id``, ``name``) and the first plugin that answers wins. Keep it quick: enqueue
    the ACME work as a job and answer ``pending``; call the portal service later to store the
    result.

    Returns:
        None when the plugin does not handle this portal, else a dict with ``status``
        (``pending``, ``valid`` or ``error``) and ``message``; ``valid`` also carries
        ``certificate_pem`` and ``private_key_pem``, which are checked like an upload.
    """


@hookspec
def register_event_subscribers() -> list:
    """Return the jobs to queue for domain events, as ``core.events.subscribe(name, job)``.

    Each job (``@core.jobs.job``) is queued with the event's JSON payload after the change
    commits, unless the plugin is switched off for the event's company; the runtime declares
    these jobs itself, so they need not be returned from ``register_actors`` too.

    Returns:
        A list of ``core.events.Subscription``; names come from ``core.events.EVENTS``.
    """


@hookspec
def on_event(event) -> None:
    """React to one committed domain event (``core.events.Event``; ``event.name`` says which).

    Called in the ``core.events.deliver`` job, never in the request, and not for a company the
    plugin is switched off for. May be ``async def``; an exception is logged and the other
    plugins still get the event. Keep it short (every plugin's call runs in that one job):
    queue a job of your own for slow work.

    Returns:
        Nothing; the return value is ignored.
    """
