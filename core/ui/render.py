"""Rendering a page with the visitor's theme, and the small helpers every UI handler shares."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote, urlencode

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.enums import MediaType
from litestar.response import Redirect
from litestar.utils.scope.state import ScopeState

from core.access.visibility import Access, access_for
from core.plugins.enablement import disabled_for
from core.plugins.extension import menu_entries, visible_entries
from core.web.themes import Branding, branding_for_host, environment

FLASH_COOKIE = "bo_flash"
FLASH_KIND_COOKIE = "bo_flash_kind"
FLASH_KINDS = ("success", "info", "error")  # alert-<kind>; a cookie naming another is "success"
PLUGINS_OFF = "bo_plugins_off"
CSRF_COOKIE = "bo_csrf"


def _owner(p: Any) -> bool:
    return p.company_kind == "owner"


def _dev_mailbox(p: Any) -> bool:
    from core.ui.mailbox import mailbox_available

    return mailbox_available(p)


def _dev_sms(p: Any) -> bool:
    from core.ui.security import dev_sms_available

    return dev_sms_available(p)


# Each entry is shown when its page's guards let the user in (``Access.can``) and, for pages
# that exist only in some setups, when ``when(principal)`` holds too.
NAV = (
    {"label": None, "items": ({"label": "Home", "href": "/", "key": "home"},)},
    {
        "label": "Account management",
        "items": (
            {"label": "Companies", "href": "/companies", "key": "companies"},
            {"label": "Legal entities", "href": "/legal-entities", "key": "legal_entities"},
            {"label": "Agreements", "href": "/agreements", "key": "agreements"},
            {"label": "Enabled services", "href": "/enabled-services", "key": "enabled_services"},
            {"label": "Banks", "href": "/banks", "key": "banks"},
            {"label": "Bank accounts", "href": "/bank-accounts", "key": "bank_accounts"},
        ),
    },
    {
        "label": "Finance",
        "items": ({"label": "Services", "href": "/services", "key": "services"},),
    },
    {
        "label": "Users",
        "items": (
            {"label": "Users", "href": "/users", "key": "users"},
            {"label": "Roles", "href": "/roles", "key": "roles"},
        ),
    },
    {
        "label": "Settings",
        "items": (
            {
                "label": "Own legal entities",
                "href": "/own-legal-entities",
                "key": "own_legal_entities",
            },
            {
                "label": "Own bank accounts",
                "href": "/own-bank-accounts",
                "key": "own_bank_accounts",
            },
            {"label": "Portals", "href": "/portals", "key": "portals"},
            {"label": "Payment systems", "href": "/payment-systems", "key": "payment_systems"},
            {"label": "Plugins", "href": "/plugins", "key": "plugins"},
            {
                "label": "Password policy",
                "href": "/settings/password-policy",
                "key": "policy",
                "when": _owner,
            },
        ),
    },
    {"label": None, "items": ({"label": "Audit", "href": "/audit", "key": "audit"},)},
    {
        "label": "Development",
        "items": (
            {
                "label": "Dev mailbox",
                "href": "/dev/mailbox",
                "key": "mailbox",
                "when": _dev_mailbox,
            },
            {"label": "Dev SMS outbox", "href": "/dev/sms", "key": "dev_sms", "when": _dev_sms},
        ),
    },
)


def nav_for(access: Access, plugins_off: frozenset[str] = frozenset()) -> list[dict]:
    """The menu groups with only the entries ``access`` may open; empty groups are dropped.

    Plugin entries (``register_menu_entries``) join the group they name, or a new group after
    core's, unless their plugin is in ``plugins_off`` (switched off for the user's company)."""
    groups = []
    for group in NAV:
        items = [
            item
            for item in group["items"]
            if access.can(item["href"]) and ("when" not in item or item["when"](access.principal))
        ]
        groups.append({"label": group["label"], "items": items})
    for entry in visible_entries(access, plugins_off):
        group = next((g for g in groups if g["label"] == entry.group), None)
        if group is None:
            group = {"label": entry.group, "items": []}
            groups.append(group)
        group["items"].append({"label": entry.label, "href": entry.href, "key": entry.href})
    return [g for g in groups if g["items"]]


def csrf_token(request: Request) -> str:
    """The middleware's token; on paths no route matched, the cookie it would have used."""
    token = ScopeState.from_scope(request.scope).csrf_token
    return token if isinstance(token, str) and token else request.cookies.get(CSRF_COOKIE, "")


async def branding(request: Request) -> Branding:
    """The portal branding, resolved once per request."""
    cached = request.scope.get("bo_branding")
    if cached is None:
        cached = await branding_for_host(request.headers.get("host", ""))
        request.scope["bo_branding"] = cached
    return cached


def url_with(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters replaced (None removes one)."""
    params = {k: v for k, v in request.query_params.items() if k not in changes}
    params.update({k: v for k, v in changes.items() if v is not None and v != ""})
    query = urlencode(params)
    return request.url.path + (f"?{query}" if query else "")


def local_path(value: str | None, fallback: str = "/") -> str:
    """Only a path on this site: never ``//host`` or ``https://host`` (no open redirects)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return fallback
    return value


async def load_access(request: Request) -> Access:
    """The visitor's levels (and, when plugins add menu entries, the plugins switched off for
    the visitor's company), loaded before rendering because templates cannot await."""
    access = await access_for(request.app, request.scope.get("user"), request.scope)
    if access.principal is not None and PLUGINS_OFF not in request.scope and menu_entries():
        request.scope[PLUGINS_OFF] = await disabled_for(access.principal.company_path)
    return access


def render_html(request: Request, brand: Branding, template: str, context: dict[str, Any]) -> str:
    """Needs ``load_access`` to have run for this request when someone is signed in."""
    flash = unquote(request.cookies.get(FLASH_COOKIE, ""))[:300]
    flash_kind = request.cookies.get(FLASH_KIND_COOKIE, "")
    if flash_kind not in FLASH_KINDS:
        flash_kind = "success"
    access = request.scope.get("bo_access")
    if not isinstance(access, Access):
        access = Access(None, {}, [])
    if "active" not in context:
        # a plugin's menu entry is keyed by its href: its page is marked current without the
        # plugin's template knowing the key (core templates set ``active`` themselves)
        context = {**context, "active": request.url.path}
    return (
        environment(brand.theme)
        .get_template(template)
        .render(
            request=request,
            user=request.scope.get("user"),
            brand=brand,
            csrf_token=csrf_token(request),
            nav=nav_for(access, request.scope.get(PLUGINS_OFF, frozenset())),
            can=access.can,
            access=access,
            flash=flash,
            flash_kind=flash_kind,
            url_with=lambda **kw: url_with(request, **kw),
            **context,
        )
    )


def _drop_flash(request: Request, response: Response) -> Response:
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")
    if request.cookies.get(FLASH_KIND_COOKIE):
        response.delete_cookie(FLASH_KIND_COOKIE, path="/")
    return response


async def page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    await load_access(request)
    html = render_html(request, await branding(request), template, context)
    response = Response(content=html, media_type=MediaType.HTML, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return _drop_flash(request, response)


def redirect(path: str, flash: str | None = None, kind: str = "success") -> Redirect:
    """A 303 to another page of ours, optionally carrying a one-shot notice; ``kind`` keeps
    a notice of failure (a failed connection test) from showing in success green."""
    cookies = []
    if flash:
        cookies.append(Cookie(key=FLASH_COOKIE, value=quote(flash[:300]), path="/", httponly=True))
        if kind != "success" and kind in FLASH_KINDS:
            cookies.append(Cookie(key=FLASH_KIND_COOKIE, value=kind, path="/", httponly=True))
    return Redirect(path=local_path(path), status_code=303, cookies=cookies)
