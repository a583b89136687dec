"""Companies form the tenant tree; portals map host names to a company and a theme."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
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


def tenant_column() -> Integer:
    """The owning company's parent, copied onto a tenant-owned row (NULL for the system owner's
    rows). Written only by database triggers (migration ``2026-12-01T10:30:01``), on insert and
    whenever the owner or a company's parent changes, so every insert path (piccolo, bulk COPY)
    agrees; it exists so a scope is two index ranges, ``owner = C`` and ``tenant_id = C``
    (``tenants.scope.in_scope``), instead of a join to ``companies`` no index serves."""
    return Integer(null=True, default=None)


def sort_copy() -> Varchar:
    """A joined row's name copied onto this row so a list sorts by it from an index (see
    ``core.db.copies``). Written only by database triggers (migration ``2026-12-01T11:20:02``);
    NULL where the join finds no row."""
    return Varchar(length=200, null=True, default=None)


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
    # The tenant's own legal entity that sells to this company (guide §6.1).
    own_legal_entity = ForeignKey(
        references=LazyTableReference(
            "LegalEntity", module_path="core.accounts.legal_entities.models"
        ),
        null=True,
        on_delete=OnDelete.restrict,
    )
    sort_own_legal_entity = sort_copy()
    invoices_enabled = Boolean(default=False)
    # Number-portability lookups; only the system owner sees and sets these.
    mnp_requests = Boolean(default=False)
    mnp_connection = Varchar(length=100, default="")
    mnp_channels = JSON(default="[]")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Portal(Table, tablename="portals"):
    """A branded entry point: the host name decides which company's branding and theme a visitor
    sees. Uploaded files are storage keys (``core.storage``), never paths."""

    __owner__ = "company"
    __secret_columns__ = ("certificate_key", "intercom_secret")

    company = ForeignKey(references=Company, on_delete=OnDelete.cascade, index=True)
    sort_company = sort_copy()
    tenant_id = tenant_column()
    name = Varchar(length=200)
    fqdn = Varchar(length=253, unique=True)
    theme = Varchar(length=64, default="default")
    title = Varchar(length=200, default="")
    # New portals start as "draft" (set by the portal service); the column default stays
    # "active" because SQLite cannot alter a column default in place.
    status = Varchar(length=16, default="active")
    support_email = Varchar(length=254, default="")
    # Domain check: the last answer of "does the name resolve to our public addresses".
    domain_status = Varchar(length=16, default="unchecked")
    domain_message = Text(default="")
    domain_checked_at = Timestamptz(null=True, default=None)
    # Certificates: automatic (ACME through a plugin) or manual (uploaded PEM).
    certificate_mode = Varchar(length=16, default="automatic")
    certificate_status = Varchar(length=16, default="pending")
    certificate_message = Text(default="")
    certificate_pem = Text(default="")
    certificate_key = Text(default="")  # Fernet-encrypted PEM private key
    certificate_subject = Varchar(length=500, default="")
    certificate_expires_at = Timestamptz(null=True, default=None)
    # Branding
    languages = JSON(default='["en"]')
    primary_color = Varchar(length=7, default="")
    logo_square_light = Varchar(length=300, default="")
    logo_expanded_light = Varchar(length=300, default="")
    logo_square_dark = Varchar(length=300, default="")
    logo_expanded_dark = Varchar(length=300, default="")
    favicon = Varchar(length=300, default="")
    login_logo = Varchar(length=300, default="")
    login_background = Varchar(length=300, default="")
    login_descriptions = JSON(default="{}")
    display_branding = Boolean(default=True)
    shortener_domain = Varchar(length=253, default="")
    intercom_enabled = Boolean(default=False)
    intercom_app_id = Varchar(length=100, default="")
    intercom_secret = Text(default="")  # Fernet-encrypted
    license_pdf = Varchar(length=300, default="")
    privacy_pdf = Varchar(length=300, default="")
    created_by = ForeignKey(
        references=LazyTableReference("User", module_path="core.auth.models"),
        null=True,
        on_delete=OnDelete.set_null,
    )
    updated_by = ForeignKey(
        references=LazyTableReference("User", module_path="core.auth.models"),
        null=True,
        on_delete=OnDelete.set_null,
    )
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
