"""SMTP, invitation and public-URL settings: defaults, values and errors naming the variable."""

import pytest

from core.settings import SettingsError, load_settings


def test_defaults():
    s = load_settings({})
    assert s.smtp_host is None and not s.smtp_configured
    assert s.smtp_port == 587 and s.smtp_tls == "starttls" and s.invitation_hours == 72
    assert s.public_base_url == "http://127.0.0.1:8000"


def test_values_are_read():
    s = load_settings(
        {
            "BACKOFFICE_SMTP_HOST": "smtp.example.test",
            "BACKOFFICE_SMTP_PORT": "465",
            "BACKOFFICE_SMTP_USER": "mailer",
            "BACKOFFICE_SMTP_PASSWORD": "hunter2",
            "BACKOFFICE_SMTP_FROM": "no-reply@example.test",
            "BACKOFFICE_SMTP_TLS": "ssl",
            "BACKOFFICE_INVITATION_HOURS": "24",
            "BACKOFFICE_PUBLIC_URL": "https://bo.example.test/",
        }
    )
    assert s.smtp_configured and s.smtp_port == 465 and s.smtp_tls == "ssl"
    assert s.smtp_user == "mailer" and s.smtp_from == "no-reply@example.test"
    assert s.invitation_hours == 24 and s.public_base_url == "https://bo.example.test"
    assert "hunter2" not in repr(s)
    assert load_settings({"BACKOFFICE_SMTP_TLS": "false"}).smtp_tls == "off"
    assert load_settings(
        {"BACKOFFICE_HOST": "0.0.0.0", "BACKOFFICE_PORT": "9000"}
    ).public_base_url == ("http://0.0.0.0:9000")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SMTP_PORT", "smtp"),
        ("SMTP_PORT", "0"),
        ("SMTP_TLS", "maybe"),
        ("SMTP_FROM", "nobody"),
        ("INVITATION_HOURS", "0"),
        ("INVITATION_HOURS", "100000"),
        ("PUBLIC_URL", "ftp://example.test"),
        ("PUBLIC_URL", "example.test"),
    ],
)
def test_bad_values_name_the_variable(name, value):
    with pytest.raises(SettingsError, match=f"BACKOFFICE_{name}"):
        load_settings({f"BACKOFFICE_{name}": value})
