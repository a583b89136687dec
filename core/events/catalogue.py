"""The domain events core announces, one typed payload per name.

Payloads are msgspec Structs tagged by ``name`` so they travel as plain JSON through dramatiq
(``to_payload``) and come back typed (``decode``). Every event carries the company it concerns
and that company's tree path, so a subscriber can scope itself to a tenant, plus a unique
``event_id`` to recognise a redelivery. Field names are a public contract: add, never rename.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec


def _now() -> datetime:
    return datetime.now(UTC)


def _event_id() -> str:
    return uuid.uuid4().hex


class Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="name"):
    """What every event shares: the company it concerns, who caused it and when."""

    company_id: int
    company_path: str
    actor_user_id: int | None = None
    occurred_at: datetime = msgspec.field(default_factory=_now)
    event_id: str = msgspec.field(default_factory=_event_id)

    @property
    def name(self) -> str:
        return self.__struct_config__.tag


class CompanyCreated(Event, frozen=True, kw_only=True, tag="company.created"):
    """``company_id`` is the new company; ``parent_id`` the company that created it."""

    parent_id: int
    company_name: str
    kind: str


class CompanyBlocked(Event, frozen=True, kw_only=True, tag="company.blocked"):
    company_name: str


class CompanyUnblocked(Event, frozen=True, kw_only=True, tag="company.unblocked"):
    company_name: str


class UserInvited(Event, frozen=True, kw_only=True, tag="user.invited"):
    """``company_id`` is the company the invited user will belong to."""

    invitation_id: int
    email: str
    group: str
    role_id: int | None
    is_admin: bool
    expires_at: datetime


class AgreementVersionStarted(Event, frozen=True, kw_only=True, tag="agreement.version_started"):
    """A version of an agreement's terms came into force; ``company_id`` is the client company.

    Emitted once per version: when it is recorded (or its start moved) with a start that has
    passed, else within a minute after ``effective_from`` (``core.events.starts``).
    ``first_version`` says no version of the agreement starts earlier.
    """

    agreement_id: int
    agreement_code: str
    version_id: int
    effective_from: datetime
    effective_till: datetime | None
    first_version: bool


EVENTS: dict[str, type[Event]] = {
    cls.__struct_config__.tag: cls
    for cls in (
        CompanyCreated,
        CompanyBlocked,
        CompanyUnblocked,
        UserInvited,
        AgreementVersionStarted,
    )
}
_ANY = CompanyCreated | CompanyBlocked | CompanyUnblocked | UserInvited | AgreementVersionStarted


def to_payload(event: Event) -> dict[str, Any]:
    """The JSON-ready dict a job receives (datetimes as RFC 3339 strings, ``name`` included)."""
    return msgspec.to_builtins(event)


def decode(payload: dict[str, Any]) -> Event:
    """The typed event back from ``to_payload``; an unknown name raises ``ValidationError``."""
    return msgspec.convert(payload, _ANY)
