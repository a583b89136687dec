"""A list's ``tenant_id`` scope read in its own index's order on PostgreSQL (issue 9).

A list scoped to the rows of the companies a reseller created (``tenant_id = C``: a realm
list, or that arm of ``tenants.scope.in_scope``) and sorted by a key of
``tenants.scope.SCOPE_SORTS`` has a ``(tenant_id, key, id)`` index: a page is one short range
of it. PostgreSQL may walk another index giving the same order instead (the
primary key for ``id``, a key's own index) and drop the rows of other scopes one by one. With
the scope holding half the table it expects a page after twice the page's rows; that holds only
if the scope's rows are spread evenly along that order, which statistics (per column) cannot
tell. A reseller's 100,000 own bank accounts created after its clients' lie all at one end, so
the first page of the clients' accounts walked every own account first (13-25 ms at 100,000
companies against 0.06 ms from the scope index).

``ORDER BY tenant_id, id`` does not help: the equality makes the column a constant, so to the
planner that is the order of ``id`` alone. Written ``tenant_id = ANY(ARRAY[C])`` (the same
rows, estimated the same) and ordered by the scope column first, the page's order is given
by the scope index only, and no plan reads another scope's rows. SQLite's planner already
reads such a page from the equality's index; this is PostgreSQL's alone.

Only ``tenant_id``, not the owner column (``company = C``, a company's own rows, whose last
page by id walks the clients' rows the same way): ordered by a column of many distinct values,
PostgreSQL prices an incremental sort of each value's rows as sorting one row each, and chose
to read a company's 99,513 own accounts through its ``(company, name, id)`` index and sort them
all. ``tenant_id`` holds one value per reseller, so that estimate stays whole.

Not the audit log: its label filters are read through ``(scope, label, created_at, id)``
indexes, which give the page's order only while the scope is a constant; pinned, a rare user's
events were read whole and sorted (0.2 ms -> 336 ms at 1,000,000 events). Its one scope sort,
``created_at``, follows the ids of every tenant alike, so no scope's rows gather at one end.
"""

from __future__ import annotations

from piccolo.columns import Column
from piccolo.columns.combination import Where, WhereRaw
from piccolo.columns.operators.comparison import Equal
from piccolo.table import Table

from core.db.engine import is_postgres

# tables read with filters of their own (scope, filter, key, id) indexes: never pinned
UNPINNED = frozenset({"audit_events"})


def _is_scope_equality(clause, table: type[Table]) -> bool:
    return (
        isinstance(clause, Where)
        and clause.operator is Equal
        and isinstance(clause.value, int)
        and not clause.column._meta.call_chain
        and clause.column._meta.table is table
        and clause.column._meta.name == "tenant_id"
    )


def pin(table: type[Table], where: list, key: Column) -> tuple[list, Column | None]:
    """``where`` with its ``tenant_id = C`` as a one-element ``= ANY``, and that column, which
    the page orders by before ``key``; ``(where, None)`` on SQLite, for a key no
    ``(tenant_id, key, id)`` index serves, or with no such equality (the owner's arm, a plain
    ``OR`` of a deep page, the system owner's unscoped lists)."""
    from tenants.scope import SCOPE_SORTS

    name = table._meta.tablename
    indexed = frozenset() if name in UNPINNED else SCOPE_SORTS.get(name, frozenset())
    if not is_postgres() or key._meta.call_chain or key._meta.name not in indexed:
        return where, None
    for n, clause in enumerate(where):
        if _is_scope_equality(clause, table):
            column = clause.column
            name = f'"{table._meta.tablename}"."{column._meta.db_column_name}"'
            pinned = WhereRaw(f"{name} = ANY({{}})", [clause.value])
            return [*where[:n], pinned, *where[n + 1 :]], column
    return where, None
