"""The portal shapes accepted and returned by the API (and reused by the UI forms).

Secrets are write-only: the Intercom secret goes in, only ``intercom_secret_set`` comes out;
the certificate's private key never comes out at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from core.web.listing import Page

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Host = Annotated[str, msgspec.Meta(max_length=300)]
Title = Annotated[str, msgspec.Meta(max_length=200)]
Code = Annotated[str, msgspec.Meta(max_length=8)]
Languages = Annotated[list[Code], msgspec.Meta(max_length=50)]
Description = Annotated[str, msgspec.Meta(max_length=2000)]
Descriptions = Annotated[dict[str, Description], msgspec.Meta(max_length=50)]
Color = Annotated[str, msgspec.Meta(max_length=7, extra={"expect": "a colour like #1a73e8"})]
AppId = Annotated[str, msgspec.Meta(max_length=100)]
Secret = Annotated[str, msgspec.Meta(max_length=500)]
Email = Annotated[str, msgspec.Meta(max_length=254)]
Theme = Annotated[str, msgspec.Meta(max_length=64)]
Status = Literal["draft", "active"]
CertificateMode = Literal["automatic", "manual"]
Pem = Annotated[str, msgspec.Meta(max_length=65536)]


class PortalCreate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    company_id: int | None = None  # default: the caller's company
    name: Name
    fqdn: Host
    status: Status = "draft"
    theme: Theme = "default"
    title: Title = ""
    languages: Languages = msgspec.field(default_factory=lambda: ["en"])
    primary_color: Color = ""
    login_descriptions: Descriptions = {}
    display_branding: bool = True
    shortener_domain: Host = ""
    intercom_enabled: bool = False
    intercom_app_id: AppId = ""
    intercom_secret: Secret = ""
    support_email: Email = ""
    certificate_mode: CertificateMode = "automatic"


class PortalUpdate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """The company of a portal is fixed at creation. ``intercom_secret``: "" removes it."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    fqdn: Host | msgspec.UnsetType = msgspec.UNSET
    status: Status | msgspec.UnsetType = msgspec.UNSET
    theme: Theme | msgspec.UnsetType = msgspec.UNSET
    title: Title | msgspec.UnsetType = msgspec.UNSET
    languages: Languages | msgspec.UnsetType = msgspec.UNSET
    primary_color: Color | msgspec.UnsetType = msgspec.UNSET
    login_descriptions: Descriptions | msgspec.UnsetType = msgspec.UNSET
    display_branding: bool | msgspec.UnsetType = msgspec.UNSET
    shortener_domain: Host | msgspec.UnsetType = msgspec.UNSET
    intercom_enabled: bool | msgspec.UnsetType = msgspec.UNSET
    intercom_app_id: AppId | msgspec.UnsetType = msgspec.UNSET
    intercom_secret: Secret | msgspec.UnsetType = msgspec.UNSET
    support_email: Email | msgspec.UnsetType = msgspec.UNSET
    certificate_mode: CertificateMode | msgspec.UnsetType = msgspec.UNSET


class CertificateUpload(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    certificate_pem: Pem
    private_key_pem: Pem


class PortalOut(msgspec.Struct, gc=False):
    id: int
    company_id: int
    company_name: str
    name: str
    fqdn: str
    backoffice_url: str
    status: str
    theme: str
    title: str
    languages: list[str]
    primary_color: str
    login_descriptions: dict[str, str]
    display_branding: bool
    shortener_domain: str
    intercom_enabled: bool
    intercom_app_id: str
    intercom_secret_set: bool
    support_email: str
    domain_status: str
    domain_message: str
    domain_checked_at: datetime | None
    certificate_mode: str
    certificate_status: str
    certificate_message: str
    certificate_subject: str
    certificate_expires_at: datetime | None
    files: list[str]
    created_by_id: int | None
    created_by: str | None
    updated_by_id: int | None
    updated_by: str | None
    created_at: datetime
    updated_at: datetime


class PortalPage(Page):
    items: list[PortalOut]


class ThemeOut(msgspec.Struct):
    name: str
    label: str


class PortalReferences(msgspec.Struct):
    """What deleting the portal unlinks (those rows stay, their portal becomes empty)."""

    legal_entities: int
    companies: int
