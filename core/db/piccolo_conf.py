"""piccolo's configuration module (``PICCOLO_CONF``): the engine comes from our settings."""

from piccolo.conf.apps import AppRegistry

from core.db.engine import make_engine
from core.settings import get_settings

DB = make_engine(get_settings())

APP_REGISTRY = AppRegistry(apps=["core.db.piccolo_app"])
