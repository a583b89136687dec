"""Counting failed sign-ins per account and per IP in a fixed window.

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


@dataclass(frozen=True)
class Limits:
    per_account: int
    per_ip: int
    window_seconds: int

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


def _keys(login: str, ip: str) -> tuple[str, str]:
    # The typed login is hashed: keys in Redis should not list who tried to sign in.
    digest = hashlib.sha256(login.strip().lower().encode()).hexdigest()[:32]
    return f"login-fail:account:{digest}", f"login-fail:ip:{ip or 'unknown'}"


async def check(login: str, ip: str) -> None:
    """Refuse before checking the password once either counter is spent."""
    limits = Limits.from_settings(get_settings())
    account, address = _keys(login, ip)
    counter = _counter()
    if await counter.get(account) >= limits.per_account or await counter.get(address) >= (
        limits.per_ip
    ):
        minutes = limits.window_seconds // 60
        raise TooManyAttempts(
            f"too many failed sign-in attempts; try again in up to {minutes} minutes"
        )


async def record_failure(login: str, ip: str) -> None:
    limits = Limits.from_settings(get_settings())
    account, address = _keys(login, ip)
    counter = _counter()
    await counter.incr(account, limits.window_seconds)
    await counter.incr(address, limits.window_seconds)


async def reset_account(login: str) -> None:
    """A successful sign-in forgets the account's failures (the IP's stay counted)."""
    await _counter().clear(_keys(login, "")[0])


async def reset_for_tests() -> None:
    """Forget every failure counter (in this process, and this namespace's keys in Redis)."""
    counter = _state.get("counter")
    if isinstance(counter, RedisCounter):
        async for key in counter._client.scan_iter(f"{counter._ns}:login-fail:*"):
            await counter._client.delete(key)
        await counter._client.aclose()
    _state.clear()
