"""Host names of portals, and the check that a portal's name points at this platform.

Names are stored lower-case and IDNA-encoded (``bücher.example`` becomes
``xn--bcher-kva.example``) so one spelling is unique. A port is accepted only for ``localhost``
and IP literals: those are development set-ups, a public portal is always served on 443.
The resolver is a module attribute so tests can swap it and never touch real DNS.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import idna

from core.errors import Invalid
from core.settings import get_settings

RESOLVE_TIMEOUT = 5.0
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
Resolver = Callable[[str], Awaitable[list[str]]]


def _ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _encode(name: str, field: str) -> str:
    """One host name (no port) as lower-case ASCII, or Invalid naming ``field``."""
    name = name.strip().rstrip(".").lower()
    if not name:
        raise Invalid.field(field, "must not be blank")
    if name.isascii():
        ascii_name = name
    else:
        try:
            ascii_name = idna.encode(name, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise Invalid.field(field, f"“{name}” is not a valid domain name ({exc})") from None
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise Invalid.field(
            field,
            f"“{name}” is not a valid domain name: use letters, digits and hyphens in "
            "dot-separated parts of at most 63 characters",
        )
    if ascii_name != "localhost" and (len(labels) < 2 or labels[-1].isdigit()):
        raise Invalid.field(field, f"“{name}” is not a fully qualified domain name")
    return ascii_name


def normalize_host(value: str, field: str = "shortener_domain") -> str:
    """A plain host name (no port, no IP): the URL shortener's domain."""
    return _encode(value, field)


def split_port(fqdn: str) -> tuple[str, int | None]:
    """``("localhost", 3000)`` for ``localhost:3000``; IPv6 literals keep their brackets."""
    if fqdn.startswith("["):
        host, _, rest = fqdn.partition("]")
        return host + "]", int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
    if fqdn.count(":") == 1:
        host, _, port = fqdn.partition(":")
        return host, int(port) if port.isdigit() else None
    return fqdn, None


def normalize_fqdn(value: str, field: str = "fqdn") -> str:
    """The stored form of a portal's domain name; Invalid with a field message otherwise."""
    raw = (value or "").strip().lower()
    if not raw:
        raise Invalid.field(field, "must not be blank")
    if "/" in raw or "@" in raw or " " in raw:
        raise Invalid.field(field, "enter a domain name only, without scheme, path or spaces")
    host, port_text = raw, ""
    if raw.startswith("["):
        inner, _, rest = raw[1:].partition("]")
        if _ip(inner) is None or ":" not in inner or (rest and not rest.startswith(":")):
            raise Invalid.field(field, f"“{raw}” is not a valid IPv6 address in brackets")
        host, port_text = f"[{ipaddress.ip_address(inner)}]", rest[1:] if rest else ""
        is_dev = True
    elif raw.count(":") == 1:
        host, _, port_text = raw.partition(":")
        is_dev = host == "localhost" or _ip(host) is not None
        if not is_dev:
            raise Invalid.field(
                field, "a port is only allowed with localhost or an IP address (development)"
            )
    elif raw.count(":") > 1:
        raise Invalid.field(field, "write an IPv6 address in brackets, e.g. [2001:db8::1]")
    has_port = bool(port_text) or raw.endswith(":")
    if has_port and (not port_text.isdigit() or not 1 <= int(port_text) <= 65535):
        raise Invalid.field(field, "the port must be a number between 1 and 65535")
    if not host.startswith("["):
        address = _ip(host)
        host = address if address is not None else _encode(host, field)
    return f"{host}:{int(port_text)}" if port_text else host


def backoffice_url(fqdn: str) -> str:
    return f"https://{fqdn}/bo"


async def resolve_addresses(host: str) -> list[str]:
    """Every address the name resolves to (A and AAAA), sorted; [] when it does not resolve.

    ``socket.getaddrinfo`` blocks; the loop's version runs it in a worker thread, so the event
    loop keeps serving meanwhile. The caller (``check``) bounds the wait."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return sorted({str(ipaddress.ip_address(info[4][0].split("%")[0])) for info in infos})


async def _resolve(host: str, resolver: Resolver) -> list[str] | None:
    """The resolver's answer, or None when it took longer than ``RESOLVE_TIMEOUT``: a slow DNS
    server (or a slow resolver swapped in) never holds a request longer than that."""
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT):
            return await resolver(host)
    except TimeoutError:
        return None


@dataclass(frozen=True)
class DomainCheck:
    status: str  # ok | mismatch | unresolved | not_configured | timeout
    message: str


def _listed(addresses) -> str:
    return ", ".join(addresses) if addresses else "none"


async def check(fqdn: str, resolver: Resolver | None = None) -> DomainCheck:
    """Compare what the name resolves to with ``BACKOFFICE_PUBLIC_ADDRESSES``.

    Every address the name answers with must be one of ours: a record left pointing at an old
    server sends some visitors elsewhere, so it is a mismatch even when another record is right.
    """
    host, _ = split_port(fqdn)
    host = host.strip("[]")
    expected = get_settings().public_addresses
    if _ip(host) is not None:
        found: list[str] | None = [str(ipaddress.ip_address(host))]
    else:
        found = await _resolve(host, resolver or resolve_addresses)
    if found is None:
        return DomainCheck(
            "timeout",
            f"Looking up {host} took longer than {RESOLVE_TIMEOUT:g} seconds; "
            "try again in a moment.",
        )
    if not expected:  # a gap in this platform's set-up, not a fault of the portal
        resolved = f"resolves to {_listed(found)}" if found else "does not resolve yet"
        return DomainCheck(
            "not_configured",
            f"This platform's public addresses are not configured "
            f"(BACKOFFICE_PUBLIC_ADDRESSES), so the domain cannot be checked; {host} {resolved}.",
        )
    if not found:
        return DomainCheck(
            "unresolved",
            f"{host} does not resolve to any address; expected {_listed(expected)}. "
            "Create an A (and AAAA) record for it, then check again.",
        )
    foreign = [a for a in found if a not in expected]
    if foreign:
        return DomainCheck(
            "mismatch",
            f"{host} resolves to {_listed(found)}; expected only {_listed(expected)} "
            f"({_listed(foreign)} is not ours).",
        )
    return DomainCheck("ok", f"{host} resolves to {_listed(found)}, which is this platform.")
