"""Settings read once from the environment.

Every value is validated at start so that a typo in a deployment fails loudly with the name of
the variable, instead of surfacing later as a confusing runtime error.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlparse

PREFIX = "BACKOFFICE_"
_DEV_SECRET = "dev-insecure-" + "0" * 32


class SettingsError(ValueError):
    """A setting has a value that cannot work; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///backoffice.db"
    redis_url: str | None = None
    redis_namespace: str = "backoffice"
    secret_key: str = _DEV_SECRET
    host: str = "127.0.0.1"
    port: int = 8000
    disabled_plugins: tuple[str, ...] = ()
    data_dir: Path = Path("var")
    debug: bool = False
    secure_cookies: bool = False
    session_hours: int = 12
    token_hours: int = 24
    web_workers: int = 1
    worker_threads: int = 4
    public_addresses: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> str:
        return self.database_url.removeprefix("sqlite:///")

    @property
    def uses_redis(self) -> bool:
        return bool(self.redis_url)


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{PREFIX}{name} must be true or false, got {raw!r}")


def _int(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{PREFIX}{name} must be between {low} and {high}, got {value}")
    return value


def _database_url(raw: str) -> str:
    if raw.startswith("sqlite:///"):
        if not raw.removeprefix("sqlite:///"):
            raise SettingsError(f"{PREFIX}DATABASE_URL needs a file path after sqlite:///")
        return raw
    parsed = urlparse(raw)
    if parsed.scheme in {"postgres", "postgresql"} and parsed.hostname and parsed.path.strip("/"):
        return raw
    raise SettingsError(
        f"{PREFIX}DATABASE_URL must be sqlite:///PATH or "
        f"postgresql://USER@HOST:PORT/DB, got {raw!r}"
    )


def _redis_url(raw: str) -> str | None:
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme in {"redis", "rediss"} and parsed.hostname:
        return raw
    raise SettingsError(f"{PREFIX}REDIS_URL must look like redis://HOST:PORT/DB, got {raw!r}")


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from ``env`` (default: the process environment)."""
    env = dict(os.environ if env is None else env)

    def get(name: str) -> str | None:
        return env.get(PREFIX + name)

    values: dict = {}
    if (raw := get("DATABASE_URL")) is not None:
        values["database_url"] = _database_url(raw)
    if (raw := get("REDIS_URL")) is not None:
        values["redis_url"] = _redis_url(raw)
    if raw := get("REDIS_NAMESPACE"):
        values["redis_namespace"] = raw
    if (raw := get("SECRET_KEY")) is not None:
        if len(raw) < 32:
            raise SettingsError(f"{PREFIX}SECRET_KEY must be at least 32 characters long")
        values["secret_key"] = raw
    if raw := get("HOST"):
        values["host"] = raw
    if (raw := get("PORT")) is not None:
        values["port"] = _int("PORT", raw, 1, 65535)
    if raw := get("DISABLED_PLUGINS"):
        values["disabled_plugins"] = tuple(p.strip() for p in raw.split(",") if p.strip())
    if raw := get("DATA_DIR"):
        values["data_dir"] = Path(raw)
    if (raw := get("DEBUG")) is not None:
        values["debug"] = _bool("DEBUG", raw)
    if (raw := get("SECURE_COOKIES")) is not None:
        values["secure_cookies"] = _bool("SECURE_COOKIES", raw)
    if (raw := get("SESSION_HOURS")) is not None:
        values["session_hours"] = _int("SESSION_HOURS", raw, 1, 24 * 30)
    if (raw := get("TOKEN_HOURS")) is not None:
        values["token_hours"] = _int("TOKEN_HOURS", raw, 1, 24 * 365)
    if (raw := get("WEB_WORKERS")) is not None:
        values["web_workers"] = _int("WEB_WORKERS", raw, 1, 64)
    if (raw := get("WORKER_THREADS")) is not None:
        values["worker_threads"] = _int("WORKER_THREADS", raw, 1, 64)
    if raw := get("PUBLIC_ADDRESSES"):
        values["public_addresses"] = tuple(a.strip() for a in raw.split(",") if a.strip())
    return Settings(**values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return load_settings()


def new_secret_key() -> str:
    return secrets.token_urlsafe(48)
