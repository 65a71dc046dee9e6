"""Refresh Chart of Accounts: pull the accounts, tax rates and items through the provider into the cache.

Three reads (one call each for Xero: ``/Accounts``, ``/TaxRates``, ``/Items``), then one transaction that
replaces the organisation's cached chart, follows accounts the package renamed, and reports the settings,
job types, materials and payment methods whose account was archived or removed there.

Archived accounts are kept in the cache, marked inactive, so a choice pointing at one can be named; an
account gone from the package's answer (deleted there) is dropped from the cache.

Runs on a worker thread (the GUI's ``BackgroundTask``) or straight from the command line; it opens its
own session and honours cancel between the calls, so cancelling leaves the previous cache untouched.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from app.integrations.base import Account, Item, Provider, TaxRate
from app.models import AccountingPackage, PackageAccount, PackageItem, PackageTaxRate
from app.models.base import utcnow
from app.services.accounting_settings import AccountFlag, account_flags, follow_renamed_accounts, load_chart
from app.services.progress import CancelToken, ProgressReporter, ignore_progress

logger = logging.getLogger(__name__)

SessionFactory = Callable[[], Session]

STEPS = 4
#: Accounts written per statement.
BATCH = 250


@dataclass(frozen=True)
class ChartRefreshResult:
    """What a refresh brought in, and what now points at an archived or vanished account."""

    package: AccountingPackage
    tenant_id: str
    accounts: int
    archived_accounts: int
    tax_rates: int
    items: int
    #: Accounts dropped from the cache because the package no longer has them.
    accounts_removed: int
    #: Remembered codes and names brought in step with accounts renamed in the package.
    renamed: int
    flags: tuple[AccountFlag, ...]
    seconds: float

    def summary(self) -> str:
        text = (
            f"{self.accounts:,} accounts ({self.archived_accounts:,} archived), {self.tax_rates:,} tax rates "
            f"and {self.items:,} items from {self.package.label}."
        )
        if self.flags:
            many = len(self.flags) > 1
            text += (
                f" {len(self.flags)} setting{'s' if many else ''} or record{'s' if many else ''} "
                f"point{'' if many else 's'} at an account that is archived or gone: see below."
            )
        return text


class ChartOfAccountsRefresh:
    """One refresh of one connection's chart: ``run(report, cancel)`` -> ``ChartRefreshResult``."""

    def __init__(self, session_factory: SessionFactory, provider: Provider) -> None:
        self._session_factory = session_factory
        self._provider = provider

    def run(
        self, report: ProgressReporter = ignore_progress, cancel: CancelToken | None = None
    ) -> ChartRefreshResult:
        cancel = cancel or CancelToken()
        started = time.perf_counter()
        label = self._provider.kind.label
        report(0, STEPS, f"Reading the chart of accounts from {label}…")
        accounts = self._provider.accounts()
        cancel.raise_if_cancelled()
        report(1, STEPS, f"Reading tax rates from {label}…")
        tax_rates = self._provider.tax_rates()
        cancel.raise_if_cancelled()
        report(2, STEPS, f"Reading items from {label}…")
        items = self._provider.items()
        cancel.raise_if_cancelled()
        report(3, STEPS, "Saving the chart of accounts…")
        package = AccountingPackage(self._provider.kind.value)
        tenant_id = self._provider.tenant.id
        with self._session_factory() as session, session.begin():
            removed = _store_accounts(session, package, tenant_id, accounts)
            _store_tax_rates(session, package, tenant_id, tax_rates)
            _store_items(session, package, tenant_id, items)
            session.flush()
            chart = load_chart(session, package, tenant_id)
            renamed = follow_renamed_accounts(session, chart)
            session.flush()
            flags = tuple(account_flags(session, chart))
        result = ChartRefreshResult(
            package=package,
            tenant_id=tenant_id,
            accounts=len(accounts),
            archived_accounts=sum(1 for account in accounts if not account.active),
            tax_rates=len(tax_rates),
            items=len(items),
            accounts_removed=removed,
            renamed=renamed,
            flags=flags,
            seconds=time.perf_counter() - started,
        )
        report(STEPS, STEPS, result.summary())
        logger.info(
            "Chart of accounts refreshed from %s: %d accounts, %d tax rates, %d items, %d flagged",
            label,
            result.accounts,
            result.tax_rates,
            result.items,
            len(flags),
        )
        return result


def _store_accounts(
    session: Session, package: AccountingPackage, tenant_id: str, accounts: Sequence[Account]
) -> int:
    """Replace the cached chart: bulk statements in batches rather than one ORM object per account.

    A chart can hold thousands of accounts; between batches the worker lets go of the interpreter
    (``time.sleep(0)``) so the GUI thread, which shares it, is never held up for long.
    """
    now = utcnow()
    existing: dict[str, int] = {
        remote_id: row_id
        for remote_id, row_id in session.execute(
            select(PackageAccount.remote_id, PackageAccount.id).where(
                PackageAccount.package == package, PackageAccount.tenant_id == tenant_id
            )
        )
    }
    added: list[dict[str, object]] = []
    changed: list[dict[str, object]] = []
    for account in accounts:
        values: dict[str, object] = {
            "code": account.code,
            "name": account.name,
            "kind": account.kind.value,
            "package_type": account.package_type,
            "active": account.active,
            "tax_code": account.tax_code,
            "accepts_payments": account.accepts_payments,
            "system_role": account.system_role,
            "description": account.description,
            "refreshed_at": now,
        }
        row_id = existing.pop(account.remote_id, None)
        if row_id is None:
            added.append(
                {"package": package, "tenant_id": tenant_id, "remote_id": account.remote_id, **values}
            )
        else:
            changed.append({"id": row_id, **values})
    for start in range(0, len(added), BATCH):
        session.execute(insert(PackageAccount), added[start : start + BATCH])
        time.sleep(0)
    for start in range(0, len(changed), BATCH):
        session.execute(update(PackageAccount), changed[start : start + BATCH])
        time.sleep(0)
    if existing:
        session.execute(delete(PackageAccount).where(PackageAccount.id.in_(list(existing.values()))))
    return len(existing)


def _store_tax_rates(
    session: Session, package: AccountingPackage, tenant_id: str, rates: Sequence[TaxRate]
) -> None:
    now = utcnow()
    existing = {
        row.code: row
        for row in session.scalars(
            select(PackageTaxRate).where(
                PackageTaxRate.package == package, PackageTaxRate.tenant_id == tenant_id
            )
        )
    }
    for rate in rates:
        row = existing.pop(rate.code, None)
        if row is None:
            row = PackageTaxRate(package=package, tenant_id=tenant_id, code=rate.code)
            session.add(row)
        row.name = rate.name
        row.rate = rate.rate
        row.active = rate.active
        row.for_sales = rate.for_sales
        row.for_purchases = rate.for_purchases
        row.refreshed_at = now
    for gone in existing.values():
        session.delete(gone)


def _store_items(session: Session, package: AccountingPackage, tenant_id: str, items: Sequence[Item]) -> None:
    now = utcnow()
    existing = {
        row.remote_id: row
        for row in session.scalars(
            select(PackageItem).where(PackageItem.package == package, PackageItem.tenant_id == tenant_id)
        )
    }
    for item in items:
        row = existing.pop(item.remote_id, None)
        if row is None:
            row = PackageItem(package=package, tenant_id=tenant_id, remote_id=item.remote_id)
            session.add(row)
        row.code = item.code
        row.name = item.name
        row.description = item.description
        row.sale_price = item.sale_price
        row.income_account_code = item.income_account_code
        row.tax_code = item.tax_code
        row.sold = item.sold
        row.purchased = item.purchased
        row.active = item.active
        row.refreshed_at = now
    for gone in existing.values():
        session.delete(gone)
