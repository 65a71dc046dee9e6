"""An invoice's credit notes: see them, raise one, void one.

``CreditNotesDialog`` lists the credit notes of one approved invoice (bad debt write-offs among them) with
what the invoice is owing and where each note stands with the accounting package (its Sync column, as on the
Invoices list; left out when nothing is connected), and offers *Raise credit note…*
(``RaiseCreditNoteDialog``: amount, date, reason, each refusal shown beside its field) and *Void credit
note…* (asked first, saying so when the note is voided in the package too; refused with the reason when it
cannot be done). Every write is one short transaction; after each the dialog reads the invoice again and
emits ``changed`` so the Invoices screen shows the new amounts and the sync is told.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.db import SessionFactory
from app.models import CreditNote, Invoice, InvoiceStatus
from app.services.errors import RuleError
from app.services.invoices import check_can_void_credit_note, create_credit_note, void_credit_note
from app.services.money import ZERO, format_money
from app.services.sync_status import NOT_CONNECTED, RecordSyncState, SyncStanding, credit_note_sync_states
from app.views.invoice_editor import date_edit, from_qdate, to_qdate
from app.views.record_editor import Confirm, RecordEditorDialog, ScreenMessage, ask_yes_no, read_money
from app.views.table_models import Column, RecordTableModel

VOIDED_COLOUR = "#757575"
SYNC_ATTENTION_COLOUR = "#b00020"
SYNC_COLUMN = 6  # its place in credit_note_columns


@dataclass(frozen=True)
class CreditNoteRow:
    """One credit note as the dialog lists it."""

    id: int
    number: str
    date: dt.date
    reason: str
    is_bad_debt: bool
    amount: Decimal
    voided: bool
    sync: RecordSyncState


@dataclass(frozen=True)
class InvoiceCredits:
    """An invoice with what settles it and its credit notes (oldest first), read in one short session."""

    id: int
    number: str
    customer_name: str
    date: dt.date
    status: InvoiceStatus
    total: Decimal
    paid: Decimal
    credited: Decimal
    owing: Decimal
    notes: tuple[CreditNoteRow, ...]

    @property
    def connected(self) -> bool:
        """Whether its notes have a standing with a package to show (nothing is said when not connected)."""
        return any(note.sync.standing is not SyncStanding.NOT_CONNECTED for note in self.notes)

    @property
    def settled_text(self) -> str:
        """What makes up what is owing: "$110.00 in total, $10.00 paid, $20.00 credited"."""
        parts = [f"{format_money(self.total)} in total"]
        if self.paid:
            parts.append(f"{format_money(self.paid)} paid")
        if self.credited:
            parts.append(f"{format_money(self.credited)} credited")
        if len(parts) == 1:
            parts.append("nothing paid or credited yet")
        return ", ".join(parts)


def invoice_credits(session: Session, invoice_id: int) -> InvoiceCredits | None:
    """The invoice ``invoice_id`` with its payments and credit notes, and where each note stands with the
    package (four small queries), or None when it is gone."""
    invoice = session.scalars(
        select(Invoice)
        .where(Invoice.id == invoice_id)
        .options(
            joinedload(Invoice.customer),
            selectinload(Invoice.payments),
            selectinload(Invoice.credit_notes),
        )
    ).one_or_none()
    if invoice is None:
        return None
    notes = sorted(invoice.credit_notes, key=lambda note: (note.date, note.id))
    states = credit_note_sync_states(session, invoice.id) if notes else {}
    return InvoiceCredits(
        id=invoice.id,
        number=invoice.number,
        customer_name=invoice.customer.name,
        date=invoice.date,
        status=invoice.status,
        total=invoice.total,
        paid=invoice.amount_paid,
        credited=invoice.amount_credited,
        owing=ZERO if invoice.status is InvoiceStatus.VOIDED else invoice.amount_due,
        notes=tuple(
            CreditNoteRow(
                id=note.id,
                number=note.number,
                date=note.date,
                reason=note.reason,
                is_bad_debt=note.is_bad_debt,
                amount=note.total,
                voided=note.voided,
                sync=states.get(note.id, NOT_CONNECTED),
            )
            for note in notes
        ),
    )


def credit_note_columns(invoice_number: str) -> tuple[Column[CreditNoteRow], ...]:
    def grey_if_voided(row: CreditNoteRow) -> str | None:
        return VOIDED_COLOUR if row.voided else None

    def sync_colour(row: CreditNoteRow) -> str | None:
        return SYNC_ATTENTION_COLOUR if row.sync.standing.needs_attention else grey_if_voided(row)

    def status_tooltip(row: CreditNoteRow) -> str:
        if row.voided:
            return f"Voided: it no longer takes anything off {invoice_number}."
        return f"Takes {format_money(row.amount)} off what {invoice_number} is owing."

    return (
        Column("Credit note", lambda r: r.number, colour=grey_if_voided),
        Column("Date", lambda r: r.date, colour=grey_if_voided),
        Column("Reason", lambda r: r.reason, tooltip=lambda r: r.reason, colour=grey_if_voided),
        Column(
            "Kind",
            lambda r: "Bad debt written off" if r.is_bad_debt else "Credit",
            tooltip=lambda r: (
                "Posted to the bad debt account." if r.is_bad_debt else "Posted to the credit note account."
            ),
            colour=grey_if_voided,
        ),
        Column("Amount", lambda r: r.amount, colour=grey_if_voided),
        Column(
            "Status",
            lambda r: "Voided" if r.voided else "Credited",
            tooltip=status_tooltip,
            colour=grey_if_voided,
        ),
        # Where it stands with the package, as on the Invoices list; the reason (the package's own, when it
        # refused) as the tip.
        Column("Sync", lambda r: r.sync.label, tooltip=lambda r: r.sync.reason, colour=sync_colour),
    )


class RaiseCreditNoteDialog(RecordEditorDialog):
    """Raise a credit note on one approved invoice. Inputs: ``amount_edit`` (what is owing, to start
    with; including GST), ``date_edit`` (today, or the invoice date if that is later), ``reason_edit``
    (required).

    ``record_id`` is the invoice's id; ``credit_note_id``, ``credit_note_number`` and ``credit_note_amount``
    are set once the credit note is saved.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        invoice: InvoiceCredits,
        *,
        today: dt.date,
        confirm: Confirm = ask_yes_no,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            f"Raise a credit note on {invoice.number}", session_factory, confirm=confirm, parent=parent
        )
        self.record_id: int | None = invoice.id
        self.credit_note_id: int | None = None
        self.credit_note_number = ""
        self.credit_note_amount = ZERO
        self.add_read_only(
            "Invoice", f"{invoice.number} for {invoice.customer_name}, dated {invoice.date:%d/%m/%Y}"
        )
        self.add_read_only("Owing", f"{format_money(invoice.owing)}  ({invoice.settled_text})")

        self.amount_edit = QLineEdit(f"{invoice.owing:.2f}")
        self.amount_edit.setPlaceholderText("e.g. 50.00")
        self.date_edit = date_edit()
        self.date_edit.setDate(to_qdate(max(today, invoice.date)))
        self.reason_edit = QLineEdit()
        self.reason_edit.setMaxLength(200)
        self.reason_edit.setPlaceholderText("e.g. Discount agreed for the late finish")

        self.add_field(
            "amount",
            "Amount *",
            self.amount_edit,
            hint="Including GST, up to the amount owing. Its GST is in the same share as the invoice's.",
        )
        self.add_field("date", "Date *", self.date_edit)
        self.add_field(
            "reason", "Reason *", self.reason_edit, hint="Shown on the credit note the customer receives."
        )
        self.amount_edit.selectAll()
        self.amount_edit.setFocus()

    def write(self, session: Session) -> None:
        amount = read_money(self.amount_edit, "amount")
        # The amount, date and reason are checked by create_credit_note, each refusal naming its field.
        reason = " ".join(self.reason_edit.text().split())
        invoice = session.get(Invoice, self.record_id) if self.record_id is not None else None
        if invoice is None:
            raise RuleError("This invoice has been deleted meanwhile; close this window.")
        note = create_credit_note(
            session, invoice, amount=amount, date=from_qdate(self.date_edit.date()), reason=reason
        )
        self.credit_note_id = note.id
        self.credit_note_number = note.number
        self.credit_note_amount = note.total


class CreditNotesDialog(QDialog):
    """The credit notes of one invoice, with Raise and Void.

    Signals: ``changed(text)`` after a credit note is raised or voided (``text`` says what happened, for
    the screen behind). Attributes: ``heading``, ``owing_label``, ``empty_label``, ``table``, ``model``
    (a RecordTableModel of ``CreditNoteRow``), ``sync_note`` (where the chosen note stands with the package
    and why, beneath the list; hidden when nothing is connected), ``message`` (what happened, or why
    something was refused),
    ``raise_button``, ``void_button``, ``close_button``, ``raise_dialog`` (the Raise dialog opened last),
    ``invoice`` (the ``InvoiceCredits`` shown). ``confirm(title, question)`` is asked before voiding;
    ``package`` names the accounting package in what is said.
    """

    changed = Signal(str)

    def __init__(
        self,
        session_factory: SessionFactory,
        invoice_id: int,
        *,
        today: dt.date,
        confirm: Confirm = ask_yes_no,
        package: str = "your accounting package",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session_factory = session_factory
        self._invoice_id = invoice_id
        self._today = today
        self._package = package
        self.confirm = confirm
        self.raise_dialog: RaiseCreditNoteDialog | None = None
        self.setModal(True)
        self.setMinimumWidth(640)
        self.resize(800, 420)

        with session_factory() as session:
            invoice = invoice_credits(session, invoice_id)
        if invoice is None:
            raise RuleError("This invoice has been deleted meanwhile.")
        self.invoice = invoice
        self.setWindowTitle(f"Credit notes on {invoice.number}")

        self.heading = QLabel()
        self.heading.setObjectName("screenTitle")
        self.heading.setTextFormat(Qt.TextFormat.PlainText)  # a customer's name is never markup
        self.heading.setWordWrap(True)
        self.owing_label = QLabel()
        self.owing_label.setWordWrap(True)
        self.owing_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.empty_label = QLabel(
            "No credit notes on this invoice yet. Raise one to take an amount off what the customer owes."
        )
        self.empty_label.setObjectName("hint")
        self.empty_label.setWordWrap(True)
        self.model: RecordTableModel[CreditNoteRow] = RecordTableModel(
            credit_note_columns(invoice.number), parent=self
        )
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # the reason takes the spare width
        # The Sync column's reason for the chosen note, so a failure's cause is read without hovering.
        self.sync_note = QLabel()
        self.sync_note.setObjectName("hint")
        self.sync_note.setTextFormat(Qt.TextFormat.PlainText)  # the package's own words, never markup
        self.sync_note.setWordWrap(True)
        self.sync_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = ScreenMessage()

        self.raise_button = QPushButton("Raise credit note…")
        self.raise_button.setToolTip("Take an amount off what the customer owes on this invoice.")
        self.void_button = QPushButton("Void credit note…")
        self.void_button.setToolTip("Cancel the chosen credit note: its amount is owing again.")
        buttons = QDialogButtonBox()
        close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        assert close_button is not None
        self.close_button = close_button

        actions = QHBoxLayout()
        actions.addWidget(self.raise_button)
        actions.addWidget(self.void_button)
        actions.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.owing_label)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.sync_note)
        layout.addWidget(buttons)

        self.raise_button.clicked.connect(self._on_raise_button_clicked)
        self.void_button.clicked.connect(self._on_void_button_clicked)
        buttons.rejected.connect(self.reject)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self._show(invoice)

    # -- reading
    def selected(self) -> CreditNoteRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_id(self, note_id: int) -> bool:
        for row, note in enumerate(self.model.rows()):
            if note.id == note_id:
                self.table.selectRow(row)
                return True
        return False

    def reload(self) -> None:
        """Read the invoice and its credit notes again (keeping the chosen note chosen)."""
        with self._session_factory() as session:
            invoice = invoice_credits(session, self._invoice_id)
        if invoice is None:
            self.message.refuse("This invoice has been deleted meanwhile; close this window.")
            self.model.set_rows([])
            self._update_buttons()
            return
        self._show(invoice)

    # -- the actions (public so a test can run them)
    def raise_credit_note(self) -> RaiseCreditNoteDialog:
        """Open the Raise dialog for this invoice; once it saves, the list shows the new note."""
        if self.raise_dialog is not None:
            self.raise_dialog.deleteLater()
        dialog = RaiseCreditNoteDialog(
            self._session_factory, self.invoice, today=self._today, confirm=self.confirm, parent=self
        )
        self.raise_dialog = dialog
        self.message.clear_message()
        dialog.saved.connect(self._on_raise_dialog_saved)
        dialog.open()
        return dialog

    def void_selected(self) -> bool:
        """Void the chosen credit note after asking; a refusal says why and asks nothing."""
        row = self.selected()
        if row is None:
            return False
        try:
            with self._session_factory() as session:
                note = session.get(CreditNote, row.id)
                if note is None:
                    raise RuleError(f"Credit note {row.number} has been deleted meanwhile.")
                check_can_void_credit_note(note)
                owing_after = note.invoice.amount_due + note.total
                number, amount, invoice_number = note.number, note.total, note.invoice.number
                # Read again: a sync may have sent it since the list was read.
                state = credit_note_sync_states(session, note.invoice_id).get(note.id, NOT_CONNECTED)
        except RuleError as refusal:
            return self._refuse(refusal, row.id)
        question = (
            f"Void credit note {number}?\n\n"
            f"The {format_money(amount)} credit comes off invoice {invoice_number}, which is then owing "
            f"{format_money(owing_after)} again."
        )
        if state.in_package:
            question += f" It is voided in {self._package} at the next sync."
        if not self.confirm("Void credit note", question):
            self.message.clear_message()
            return False
        try:
            with self._session_factory() as session, session.begin():
                void_credit_note(session, session.get_one(CreditNote, row.id))
        except RuleError as refusal:
            return self._refuse(refusal, row.id)
        self.reload()
        self.select_id(row.id)
        text = (
            f"Credit note {number} is voided: {format_money(self.invoice.owing)} is owing on "
            f"{invoice_number} again."
        )
        self.message.say(text)
        self.changed.emit(text)
        return True

    # -- behaviour
    def _show(self, invoice: InvoiceCredits) -> None:
        chosen = self.selected()
        self.invoice = invoice
        self.heading.setText(f"Invoice {invoice.number} for {invoice.customer_name}")
        self.owing_label.setText(f"<b>{format_money(invoice.owing)} owing</b> ({invoice.settled_text}).")
        self.model.set_rows(invoice.notes)
        self.empty_label.setVisible(not invoice.notes)
        # Not connected: every note's Sync would be blank, so the column says nothing and is left out.
        self.table.setColumnHidden(SYNC_COLUMN, not invoice.connected)
        if chosen is not None:
            self.select_id(chosen.id)
        elif invoice.notes:
            # The newest note still in effect (the one a bookkeeper would void), else the newest.
            in_effect = [row for row, note in enumerate(invoice.notes) if not note.voided]
            self.table.selectRow(in_effect[-1] if in_effect else len(invoice.notes) - 1)
        self._update_buttons()

    def _update_buttons(self) -> None:
        approved = self.invoice.status is InvoiceStatus.APPROVED
        can_raise = approved and self.invoice.owing > ZERO
        self.raise_button.setEnabled(can_raise)
        if can_raise:
            self.raise_button.setToolTip("Take an amount off what the customer owes on this invoice.")
        elif approved:
            self.raise_button.setToolTip(
                f"Nothing is owing on {self.invoice.number}, so there is nothing to credit. Void a credit "
                "note or delete a payment first."
            )
        else:
            self.raise_button.setToolTip(
                f"Invoice {self.invoice.number} is {self.invoice.status.value}: credit notes are raised "
                "only on approved invoices."
            )
        # Stays available on a voided note so the refusal can say why.
        chosen = self.selected()
        self.void_button.setEnabled(chosen is not None)
        self._update_sync_note(chosen)

    def _update_sync_note(self, chosen: CreditNoteRow | None) -> None:
        if chosen is None or chosen.sync.standing is SyncStanding.NOT_CONNECTED:
            self.sync_note.setVisible(False)
            self.sync_note.clear()
            return
        self.sync_note.setText(f"Sync of {chosen.number}: {chosen.sync.label} — {chosen.sync.reason}")
        attention = chosen.sync.standing.needs_attention
        self.sync_note.setStyleSheet(f"color: {SYNC_ATTENTION_COLOUR};" if attention else "")
        self.sync_note.setVisible(True)

    def _refuse(self, refusal: RuleError, note_id: int) -> bool:
        self.reload()  # someone may have changed it meanwhile: show it as it is now
        self.select_id(note_id)
        self.message.refuse(refusal.message)
        return False

    def _on_raise_dialog_saved(self) -> None:
        dialog = self.raise_dialog
        if dialog is None or dialog.credit_note_id is None:
            return
        self.reload()
        self.select_id(dialog.credit_note_id)
        text = (
            f"Credit note {dialog.credit_note_number} for {format_money(dialog.credit_note_amount)} is "
            f"raised on {self.invoice.number}; {format_money(self.invoice.owing)} is now owing."
        )
        self.message.say(text)
        self.changed.emit(text)

    def _on_raise_button_clicked(self) -> None:
        self.raise_credit_note()

    def _on_void_button_clicked(self) -> None:
        self.void_selected()

    def _on_table_selection_changed(self) -> None:
        # What the message says is about one credit note; once another is chosen it no longer applies.
        self.message.clear_message()
        self._update_buttons()
