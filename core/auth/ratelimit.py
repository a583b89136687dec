"""Counting failed sign-ins per account and per IP in a fixed window.

An account is locked per (account, client address) first: ``login_max_failures`` (10) wrong
passwords from one address lock that account for that address only, so a stranger who knows a
login cannot lock its owner out from elsewhere. A higher account-wide ceiling
(``ACCOUNT_WIDE_FACTOR`` times that, 100) still stops a guessing campaign spread over many
addresses, and each address has its own ceiling over all accounts (``login_max_failures_per_ip``).
Callers pass an account key that is the same for every way of naming the account (the user id
once the login or e-mail is resolved), so a login name and an e-mail do not get 10 tries each.

With Redis the counters are shared by every web process (INCR, then EXPIRE on the first hit of
a window); without it they live in this process, which is right for the single-process embedded
mode. Only failures count, so a user who types the password right is never slowed down.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from core.errors import DomainError
from core.settings import Settings, get_settings


class TooManyAttempts(DomainError):
    status_code = 429
    title = "Too many attempts"


ACCOUNT_WIDE_FACTOR = 10


@dataclass(frozen=True)
class Limits:
    per_account: int  # per (account, address)
    per_ip: int
    window_seconds: int

    @property
    def account_wide(self) -> int:
        return self.per_account * ACCOUNT_WIDE_FACTOR

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            settings.login_max_failures,
            settings.login_max_failures_per_ip,
            settings.login_failure_window_minutes * 60,
        )


class MemoryCounter:
    def __init__(self) -> None:
        self._hits: dict[str, tuple[int, float]] = {}

    async def get(self, key: str) -> int:
        count, until = self._hits.get(key, (0, 0.0))
        return count if until > time.monotonic() else 0

    async def incr(self, key: str, window: int) -> int:
        count, until = self._hits.get(key, (0, 0.0))
        if until <= time.monotonic():
            count, until = 0, time.monotonic() + window
        self._hits[key] = (count + 1, until)
        if len(self._hits) > 100_000:  # forget expired keys so memory stays bounded
            now = time.monotonic()
            self._hits = {k: v for k, v in self._hits.items() if v[1] > now}
        return count + 1

    async def clear(self, key: str) -> None:
        self._hits.pop(key, None)


class RedisCounter:
    def __init__(self, url: str, namespace: str) -> None:
        import redis.asyncio as redis

        self._client = redis.from_url(url)
        self._ns = namespace

    async def get(self, key: str) -> int:
        value = await self._client.get(f"{self._ns}:{key}")
        return int(value or 0)

    async def incr(self, key: str, window: int) -> int:
        name = f"{self._ns}:{key}"
        count = await self._client.incr(name)
        if count == 1:
            await self._client.expire(name, window)
        return int(count)

    async def clear(self, key: str) -> None:
        await self._client.delete(f"{self._ns}:{key}")


_state: dict = {}


def _counter() -> MemoryCounter | RedisCounter:
    settings = get_settings()
    marker = (settings.redis_url, settings.redis_namespace)
    if _state.get("marker") != marker:
        _state["marker"] = marker
        _state["counter"] = (
            RedisCounter(settings.redis_url, settings.redis_namespace)
            if settings.redis_url
            else MemoryCounter()
        )
    return _state["counter"]


def account_key(user_id: int | None, typed: str) -> str:
    """One key per account however it was named; an unknown name is its own key."""
    return f"user-{user_id}" if user_id is not None else typed.strip().lower()


def _keys(account: str, ip: str) -> tuple[str, str, str]:
    # The account key is hashed: keys in Redis should not list who tried to sign in.
    digest = hashlib.sha256(account.strip().lower().encode()).hexdigest()[:32]
    address = ip or "unknown"
    return (
        f"login-fail:pair:{digest}:{address}",
        f"login-fail:account:{digest}",
        f"login-fail:ip:{address}",
    )


async def check(account: str, ip: str) -> None:
    """Refuse before checking the password once any of the three counters is spent."""
    limits = Limits.from_settings(get_settings())
    pair, whole, address = _keys(account, ip)
    counter = _counter()
    if (
        await counter.get(pair) >= limits.per_account
        or await counter.get(whole) >= limits.account_wide
        or await counter.get(address) >= limits.per_ip
    ):
        minutes = limits.window_seconds // 60
        raise TooManyAttempts(
            f"too many failed sign-in attempts; try again in up to {minutes} minutes"
        )


async def record_failure(account: str, ip: str) -> None:
    limits = Limits.from_settings(get_settings())
    counter = _counter()
    for key in _keys(account, ip):
        await counter.incr(key, limits.window_seconds)


async def reset_account(account: str, ip: str = "") -> None:
    """A successful sign-in forgets the account's failures from that address and its
    account-wide count (the address's count over all accounts stays)."""
    pair, whole, _ = _keys(account, ip)
    await _counter().clear(pair)
    await _counter().clear(whole)


async def reset_for_tests() -> None:
    """Forget every failure counter (in this process, and this namespace's keys in Redis)."""
    counter = _state.get("counter")
    if isinstance(counter, RedisCounter):
        async for key in counter._client.scan_iter(f"{counter._ns}:login-fail:*"):
            await counter._client.delete(key)
        await counter._client.aclose()
    _state.clear()
