"""Field rules of a portal that need no database: languages, colours, emails, Intercom, theme.

Each rule raises ``Invalid`` naming the API field, so the API and the form show the message
next to the right input.
"""

from __future__ import annotations

import re
from functools import lru_cache

from core.errors import Invalid
from core.portals.domain import normalize_fqdn, normalize_host
from core.validation import Problems, check_email

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_APP_ID = re.compile(r"^[A-Za-z0-9_-]{1,100}$")


@lru_cache(maxsize=256)
def language_name(code: str) -> str | None:
    """The English name of an ISO 639-1 code, or None when it is not one."""
    import pycountry

    if len(code) != 2:
        return None
    try:
        language = pycountry.languages.get(alpha_2=code)
    except KeyError:
        return None
    return language.name if language is not None else None


@lru_cache(maxsize=1)
def language_choices() -> list[tuple[str, str]]:
    import pycountry

    found = [(lang.alpha_2, lang.name) for lang in pycountry.languages if hasattr(lang, "alpha_2")]
    return sorted(found, key=lambda item: item[1])


def clean_languages(items: list[str]) -> list[str]:
    kept: list[str] = []
    bad: list[str] = []
    for raw in items:
        code = raw.strip().lower()
        if not code:
            continue
        if language_name(code) is None:
            bad.append(raw.strip())
        elif code not in kept:
            kept.append(code)
    if bad:
        shown = ", ".join(f"“{b}”" for b in bad)
        raise Invalid.field("languages", f"{shown}: use two-letter ISO 639-1 codes such as en, de")
    if not kept:
        raise Invalid.field("languages", "choose at least one language")
    return kept


def clean_descriptions(texts: dict[str, str], languages: list[str]) -> dict[str, str]:
    """Login-page texts by language; every language must be one of the portal's."""
    cleaned: dict[str, str] = {}
    for raw_code, text in texts.items():
        code = raw_code.strip().lower()
        if code not in languages:
            raise Invalid.field(
                "login_descriptions",
                f"“{raw_code}” is not one of the portal's languages ({', '.join(languages)})",
            )
        if text.strip():
            cleaned[code] = text.strip()
    return cleaned


def clean_color(value: str) -> str:
    value = value.strip()
    if value and not _COLOR.match(value):
        raise Invalid.field("primary_color", "use a colour like #1a73e8 (# and six hex digits)")
    return value.lower()


def clean_email(value: str) -> str:
    value = value.strip()
    return check_email(value, "support_email") if value else value


def clean_intercom(enabled: bool, app_id: str) -> str:
    app_id = app_id.strip()
    if enabled and not app_id:
        raise Invalid.field("intercom_app_id", "required when Intercom is enabled")
    if app_id and not _APP_ID.match(app_id):
        raise Invalid.field("intercom_app_id", "use the letters, digits, _ and - of the app ID")
    return app_id


def clean_theme(name: str) -> str:
    from core.web.themes import all_themes

    themes = all_themes()
    if name not in themes:
        raise Invalid.field("theme", f"must be one of: {', '.join(sorted(themes))}")
    return name


def clean_values(values: dict) -> dict:
    """Every field rule over a full set of portal values (create, or update merged with old);
    one Invalid names every broken field."""
    problems = Problems()
    values["name"] = values["name"].strip()
    if not values["name"]:
        problems.add("name", "must not be blank")
    values["fqdn"] = problems.attempt(normalize_fqdn, values["fqdn"])
    values["theme"] = problems.attempt(clean_theme, values["theme"])
    values["title"] = values["title"].strip()
    languages = problems.attempt(clean_languages, values["languages"])
    values["languages"] = languages
    if languages is not None:
        values["login_descriptions"] = problems.attempt(
            clean_descriptions, values["login_descriptions"], languages
        )
    values["primary_color"] = problems.attempt(clean_color, values["primary_color"])
    shortener = values["shortener_domain"].strip()
    values["shortener_domain"] = problems.attempt(normalize_host, shortener) if shortener else ""
    values["intercom_app_id"] = problems.attempt(
        clean_intercom, values["intercom_enabled"], values["intercom_app_id"]
    )
    values["support_email"] = problems.attempt(clean_email, values["support_email"])
    problems.raise_if_any()
    return values
