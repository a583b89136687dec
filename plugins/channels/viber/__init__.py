"""The Viber channel plugin, shipped with BackOffice and switchable per company like any
installed plugin (``core.plugins.manager.BUNDLED_PLUGINS`` registers it as ``viber``)."""

from __future__ import annotations

from core.plugins.hookspecs import hookimpl
from plugins.channels.viber.channel import Viber

BACKOFFICE_API = ">=1,<2"


@hookimpl
def register_channels() -> list:
    return [Viber]
