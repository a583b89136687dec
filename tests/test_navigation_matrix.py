"""What the UI shows, walked for every system role: the menu and the action buttons.

For each holder of a system role (and a user without one) every list page, a detail page of
each kind of object and the forms behind its buttons (reselling agreements of a sub-reseller's
entity, agreement versions, a payment system of a registered test plugin) are opened, and:

1. the menu lists exactly the entries whose route the role may open (computed here from the
   routes' declared requirements, independently of the code that builds the menu);
2. every action shown (a button or row link, a dashboard block's link, a form posting somewhere)
   leads to a route the role is allowed on — nothing shown would answer 403;
3. every action the Admin sees on the same page that the role is allowed on is shown to the
   role too — nothing allowed is hidden;
4. client-portal users get the "not for client-portal users" page, without any menu, on every
   page;
5. the dev mailbox (list and message) is the system owner's administrator's alone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

from payment_rows import saved
from test_authorization_matrix import PARAM, Route, _world, all_routes
from test_payment_systems_api import PayPlugin

from core.access.models import Role
from core.access.service import at_least
from core.access.system_roles import SYSTEM_ROLES
from core.access.testing import role_id, user_with_role
from core.accounts.agreements.models import Agreement, AgreementVersion
from core.accounts.bank_accounts.models import BankAccount
from core.accounts.banks.models import Bank
from core.accounts.legal_entities.models import LegalEntity
from core.accounts.reselling.models import ResellingAssociation
from core.audit.recorder import AuditContext, record_event
from core.mail.models import OutboundEmail
from core.payments.models import LegalEntityPaymentSystem
from core.ui.render import NAV
from core.users.models import Invitation
from tenants.models import Portal

# Entries with a ``when`` (owner-only and dev pages) are covered by the last two tests.
LIST_PAGES = sorted(
    {item["href"] for group in NAV for item in group["items"] if "when" not in item}
)
TYPES = {"int": r"-?\d+", "str": r"[^/]+", "path": r".*"}


class Links(HTMLParser):
    """Menu links, and the actions inside the page content (buttons, row links, post forms)."""

    def __init__(self) -> None:
        super().__init__()
        self.menu: list[str] = []
        self.actions: set[tuple[str, str]] = set()
        self._in_menu = self._in_content = self._in_block = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "nav" and "menu" in classes:
            self._in_menu = 1
        if tag == "main" and "content" in classes:
            self._in_content = 1
        if tag == "a" and self._in_menu and "menu-link" in classes:
            self.menu.append(a["href"])
        if tag == "section" and "dashboard-block" in classes:
            self._in_block = 1
        linked = {"btn", "link-action"} & set(classes) or self._in_block
        if tag == "a" and self._in_content and linked and "href" in a:
            self.actions.add(("GET", a["href"].split("?")[0]))
        if tag == "form" and self._in_content and (a.get("method") or "").lower() == "post":
            self.actions.add(("POST", a["action"]))

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_menu = 0
        if tag == "main":
            self._in_content = 0
        if tag == "section":
            self._in_block = 0  # dashboard blocks hold no nested sections


def _allows(route: Route | None, levels: dict[str, str]) -> bool:
    """``Route.allows`` plus routes open to any signed-in BackOffice user."""
    if route is None:
        return False
    return all(
        r.any_signed_in or any(at_least(levels.get(a, "none"), r.level) for a in r.areas)
        for r in route.requirements
    )


def _matcher(routes: list[Route]):
    compiled = []
    for route in routes:
        pattern = PARAM.sub(lambda m: TYPES[m.group(2)], route.path)
        compiled.append((re.compile(f"^{pattern}$"), route, route.path.count("{")))
    compiled.sort(key=lambda c: c[2])

    def find(method: str, href: str) -> Route | None:
        for pattern, route, _ in compiled:
            if route.method == method and pattern.match(href):
                return route
        return None

    return find


async def _objects(world) -> dict[str, int]:
    r1, c1 = world["r1"], world["c1"]
    role = Role(company=r1["id"], name="Home custom", group="backoffice")
    await role.save()
    portal = Portal(company=r1["id"], name="Home portal", fqdn="home.example.test")
    await portal.save()
    bank = Bank(company=r1["id"], name="Home bank", country="DE", address="Street 1")
    await bank.save()
    entity = LegalEntity(company=c1["id"], name="Client entity")
    await entity.save()
    own = LegalEntity(company=r1["id"], name="Own entity")
    await own.save()
    ctx = AuditContext(company_id=r1["id"], user_id=None, user_label="x", ip="")
    event = await record_event(ctx, "Something happened", [])
    account = BankAccount(
        company=c1["id"],
        legal_entity=entity.id,
        bank=bank.id,
        name="Client EUR",
        holder="C",
        number="DE89370400440532013000",
    )
    await account.save()
    own_account = BankAccount(
        company=r1["id"],
        legal_entity=own.id,
        bank=bank.id,
        name="Own EUR",
        holder="R",
        number="DE02120300000000202051",
    )
    await own_account.save()
    agreement = Agreement(
        company=c1["id"],
        legal_entity=entity.id,
        own_legal_entity=own.id,
        code="AG-1",
        agreement_date=date(2025, 1, 1),
        currency="EUR",
    )
    await agreement.save()
    await AgreementVersion(
        agreement=agreement.id, effective_from=datetime(2025, 1, 1, tzinfo=UTC)
    ).save()
    future = AgreementVersion(
        agreement=agreement.id, effective_from=datetime(2090, 1, 1, tzinfo=UTC)
    )
    await future.save()
    invitation = Invitation(
        company=r1["id"],
        email="someone@example.test",
        token_hash="f" * 64,
        expires_at=datetime.now(UTC) + timedelta(days=2),
    )
    await invitation.save()
    return {
        **await _reselling_and_payment_objects(world, own.id),
        "version": future.id,
        "account": account.id,
        "own_account": own_account.id,
        "agreement": agreement.id,
        "invitation": invitation.id,
        "role": role.id,
        "portal": portal.id,
        "bank": bank.id,
        "entity": entity.id,
        "own": own.id,
        "event": event,
        "company": c1["id"],
    }


async def _reselling_and_payment_objects(world, own_id: int) -> dict[str, int]:
    """A sub-reseller's entity with a reselling agreement, and an assigned payment system."""
    sub = await world["factory"].company(world["r1"], "reseller", name="Sub reseller")
    entity = LegalEntity(company=sub["id"], name="Sub reseller entity")
    await entity.save()
    agreement = Agreement(
        company=sub["id"],
        legal_entity=entity.id,
        own_legal_entity=own_id,
        code="RS-1",
        agreement_date=date(2025, 1, 1),
        currency="EUR",
    )
    await agreement.save()
    association = ResellingAssociation(
        legal_entity=entity.id,
        agreement=agreement.id,
        effective_from=datetime(2025, 1, 1, tzinfo=UTC),
    )
    await association.save()
    system = await saved(world["r1"]["id"], "Cards", "fakepay")
    await LegalEntityPaymentSystem(legal_entity=own_id, payment_system=system.id).save()
    return {
        "sub_entity": entity.id,
        "association": association.id,
        "payment_system": system.id,
    }


def _pages(ids: dict[str, int]) -> list[str]:
    reselling = f"/legal-entities/{ids['sub_entity']}/reselling-agreements"
    version = f"/agreements/{ids['agreement']}/versions/{ids['version']}"
    payment_system = f"/payment-systems/{ids['payment_system']}"
    return [
        "/",
        *LIST_PAGES,
        f"/companies/{ids['company']}",
        f"/roles/{ids['role']}",
        "/roles/new",
        f"/portals/{ids['portal']}",
        f"/banks/{ids['bank']}",
        f"/legal-entities/{ids['entity']}",
        f"/own-legal-entities/{ids['own']}",
        f"/audit/{ids['event']}",
        f"/bank-accounts/{ids['account']}",
        f"/own-bank-accounts/{ids['own_account']}",
        f"/agreements/{ids['agreement']}",
        f"/users/invitations/{ids['invitation']}",
        f"/users/{ids['user']}",
        f"/legal-entities/{ids['sub_entity']}",
        reselling,
        f"{reselling}/{ids['association']}/edit",
        f"{reselling}/{ids['association']}/delete",
        f"/own-legal-entities/{ids['own']}/reselling-agreements",
        f"/agreements/{ids['agreement']}/versions/new",
        f"{version}/edit",
        f"{version}/delete",
        payment_system,
        "/payment-systems/new",
        f"{payment_system}/edit",
        f"{payment_system}/delete",
    ]


def _assert_walked(reference: dict[str, set[tuple[str, str]]], ids: dict[str, int]) -> None:
    """The Admin's pages hold the actions the walk is meant to compare (a parser blind to a
    page's links would make the comparison pass vacuously)."""
    reselling = f"/legal-entities/{ids['sub_entity']}/reselling-agreements"
    version = f"/agreements/{ids['agreement']}/versions/{ids['version']}"
    payment_system = f"/payment-systems/{ids['payment_system']}"
    expected = {
        "/": {("GET", "/audit"), ("GET", "/users")},
        f"/legal-entities/{ids['sub_entity']}": {("GET", reselling)},
        reselling: {("POST", reselling), ("GET", f"{reselling}/{ids['association']}/edit")},
        f"/agreements/{ids['agreement']}": {("GET", f"{version}/edit")},
        f"{version}/delete": {("POST", f"{version}/delete")},
        payment_system: {("GET", f"{payment_system}/edit")},
        f"{payment_system}/edit": {("POST", f"{payment_system}/edit")},
        f"/users/invitations/{ids['invitation']}": {
            ("POST", f"/users/invitations/{ids['invitation']}/delete")
        },
        f"/own-legal-entities/{ids['own']}": {
            ("POST", f"/own-legal-entities/{ids['own']}/payment-systems")
        },
    }
    for url, actions in expected.items():
        assert actions <= reference[url], (url, sorted(reference[url]))


def _expected_menu(find, levels: dict[str, str], principal_kind: str) -> list[str]:
    shown = []
    for group in NAV:
        for item in group["items"]:
            route = find("GET", item["href"])
            assert route is not None, item["href"]
            if "when" in item and principal_kind != "owner-admin":
                continue  # owner-only and dev pages: never for a reseller's users
            if _allows(route, levels):
                shown.append(item["href"])
    return shown


async def _get(client, url: str, session: str):
    client.cookies.clear()
    return await client.get(url, headers={"cookie": f"bo_session={session}"})


async def test_menu_and_buttons_show_exactly_what_each_role_may_open(
    bo_factory, bo_client, bo_app, bo_register_plugin
):
    bo_register_plugin(PayPlugin(), name="fakepay-matrix")
    world, holders, _ = await _world(bo_factory, bo_client)
    world["factory"] = bo_factory
    ids = await _objects(world)
    ids["user"] = next(user["id"] for name, _, user in holders if name == "no role")
    find = _matcher(all_routes(bo_app))
    pages = _pages(ids)
    admin = next(user for name, _, user in holders if name == "backoffice Admin")
    admin_session = await bo_factory.token(admin, "session")
    reference: dict[str, set[tuple[str, str]]] = {}
    for url in pages:
        res = await _get(bo_client, url, admin_session)
        assert res.status_code == 200, (url, res.status_code)
        parsed = Links()
        parsed.feed(res.text)
        reference[url] = parsed.actions
    _assert_walked(reference, ids)
    failures: list[str] = []
    checked = 0
    for name, levels, user in holders:
        session = await bo_factory.token(user, "session")
        portal_user = name.startswith("portal")
        for url in pages:
            res = await _get(bo_client, url, session)
            parsed = Links()
            parsed.feed(res.text)
            if portal_user:
                if res.status_code != 403 or "not for client-portal users" not in res.text:
                    failures.append(f"{name}: {url} answered {res.status_code} without the page")
                if parsed.menu or 'class="menu' in res.text:
                    failures.append(f"{name}: {url} shows a menu")
                continue
            page_route = find("GET", url)
            if not _allows(page_route, levels):
                if res.status_code != 403:
                    failures.append(f"{name}: {url} answered {res.status_code}, not 403")
                continue
            assert res.status_code == 200, (name, url, res.status_code)
            expected_menu = _expected_menu(find, levels, "reseller")
            if parsed.menu != expected_menu:
                failures.append(f"{name}: {url} menu {parsed.menu} != {expected_menu}")
            for method, href in sorted(parsed.actions):
                route = find(method, href)
                checked += 1
                if not _allows(route, levels):
                    failures.append(f"{name}: {url} shows {method} {href}, which is not allowed")
            own = {f"/users/{user['id']}", f"/users/{admin['id']}"}
            for method, href in sorted(reference[url] - parsed.actions):
                if any(href.startswith(o) for o in own):
                    continue  # rows about the viewer themselves differ by design
                route = find(method, href)
                if _allows(route, levels):
                    failures.append(f"{name}: {url} hides {method} {href}, which is allowed")
    bo_client.cookies.clear()
    assert checked > 100
    assert not failures, "\n".join(failures)


async def test_hidden_pages_are_in_the_menu_of_those_who_may_use_them(bo_factory, bo_client):
    owner = await bo_factory.owner()
    admin = await bo_factory.user(owner)
    res = await _get(bo_client, "/companies", await bo_factory.token(admin, "session"))
    parsed = Links()
    parsed.feed(res.text)
    assert "/settings/password-policy" in parsed.menu
    for href in ("/settings/password-policy", "/dev/mailbox", "/dev/sms"):
        if href in parsed.menu:
            assert (
                await _get(bo_client, href, await bo_factory.token(admin, "session"))
            ).status_code == 200
    # a reseller's admin has the settings area too, but these pages are the system owner's
    reseller_admin = await bo_factory.user(await bo_factory.company(owner, "reseller"))
    res = await _get(bo_client, "/companies", await bo_factory.token(reseller_admin, "session"))
    parsed = Links()
    parsed.feed(res.text)
    assert not {"/settings/password-policy", "/dev/mailbox", "/dev/sms"} & set(parsed.menu)
    assert "/portals" in parsed.menu and "/audit" in parsed.menu


async def test_dev_mailbox_message_is_the_system_owners_admins_alone(bo_factory, bo_client, bo_app):
    """The dev mailbox holds every captured mail (sign-in codes, invitations of any tenant), so
    of the system owner's users only its administrator sees it: any system role, even one with
    settings management, gets neither the menu entry nor the message page."""
    owner = await bo_factory.owner()
    mail = OutboundEmail(
        company=owner["id"],
        to_address="someone@example.test",
        subject="Your code",
        text_body="Open https://bo.example.test/login",
        status="captured",
    )
    await mail.save()
    find = _matcher(all_routes(bo_app))
    pages = ["/dev/mailbox", f"/dev/mailbox/{mail.id}"]
    admin = await bo_factory.user(owner)
    session = await bo_factory.token(admin, "session")
    for url in pages:
        res = await _get(bo_client, url, session)
        assert res.status_code == 200, url
        parsed = Links()
        parsed.feed(res.text)
        assert "/dev/mailbox" in parsed.menu
        # the administrator may use every route there is: each action must at least be one
        assert all(find(method, href) is not None for method, href in parsed.actions), url
    assert "https://bo.example.test/login" in res.text
    failures = []
    for spec in (s for s in SYSTEM_ROLES if s.group == "backoffice"):
        user = await user_with_role(
            bo_factory, owner, spec.group, await role_id(spec.group, spec.name)
        )
        session = await bo_factory.token(user, "session")
        menu = Links()
        menu.feed((await _get(bo_client, "/", session)).text)
        if "/dev/mailbox" in menu.menu:
            failures.append(f"{spec.name}: the menu lists the dev mailbox")
        for url in pages:
            res = await _get(bo_client, url, session)
            expected = 404 if _allows(find("GET", url), spec.levels()) else 403
            if res.status_code != expected or "Your code" in res.text:
                failures.append(f"{spec.name}: {url} answered {res.status_code}, not {expected}")
    bo_client.cookies.clear()
    assert not failures, "\n".join(failures)
