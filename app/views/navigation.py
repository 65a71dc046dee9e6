"""The pages of the main window, in the order and under the headings of the product's menus."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget
from sqlalchemy.orm import Session

from app.views.catalogue_view import JobTypesView, MaterialsView, PaymentsAndTaxView
from app.views.customers_view import CustomersView
from app.views.jobs_view import JobsView
from app.views.placeholder import PlaceholderView
from app.views.suppliers_view import PurchaseOrdersView, SupplierInvoicesView

SessionFactory = Callable[[], Session]


@dataclass(frozen=True)
class Page:
    """One entry of the navigation: its heading, its name, and how to build its screen (lazily)."""

    section: str
    title: str
    build: Callable[[SessionFactory], QWidget]


def _placeholder(title: str, text: str) -> Callable[[SessionFactory], QWidget]:
    return lambda _session_factory: PlaceholderView(title, text)


def _accounts_integration(session_factory: SessionFactory) -> QWidget:
    return PlaceholderView(
        "Accounts Integration",
        "Connecting to Xero, QuickBooks Online or MYOB and choosing the accounts each kind of transaction "
        "posts to is not available in this version yet. Your records are kept here in the meantime and "
        "nothing is sent anywhere.",
    )


def _sync_log(session_factory: SessionFactory) -> QWidget:
    return PlaceholderView(
        "Sync Log",
        "The sync log will list every record sent to or received from your accounting package, with the "
        "package's own message when something is refused. Nothing has been synced yet: this version is "
        "not connected to an accounting package.",
    )


PAGES: tuple[Page, ...] = (
    Page("Administration", "Accounts Integration", _accounts_integration),
    Page(  # imported in place: this entry is the only part of this file the numbering screen owns
        "Administration",
        "Auto Numbering",
        __import__("app.views.numbering_view", fromlist=["AutoNumberingView"]).AutoNumberingView,
    ),
    Page("Administration", "Payments & Tax", PaymentsAndTaxView),
    Page("Administration", "Job Types", JobTypesView),
    Page("Administration", "Materials", MaterialsView),
    Page("Customers", "Customers", CustomersView),
    Page("Customers", "Import/Export", _placeholder("Import/Export", "Coming in this release.")),
    Page("Jobs", "Jobs", JobsView),
    Page(  # imported in place: this entry is the only part of this file the invoices screen owns
        "Invoices", "Invoices", __import__("app.views.invoices_view", fromlist=["InvoicesView"]).InvoicesView
    ),
    Page("Suppliers", "Supplier Invoices", SupplierInvoicesView),
    Page("Suppliers", "Purchase Orders", PurchaseOrdersView),
    Page("Sync", "Sync Log", _sync_log),
)
