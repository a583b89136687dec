"""The litestar application factory: ``create_app()`` assembled from small configure steps."""

from __future__ import annotations

from contextlib import asynccontextmanager

from litestar import Litestar, Request, Response, Router
from litestar.config.csrf import CSRFConfig
from litestar.exceptions import HTTPException

import core
from core.account.api import API_HANDLERS as ACCOUNT_HANDLERS
from core.accounts.companies.api import CompanyController
from core.auth.api import AuthController, token
from core.auth.api_tokens import require_api_caller
from core.auth.middleware import AuthMiddleware
from core.db.engine import close_pool, start_pool
from core.errors import problem_response
from core.plugins.routes import PUBLIC_PREFIX, plugin_routes
from core.settings import Settings, get_settings
from core.web import openapi
from core.web.guard import check_request
from core.web.health import health
from core.web.security_headers import TrustedProxyMiddleware, add_security_headers

API_PREFIX = "/api/v1"


def _api_handlers() -> list:
    from core.access.api import api_handlers as access_handlers
    from core.accounts.agreements.api import API_HANDLERS as AGREEMENT_HANDLERS
    from core.accounts.bank_accounts.api import API_HANDLERS as BANK_ACCOUNT_HANDLERS
    from core.accounts.banks.api import BankController
    from core.accounts.legal_entities.api import API_HANDLERS as LEGAL_ENTITY_HANDLERS
    from core.accounts.reselling.api import API_HANDLERS as RESELLING_HANDLERS
    from core.audit.api import api_handlers as audit_handlers
    from core.auth import policy_api, twofactor_api
    from core.catalogue.dictionaries.api import API_HANDLERS as DICTIONARY_HANDLERS
    from core.catalogue.domains.api import API_HANDLERS as DOMAIN_HANDLERS
    from core.catalogue.enabled.api import API_HANDLERS as ENABLED_HANDLERS
    from core.catalogue.scopes.api import API_HANDLERS as SCOPE_HANDLERS
    from core.catalogue.services.api import ServiceController
    from core.catalogue.trees.api import API_HANDLERS as TREE_HANDLERS
    from core.ledger.api import API_HANDLERS as LEDGER_HANDLERS
    from core.payments.api import API_HANDLERS as PAYMENT_SYSTEM_HANDLERS
    from core.plugins.api import API_HANDLERS as PLUGIN_HANDLERS
    from core.plugins.connections_api import API_HANDLERS as VENDOR_CONNECTION_HANDLERS
    from core.portals.api import API_HANDLERS as PORTAL_HANDLERS
    from core.users.api import API_HANDLERS as USERS_HANDLERS

    return [
        CompanyController,
        BankController,
        *BANK_ACCOUNT_HANDLERS,
        *LEGAL_ENTITY_HANDLERS,
        *AGREEMENT_HANDLERS,
        *LEDGER_HANDLERS,
        *RESELLING_HANDLERS,
        *PORTAL_HANDLERS,
        *PAYMENT_SYSTEM_HANDLERS,
        *PLUGIN_HANDLERS,
        *VENDOR_CONNECTION_HANDLERS,
        *DICTIONARY_HANDLERS,
        ServiceController,
        *ENABLED_HANDLERS,
        *SCOPE_HANDLERS,
        *TREE_HANDLERS,
        *DOMAIN_HANDLERS,
        AuthController,
        *ACCOUNT_HANDLERS,
        *audit_handlers(),
        *access_handlers(),
        *policy_api.API_HANDLERS,
        *twofactor_api.API_HANDLERS,
        *USERS_HANDLERS,
    ]


def _ui_handlers() -> list:
    from core.ui import ui_handlers

    return ui_handlers()


def _exception_handler(request: Request, exc: Exception) -> Response:
    path = request.url.path
    if path.startswith(("/api", PUBLIC_PREFIX + "/")) or path == "/health":
        response = problem_response(request, exc)
        if isinstance(exc, HTTPException) and exc.headers:
            response.headers.update(exc.headers)  # e.g. a 405's Allow
        return response
    from core.ui.errors import html_error

    return html_error(request, exc)


def _lifespan(settings: Settings, run_jobs: bool):
    @asynccontextmanager
    async def lifespan(app: Litestar):
        from core.jobs import runtime
        from core.plugins.manager import report_problems
        from core.plugins.report import report_conflicts
        from core.plugins.service import log_missing

        report_problems()  # a left-out package is logged, the rest starts
        report_conflicts()  # so is a registry two plugins contradict in (it refuses its use)
        await start_pool()
        await log_missing()  # so is a plugin companies still have rows for
        if run_jobs:
            await runtime.start_in_process(settings)
        try:
            yield
        finally:
            if run_jobs:
                await runtime.stop_in_process()
            await close_pool()

    return lifespan


def create_app(settings: Settings | None = None, *, run_jobs: bool | None = None) -> Litestar:
    """Build the app. ``run_jobs`` starts the in-process worker and scheduler (embedded mode).

    By default jobs run in-process only without Redis; with Redis, ``backoffice worker`` and
    ``backoffice scheduler`` processes do that work.
    """
    settings = settings or get_settings()
    if run_jobs is None:
        run_jobs = not settings.uses_redis
    from core.users.api import PUBLIC_HANDLERS as SIGNUP_HANDLERS

    public_api = Router(path=API_PREFIX, route_handlers=[token, *SIGNUP_HANDLERS])
    api = Router(
        path=API_PREFIX,
        route_handlers=_api_handlers(),
        guards=[require_api_caller],
        security=openapi.SECURITY,
    )
    app = Litestar(
        route_handlers=[
            health,
            public_api,
            api,
            openapi.assets_router(),
            *_ui_handlers(),
            *plugin_routes(),
        ],
        middleware=[TrustedProxyMiddleware(), AuthMiddleware()],
        before_send=[add_security_headers],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="bo_csrf",
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
            exclude=["/api/", "/health", "/static/", f"{PUBLIC_PREFIX}/"],
        ),
        exception_handlers={Exception: _exception_handler},
        before_request=check_request,
        openapi_config=openapi.config("BackOffice API", core.__version__),
        plugins=[openapi.StrictStructSchemaPlugin()],
        lifespan=[_lifespan(settings, run_jobs)],
        debug=settings.debug,
    )
    return openapi.install(app)
