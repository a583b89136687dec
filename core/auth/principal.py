"""Who is calling: the user, their company and so their scope, resolved once per request.

It carries everything ``GET /api/v1/me`` shows, read by the same query, because that route is
the cheapest way for a client to learn who it is and is called accordingly often.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenants.scope import Scope


@dataclass(frozen=True)
class Principal:
    user_id: int
    email: str
    login: str | None
    first_name: str
    last_name: str
    is_admin: bool
    company_id: int
    company_name: str
    company_path: str
    company_kind: str
    token_id: int
    token_kind: str
    role_id: int | None = None
    group: str = "backoffice"
    appearance: str = "light"
    language: str = "en"
    has_avatar: bool = False
    scopes: tuple[str, ...] = ()
    role_name: str | None = None
    phone: str = ""
    two_factor_enabled: bool = False

    @property
    def scope(self) -> Scope:
        return Scope(self.company_id, self.company_path, self.company_kind)

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.login or self.email

    @property
    def initials(self) -> str:
        parts = [p for p in (self.first_name, self.last_name) if p]
        if parts:
            return "".join(p[0] for p in parts).upper()
        return (self.login or self.email)[:2].upper()
