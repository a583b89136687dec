"""Who is calling: the user, their company and so their scope, resolved once per request."""

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
