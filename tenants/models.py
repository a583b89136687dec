"""Companies form the tenant tree; portals map host names to a company and a theme."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    LazyTableReference,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

COMPANY_KINDS = ("owner", "reseller", "client")


class Company(Table, tablename="companies"):
    """``path`` is the materialised path ``/1/7/42/`` so "all descendants" is one prefix query.

    The scope owner of a company is its ``parent``: the tenant that created it.
    """

    __owner__ = "parent"

    name = Varchar(length=200, index=True)
    parent = ForeignKey(
        references=LazyTableReference("Company", module_path=__name__),
        null=True,
        on_delete=OnDelete.restrict,
        index=True,
    )
    kind = Varchar(length=16, default="client", choices=None)
    path = Varchar(length=400, default="", index=True)
    depth = Integer(default=0)
    enabled = Boolean(default=True)
    creator_of_resellers = Boolean(default=False)
    moderation = Boolean(default=False)
    two_factor_required = Boolean(default=False)
    description = Text(default="")
    portal = ForeignKey(
        references=LazyTableReference("Portal", module_path=__name__),
        null=True,
        on_delete=OnDelete.set_null,
    )
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Portal(Table, tablename="portals"):
    """Minimal now: the host name decides which company's branding and theme a visitor sees."""

    __owner__ = "company"

    company = ForeignKey(references=Company, on_delete=OnDelete.cascade, index=True)
    name = Varchar(length=200)
    fqdn = Varchar(length=253, unique=True)
    theme = Varchar(length=64, default="default")
    title = Varchar(length=200, default="")
    status = Varchar(length=16, default="active")
    support_email = Varchar(length=254, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
