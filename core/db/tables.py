"""The list of every table, so migrations, tests and cleanup agree on what exists."""

from __future__ import annotations

from piccolo.table import Table


def all_tables() -> list[type[Table]]:
    from core.access.models import Role, RoleCompany, RolePermission
    from core.accounts.models import (
        Agreement,
        AgreementVersion,
        Bank,
        BankAccount,
        LegalEntity,
        ResellingAssociation,
    )
    from core.audit.models import AuditChange, AuditEvent
    from core.auth.models import (
        AuthToken,
        OneTimeCode,
        PasswordHistory,
        PasswordPolicy,
        RecoveryCode,
        User,
    )
    from core.jobs.models import Job
    from core.ledger.models import BalanceAccount, LedgerEntry
    from core.mail.models import OutboundEmail
    from core.payments.models import LegalEntityPaymentSystem, PaymentSystemConfig
    from core.plugins.instance_models import PluginInstance
    from core.plugins.models import CompanyPlugin
    from core.users.models import Department, Invitation, UserDepartment
    from tenants.models import Company, Portal

    # Parents before children: cleanup walks this list backwards.
    return [
        Company,
        Portal,
        Role,
        RolePermission,
        RoleCompany,
        User,
        AuthToken,
        PasswordHistory,
        RecoveryCode,
        OneTimeCode,
        PasswordPolicy,
        Department,
        UserDepartment,
        Invitation,
        OutboundEmail,
        LegalEntity,
        Bank,
        BankAccount,
        Agreement,
        AgreementVersion,
        BalanceAccount,
        LedgerEntry,
        ResellingAssociation,
        CompanyPlugin,
        PluginInstance,
        PaymentSystemConfig,
        LegalEntityPaymentSystem,
        AuditEvent,
        AuditChange,
        Job,
    ]
