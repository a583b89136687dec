"""Server-rendered UI (Jinja2, per-theme environments)."""


def ui_handlers() -> list:
    return []
