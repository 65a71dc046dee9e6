"""Invoices: every invoice with what is paid and owing; create, edit, approve, void, payments, credit notes,
bad debts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QHeaderView, QLabel, QPushButton, QWidget
from sqlalchemy.orm import Session

from app.db import SessionFactory
from app.models import Invoice, InvoiceStatus, SyncRecordType
from app.services.errors import RuleError
from app.services.invoices import (
    InvoiceSummary,
    approve_invoice,
    check_can_void,
    invoice_choices,
    invoice_summaries,
    void_invoice,
    write_off_bad_debt,
)
from app.services.money import format_money
from app.services.sync_status import SyncStanding
from app.views.credit_notes_dialog import CreditNotesDialog
from app.views.invoice_editor import InvoiceEditorDialog
from app.views.list_loading import ListReloader, keep_query_order
from app.views.payment_dialog import PaymentDialog, payment_method_choices
from app.views.record_editor import Confirm, EditableListView, ask_yes_no, screen_layout
from app.views.table_models import Column

if TYPE_CHECKING:
    from app.views.sync_controller import SyncController
    from app.views.sync_dialogs import SyncProgressDialog

STATUS_LABELS: dict[InvoiceStatus, str] = {
    InvoiceStatus.DRAFT: "Draft",
    InvoiceStatus.APPROVED: "Approved",
    InvoiceStatus.VOIDED: "Voided",
}

#: The status filter: its label and which invoices it keeps.
STATUS_FILTERS: tuple[tuple[str, Callable[[InvoiceSummary], bool]], ...] = (
    ("All invoices", lambda row: True),
    ("Draft", lambda row: row.status is InvoiceStatus.DRAFT),
    ("Approved", lambda row: row.status is InvoiceStatus.APPROVED),
    ("Voided", lambda row: row.status is InvoiceStatus.VOIDED),
    ("Unpaid", lambda row: row.is_unpaid),
)

Today = Callable[[], dt.date]

SYNC_ATTENTION_COLOUR = "#b00020"
#: Where an invoice stands with the package when "Send to ... now" can do something for it.
SENDABLE = (SyncStanding.WAITING, SyncStanding.FAILED, SyncStanding.NEEDS_REVIEW)


def sync_column() -> Column[InvoiceSummary]:
    """Where the invoice stands with the accounting package; the reason (the package's own, when it
    refused) as the tip."""
    return Column(
        "Sync",
        lambda r: r.sync.label,
        tooltip=lambda r: r.sync.reason,
        colour=lambda r: SYNC_ATTENTION_COLOUR if r.sync.standing.needs_attention else None,
    )


def invoice_columns(today: Today) -> tuple[Column[InvoiceSummary], ...]:
    def due_tooltip(row: InvoiceSummary) -> str:
        if not row.is_overdue(today()):
            return ""
        days = (today() - row.due_date).days
        return f"Overdue by {days} day{'s' if days != 1 else ''}"

    def status_tooltip(row: InvoiceSummary) -> str:
        if row.status is InvoiceStatus.DRAFT:
            return "Not yet sent to the customer or your accounting package; approve it when it is final."
        if row.status is InvoiceStatus.VOIDED:
            return "Cancelled: it no longer counts as owing."
        if row.owing == 0:
            return "Approved and fully paid or credited."
        return f"Approved; {format_money(row.owing)} is owing."

    def status_text(row: InvoiceSummary) -> str:
        # Bookkeepers read "Paid" / "Part paid" at a glance; "Approved" alone hides what matters.
        if row.status is not InvoiceStatus.APPROVED:
            return STATUS_LABELS[row.status]
        if row.owing == 0:
            return "Paid" if row.paid else "Credited"
        state = "Part paid" if row.paid or row.credited else "Approved"
        return f"{state}, overdue" if row.is_overdue(today()) else state

    def owing_tooltip(row: InvoiceSummary) -> str:
        if row.status is InvoiceStatus.VOIDED:
            return "Nothing is owing on a voided invoice."
        parts = [f"{format_money(row.total)} total"]
        if row.paid:
            parts.append(f"{format_money(row.paid)} paid")
        if row.credited:
            parts.append(f"{format_money(row.credited)} credited")
        return " − ".join(parts) if len(parts) > 1 else ""

    def paid_tooltip(row: InvoiceSummary) -> str:
        return f"Also {format_money(row.credited)} credited" if row.credited else ""

    return (
        Column("Number", lambda r: r.number),
        Column("Date", lambda r: r.date),
        Column("Customer", lambda r: r.customer_name),
        Column("Job", lambda r: r.job_number),
        Column("Status", status_text, tooltip=status_tooltip),
        Column("Total", lambda r: r.total),
        Column("Paid", lambda r: r.paid, tooltip=paid_tooltip),
        Column("Owing", lambda r: r.owing, tooltip=owing_tooltip),
        Column("Due date", lambda r: r.due_date, tooltip=due_tooltip),
        sync_column(),
    )


class InvoicesView(EditableListView[InvoiceSummary]):
    """Invoices -> Invoices. Newest first; double-click a row to edit it (a voided one opens read-only).

    Buttons (each enabled only when it applies to the selected invoice): ``new_button``, ``edit_button``,
    ``approve_button``, ``void_button``, ``payment_button``, ``credit_notes_button`` (opens
    ``credit_notes_dialog``: see, raise and void the invoice's credit notes), ``bad_debt_button``,
    ``send_button`` ("Send to Xero now"). ``status_box`` narrows the list to All / Draft / Approved /
    Voided / Unpaid. ``message`` says what happened or why an action was refused.
    ``confirm(title, question)`` is asked before voiding (an invoice or a credit note) or writing off;
    ``today()`` dates write-offs, credit notes and new invoices.

    With the window's ``sync`` (``SyncController``): every saved change that syncs (approve, edit, void,
    payment, credit note, write-off) is sent within seconds (``sync.changed()``), Send to Xero now sends
    the selected invoice at once (``sync_dialog`` follows it), and the list reads itself again after each
    sync.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        parent: QWidget | None = None,
        *,
        confirm: Confirm = ask_yes_no,
        today: Today = dt.date.today,
        sync: SyncController | None = None,
    ) -> None:
        self._today = today
        self.sync = sync
        self.sync_dialog: SyncProgressDialog | None = None
        self.credit_notes_dialog: CreditNotesDialog | None = None
        self._all_rows: list[InvoiceSummary] = []
        super().__init__(
            "Invoices",
            invoice_columns(today),
            session_factory,
            new_text="New invoice…",
            confirm=confirm,
            parent=parent,
        )
        self.filter_edit.setPlaceholderText("Filter by number, customer, job…")
        self.filter_edit.setMinimumWidth(220)
        self.approve_button = QPushButton("Approve")
        self.approve_button.setToolTip("Make a draft final; it is then sent to your accounting package.")
        self.void_button = QPushButton("Void…")
        self.void_button.setToolTip("Cancel the invoice. Not possible while payments are recorded on it.")
        self.payment_button = QPushButton("Record payment…")
        self.payment_button.setToolTip("Money received against this invoice.")
        self.credit_notes_button = QPushButton("Credit notes…")
        self.credit_notes_button.setToolTip(
            "See this invoice's credit notes, raise one to take an amount off what is owing, or void one."
        )
        self.bad_debt_button = QPushButton("Write off as bad debt…")
        self.bad_debt_button.setToolTip(
            "Credit what is still owing as a bad debt (a credit note to the bad debt account)."
        )
        package = sync.package_label if sync is not None else "the accounting package"
        self.send_button = QPushButton(f"Send to {package} now")
        self.send_button.setToolTip(
            f"Send this invoice (with its payments and credit notes) to {package} now, without waiting "
            "for the next sync."
        )
        self.send_button.setVisible(sync is not None)
        self.status_box = QComboBox()
        self.status_box.setToolTip("Show only invoices of this status")
        for label, _keep in STATUS_FILTERS:
            self.status_box.addItem(label)
        # The filter bar is the screen's second row (RecordListView): the status filter sits by the box.
        # The actions on the selected invoice get a row of their own under it, so the screen still fits
        # a small window (one row of everything needs about 1,000 pixels).
        layout = screen_layout(self)
        self.add_filter_widget(self.status_box)
        actions = QHBoxLayout()
        actions.setSpacing(6)
        caption = QLabel("Selected invoice:")
        caption.setObjectName("hint")
        actions.addWidget(caption)
        for button in (
            self.approve_button,
            self.void_button,
            self.payment_button,
            self.credit_notes_button,
            self.bad_debt_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.send_button)
        layout.insertLayout(2, actions)
        # Newest first: the order the list's query reads (not sorted again at each read; a heading sorts).
        keep_query_order(self, 1, Qt.SortOrder.DescendingOrder)
        self.reloader: ListReloader[list[InvoiceSummary]] = ListReloader(self._show_reloaded, self)
        # The customer's name takes the spare width, not the due date at the end.
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        # Size columns from the first 100 rows, not 1,000: numbers, dates and amounts are alike in width,
        # and measuring every row costs ~0.35 ms a row on each refresh.
        header.setResizeContentsPrecision(100)

        self.approve_button.clicked.connect(self._on_approve_button_clicked)
        self.void_button.clicked.connect(self._on_void_button_clicked)
        self.payment_button.clicked.connect(self._on_payment_button_clicked)
        self.credit_notes_button.clicked.connect(self._on_credit_notes_button_clicked)
        self.bad_debt_button.clicked.connect(self._on_bad_debt_button_clicked)
        self.send_button.clicked.connect(self._on_send_button_clicked)
        if sync is not None:
            sync.finished.connect(self._on_sync_finished)
        self.status_box.currentIndexChanged.connect(self._on_status_box_current_index_changed)
        # What the message says is about one invoice; once another is chosen it no longer applies.
        self.selection_changed.connect(self.message.clear_message)
        self.update_buttons()

    # -- EditableListView
    def load(self, session: Session) -> list[InvoiceSummary]:
        return invoice_summaries(session)

    def set_rows(self, rows: Sequence[InvoiceSummary]) -> None:
        self._all_rows = list(rows)
        _label, keep = STATUS_FILTERS[max(self.status_box.currentIndex(), 0)]
        super().set_rows([row for row in self._all_rows if keep(row)])

    def make_editor(self, session: Session, row: InvoiceSummary | None) -> InvoiceEditorDialog:
        invoice = session.get_one(Invoice, row.id) if row is not None else None
        editor = InvoiceEditorDialog(
            self._session_factory,
            invoice_choices(session, keep=invoice),
            invoice,
            today=self._today(),
            confirm=self.confirm,
            parent=self,
        )
        editor.saved.connect(self._changed)  # an edited approved invoice is sent again
        return editor

    def update_buttons(self) -> None:
        row = self.selected()
        status = row.status if row is not None else None
        self.edit_button.setEnabled(status in (InvoiceStatus.DRAFT, InvoiceStatus.APPROVED))
        self.approve_button.setEnabled(status is InvoiceStatus.DRAFT)
        # Void stays available on a paid invoice so the refusal can say what to do (delete the payments).
        self.void_button.setEnabled(status in (InvoiceStatus.DRAFT, InvoiceStatus.APPROVED))
        unpaid = row is not None and row.is_unpaid
        self.payment_button.setEnabled(unpaid)
        # Open on a paid or credited invoice too: its credit notes are seen and voided there.
        self.credit_notes_button.setEnabled(status is InvoiceStatus.APPROVED)
        self.bad_debt_button.setEnabled(unpaid)
        self.send_button.setEnabled(row is not None and row.sync.standing in SENDABLE)

    # -- the actions (public so a test or a menu can run them on the selected invoice)
    def approve_selected(self) -> bool:
        row = self.selected()
        if row is None:
            return False
        try:
            with self._session_factory() as session, session.begin():
                approve_invoice(session, session.get_one(Invoice, row.id))
        except RuleError as refusal:
            return self._refuse(refusal, row.id)
        self._done(
            f"Invoice {row.number} is approved. It goes to your accounting package with the next sync.",
            row.id,
        )
        return True

    def void_selected(self) -> bool:
        row = self.selected()
        if row is None:
            return False
        try:
            with self._session_factory() as session:
                check_can_void(session.get_one(Invoice, row.id))
        except RuleError as refusal:
            return self._refuse(refusal, row.id)
        question = (
            f"Void invoice {row.number} for {row.customer_name} ({format_money(row.total)})?\n\n"
            "A voided invoice no longer counts as owing and cannot be changed or restored."
        )
        if not self.confirm("Void invoice", question):
            self.message.clear_message()
            return False
        try:
            with self._session_factory() as session, session.begin():
                void_invoice(session, session.get_one(Invoice, row.id))
        except RuleError as refusal:
            return self._refuse(refusal, row.id)
        self._done(f"Invoice {row.number} is voided.", row.id)
        return True

    def record_payment_on_selected(self) -> PaymentDialog | None:
        row = self.selected()
        if row is None:
            return None
        with self._session_factory() as session:
            dialog = PaymentDialog(
                self._session_factory,
                session.get_one(Invoice, row.id),
                payment_method_choices(session),
                today=self._today(),
                confirm=self.confirm,
                parent=self,
            )
        dialog.saved.connect(self._changed)
        self._open(dialog)
        return dialog

    def credit_notes_on_selected(self) -> CreditNotesDialog | None:
        """Open the selected invoice's credit notes; each one raised or voided there shows here at once."""
        row = self.selected()
        if row is None:
            return None
        try:
            dialog = CreditNotesDialog(
                self._session_factory,
                row.id,
                today=self._today(),
                confirm=self.confirm,
                package=self.sync.package_label if self.sync is not None else "your accounting package",
                parent=self,
            )
        except RuleError as refusal:
            self._refuse(refusal, row.id)
            return None
        if self.credit_notes_dialog is not None:
            self.credit_notes_dialog.deleteLater()
        self.credit_notes_dialog = dialog
        self.message.clear_message()
        dialog.changed.connect(self._on_credit_notes_dialog_changed)
        dialog.open()
        return dialog

    def write_off_selected(self) -> bool:
        row = self.selected()
        if row is None:
            return False
        question = (
            f"Write off the {format_money(row.owing)} owing on {row.number} ({row.customer_name}) as a bad "
            "debt?\n\nA credit note for that amount is raised against the invoice and posted to the bad "
            "debt account; the invoice then shows nothing owing."
        )
        if not self.confirm("Write off as bad debt", question):
            self.message.clear_message()
            return False
        try:
            with self._session_factory() as session, session.begin():
                note = write_off_bad_debt(session, session.get_one(Invoice, row.id), date=self._today())
                number, amount = note.number, note.total
        except RuleError as refusal:
            return self._refuse(refusal, row.id)
        self._done(
            f"{format_money(amount)} on {row.number} is written off as a bad debt (credit note {number}).",
            row.id,
        )
        return True

    def send_selected_now(self) -> SyncProgressDialog | None:
        """Send the selected invoice (and its payments and credit notes) to the package now; a dialog
        follows it."""
        row = self.selected()
        if row is None or self.sync is None:
            return None
        from app.sync.journal import RecordKey
        from app.views.sync_dialogs import open_sync_progress

        request = self.sync.sync_now(
            [RecordKey(SyncRecordType.INVOICE, row.id)], label=f"invoice {row.number}"
        )
        if self.sync_dialog is not None:
            self.sync_dialog.deleteLater()
        self.sync_dialog = open_sync_progress(self.sync, request, self)
        return self.sync_dialog

    # -- behaviour
    def _done(self, text: str, invoice_id: int) -> None:
        self.refresh()
        self.select_id(invoice_id)
        self.message.say(text)
        self._changed()

    def _changed(self) -> None:
        if self.sync is not None:
            self.sync.changed()

    def _refuse(self, refusal: RuleError, invoice_id: int) -> bool:
        self.refresh()  # someone may have changed it meanwhile: show it as it is now
        self.select_id(invoice_id)
        self.message.refuse(refusal.message)
        return False

    def _on_approve_button_clicked(self) -> None:
        self.approve_selected()

    def _on_void_button_clicked(self) -> None:
        self.void_selected()

    def _on_payment_button_clicked(self) -> None:
        self.record_payment_on_selected()

    def _on_credit_notes_button_clicked(self) -> None:
        self.credit_notes_on_selected()

    def _on_credit_notes_dialog_changed(self, text: str) -> None:
        # A credit note was raised or voided: the invoice's Paid / Owing / Status change, and it syncs.
        if self.credit_notes_dialog is not None:
            self._done(text, self.credit_notes_dialog.invoice.id)

    def _on_bad_debt_button_clicked(self) -> None:
        self.write_off_selected()

    def _on_send_button_clicked(self) -> None:
        self.send_selected_now()

    def shutdown(self) -> None:
        """Wait for a read under way (the window is closing)."""
        self.reloader.wait()

    def _on_sync_finished(self, _result: object) -> None:
        # Read the list again (its Sync column) if it is on screen, on a worker: thousands of invoices are
        # no read for the GUI thread. The window reads it anyway each time it shows it.
        if not self.isVisible():
            return
        session_factory = self._session_factory

        def read() -> list[InvoiceSummary]:
            with session_factory() as session:
                return invoice_summaries(session)

        self.reloader.reload(read)

    def _show_reloaded(self, rows: list[InvoiceSummary]) -> None:
        # Keep the invoice chosen (its row has changed, so the list cannot find it as it was).
        chosen = self.selected()
        self.set_rows(rows)
        self.update_buttons()
        if chosen is not None and self.selected() is None:
            self.select_id(chosen.id)

    def _on_status_box_current_index_changed(self, _index: int) -> None:
        selected = self.selected()
        self.set_rows(self._all_rows)
        if selected is not None:
            self.select_id(selected.id)
        self.update_buttons()
