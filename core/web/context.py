"""Request-derived values that services need: the principal and the audit context."""

from __future__ import annotations

from litestar.connection import ASGIConnection

from core.audit.recorder import AuditContext
from core.auth.principal import Principal
from core.errors import Unauthorized


def principal_of(connection: ASGIConnection) -> Principal:
    principal = connection.scope.get("user")
    if principal is None:
        raise Unauthorized("authentication required")
    return principal


def client_ip(connection: ASGIConnection) -> str:
    return connection.client.host if connection.client else ""


def audit_context(connection: ASGIConnection) -> AuditContext:
    p = principal_of(connection)
    return AuditContext(
        company_id=p.company_id, user_id=p.user_id, user_label=p.email, ip=client_ip(connection)
    )
