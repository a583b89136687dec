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
    """Return litestar route handlers, controllers or routers: the plugin's API.

    They are collected once, when ``create_app`` builds the app, and mounted under
    ``/api/v1/plugins/<plugin key>/`` behind the guard of the core ``/api/v1`` router (401
    without a token) and the plugin's switch (404 for a company that has it off). Each handler
    declares its permission with ``requires(area, level)`` or ``signed_in()`` (403 below it),
    else the app refuses to start. A handler wrapped in ``core.plugins.routes.public`` (an
    inbound webhook) mounts unguarded under ``/hooks/<plugin key>/`` instead. Handlers may
    take the ``plugin`` dependency (``core.plugins.context.PluginContext``).

    Returns:
        A list of litestar handlers, with paths relative to the plugin's prefix.
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

    Served by ``/api/v1/dictionaries`` beside the core ones (``core.catalogue.dictionaries``):
    a key the core or another plugin already registers is a conflict that ``backoffice plugins
    check`` reports and that stops the registry, never a silent replacement. A dictionary whose
    values differ by tenant and live in the database subclasses ``TenantDictionary`` and reads
    them in ``entries_for(scope)``.

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
def register_pages() -> list:
    """Return litestar handlers for the plugin's UI pages.

    Mounted under ``/p/<plugin key>/`` behind the UI session guard (no session: redirect to
    /login) and the plugin's switch; each declares its permission as API routes do. Render
    with ``core.ui.render.page`` so the page gets the theme, the menu and the plugin's
    templates (``register_templates``).

    Returns:
        A list of litestar handlers, with paths relative to ``/p/<plugin key>``.
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


@hookspec
def register_menu_entries() -> list:
    """Return main-menu links (``core.plugins.extension.MenuEntry``).

    An entry shows only to a BackOffice user with ``level`` on its ``area`` whose company has
    the plugin switched on; ``group`` names a core menu group or starts a new one.

    Returns:
        A list of ``MenuEntry`` declarations.
    """


@hookspec
def register_templates() -> list:
    """Return the plugin's template and static folders (``core.plugins.extension.PluginFiles``).

    Template folders join every theme's Jinja loader chain after the theme's own (a theme may
    restyle a plugin page, a plugin cannot replace a core template): keep templates in a
    sub-folder named after the plugin. Static folders are served under
    ``/static/plugins/<plugin key>/``.

    Returns:
        A list of ``PluginFiles`` declarations.
    """


@hookspec
def register_migrations() -> list:
    """Return piccolo ``AppConfig`` objects for the plugin's own tables.

    ``backoffice db migrate`` applies their migrations after core's, app by app. Their
    ``table_classes`` join ``core.db.tables.all_tables()``, so a tenant-owned table declares
    ``__owner__`` like core tables and test clean-up empties it. Name migration files
    ``<app_name>_<timestamp>.py``: piccolo imports them by bare module name.

    Returns:
        A list of ``piccolo.conf.apps.AppConfig``; app names must not be ``backoffice``.
    """
