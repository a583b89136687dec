"""The ``service_scopes`` table: one dated period of a service, with its own rate tree.

Owned through the service (``__owner__``), which is owned by one company: a scope is read and
written by that company only. ``service`` is ``restrict``: deleting a service deletes its
scopes and their rate nodes in the service layer, in the same transaction as the audit event,
so nothing disappears unrecorded. ``tree_version`` counts the tree's changes; a compiled tree
cached under ``(scope id, tree_version)`` is stale the moment the counter moves, in every
process, without any message between them.
"""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from core.catalogue.services.models import Service


class ServiceScope(Table, tablename="service_scopes"):
    """[effective_from, effective_till) as UTC instants; ``timezone`` only shows them as
        entered (``core.periods``). A draft is never in force, and may leave its dates for later
    (``effective_from`` None), as the guide lets a scope be saved before its period is known."""

    __owner__ = "service"

    service = ForeignKey(references=Service, on_delete=OnDelete.restrict, index=True)
    effective_from = Timestamptz(null=True, default=None)
    effective_till = Timestamptz(null=True, default=None)
    timezone = Varchar(length=64, default="UTC")
    draft = Boolean(default=False)
    tree_version = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
