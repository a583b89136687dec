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
    trusted_proxies: tuple[str, ...] = field(default_factory=tuple)
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = "backoffice@localhost"
    smtp_tls: str = "starttls"
    invitation_hours: int = 72
    public_url: str | None = None
    login_max_failures: int = 10
    login_max_failures_per_ip: int = 50
    login_failure_window_minutes: int = 15

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> str:
        return self.database_url.removeprefix("sqlite:///")

    @property
    def uses_redis(self) -> bool:
        return bool(self.redis_url)

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_host)

    @property
    def public_base_url(self) -> str:
        """Where links in emails point: the public URL, or this server's own address."""
        return self.public_url or f"http://{self.host}:{self.port}"


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


def _smtp_tls(raw: str) -> str:
    value = raw.strip().lower()
    if value == "ssl":
        return "ssl"
    try:
        return "starttls" if _bool("SMTP_TLS", value) else "off"
    except SettingsError:
        raise SettingsError(
            f"{PREFIX}SMTP_TLS must be true (STARTTLS), ssl or false, got {raw!r}"
        ) from None


def _public_url(raw: str) -> str | None:
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme in {"http", "https"} and parsed.hostname and not parsed.query:
        return raw.rstrip("/")
    raise SettingsError(
        f"{PREFIX}PUBLIC_URL must look like https://HOST[:PORT][/PATH], got {raw!r}"
    )


def _addresses(raw: str) -> tuple[str, ...]:
    """Comma-separated IPv4/IPv6 addresses, normalised (``::0001`` becomes ``::1``)."""
    import ipaddress

    found = []
    for item in (a.strip() for a in raw.split(",")):
        if not item:
            continue
        try:
            found.append(str(ipaddress.ip_address(item)))
        except ValueError:
            raise SettingsError(
                f"{PREFIX}PUBLIC_ADDRESSES must be comma-separated IP addresses, got {item!r}"
            ) from None
    return tuple(dict.fromkeys(found))


def _networks(raw: str) -> tuple[str, ...]:
    """Comma-separated addresses or networks (``10.0.0.0/8``) of reverse proxies."""
    import ipaddress

    found = []
    for item in (a.strip() for a in raw.split(",")):
        if not item:
            continue
        try:
            found.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise SettingsError(
                f"{PREFIX}TRUSTED_PROXIES must be comma-separated IP addresses or networks, "
                f"got {item!r}"
            ) from None
    return tuple(dict.fromkeys(found))


def _smtp_values(get) -> dict:
    values: dict = {}
    if (raw := get("SMTP_HOST")) is not None:
        values["smtp_host"] = raw.strip() or None
    if (raw := get("SMTP_PORT")) is not None:
        values["smtp_port"] = _int("SMTP_PORT", raw, 1, 65535)
    if (raw := get("SMTP_USER")) is not None:
        values["smtp_user"] = raw
    if (raw := get("SMTP_PASSWORD")) is not None:
        values["smtp_password"] = raw
    if raw := get("SMTP_FROM"):
        if "@" not in raw:
            raise SettingsError(f"{PREFIX}SMTP_FROM must be an email address, got {raw!r}")
        values["smtp_from"] = raw.strip()
    if (raw := get("SMTP_TLS")) is not None:
        values["smtp_tls"] = _smtp_tls(raw)
    if (raw := get("INVITATION_HOURS")) is not None:
        values["invitation_hours"] = _int("INVITATION_HOURS", raw, 1, 24 * 30)
    if (raw := get("PUBLIC_URL")) is not None:
        values["public_url"] = _public_url(raw.strip())
    return values


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
        values["public_addresses"] = _addresses(raw)
    if raw := get("TRUSTED_PROXIES"):
        values["trusted_proxies"] = _networks(raw)
    for name, high in (
        ("login_max_failures", 1000),
        ("login_max_failures_per_ip", 100000),
        ("login_failure_window_minutes", 24 * 60),
    ):
        if (raw := get(name.upper())) is not None:
            values[name] = _int(name.upper(), raw, 1, high)
    values.update(_smtp_values(get))
    return Settings(**values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` after changing env."""
    return load_settings()


def new_secret_key() -> str:
    return secrets.token_urlsafe(48)
