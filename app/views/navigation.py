"""The pages of the main window, in the order and under the headings of the product's menus."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from app.views.connection_panel import PackageAccess
    from app.views.sync_controller import SyncController

SessionFactory = Callable[[], Session]


@dataclass(frozen=True)
class Page:
    """One entry of the navigation: its heading, its name, and how to build its screen (lazily)."""

    section: str
    title: str
    build: Callable[[SessionFactory], QWidget]


# Each screen's module is imported the first time the screen is shown, so start-up pays only for the first.


def _accounts_integration(
    session_factory: SessionFactory,
    access: Callable[[], PackageAccess] | None = None,
    sync: SyncController | None = None,
) -> QWidget:
    from app.config import AppPaths
    from app.views.accounts_integration_view import AccountsIntegrationView
    from app.views.connection_panel import PackageAccess

    # Without the window's own access (pages_for), the real packages with the usual folders.
    return AccountsIntegrationView(
        session_factory, access() if access else PackageAccess(AppPaths.default()), sync=sync
    )


def _auto_numbering(session_factory: SessionFactory) -> QWidget:
    from app.views.numbering_view import AutoNumberingView

    return AutoNumberingView(session_factory)


def _payments_and_tax(session_factory: SessionFactory) -> QWidget:
    from app.views.catalogue_view import PaymentsAndTaxView

    return PaymentsAndTaxView(session_factory)


def _job_types(session_factory: SessionFactory) -> QWidget:
    from app.views.catalogue_view import JobTypesView

    return JobTypesView(session_factory)


def _materials(session_factory: SessionFactory) -> QWidget:
    from app.views.catalogue_view import MaterialsView

    return MaterialsView(session_factory)


def _customers(session_factory: SessionFactory, sync: SyncController | None = None) -> QWidget:
    from app.views.customers_view import CustomersView

    return CustomersView(session_factory, sync=sync)


def _customer_import_export(
    session_factory: SessionFactory, access: Callable[[], PackageAccess] | None = None
) -> QWidget:
    from app.views.customer_import_export_view import CustomerImportExportView

    if access is None:  # the page opens the stored connection itself, with the usual folders
        return CustomerImportExportView(session_factory)
    # The window's one provider (the demo's sandbox included), asked for on the import's worker thread.
    return CustomerImportExportView(session_factory, open_provider=lambda: access().provider(session_factory))


def _jobs(session_factory: SessionFactory) -> QWidget:
    from app.views.jobs_view import JobsView

    return JobsView(session_factory)


def _invoices(session_factory: SessionFactory, sync: SyncController | None = None) -> QWidget:
    from app.views.invoices_view import InvoicesView

    return InvoicesView(session_factory, sync=sync)


def _supplier_invoices(session_factory: SessionFactory) -> QWidget:
    from app.views.suppliers_view import SupplierInvoicesView

    return SupplierInvoicesView(session_factory)


def _purchase_orders(session_factory: SessionFactory) -> QWidget:
    from app.views.suppliers_view import PurchaseOrdersView

    return PurchaseOrdersView(session_factory)


def _sync_log(session_factory: SessionFactory, sync: SyncController | None = None) -> QWidget:
    from app.views.sync_log_view import SyncLogView

    return SyncLogView(session_factory, sync=sync)


PAGES: tuple[Page, ...] = (
    Page("Administration", "Accounts Integration", _accounts_integration),
    Page("Administration", "Auto Numbering", _auto_numbering),
    Page("Administration", "Payments & Tax", _payments_and_tax),
    Page("Administration", "Job Types", _job_types),
    Page("Administration", "Materials", _materials),
    Page("Customers", "Customers", _customers),
    Page("Customers", "Import/Export", _customer_import_export),
    Page("Jobs", "Jobs", _jobs),
    Page("Invoices", "Invoices", _invoices),
    Page("Suppliers", "Supplier Invoices", _supplier_invoices),
    Page("Suppliers", "Purchase Orders", _purchase_orders),
    Page("Sync", "Sync Log", _sync_log),
)


def pages_for(
    access: Callable[[], PackageAccess], sync: SyncController | None = None
) -> tuple[Page, ...]:
    """The pages, with Accounts Integration and Customers -> Import/Export reaching the accounting packages
    through ``access()`` (the window's one ``PackageAccess``, made when first asked for), and the screens
    that sync (Accounts Integration, Sync Log, Invoices, Customers) through the window's ``sync``
    controller."""

    def accounts_integration(session_factory: SessionFactory) -> QWidget:
        return _accounts_integration(session_factory, access, sync)

    def customer_import_export(session_factory: SessionFactory) -> QWidget:
        return _customer_import_export(session_factory, access)

    def customers(session_factory: SessionFactory) -> QWidget:
        return _customers(session_factory, sync)

    def invoices(session_factory: SessionFactory) -> QWidget:
        return _invoices(session_factory, sync)

    def sync_log(session_factory: SessionFactory) -> QWidget:
        return _sync_log(session_factory, sync)

    wired: dict[Callable[[SessionFactory], QWidget], Callable[[SessionFactory], QWidget]] = {
        _accounts_integration: accounts_integration,
        _customer_import_export: customer_import_export,
        _customers: customers,
        _invoices: invoices,
        _sync_log: sync_log,
    }
    return tuple(replace(page, build=wired[page.build]) if page.build in wired else page for page in PAGES)
