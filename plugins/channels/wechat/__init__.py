"""The WeChat channel plugin, shipped with BackOffice and switchable per company like any
installed plugin (``core.plugins.manager.BUNDLED_PLUGINS`` registers it as ``wechat``)."""

from __future__ import annotations

from core.plugins.hookspecs import hookimpl
from plugins.channels.wechat.channel import WeChat

BACKOFFICE_API = ">=1,<2"


@hookimpl
def register_channels() -> list:
    return [WeChat]
