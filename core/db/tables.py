"""The list of every table, so migrations, tests and cleanup agree on what exists.

``core_tables`` are the ``backoffice`` piccolo app's (its auto-migration diff covers only
them); ``plugin_tables`` come from the apps plugins return from ``register_migrations``, each
with its own migrations. ``all_tables`` is both: the owner-column test and clean-up use it."""

from __future__ import annotations

from piccolo.table import Table


def core_tables() -> list[type[Table]]:
    from core.access.models import Role, RoleCompany, RolePermission
    from core.accounts.agreements.models import Agreement, AgreementVersion
    from core.accounts.bank_accounts.models import BankAccount
    from core.accounts.banks.models import Bank
    from core.accounts.legal_entities.models import LegalEntity
    from core.accounts.reselling.models import ResellingAssociation
    from core.audit.models import AuditChange, AuditEvent
    from core.auth.models import (
        AuthToken,
        OneTimeCode,
        PasswordHistory,
        PasswordPolicy,
        RecoveryCode,
        User,
    )
    from core.catalogue.enabled.models import EnabledService
    from core.catalogue.scopes.models import ServiceScope
    from core.catalogue.services.models import Service
    from core.catalogue.trees.models import RateNode
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
        Service,
        ServiceScope,
        RateNode,
        EnabledService,
        CompanyPlugin,
        PluginInstance,
        PaymentSystemConfig,
        LegalEntityPaymentSystem,
        AuditEvent,
        AuditChange,
        Job,
    ]


def plugin_apps() -> list:
    """The piccolo apps of the plugins (``register_migrations``), in plugin order."""
    from piccolo.conf.apps import AppConfig

    from core.plugins.manager import PluginError, collect

    apps = collect("register_migrations")
    names = set()
    for app in apps:
        if not isinstance(app, AppConfig) or app.app_name in ("backoffice", *names):
            raise PluginError(
                f"register_migrations must return piccolo AppConfigs with unique app names "
                f"other than 'backoffice', not {app!r}"
            )
        names.add(app.app_name)
    return apps


def plugin_tables() -> list[type[Table]]:
    return [table for app in plugin_apps() for table in app.table_classes]


def all_tables() -> list[type[Table]]:
    # Plugin tables last: they may point at core tables, and cleanup walks backwards.
    return [*core_tables(), *plugin_tables()]
