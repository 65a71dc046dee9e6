"""The pages of the main window, in the order and under the headings of the product's menus."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget
from sqlalchemy.orm import Session

from app.views.placeholder import PlaceholderView

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
    Page("Administration", "Auto Numbering", _placeholder("Auto Numbering", "Coming in this release.")),
    Page("Administration", "Payments & Tax", _placeholder("Payments & Tax", "Coming in this release.")),
    Page("Administration", "Job Types", _placeholder("Job Types", "Coming in this release.")),
    Page("Administration", "Materials", _placeholder("Materials", "Coming in this release.")),
    Page("Customers", "Customers", _placeholder("Customers", "Coming in this release.")),
    Page("Customers", "Import/Export", _placeholder("Import/Export", "Coming in this release.")),
    Page("Jobs", "Jobs", _placeholder("Jobs", "Coming in this release.")),
    Page("Invoices", "Invoices", _placeholder("Invoices", "Coming in this release.")),
    Page("Suppliers", "Supplier Invoices", _placeholder("Supplier Invoices", "Coming in this release.")),
    Page("Suppliers", "Purchase Orders", _placeholder("Purchase Orders", "Coming in this release.")),
    Page("Sync", "Sync Log", _sync_log),
)
