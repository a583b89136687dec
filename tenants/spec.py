"""The shape of a ``tenant.toml`` and every check that can run before the database is touched.

A bootstrap file is read by operators, so each problem is reported with the TOML path that
caused it (``companies[2].portals[0].fqdn: must be a host name``) and all problems at once.
Secret references (``{ "$env" = "NAME" }``) are resolved here too: a missing variable stops the
sync before anything is written, exactly like a typo in a field.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from core.errors import Invalid

FILE_NAME = "tenant.toml"
ENV_KEY = "$env"

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
LegalName = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
Country = Annotated[str, msgspec.Meta(min_length=2, max_length=3)]
Description = Annotated[str, msgspec.Meta(max_length=2000)]
Text200 = Annotated[str, msgspec.Meta(max_length=200)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254)]
Unset = msgspec.UnsetType
UNSET = msgspec.UNSET

_COLOR = re.compile(r"^#[0-9a-f]{6}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SpecError(Invalid):
    """Everything wrong with a file; ``errors`` holds one ``{field: toml path, message}`` each."""

    @classmethod
    def of(cls, problems: list[tuple[str, str]]) -> SpecError:
        detail = "\n".join(f"{path}: {message}" if path else message for path, message in problems)
        return cls(detail, [{"field": path, "message": message} for path, message in problems])


# Optional fields are UNSET when the file leaves them out: a sync then keeps the stored value
# instead of resetting it to a default the operator never wrote.
class PortalSpec(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    fqdn: Annotated[str, msgspec.Meta(min_length=1, max_length=253)]
    name: Name
    theme: str | Unset = UNSET
    title: Text200 | Unset = UNSET
    primary_color: str | Unset = UNSET
    support_email: str | Unset = UNSET
    status: Literal["draft", "active"] | Unset = UNSET


class AdminSpec(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email: Email
    # Invitations carry no names (the invitee types them at sign-up); kept for the reader.
    first_name: Text200 = ""
    last_name: Text200 = ""
    role: Literal["admin"] = "admin"


class LegalEntitySpec(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    legal_name: LegalName
    country: Country
    is_default: bool | Unset = UNSET


class OwnerSpec(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What the file says about the system owner itself (it always exists; never renamed)."""

    portals: list[PortalSpec] = []
    admins: list[AdminSpec] = []
    legal_entities: list[LegalEntitySpec] = []
    plugins: dict[str, dict[str, Any]] = {}


class CompanySpec(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    type: Literal["reseller", "client"]
    creator_of_resellers: bool | Unset = UNSET
    two_factor_required: bool | Unset = UNSET
    description: Description | Unset = UNSET
    portals: list[PortalSpec] = []
    admins: list[AdminSpec] = []
    legal_entities: list[LegalEntitySpec] = []
    plugins: dict[str, dict[str, Any]] = {}
    companies: list[CompanySpec] = []


class TenantFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    owner: OwnerSpec | None = None
    companies: list[CompanySpec] = []


def load(path: str | Path, env: Mapping[str, str] | None = None) -> TenantFile:
    """Read, parse and fully validate one file (or the ``tenant.toml`` inside a folder)."""
    path = Path(path)
    if path.is_dir():
        path = path / FILE_NAME
    if not path.is_file():
        raise SpecError.of([("", f"{path}: no such file")])
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SpecError.of([("", f"{path}: not valid TOML: {exc}")]) from None
    return parse(data, env)


def parse(data: dict, env: Mapping[str, str] | None = None) -> TenantFile:
    try:
        spec = msgspec.convert(data, TenantFile)
    except msgspec.ValidationError as exc:
        raise SpecError.of([_msgspec_problem(str(exc))]) from None
    problems = list(_check(spec, os.environ if env is None else env))
    if problems:
        raise SpecError.of(problems)
    return spec


def _msgspec_problem(message: str) -> tuple[str, str]:
    """``Expected `str`, got `int` - at `$.companies[0].name``` → (path, message)."""
    text, sep, where = message.rpartition(" - at `")
    if not sep:
        return "", message[:1].lower() + message[1:]
    path = where.rstrip("`").removeprefix("$").lstrip(".")
    return path, text[:1].lower() + text[1:]


def _check(spec: TenantFile, env: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    fqdns: dict[str, str] = {}
    emails: dict[str, str] = {}
    if spec.owner is not None:
        yield from _check_extras(spec.owner, "owner", "owner", env, fqdns, emails)
    yield from _check_companies(spec.companies, "companies", env, fqdns, emails)


def _check_companies(companies, path, env, fqdns, emails) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    for index, company in enumerate(companies):
        here = f"{path}[{index}]"
        company.name = company.name.strip()
        if not company.name:
            yield f"{here}.name", "must not be blank"
        elif company.name.lower() in seen:
            yield f"{here}.name", "appears twice under the same parent"
        seen.add(company.name.lower())
        if company.type == "client":
            if company.creator_of_resellers is True:
                yield (
                    f"{here}.creator_of_resellers",
                    "only a reseller can be a creator of resellers",
                )
            if company.companies:
                yield f"{here}.companies", "a client company cannot have companies of its own"
        yield from _check_extras(company, company.type, here, env, fqdns, emails)
        yield from _check_companies(company.companies, f"{here}.companies", env, fqdns, emails)


def _check_extras(owner, kind, path, env, fqdns, emails) -> Iterator[tuple[str, str]]:
    """Portals, admins, legal entities and plugins: the same rules at every level."""
    for index, portal in enumerate(owner.portals):
        yield from _check_portal(portal, f"{path}.portals[{index}]", fqdns)
    for index, admin in enumerate(owner.admins):
        here = f"{path}.admins[{index}].email"
        email = normalize_email(admin.email)
        if email is None:
            yield here, "must be a valid email address"
        elif email in emails:
            yield here, f"already listed at {emails[email]}"
        else:
            emails[email] = here
            admin.email = email
    defaults, names = 0, set()
    for index, entity in enumerate(owner.legal_entities):
        here = f"{path}.legal_entities[{index}]"
        yield from _check_entity(entity, here, names)
        defaults += entity.is_default is True
    if defaults > 1:
        yield f"{path}.legal_entities", "at most one legal entity per company can be the default"
    for name, table in owner.plugins.items():
        yield from _check_plugin(name, table, f"{path}.plugins.{name}", env)


def _check_portal(portal: PortalSpec, path: str, fqdns: dict) -> Iterator[tuple[str, str]]:
    from core.portals.domain import normalize_fqdn
    from core.web.themes import all_themes

    try:  # the portal service's own rule, so both store one spelling of a name
        fqdn = normalize_fqdn(portal.fqdn)
    except Invalid as exc:
        yield f"{path}.fqdn", exc.errors[0]["message"]
    else:
        if fqdn in fqdns:
            yield f"{path}.fqdn", f"already used at {fqdns[fqdn]}"
        fqdns.setdefault(fqdn, path)
        portal.fqdn = fqdn
    portal.name = portal.name.strip()
    if not portal.name:
        yield f"{path}.name", "must not be blank"
    if portal.theme is not UNSET and portal.theme not in all_themes():
        known = ", ".join(sorted(all_themes()))
        yield f"{path}.theme", f"unknown theme {portal.theme!r}; installed themes: {known}"
    if portal.primary_color is not UNSET:
        portal.primary_color = portal.primary_color.strip().lower()
        if portal.primary_color and not _COLOR.match(portal.primary_color):
            yield f"{path}.primary_color", "must be a colour like #1a2b3c"
    if portal.support_email is not UNSET and portal.support_email.strip():
        email = normalize_email(portal.support_email)
        if email is None:
            yield f"{path}.support_email", "must be a valid email address"
        else:
            portal.support_email = email


def _check_entity(entity: LegalEntitySpec, path: str, names: set) -> Iterator[tuple[str, str]]:
    from core.validation import normalise_country

    entity.name, entity.legal_name = entity.name.strip(), entity.legal_name.strip()
    if not entity.name:
        yield f"{path}.name", "must not be blank"
    elif entity.name.lower() in names:
        yield f"{path}.name", "appears twice in the same company"
    names.add(entity.name.lower())
    if not entity.legal_name:
        yield f"{path}.legal_name", "must not be blank"
    try:
        entity.country = normalise_country(entity.country)
    except Invalid as exc:
        yield f"{path}.country", exc.errors[0]["message"]


def _check_plugin(name: str, table: dict, path: str, env) -> Iterator[tuple[str, str]]:
    known = known_plugins()
    if name not in known:
        listed = ", ".join(sorted(known)) or "none"
        yield path, f"unknown plugin {name!r}; known plugins: {listed}"
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        yield f"{path}.enabled", "must be true or false"
    for key in list(table):
        if key == "enabled":
            continue
        try:
            table[key] = resolve_env(table[key], f"{path}.{key}", env)
        except SpecError as exc:
            yield from ((e["field"], e["message"]) for e in exc.errors)


def resolve_env(value: Any, path: str, env: Mapping[str, str]) -> Any:
    """Replace every ``{ "$env" = "NAME" }`` (at any depth) with the variable's value."""
    if isinstance(value, dict):
        if ENV_KEY in value:
            name = value[ENV_KEY]
            if len(value) != 1 or not isinstance(name, str) or not _ENV_NAME.match(name):
                raise SpecError.of([(path, 'a secret reference is { "$env" = "VARIABLE_NAME" }')])
            if name not in env:
                raise SpecError.of([(path, f"environment variable {name} is not set")])
            return env[name]
        return {k: resolve_env(v, f"{path}.{k}", env) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_env(v, f"{path}[{i}]", env) for i, v in enumerate(value)]
    if hasattr(value, "isoformat"):  # TOML dates and times become JSON strings
        return value.isoformat()
    return value


def known_plugins() -> set[str]:
    """Registered plugins (built-ins by module name) and installed entry points by name."""
    from importlib.metadata import entry_points

    from core.plugins.manager import ENTRY_POINT_GROUP, plugin_manager

    names = {name for name, _ in plugin_manager().list_name_plugin() if name}
    names.update(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
    return names


def normalize_email(value: str) -> str | None:
    from core.users.rules import normalize_email as rule

    try:
        return rule(value)
    except Invalid:
        return None
