"""Database access: one piccolo engine chosen from settings, migrations, transactions."""

import os

os.environ.setdefault("PICCOLO_CONF", "core.db.piccolo_conf")
