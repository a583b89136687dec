"""Settings come from the environment and a bad value names its variable."""

import pytest

from core.settings import SettingsError, load_settings


def test_defaults():
    s = load_settings({})
    assert s.database_url == "sqlite:///backoffice.db" and s.is_sqlite
    assert s.port == 8000 and s.redis_url is None and not s.uses_redis


def test_values_are_read():
    s = load_settings(
        {
            "BACKOFFICE_DATABASE_URL": "postgresql://bo@db.internal:5433/bo",
            "BACKOFFICE_REDIS_URL": "redis://127.0.0.1:6379/2",
            "BACKOFFICE_PORT": "9000",
            "BACKOFFICE_DISABLED_PLUGINS": "a.b, c ,",
            "BACKOFFICE_SECURE_COOKIES": "yes",
        }
    )
    assert not s.is_sqlite and s.uses_redis and s.port == 9000
    assert s.disabled_plugins == ("a.b", "c") and s.secure_cookies is True


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://x/y"),
        ("DATABASE_URL", "sqlite:///"),
        ("DATABASE_URL", "postgresql://hostonly"),
        ("REDIS_URL", "http://127.0.0.1"),
        ("PORT", "eighty"),
        ("PORT", "70000"),
        ("SECRET_KEY", "short"),
        ("DEBUG", "maybe"),
        ("WORKER_THREADS", "0"),
    ],
)
def test_bad_values_name_the_variable(name, value):
    with pytest.raises(SettingsError, match=f"BACKOFFICE_{name}"):
        load_settings({f"BACKOFFICE_{name}": value})


def test_cli_reports_a_bad_setting_clearly(monkeypatch):
    from click.testing import CliRunner

    from core import cli
    from core.settings import get_settings

    monkeypatch.setenv("BACKOFFICE_PORT", "not-a-port")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.main, ["db", "migrate"])
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert result.exit_code != 0
    assert "BACKOFFICE_PORT must be a whole number" in result.output
