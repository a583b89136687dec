"""The ``rate_nodes`` table: a scope's rate tree, one row per node.

A domain row has no parent; a resource row's parent is its domain; a value row's parent is a
resource or another value, and ``key`` is the attribute value it matches (``"*"`` for Others).
The row holds the node's own rate (``price_type`` None: nobody priced it yet): a branch names
``depends_on``, a flat rate ``price`` (micro-units, ``core.money``), a scale ``scale``,
``tiers`` and ``counter_group`` (JSON text: read whole with the node, never queried into).
A resource row also keeps the resource's billing and quantity rules, the defaults below it.

Rows are written a whole tree at a time by ``core.catalogue.trees.store`` through the bulk
path, ids allocated up front so parent links go in with the rows. ``scope`` is ``cascade``
and so is ``parent``: deleting a scope's rows or a subtree is one statement.
"""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    ForeignKey,
    Integer,
    LazyTableReference,
    OnDelete,
    Text,
    Varchar,
)
from piccolo.table import Table

from core.catalogue.scopes.models import ServiceScope


class RateNode(Table, tablename="rate_nodes"):
    __owner__ = "scope"

    scope = ForeignKey(references=ServiceScope, on_delete=OnDelete.cascade)
    parent = ForeignKey(
        references=LazyTableReference("RateNode", module_path=__name__),
        on_delete=OnDelete.cascade,
        null=True,
        default=None,
        index=True,
    )
    kind = Varchar(length=16)
    key = Varchar(length=200)
    position = Integer(default=0)
    price_type = Varchar(length=16, null=True, default=None)
    depends_on = Varchar(length=64, null=True, default=None)
    price = BigInt(null=True, default=None)
    scale = Varchar(length=16, null=True, default=None)
    tiers = Text(null=True, default=None)
    counter_group = Text(null=True, default=None)
    billing_rule = Varchar(length=16, null=True, default=None)
    quantity_rule = Varchar(length=16, null=True, default=None)
