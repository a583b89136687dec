"""Every table holding tenant data names its owner, so every query can be scoped."""

from pathlib import Path

from piccolo.columns import ForeignKey

from core.db.tables import all_tables, core_tables
from tenants.models import Company
from tenants.scope import owner_column

# Tables with no tenant: none today. A table added here needs a reason next to it.
GLOBAL_TABLES: set[str] = set()


def _owner_chain_reaches_company(table) -> bool:
    seen = set()
    while table is not Company and table not in seen:
        seen.add(table)
        column = owner_column(table)
        if not isinstance(column, ForeignKey):
            return False
        table = column._foreign_key_meta.resolved_references
    return table is Company


def test_every_table_declares_an_owner_column_that_leads_to_a_company():
    for table in all_tables():
        if table._meta.tablename in GLOBAL_TABLES:
            continue
        assert getattr(table, "__owner__", None), f"{table.__name__} has no __owner__"
        assert table._meta.get_column_by_name(table.__owner__) is not None
        assert _owner_chain_reaches_company(table), f"{table.__name__} owner is not a company"


def test_every_table_has_a_migration():
    import importlib
    import pkgutil

    import core.db.migrations as pkg

    text = ""
    for module in pkgutil.iter_modules(pkg.__path__):
        source = importlib.import_module(f"core.db.migrations.{module.name}")
        text += Path(source.__file__).read_text()
    for table in core_tables():  # plugin tables come with their own migrations
        assert f'tablename="{table._meta.tablename}"' in text, table.__name__
