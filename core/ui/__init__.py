"""Server-rendered UI (Jinja2, per-theme environments).

Every page except sign-in sits behind ``require_ui_user``; a visitor without a session is sent
to /login by the UI error handler. Each theme's static folder (with its parents' as fallbacks)
is served under /static/<theme>/, a plugin's (``register_templates``) under
/static/plugins/<key>/.
"""

from __future__ import annotations

from litestar import Router
from litestar.static_files import create_static_files_router

from core.auth.guards import require_ui_user
from core.plugins.extension import static_dirs as plugin_static_dirs
from core.web.themes import all_themes, static_dirs


def _static_routers() -> list:
    return [
        create_static_files_router(
            path=f"/static/{name}", directories=static_dirs(name), name=f"static-{name}"
        )
        for name in all_themes()
        if static_dirs(name)
    ] + [
        create_static_files_router(
            path=f"/static/plugins/{key}", directories=[folder], name=f"static-plugin-{key}"
        )
        for key, folder in plugin_static_dirs()
    ]


def ui_handlers() -> list:
    from core.accounts.agreements import ui as agreements
    from core.accounts.bank_accounts import ui as bank_accounts
    from core.accounts.banks import ui as banks
    from core.accounts.companies import ui as companies
    from core.accounts.legal_entities import ui as legal_entities
    from core.accounts.reselling import ui as reselling
    from core.catalogue.enabled import ui as enabled
    from core.catalogue.scopes import ui as scopes
    from core.catalogue.services import ui as services
    from core.catalogue.trees import try_ui
    from core.catalogue.trees import ui as trees
    from core.ui import (
        account,
        agreement_ledger,
        audit,
        dashboard,
        login_steps,
        mailbox,
        my_account,
        options,
        payment_systems,
        plugins,
        portals,
        roles,
        security,
        signup,
        tables,
        users,
    )

    signed_in = Router(
        path="/",
        route_handlers=[
            *account.SIGNED_IN_HANDLERS,
            *dashboard.HANDLERS,
            *my_account.HANDLERS,
            *security.HANDLERS,
            *companies.HANDLERS,
            *legal_entities.HANDLERS,
            *agreements.HANDLERS,
            *agreement_ledger.HANDLERS,
            *enabled.HANDLERS,
            *reselling.HANDLERS,
            *banks.HANDLERS,
            *bank_accounts.HANDLERS,
            *services.HANDLERS,
            *scopes.HANDLERS,
            *trees.HANDLERS,
            *try_ui.HANDLERS,
            *audit.HANDLERS,
            *portals.HANDLERS,
            *payment_systems.HANDLERS,
            *plugins.HANDLERS,
            *roles.HANDLERS,
            *users.HANDLERS,
            *mailbox.HANDLERS,
            tables.choose_columns,
            *options.HANDLERS,
        ],
        guards=[require_ui_user],
        include_in_schema=False,
    )
    from core.portals.api import PUBLIC_HANDLERS as PORTAL_PUBLIC_HANDLERS

    return [
        *account.PUBLIC_HANDLERS,
        *PORTAL_PUBLIC_HANDLERS,
        *login_steps.HANDLERS,
        *signup.HANDLERS,
        signed_in,
        *_static_routers(),
    ]
