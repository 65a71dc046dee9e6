"""The Accounts Integration settings: which accounts fit each role, validation, suggestions, flags.

The chart of accounts here is what *Refresh Chart of Accounts* last cached (``PackageAccount`` rows of the
connected organisation); this module never talks to the package (no HTTP, no Qt).

- Each account role takes the account types that fit it (bank / payment accounts for payments, revenue
  for income codes, expense and direct costs for supplier accounts...), unless the bookkeeper ticks
  *Relax Restrictions on Selection of Accounts*. Archived accounts are never offered.
- ``save_settings`` validates everything at once (required accounts chosen, types fit unless relaxed,
  accounts still active, a start date set) and writes in the caller's transaction; a refusal carries every
  problem, each naming its field, so a screen can show them beside the fields.
- ``suggest_accounts`` fills the empty roles with the obvious accounts of the chart, for review.
- ``invoices_newly_due`` counts the approved invoices an earlier start date would send.
- ``account_flags`` lists the settings, job types, materials and payment methods whose account was
  archived in the package or is gone from its chart.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    AccountingPackage,
    AccountingSettings,
    Connection,
    Invoice,
    InvoiceStatus,
    JobType,
    Material,
    PackageAccount,
    PaymentMethod,
    PaymentMethodKind,
    ReferenceField,
    SettingsAccount,
    SettingsAccountRole,
)
from app.models.base import AccountReference
from app.services.errors import RuleError

# --------------------------------------------------------------------------------------------------------
# Which accounts fit which role
# --------------------------------------------------------------------------------------------------------

# Neutral account kinds (the values of app.integrations.base.AccountKind, as PackageAccount.kind stores).
_INCOME_KINDS = frozenset({"revenue", "other_income"})
_EXPENSE_KINDS = frozenset({"expense", "direct_costs", "other_expense"})

#: The package's own name for the account that takes rounding (Xero SystemAccount "ROUNDING").
ROUNDING_SYSTEM_ROLE = "ROUNDING"


class AccountPurpose(enum.StrEnum):
    """What an account is chosen for, which decides the account types that fit."""

    PAYMENTS = "payments"
    INCOME = "income"
    EXPENSE = "expense"
    ROUNDING = "rounding"

    @property
    def fitting_types(self) -> str:
        """The account types that fit, in words (for hints and refusals)."""
        return {
            AccountPurpose.PAYMENTS: "bank accounts and accounts that accept payments",
            AccountPurpose.INCOME: "revenue accounts",
            AccountPurpose.EXPENSE: "expense and direct cost accounts",
            AccountPurpose.ROUNDING: "the rounding account, revenue and expense accounts",
        }[self]


ROLE_PURPOSE: dict[SettingsAccountRole, AccountPurpose] = {
    SettingsAccountRole.RECEIVE_PAYMENTS: AccountPurpose.PAYMENTS,
    SettingsAccountRole.CREDIT_CARD_PAYMENTS: AccountPurpose.PAYMENTS,
    SettingsAccountRole.SUPPLIER_INVOICE: AccountPurpose.EXPENSE,
    SettingsAccountRole.SUPPLIER_EXPENSE: AccountPurpose.EXPENSE,
    SettingsAccountRole.ROUNDING: AccountPurpose.ROUNDING,
    SettingsAccountRole.LABOUR_INCOME: AccountPurpose.INCOME,
    SettingsAccountRole.MATERIALS_INCOME: AccountPurpose.INCOME,
    SettingsAccountRole.CREDIT_NOTE: AccountPurpose.INCOME,
    SettingsAccountRole.BAD_DEBT: AccountPurpose.EXPENSE,
}

#: One line under each dropdown saying what posts there (DESIGN.md "Data that syncs").
ROLE_HINTS: dict[SettingsAccountRole, str] = {
    SettingsAccountRole.RECEIVE_PAYMENTS: "Payments taken in LedgerBridge are deposited here, unless their "
    "payment method has its own account.",
    SettingsAccountRole.CREDIT_CARD_PAYMENTS: "Card payments are deposited here until the card provider "
    "settles them. Left empty, they go to the account to receive payments.",
    SettingsAccountRole.SUPPLIER_INVOICE: "Accepted supplier invoices post here, unless a line names "
    "another account.",
    SettingsAccountRole.SUPPLIER_EXPENSE: "Expenses recorded against a job post here, unless the expense "
    "names another account.",
    SettingsAccountRole.ROUNDING: "The odd cent between LedgerBridge's total and the package's posts here.",
    SettingsAccountRole.LABOUR_INCOME: "Labour lines post here, unless their job type has its own income "
    "account.",
    SettingsAccountRole.MATERIALS_INCOME: "Material lines post here, unless the material has its own "
    "income account.",
    SettingsAccountRole.CREDIT_NOTE: "Credit notes post here.",
    SettingsAccountRole.BAD_DEBT: "Invoices written off as bad debt post here. Needed only to write off.",
}

#: Roles that may stay empty: card payments fall back to the account to receive payments, and the bad
#: debt account is only needed to write an invoice off.
OPTIONAL_ROLES = frozenset({SettingsAccountRole.CREDIT_CARD_PAYMENTS, SettingsAccountRole.BAD_DEBT})

INCOME_CODE_HINT = (
    "Labour on this job type's invoices posts here, unless a material or the line says otherwise."
)
MATERIAL_INCOME_HINT = "Invoice lines selling this material post here, ahead of the job type's account."
DEPOSIT_ACCOUNT_HINT = "Payments taken with this method are deposited here."

REFERENCE_FIELD_HINT = "What the package shows in each invoice's Reference."
START_DATE_HINT = (
    "Invoices dated on or after this day are sent, with their payments and credit notes; older ones never."
)
PAYMENT_METHOD_HINT = "Given to payments recorded in the package and brought into LedgerBridge."
RELAX_HINT = "Ticked, every dropdown offers every active account, whatever its type."


@dataclass(frozen=True)
class ChartAccount:
    """One account of the cached chart, detached from the session."""

    remote_id: str
    code: str
    name: str
    kind: str
    package_type: str = ""
    active: bool = True
    accepts_payments: bool = False
    system_role: str | None = None

    @property
    def label(self) -> str:
        return f"{self.code} - {self.name}" if self.code else self.name

    @property
    def kind_label(self) -> str:
        return self.kind.replace("_", " ")

    @property
    def a_kind(self) -> str:
        """The account's type with its article: "a bank account", "an expense account"."""
        article = "an" if self.kind_label[:1] in "aeiou" else "a"
        return f"{article} {self.kind_label} account"

    @classmethod
    def of(cls, row: PackageAccount) -> ChartAccount:
        return cls(
            remote_id=row.remote_id,
            code=row.code,
            name=row.name,
            kind=row.kind,
            package_type=row.package_type,
            active=row.active,
            accepts_payments=row.accepts_payments,
            system_role=row.system_role,
        )


def fits(account: ChartAccount, purpose: AccountPurpose) -> bool:
    """Whether ``account``'s type fits ``purpose`` (whether or not it is active)."""
    if purpose is AccountPurpose.PAYMENTS:
        # Xero records payments only to BANK accounts or ones with EnablePaymentsToAccount (xero.md 4.1).
        return account.accepts_payments or account.kind == "bank"
    if purpose is AccountPurpose.INCOME:
        return account.kind in _INCOME_KINDS
    if purpose is AccountPurpose.EXPENSE:
        return account.kind in _EXPENSE_KINDS
    return account.system_role == ROUNDING_SYSTEM_ROLE or account.kind in _INCOME_KINDS | _EXPENSE_KINDS


_DIGITS = re.compile(r"\d+")


def _code_order(account: ChartAccount) -> tuple[str, str]:
    return (_DIGITS.sub(lambda m: m.group().zfill(12), account.code.casefold()), account.name.casefold())


@dataclass(frozen=True)
class Chart:
    """The cached chart of one organisation (``tenant_id``; None when nothing was ever refreshed)."""

    package: AccountingPackage
    tenant_id: str | None
    accounts: tuple[ChartAccount, ...] = ()
    refreshed_at: dt.datetime | None = None
    _by_id: dict[str, ChartAccount] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Kept in code order, so each dropdown only has to filter.
        object.__setattr__(self, "accounts", tuple(sorted(self.accounts, key=_code_order)))
        self._by_id.update({account.remote_id: account for account in self.accounts})

    @property
    def empty(self) -> bool:
        return not self.accounts

    def find(self, remote_id: str | None) -> ChartAccount | None:
        return self._by_id.get(remote_id) if remote_id else None

    def by_code(self, code: str) -> ChartAccount | None:
        wanted = code.strip().casefold()
        return next((a for a in self.accounts if a.code.casefold() == wanted and wanted), None)

    def offered(self, purpose: AccountPurpose, *, relaxed: bool) -> list[ChartAccount]:
        """What a dropdown for ``purpose`` offers: active accounts that fit (any type when relaxed),
        in code order."""
        return [a for a in self.accounts if a.active and (relaxed or fits(a, purpose))]


def chart_tenant(session: Session, package: AccountingPackage) -> str | None:
    """The organisation whose chart the settings use: the connected one, else the last one refreshed."""
    tenant = session.scalar(select(Connection.tenant_id).where(Connection.package == package))
    if tenant:
        return tenant
    return session.scalar(
        select(PackageAccount.tenant_id)
        .where(PackageAccount.package == package)
        .order_by(PackageAccount.refreshed_at.desc())
        .limit(1)
    )


def load_chart(session: Session, package: AccountingPackage, tenant_id: str | None = None) -> Chart:
    """The cached chart of ``tenant_id`` (default: ``chart_tenant``), in one query."""
    tenant = tenant_id or chart_tenant(session, package)
    if tenant is None:
        return Chart(package, None)
    # Plain rows rather than ORM objects: a chart can hold thousands of accounts, read when a screen opens.
    rows = session.execute(
        select(
            PackageAccount.remote_id,
            PackageAccount.code,
            PackageAccount.name,
            PackageAccount.kind,
            PackageAccount.package_type,
            PackageAccount.active,
            PackageAccount.accepts_payments,
            PackageAccount.system_role,
            PackageAccount.refreshed_at,
        ).where(PackageAccount.package == package, PackageAccount.tenant_id == tenant)
    ).all()
    accounts = tuple(ChartAccount(*row[:8]) for row in rows)
    refreshed = max((row.refreshed_at for row in rows), default=None)
    return Chart(package, tenant, accounts, refreshed)


def current_package(session: Session) -> AccountingPackage:
    """The package the settings screen is about: the connected one, else the one with settings, else Xero."""
    connected = session.scalar(select(Connection.package).order_by(Connection.id).limit(1))
    if connected is not None:
        return connected
    configured = session.scalar(
        select(AccountingSettings.package).order_by(AccountingSettings.updated_at.desc()).limit(1)
    )
    return configured or AccountingPackage.XERO


# --------------------------------------------------------------------------------------------------------
# The settings as the screen edits them
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredAccount:
    """An account as the settings (or a job type, material, payment method) remember it."""

    remote_id: str
    code: str
    name: str

    @property
    def label(self) -> str:
        if self.code:
            return f"{self.code} - {self.name}".rstrip(" -")
        return self.name or self.remote_id


@dataclass
class SettingsDraft:
    """Every setting of the Accounts Integration screen. ``accounts`` maps each role to the package's
    account id (None when nothing is chosen)."""

    reference_field: ReferenceField = ReferenceField.JOB_NUMBER
    accounts: dict[SettingsAccountRole, str | None] = field(
        default_factory=lambda: dict.fromkeys(SettingsAccountRole)
    )
    default_payment_method_id: int | None = None
    push_individual_lines: bool = True
    push_lines_as_items: bool = False
    push_work_undertaken: bool = False
    relax_account_restrictions: bool = False
    invoice_start_date: dt.date | None = None

    def copy(self) -> SettingsDraft:
        return SettingsDraft(
            reference_field=self.reference_field,
            accounts=dict(self.accounts),
            default_payment_method_id=self.default_payment_method_id,
            push_individual_lines=self.push_individual_lines,
            push_lines_as_items=self.push_lines_as_items,
            push_work_undertaken=self.push_work_undertaken,
            relax_account_restrictions=self.relax_account_restrictions,
            invoice_start_date=self.invoice_start_date,
        )

    def account(self, role: SettingsAccountRole) -> str | None:
        return self.accounts.get(role)

    @classmethod
    def of(cls, settings: AccountingSettings | None) -> SettingsDraft:
        if settings is None:
            return cls()
        accounts: dict[SettingsAccountRole, str | None] = dict.fromkeys(SettingsAccountRole)
        for chosen in settings.accounts:
            accounts[chosen.role] = chosen.account_id
        return cls(
            reference_field=settings.reference_field,
            accounts=accounts,
            default_payment_method_id=settings.default_payment_method_id,
            push_individual_lines=settings.push_individual_lines,
            push_lines_as_items=settings.push_lines_as_items,
            push_work_undertaken=settings.push_work_undertaken,
            relax_account_restrictions=settings.relax_account_restrictions,
            invoice_start_date=settings.invoice_start_date,
        )


@dataclass(frozen=True)
class PaymentMethodChoice:
    id: int
    name: str
    kind: PaymentMethodKind
    active: bool


class FlagReason(enum.StrEnum):
    ARCHIVED = "archived"
    VANISHED = "vanished"


@dataclass(frozen=True)
class AccountFlag:
    """A setting or record pointing at an account the package archived or no longer has.

    ``field`` is the settings field (a role's value) when the flag is about a setting, else None;
    ``record`` says which job type / material / payment method ("" for a setting).
    """

    where: str
    account: StoredAccount
    reason: FlagReason
    package_label: str
    field: str | None = None
    record: str = ""

    @property
    def message(self) -> str:
        if self.reason is FlagReason.ARCHIVED:
            what = f"{self.account.label} is archived in {self.package_label}"
        else:
            what = f"{self.account.label} is no longer in {self.package_label}'s chart of accounts"
        return f"{self.where}: {what}. Choose another account."


@dataclass(frozen=True)
class SettingsSnapshot:
    """What the Accounts Integration screen shows, read in one short session."""

    package: AccountingPackage
    saved: SettingsDraft
    #: The accounts the saved settings remember (code and name survive the account leaving the chart).
    stored: dict[SettingsAccountRole, StoredAccount]
    chart: Chart
    payment_methods: tuple[PaymentMethodChoice, ...]
    flags: tuple[AccountFlag, ...]
    #: False until the package is first connected (which creates the settings) or they are first saved.
    exists: bool = True

    @property
    def package_label(self) -> str:
        return self.package.label


def _settings_row(session: Session, package: AccountingPackage) -> AccountingSettings | None:
    return session.scalar(
        select(AccountingSettings)
        .where(AccountingSettings.package == package)
        .options(selectinload(AccountingSettings.accounts))
    )


def payment_method_choices(session: Session) -> tuple[PaymentMethodChoice, ...]:
    return tuple(
        PaymentMethodChoice(m.id, m.name, m.kind, m.active)
        for m in session.scalars(select(PaymentMethod).order_by(PaymentMethod.name))
    )


def load_settings(session: Session, package: AccountingPackage | None = None) -> SettingsSnapshot:
    """The settings, the cached chart, the payment methods and the flags (a handful of short queries)."""
    package = package or current_package(session)
    row = _settings_row(session, package)
    chart = load_chart(session, package)
    stored = (
        {
            chosen.role: StoredAccount(chosen.account_id, chosen.account_code, chosen.account_name)
            for chosen in row.accounts
        }
        if row is not None
        else {}
    )
    return SettingsSnapshot(
        package=package,
        saved=SettingsDraft.of(row),
        stored=stored,
        chart=chart,
        payment_methods=payment_method_choices(session),
        flags=tuple(account_flags(session, chart)),
        exists=row is not None,
    )


# --------------------------------------------------------------------------------------------------------
# Validation and saving
# --------------------------------------------------------------------------------------------------------


class SettingsRefused(RuleError):
    """The settings were not saved. ``problems`` lists every problem, each naming its field."""

    def __init__(self, problems: Sequence[RuleError]) -> None:
        first = problems[0]
        more = len(problems) - 1
        message = first.message
        if more:
            message += f" (and {more} more problem{'s' * (more > 1)})"
        super().__init__(message, field=first.field)
        self.problems = tuple(problems)

    def problem_for(self, field_name: str) -> str:
        return next((p.message for p in self.problems if p.field == field_name), "")


START_DATE_FIELD = "invoice_start_date"
PAYMENT_METHOD_FIELD = "default_payment_method"


def check_account(
    chart: Chart,
    remote_id: str | None,
    purpose: AccountPurpose,
    *,
    relaxed: bool,
    what: str,
    field_name: str,
    stored: StoredAccount | None = None,
) -> ChartAccount | None:
    """The chosen account if it may be used for ``purpose``, else a RuleError naming ``field_name``.

    ``what`` is the choice in the bookkeeper's words ("Default Labour Income Account"); ``stored`` is how
    the choice was remembered, for naming an account that left the chart. None when nothing is chosen.
    """
    if not remote_id:
        return None
    package = chart.package.label
    account = chart.find(remote_id)
    if account is None:
        if chart.empty:
            raise RuleError(
                f"Refresh the chart of accounts from {package} before choosing the {what}.", field=field_name
            )
        label = stored.label if stored is not None else "The account chosen"
        raise RuleError(
            f"{label} is no longer in {package}'s chart of accounts; choose another {what}.",
            field=field_name,
        )
    if not account.active:
        raise RuleError(f"{account.label} is archived in {package}; choose another {what}.", field=field_name)
    if not relaxed and not fits(account, purpose):
        raise RuleError(
            f"{account.label} is {account.a_kind}; the {what} takes {purpose.fitting_types}. "
            "Choose another, or tick Relax Restrictions on Selection of Accounts.",
            field=field_name,
        )
    return account


def settings_problems(
    draft: SettingsDraft,
    chart: Chart,
    payment_methods: Iterable[PaymentMethodChoice],
    stored: Mapping[SettingsAccountRole, StoredAccount] | None = None,
) -> list[RuleError]:
    """Every reason ``draft`` cannot be saved, in the screen's order (empty when it can)."""
    problems: list[RuleError] = []
    if draft.invoice_start_date is None:
        problems.append(
            RuleError(
                "Set the invoice start date: invoices dated on or after it are sent to "
                f"{chart.package.label}.",
                field=START_DATE_FIELD,
            )
        )
    for role in SettingsAccountRole:
        remote_id = draft.account(role)
        if not remote_id:
            if role not in OPTIONAL_ROLES:
                problems.append(RuleError(f"Choose the {role.label}.", field=role.value))
            continue
        try:
            check_account(
                chart,
                remote_id,
                ROLE_PURPOSE[role],
                relaxed=draft.relax_account_restrictions,
                what=role.label,
                field_name=role.value,
                stored=(stored or {}).get(role),
            )
        except RuleError as problem:
            problems.append(problem)
    methods = {method.id: method for method in payment_methods}
    if draft.default_payment_method_id is None:
        problems.append(
            RuleError(
                "Choose the Default Payment Method from Accounts: payments made in "
                f"{chart.package.label} are recorded here with it.",
                field=PAYMENT_METHOD_FIELD,
            )
        )
    elif draft.default_payment_method_id not in methods:
        problems.append(
            RuleError("That payment method has been deleted; choose another.", field=PAYMENT_METHOD_FIELD)
        )
    return problems


def save_settings(session: Session, package: AccountingPackage, draft: SettingsDraft) -> AccountingSettings:
    """Validate ``draft`` against the cached chart and store it, in the caller's transaction.

    Raises ``SettingsRefused`` with every problem (nothing is written then).
    """
    chart = load_chart(session, package)
    row = _settings_row(session, package)
    stored = (
        {c.role: StoredAccount(c.account_id, c.account_code, c.account_name) for c in row.accounts}
        if row is not None
        else {}
    )
    problems = settings_problems(draft, chart, payment_method_choices(session), stored)
    if problems:
        raise SettingsRefused(problems)
    if row is None:
        row = AccountingSettings(package=package)
        session.add(row)
    row.reference_field = draft.reference_field
    row.default_payment_method_id = draft.default_payment_method_id
    row.push_individual_lines = draft.push_individual_lines
    row.push_lines_as_items = draft.push_lines_as_items
    row.push_work_undertaken = draft.push_work_undertaken
    row.relax_account_restrictions = draft.relax_account_restrictions
    row.invoice_start_date = draft.invoice_start_date
    _store_accounts(row, draft.accounts, chart)
    session.flush()
    return row


def _store_accounts(
    row: AccountingSettings, accounts: Mapping[SettingsAccountRole, str | None], chart: Chart
) -> None:
    existing = {chosen.role: chosen for chosen in row.accounts}
    for role in SettingsAccountRole:
        remote_id = accounts.get(role)
        chosen = existing.get(role)
        account = chart.find(remote_id)
        if not remote_id or account is None:
            if chosen is not None and not remote_id:
                row.accounts.remove(chosen)
            continue
        if chosen is None:
            chosen = SettingsAccount(role=role, account_id=account.remote_id)
            row.accounts.append(chosen)
        chosen.account_id = account.remote_id
        chosen.account_code = account.code
        chosen.account_name = account.name


def invoices_newly_due(session: Session, saved_start: dt.date | None, new_start: dt.date | None) -> int:
    """How many approved invoices an earlier start date would send: dated from ``new_start`` up to the
    day before ``saved_start``. Zero when the date is not moved earlier."""
    if saved_start is None or new_start is None or new_start >= saved_start:
        return 0
    count = session.scalar(
        select(func.count(Invoice.id)).where(
            Invoice.status == InvoiceStatus.APPROVED, Invoice.date >= new_start, Invoice.date < saved_start
        )
    )
    return int(count or 0)


# --------------------------------------------------------------------------------------------------------
# Suggest accounts
# --------------------------------------------------------------------------------------------------------

# Words that make an account the obvious choice for a role, best first. An account matches a word when
# its name contains it (ignoring case). Only accounts that fit the role (and are active) are considered.
_SUGGESTION_WORDS: dict[SettingsAccountRole, tuple[str, ...]] = {
    SettingsAccountRole.RECEIVE_PAYMENTS: ("business bank", "cheque account", "operating", "trading", "bank"),
    SettingsAccountRole.CREDIT_CARD_PAYMENTS: ("card clearing", "undeposited card", "card payments",
                                               "merchant", "clearing", "undeposited"),
    SettingsAccountRole.SUPPLIER_INVOICE: ("purchases", "cost of goods sold", "cost of sales", "materials"),
    SettingsAccountRole.SUPPLIER_EXPENSE: ("job expenses", "job costs", "general expenses", "subcontractors"),
    SettingsAccountRole.ROUNDING: ("rounding",),
    SettingsAccountRole.LABOUR_INCOME: ("labour", "service", "sales"),
    SettingsAccountRole.MATERIALS_INCOME: ("materials", "parts", "product", "sales"),
    SettingsAccountRole.CREDIT_NOTE: ("credit note", "refund", "sales"),
    SettingsAccountRole.BAD_DEBT: ("bad debt", "doubtful debt"),
}


def _suggestion(role: SettingsAccountRole, chart: Chart) -> ChartAccount | None:
    candidates = chart.offered(ROLE_PURPOSE[role], relaxed=False)
    if role is SettingsAccountRole.ROUNDING:
        system = next((a for a in candidates if a.system_role == ROUNDING_SYSTEM_ROLE), None)
        if system is not None:
            return system
    if role is SettingsAccountRole.CREDIT_CARD_PAYMENTS:
        # Customers' card payments clear through an asset account, never the business's own credit card.
        candidates = [a for a in candidates if a.kind != "credit_card"]
    if role is SettingsAccountRole.RECEIVE_PAYMENTS:
        candidates = [a for a in candidates if a.kind == "bank"]
    for word in _SUGGESTION_WORDS[role]:
        for account in candidates:
            if word in account.name.casefold():
                return account
    return None


def suggest_accounts(draft: SettingsDraft, chart: Chart) -> dict[SettingsAccountRole, ChartAccount]:
    """The obvious account for each role that has none chosen (roles with no obvious account are left
    out). Nothing is saved: the bookkeeper reviews the suggestions first."""
    suggestions: dict[SettingsAccountRole, ChartAccount] = {}
    for role in SettingsAccountRole:
        if draft.account(role):
            continue
        account = _suggestion(role, chart)
        if account is not None:
            suggestions[role] = account
    return suggestions


def suggest_payment_method(methods: Iterable[PaymentMethodChoice]) -> PaymentMethodChoice | None:
    """The method for payments made in the package: bank transfer first (what a package's bank feed
    mostly holds), else the first active method."""
    active = [m for m in methods if m.active]
    return next((m for m in active if m.kind is PaymentMethodKind.EFT), active[0] if active else None)


# --------------------------------------------------------------------------------------------------------
# Accounts of job types, materials and payment methods
# --------------------------------------------------------------------------------------------------------


def choose_income_account(record: AccountReference, account: ChartAccount | None) -> None:
    """Set (or clear) a job type's or material's income account."""
    record.income_account_id = account.remote_id if account else None
    record.income_account_code = account.code if account else None
    record.income_account_name = account.name if account else None


def choose_deposit_account(method: PaymentMethod, account: ChartAccount | None) -> None:
    """Set (or clear) the account a payment method's payments are deposited to."""
    method.account_id = account.remote_id if account else None
    method.account_code = account.code if account else None
    method.account_name = account.name if account else None


def relaxed_selection(session: Session, package: AccountingPackage | None = None) -> bool:
    """Whether the bookkeeper ticked Relax Restrictions on Selection of Accounts (and saved it)."""
    package = package or current_package(session)
    relaxed = session.scalar(
        select(AccountingSettings.relax_account_restrictions).where(AccountingSettings.package == package)
    )
    return bool(relaxed)


# --------------------------------------------------------------------------------------------------------
# Accounts the package archived or removed
# --------------------------------------------------------------------------------------------------------


def _flag(
    chart: Chart, stored: StoredAccount, where: str, *, field_name: str | None = None, record: str = ""
) -> AccountFlag | None:
    account = chart.find(stored.remote_id)
    if account is not None and account.active:
        return None
    reason = FlagReason.VANISHED if account is None else FlagReason.ARCHIVED
    shown = stored if account is None else StoredAccount(account.remote_id, account.code, account.name)
    return AccountFlag(where, shown, reason, chart.package.label, field=field_name, record=record)


def account_flags(session: Session, chart: Chart) -> list[AccountFlag]:
    """Settings, job types, materials and payment methods whose account is archived or gone from the
    chart. Empty when the chart was never refreshed (nothing to compare with)."""
    if chart.empty:
        return []
    flags: list[AccountFlag] = []
    row = _settings_row(session, chart.package)
    if row is not None:
        for chosen in sorted(row.accounts, key=lambda c: list(SettingsAccountRole).index(c.role)):
            stored = StoredAccount(chosen.account_id, chosen.account_code, chosen.account_name)
            flag = _flag(chart, stored, chosen.role.label, field_name=chosen.role.value)
            if flag is not None:
                flags.append(flag)
    for job_type in session.scalars(
        select(JobType).where(JobType.income_account_id.is_not(None)).order_by(JobType.name)
    ):
        flag = _flag(chart, _income_account(job_type), f"Job type {job_type.name}", record="job_type")
        if flag is not None:
            flags.append(flag)
    for material in session.scalars(
        select(Material).where(Material.income_account_id.is_not(None)).order_by(Material.code)
    ):
        where = f"Material {material.code} ({material.name})"
        flag = _flag(chart, _income_account(material), where, record="material")
        if flag is not None:
            flags.append(flag)
    for method in session.scalars(
        select(PaymentMethod).where(PaymentMethod.account_id.is_not(None)).order_by(PaymentMethod.name)
    ):
        assert method.account_id is not None
        stored = StoredAccount(method.account_id, method.account_code or "", method.account_name or "")
        flag = _flag(chart, stored, f"Payment method {method.name}", record="payment_method")
        if flag is not None:
            flags.append(flag)
    return flags


def _income_account(record: AccountReference) -> StoredAccount:
    assert record.income_account_id is not None
    return StoredAccount(
        record.income_account_id, record.income_account_code or "", record.income_account_name or ""
    )


def follow_renamed_accounts(session: Session, chart: Chart) -> int:
    """After a refresh, keep the remembered code and name of every chosen account in step with the
    package (an account renamed or renumbered there keeps its id). Returns how many were updated."""
    if chart.empty:
        return 0
    updated = 0
    for chosen in session.scalars(
        select(SettingsAccount)
        .join(AccountingSettings)
        .where(AccountingSettings.package == chart.package)
    ):
        account = chart.find(chosen.account_id)
        if account is not None and (chosen.account_code, chosen.account_name) != (account.code, account.name):
            chosen.account_code, chosen.account_name = account.code, account.name
            updated += 1
    records: list[AccountReference] = [
        *session.scalars(select(JobType).where(JobType.income_account_id.is_not(None))),
        *session.scalars(select(Material).where(Material.income_account_id.is_not(None))),
    ]
    for record in records:
        account = chart.find(record.income_account_id)
        if account is not None and (record.income_account_code, record.income_account_name) != (
            account.code,
            account.name,
        ):
            choose_income_account(record, account)
            updated += 1
    for method in session.scalars(select(PaymentMethod).where(PaymentMethod.account_id.is_not(None))):
        account = chart.find(method.account_id)
        if account is not None and (method.account_code, method.account_name) != (account.code, account.name):
            choose_deposit_account(method, account)
            updated += 1
    return updated


# --------------------------------------------------------------------------------------------------------
# A JSON file of the settings (ledgerbridge settings export / import)
# --------------------------------------------------------------------------------------------------------

DOCUMENT_FORMAT = "ledgerbridge-accounting-settings"
DOCUMENT_VERSION = 1


def settings_document(snapshot: SettingsSnapshot) -> dict[str, Any]:
    """The saved settings as a JSON-ready document. Accounts carry their code and name (what people
    read) and the package's id (what is matched first on import)."""
    saved = snapshot.saved
    methods = {m.id: m.name for m in snapshot.payment_methods}
    accounts: dict[str, Any] = {}
    for role in SettingsAccountRole:
        remote_id = saved.account(role)
        account = snapshot.chart.find(remote_id)
        stored = snapshot.stored.get(role)
        if not remote_id:
            accounts[role.value] = None
        elif account is not None:
            accounts[role.value] = {"code": account.code, "name": account.name, "id": account.remote_id}
        else:
            accounts[role.value] = {
                "code": stored.code if stored else "",
                "name": stored.name if stored else "",
                "id": remote_id,
            }
    return {
        "format": DOCUMENT_FORMAT,
        "version": DOCUMENT_VERSION,
        "package": snapshot.package.value,
        "reference_field": saved.reference_field.value,
        "invoice_start_date": saved.invoice_start_date.isoformat() if saved.invoice_start_date else None,
        "default_payment_method": methods.get(saved.default_payment_method_id or -1),
        "push_individual_lines": saved.push_individual_lines,
        "push_lines_as_items": saved.push_lines_as_items,
        "push_work_undertaken": saved.push_work_undertaken,
        "relax_account_restrictions": saved.relax_account_restrictions,
        "accounts": accounts,
    }


def _document_bool(document: Mapping[str, Any], key: str, default: bool) -> bool:
    value = document.get(key, default)
    if not isinstance(value, bool):
        raise RuleError(f"'{key}' must be true or false in the settings file.", field=key)
    return value


def draft_from_document(document: Any, snapshot: SettingsSnapshot) -> SettingsDraft:
    """Read a settings file into a draft (``save_settings`` then validates it as Save does).

    An account is found by the package's id, else by its code, in the cached chart; a payment method by
    its name. What cannot be read is refused with the field it concerns.
    """
    if not isinstance(document, dict) or document.get("format") != DOCUMENT_FORMAT:
        raise RuleError("This is not a LedgerBridge accounting settings file.")
    if document.get("package", snapshot.package.value) != snapshot.package.value:
        raise RuleError(
            f"The file holds settings for {document.get('package')}, but LedgerBridge is set up for "
            f"{snapshot.package.label}."
        )
    draft = snapshot.saved.copy()
    try:
        draft.reference_field = ReferenceField(document.get("reference_field", draft.reference_field.value))
    except ValueError:
        choices = ", ".join(f.value for f in ReferenceField)
        raise RuleError(f"'reference_field' must be one of {choices}.", field="reference_field") from None
    start = document.get("invoice_start_date")
    try:
        draft.invoice_start_date = dt.date.fromisoformat(start) if start else None
    except (TypeError, ValueError):
        raise RuleError(
            f"'invoice_start_date' must be a date such as 2026-07-01, not {start!r}.", field=START_DATE_FIELD
        ) from None
    method_name = document.get("default_payment_method")
    if method_name:
        method = next(
            (m for m in snapshot.payment_methods if m.name.casefold() == str(method_name).casefold()), None
        )
        if method is None:
            raise RuleError(f"There is no payment method called '{method_name}'.", field=PAYMENT_METHOD_FIELD)
        draft.default_payment_method_id = method.id
    else:
        draft.default_payment_method_id = None
    for key in ("push_individual_lines", "push_lines_as_items", "push_work_undertaken",
                "relax_account_restrictions"):
        setattr(draft, key, _document_bool(document, key, getattr(draft, key)))
    accounts = document.get("accounts", {})
    if not isinstance(accounts, dict):
        raise RuleError("'accounts' must map each role to an account in the settings file.")
    unknown = sorted(set(accounts) - {role.value for role in SettingsAccountRole})
    if unknown:
        raise RuleError(f"The settings file names unknown accounts: {', '.join(unknown)}.")
    for role in SettingsAccountRole:
        if role.value not in accounts:
            continue
        entry = accounts[role.value]
        if entry is None:
            draft.accounts[role] = None
            continue
        if not isinstance(entry, dict):
            raise RuleError(f"The {role.label} must be given as code, name and id.", field=role.value)
        account = snapshot.chart.find(str(entry.get("id") or "")) or snapshot.chart.by_code(
            str(entry.get("code") or "")
        )
        if account is None:
            label = StoredAccount("", str(entry.get("code") or ""), str(entry.get("name") or "")).label
            raise RuleError(
                f"The file's {role.label} {label} is not in {snapshot.package.label}'s chart of accounts "
                "(refresh the chart, or choose another account).",
                field=role.value,
            )
        draft.accounts[role] = account.remote_id
    return draft
