"""Connections to accounting packages, what was cached from their charts, and the accounting settings.

No secret is ever stored here: a connection names its keyring entry (``secret_key``), and the refresh token
lives only in that entry; access tokens live only in memory (DESIGN.md "Connections and secrets").

Disconnecting deletes the ``Connection`` row alone. The accounting settings and the cached chart are keyed
by package (and tenant), not by the row, so Reconnect carries on where the business left off.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Percentage, Quantity, Timestamps, utcnow
from app.models.catalogue import PaymentMethod


class AccountingPackage(enum.StrEnum):
    """The accounting packages (same values as ``app.integrations.base.PackageKind``)."""

    XERO = "xero"
    QUICKBOOKS_ONLINE = "quickbooks_online"
    MYOB_ACCOUNTRIGHT = "myob_accountright"
    MYOB_ESSENTIALS = "myob_essentials"

    @property
    def label(self) -> str:
        return {
            AccountingPackage.XERO: "Xero",
            AccountingPackage.QUICKBOOKS_ONLINE: "QuickBooks Online",
            AccountingPackage.MYOB_ACCOUNTRIGHT: "MYOB AccountRight Live",
            AccountingPackage.MYOB_ESSENTIALS: "MYOB Essentials",
        }[self]


class ConnectionStatus(enum.StrEnum):
    CONNECTED = "connected"
    #: The package no longer accepts the sign-in (revoked, lapsed, organisation disconnected): Reconnect.
    NEEDS_RECONNECTING = "needs_reconnecting"

    @property
    def label(self) -> str:
        if self is ConnectionStatus.CONNECTED:
            return "Connected"
        return "Needs reconnecting"


class Connection(Base):
    """The business's connection to one accounting package, and its health.

    One per package. ``tenant_id`` / ``tenant_name`` are the organisation (Xero), company (QuickBooks) or
    company file (MYOB) chosen after consent. ``sandbox`` marks a connection made to LedgerBridge's local
    sandbox (its address is never stored: it comes from ``--sandbox`` or ``--demo`` each time).
    """

    __tablename__ = "connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    package: Mapped[AccountingPackage] = mapped_column(unique=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    tenant_name: Mapped[str] = mapped_column(String(255))
    status: Mapped[ConnectionStatus] = mapped_column(default=ConnectionStatus.CONNECTED)
    #: Why the connection needs attention, in a plain sentence ("" when connected).
    status_message: Mapped[str] = mapped_column(Text, default="")
    #: The name of the keyring entry holding the refresh token. Not a secret itself.
    secret_key: Mapped[str] = mapped_column(String(100), unique=True)
    sandbox: Mapped[bool] = mapped_column(default=False)
    #: The scopes the package granted, space-separated.
    scope: Mapped[str] = mapped_column(String(500), default="")
    connected_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: When the user last went through the package's consent page (connect or reconnect).
    consent_renewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_successful_call_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    #: Payments made in the package are only as current as its bank feeds, so the console shows this.
    payments_last_checked_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    refresh_token_renewed_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    def __repr__(self) -> str:
        return f"Connection({self.package.value!r}, {self.tenant_name!r}, {self.status.value!r})"


class ReferenceField(enum.StrEnum):
    """What goes in the invoice's Reference field in the package."""

    JOB_NUMBER = "job_number"
    PURCHASE_ORDER_NUMBER = "purchase_order_number"
    SITE_ADDRESS = "site_address"
    CLIENT_WORK_ORDER_NUMBER = "client_work_order_number"

    @property
    def label(self) -> str:
        return {
            ReferenceField.JOB_NUMBER: "Job Number",
            ReferenceField.PURCHASE_ORDER_NUMBER: "Purchase Order Number",
            ReferenceField.SITE_ADDRESS: "Site Address",
            ReferenceField.CLIENT_WORK_ORDER_NUMBER: "Client Work Order Number",
        }[self]


class SettingsAccountRole(enum.StrEnum):
    """Each account chosen on the Accounts Integration screen."""

    RECEIVE_PAYMENTS = "receive_payments"
    CREDIT_CARD_PAYMENTS = "credit_card_payments"
    SUPPLIER_INVOICE = "supplier_invoice"
    SUPPLIER_EXPENSE = "supplier_expense"
    ROUNDING = "rounding"
    LABOUR_INCOME = "labour_income"
    MATERIALS_INCOME = "materials_income"
    CREDIT_NOTE = "credit_note"
    BAD_DEBT = "bad_debt"

    @property
    def label(self) -> str:
        return {
            SettingsAccountRole.RECEIVE_PAYMENTS: "Account Number To Receive Payments",
            SettingsAccountRole.CREDIT_CARD_PAYMENTS: "Account for Credit Card Payments",
            SettingsAccountRole.SUPPLIER_INVOICE: "Default Supplier Invoice Account",
            SettingsAccountRole.SUPPLIER_EXPENSE: "Default Supplier Expense Account",
            SettingsAccountRole.ROUNDING: "Default Rounding Account",
            SettingsAccountRole.LABOUR_INCOME: "Default Labour Income Account",
            SettingsAccountRole.MATERIALS_INCOME: "Default Materials Income Account",
            SettingsAccountRole.CREDIT_NOTE: "Default Credit Note Account",
            SettingsAccountRole.BAD_DEBT: "Default Bad Debt Account",
        }[self]


class AccountingSettings(Timestamps, Base):
    """The Accounts Integration settings of one package. Kept when the package is disconnected."""

    __tablename__ = "accounting_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    package: Mapped[AccountingPackage] = mapped_column(unique=True)
    reference_field: Mapped[ReferenceField] = mapped_column(default=ReferenceField.JOB_NUMBER)
    #: The method given to payments that come from the package.
    default_payment_method_id: Mapped[int | None] = mapped_column(
        ForeignKey("payment_methods.id", ondelete="SET NULL"), default=None
    )
    push_individual_lines: Mapped[bool] = mapped_column(default=True)
    push_lines_as_items: Mapped[bool] = mapped_column(default=False)
    push_work_undertaken: Mapped[bool] = mapped_column(default=False)
    relax_account_restrictions: Mapped[bool] = mapped_column(default=False)
    #: Invoices dated on or after this are pushed (and their payments, credit notes, voids); None until set.
    invoice_start_date: Mapped[dt.date | None] = mapped_column(default=None)

    default_payment_method: Mapped[PaymentMethod | None] = relationship()
    accounts: Mapped[list[SettingsAccount]] = relationship(
        back_populates="settings", cascade="all, delete-orphan", order_by="SettingsAccount.role"
    )

    def account_for(self, role: SettingsAccountRole) -> SettingsAccount | None:
        return next((chosen for chosen in self.accounts if chosen.role is role), None)


class SettingsAccount(Base):
    """The account chosen for one role. ``account_id`` is the package's id; code and name for display."""

    __tablename__ = "settings_accounts"
    __table_args__ = (UniqueConstraint("settings_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    settings_id: Mapped[int] = mapped_column(ForeignKey("accounting_settings.id", ondelete="CASCADE"))
    role: Mapped[SettingsAccountRole]
    account_id: Mapped[str] = mapped_column(String(64))
    account_code: Mapped[str] = mapped_column(String(32), default="")
    account_name: Mapped[str] = mapped_column(String(150), default="")

    settings: Mapped[AccountingSettings] = relationship(back_populates="accounts")

    @property
    def label(self) -> str:
        if self.account_code:
            return f"{self.account_code} - {self.account_name}".rstrip(" -")
        return self.account_name or self.account_id


class PackageAccount(Base):
    """An account of the package's chart, as last refreshed. ``kind`` holds a neutral account kind
    (``app.integrations.base.AccountKind`` value: bank, credit_card, revenue, expense, ...)."""

    __tablename__ = "package_accounts"
    __table_args__ = (UniqueConstraint("package", "tenant_id", "remote_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    package: Mapped[AccountingPackage]
    tenant_id: Mapped[str] = mapped_column(String(64))
    remote_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(String(150))
    kind: Mapped[str] = mapped_column(String(32))
    #: The package's own type name (Xero "REVENUE", "BANK", ...).
    package_type: Mapped[str] = mapped_column(String(50), default="")
    active: Mapped[bool] = mapped_column(default=True)
    tax_code: Mapped[str | None] = mapped_column(String(50), default=None)
    accepts_payments: Mapped[bool] = mapped_column(default=False)
    system_role: Mapped[str | None] = mapped_column(String(50), default=None)
    description: Mapped[str] = mapped_column(Text, default="")
    refreshed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def label(self) -> str:
        return f"{self.code} - {self.name}" if self.code else self.name


class PackageTaxRate(Base):
    """A tax rate of the package, as last refreshed. ``code`` is what a line carries (Xero TaxType)."""

    __tablename__ = "package_tax_rates"
    __table_args__ = (UniqueConstraint("package", "tenant_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    package: Mapped[AccountingPackage]
    tenant_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(150))
    rate: Mapped[Decimal] = mapped_column(Percentage)
    active: Mapped[bool] = mapped_column(default=True)
    for_sales: Mapped[bool] = mapped_column(default=True)
    for_purchases: Mapped[bool] = mapped_column(default=True)
    refreshed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PackageItem(Base):
    """An item of the package, as last refreshed."""

    __tablename__ = "package_items"
    __table_args__ = (UniqueConstraint("package", "tenant_id", "remote_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    package: Mapped[AccountingPackage]
    tenant_id: Mapped[str] = mapped_column(String(64))
    remote_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    sale_price: Mapped[Decimal | None] = mapped_column(Quantity, default=None)
    income_account_code: Mapped[str | None] = mapped_column(String(32), default=None)
    tax_code: Mapped[str | None] = mapped_column(String(64), default=None)
    sold: Mapped[bool] = mapped_column(default=True)
    purchased: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    refreshed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
