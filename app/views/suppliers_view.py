"""Suppliers: supplier invoices (accepted ones go to the accounting package) and purchase orders (never)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.db import SessionFactory
from app.models import SupplierInvoice
from app.services.errors import RuleError
from app.services.suppliers import (
    PurchaseOrderRow,
    SupplierInvoiceRow,
    accept_supplier_invoice,
    acceptance_question,
    list_purchase_orders,
    list_supplier_invoices,
)
from app.views.record_editor import Confirm, ScreenMessage, ask_yes_no, fit_list, screen_layout, screen_note
from app.views.record_list import RecordListView
from app.views.table_models import Column

SUPPLIER_INVOICES_NOTE = (
    "Accepted supplier invoices are what is sent to your accounting package, as bills. A draft stays "
    "here until you accept it: check it against the delivery, then press Accept."
)

PURCHASE_ORDERS_NOTE = (
    "Purchase orders are never sent to your accounting package: they are not an expense until the "
    "supplier's invoice arrives."
)

SUPPLIER_INVOICE_COLUMNS: tuple[Column[SupplierInvoiceRow], ...] = (
    Column("Supplier", lambda r: r.supplier),
    Column("Number", lambda r: r.number),
    Column("Date", lambda r: r.date),
    Column("Job", lambda r: r.job),
    Column("Status", lambda r: r.status),
    Column("Total", lambda r: r.total),
)

PURCHASE_ORDER_COLUMNS: tuple[Column[PurchaseOrderRow], ...] = (
    Column("Number", lambda r: r.number),
    Column("Supplier", lambda r: r.supplier),
    Column("Job", lambda r: r.job),
    Column("Date", lambda r: r.date),
    Column("Status", lambda r: r.status),
    Column("Total", lambda r: r.total),
)


class SupplierInvoicesView(RecordListView[SupplierInvoiceRow]):
    """Suppliers -> Supplier Invoices. Attributes: ``accept_button``, ``note``, ``message``.

    ``confirm(title, question)`` is asked before accepting; pass a stand-in in tests.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        confirm: Confirm = ask_yes_no,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Supplier Invoices", SUPPLIER_INVOICE_COLUMNS, parent)
        self._session_factory = session_factory
        self.confirm = confirm
        fit_list(self, stretch=0, filter_hint="Filter by supplier, number, job, status…")
        self.accept_button = self.add_button(
            "Accept…",
            tooltip="Record the selected draft as an expense and send it to your accounting package.",
        )
        self.accept_button.setEnabled(False)
        self.note = screen_note(SUPPLIER_INVOICES_NOTE)
        self.message = ScreenMessage()
        screen_layout(self).insertWidget(1, self.note)
        screen_layout(self).insertWidget(3, self.message)
        self.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # newest first

        self.accept_button.clicked.connect(self._on_accept_button_clicked)
        self.selection_changed.connect(self._on_selection_changed)

    def refresh(self) -> None:
        with self._session_factory() as session:
            rows = list_supplier_invoices(session)
        self.set_rows(rows)
        self._on_selection_changed()

    def accept_selected(self) -> bool:
        """Accept the selected draft after asking; True when it was accepted."""
        row = self.selected()
        if row is None or not row.is_draft:
            return False
        if not self.confirm("Accept supplier invoice", acceptance_question(row)):
            return False
        try:
            with self._session_factory() as session, session.begin():
                invoice = session.get(SupplierInvoice, row.id)
                if invoice is None:
                    raise RuleError(f"Supplier invoice {row.number} has been deleted meanwhile.")
                accept_supplier_invoice(session, invoice)
        except RuleError as error:
            self.message.refuse(error.message)
            self.refresh()
            return False
        self.message.say(
            f"Accepted invoice {row.number} from {row.supplier}. It will be sent to your accounting "
            "package at the next sync."
        )
        self.refresh()
        return True

    def _on_accept_button_clicked(self) -> None:
        self.accept_selected()

    def _on_selection_changed(self) -> None:
        row = self.selected()
        self.accept_button.setEnabled(row is not None and row.is_draft)


class PurchaseOrdersView(RecordListView[PurchaseOrderRow]):
    """Suppliers -> Purchase Orders: a list only; purchase orders never reach the accounting package."""

    def __init__(self, session_factory: SessionFactory, *, parent: QWidget | None = None) -> None:
        super().__init__("Purchase Orders", PURCHASE_ORDER_COLUMNS, parent)
        self._session_factory = session_factory
        fit_list(self, stretch=1, filter_hint="Filter by number, supplier, job, status…")
        self.note = screen_note(PURCHASE_ORDERS_NOTE)
        screen_layout(self).insertWidget(1, self.note)
        self.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # newest first

    def refresh(self) -> None:
        with self._session_factory() as session:
            rows = list_purchase_orders(session)
        self.set_rows(rows)
