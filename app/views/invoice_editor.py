"""The invoice editor: customer, job, dates, notes and the lines, with live totals taxed line by line.

Nothing is written until Save, and then in one transaction through app.services.invoices; a refusal is
shown next to the field it names and the dialog stays open for the fix.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.db import SessionFactory
from app.models import Invoice, InvoiceStatus, LineKind, TaxRate
from app.services.errors import RuleError
from app.services.invoice_totals import DocumentTotals, LineInput, document_totals, line_total
from app.services.invoices import (
    DEFAULT_PAYMENT_TERMS_DAYS,
    InvoiceChoices,
    InvoiceDraft,
    LineDraft,
    create_invoice,
    update_invoice,
)
from app.services.money import ZERO, format_money
from app.views.record_editor import ChoiceBox, Confirm, RecordEditorDialog, ask_yes_no, text_box
from app.views.table_models import AnyIndex

KIND_LABELS: dict[LineKind, str] = {
    LineKind.LABOUR: "Labour",
    LineKind.MATERIAL: "Material",
    LineKind.OTHER: "Other",
}

#: Quantities and unit prices are stored with four decimal places (app.models.base.Quantity).
_PLACES = 4


def to_qdate(value: dt.date) -> QDate:
    return QDate(value.year, value.month, value.day)


def from_qdate(value: QDate) -> dt.date:
    return dt.date(value.year(), value.month(), value.day())


def date_edit() -> QDateEdit:
    """A date as Australians write it, with a calendar to pick from."""
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd/MM/yyyy")
    return edit


def plain_number(value: Decimal) -> str:
    """2.5000 -> "2.5", 3 -> "3": a quantity as a person would type it."""
    text = format(value.normalize(), "f")
    return text


def price_text(value: Decimal) -> str:
    """A unit price with at least cents: 85 -> "85.00", 4.9513 -> "4.9513"."""
    if value == value.quantize(Decimal("0.01")):
        return f"{value:,.2f}"
    return f"{value.normalize():,f}"


def read_decimal(text: str, what: str) -> Decimal:
    """``text`` typed into the lines as a number, or ValueError with a sentence for the bookkeeper."""
    cleaned = text.strip().replace(",", "").replace("$", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"'{text.strip()}' is not a {what}; enter a number such as 2.5.") from None
    if not value.is_finite():
        raise ValueError(f"'{text.strip()}' is not a {what}; enter a number such as 2.5.")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -_PLACES:
        raise ValueError(f"A {what} can have at most {_PLACES} decimal places.")
    if abs(value) >= Decimal(10) ** 10:
        raise ValueError(f"{text.strip()} is too large for a {what}.")
    return value


@dataclass(frozen=True)
class EditableLine:
    """One line as the editor holds it (ids, not records, so it can outlive any session)."""

    kind: LineKind = LineKind.LABOUR
    material_id: int | None = None
    description: str = ""
    quantity: Decimal = Decimal(1)
    unit_price: Decimal = ZERO
    tax_rate_id: int | None = None


class LineColumn(enum.IntEnum):
    KIND = 0
    MATERIAL = 1
    DESCRIPTION = 2
    QUANTITY = 3
    UNIT_PRICE = 4
    TAX_RATE = 5
    AMOUNT = 6
    TAX = 7


HEADERS: dict[LineColumn, str] = {
    LineColumn.KIND: "Kind",
    LineColumn.MATERIAL: "Material",
    LineColumn.DESCRIPTION: "Description",
    LineColumn.QUANTITY: "Qty",
    LineColumn.UNIT_PRICE: "Unit price",
    LineColumn.TAX_RATE: "Tax rate",
    LineColumn.AMOUNT: "Amount",
    LineColumn.TAX: "GST",
}

_NUMERIC = {LineColumn.QUANTITY, LineColumn.UNIT_PRICE, LineColumn.AMOUNT, LineColumn.TAX}
_CHOICES = {LineColumn.KIND, LineColumn.MATERIAL, LineColumn.TAX_RATE}


class InvoiceLinesTableModel(QAbstractTableModel):
    """The lines of the invoice being edited; every column but Amount and GST can be edited in place.

    Choice columns (kind, material, tax rate) take and give their value (a LineKind or an id) in the
    EditRole; the others take text. Choosing a material fills the line's description, price and tax rate.
    Signals: ``input_refused(str)`` when typed text is not a number (the cell keeps its value),
    ``totals_changed()`` after any change that moves the totals.
    """

    input_refused = Signal(str)
    totals_changed = Signal()

    def __init__(self, choices: InvoiceChoices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._choices = choices
        self._lines: list[EditableLine] = []

    # -- the editor's side
    def lines(self) -> list[EditableLine]:
        return list(self._lines)

    def set_lines(self, lines: Sequence[EditableLine]) -> None:
        self.beginResetModel()
        self._lines = list(lines)
        self.endResetModel()
        self.totals_changed.emit()

    def new_line(self) -> EditableLine:
        return EditableLine(tax_rate_id=self._choices.default_tax_rate_id)

    def add_line(self, line: EditableLine | None = None) -> int:
        """Append ``line`` (a blank labour line by default); returns its row."""
        row = len(self._lines)
        self.beginInsertRows(QModelIndex(), row, row)
        self._lines.append(line if line is not None else self.new_line())
        self.endInsertRows()
        self.totals_changed.emit()
        return row

    def remove_line(self, row: int) -> None:
        if not 0 <= row < len(self._lines):
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._lines[row]
        self.endRemoveRows()
        self.totals_changed.emit()

    def rate_of(self, line: EditableLine) -> Decimal:
        rate = self._choices.tax_rate(line.tax_rate_id)
        return rate.rate if rate is not None else ZERO

    def totals(self) -> DocumentTotals:
        return document_totals(
            LineInput(line.quantity, line.unit_price, self.rate_of(line)) for line in self._lines
        )

    def choices_for(self, column: int) -> list[tuple[object, str]]:
        """What a choice column offers: (value, label)."""
        if column == LineColumn.KIND:
            return [(kind, label) for kind, label in KIND_LABELS.items()]
        if column == LineColumn.MATERIAL:
            return [(None, "(none)"), *((m.id, m.label) for m in self._choices.materials)]
        if column == LineColumn.TAX_RATE:
            return [(rate.id, rate.name) for rate in self._choices.tax_rates]
        return []

    # -- Qt's side
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(LineColumn)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() not in (LineColumn.AMOUNT, LineColumn.TAX):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        line = self._lines[index.row()]
        column = LineColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(line, column)
        if role == Qt.ItemDataRole.EditRole:
            return self._edit_value(line, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if column in _NUMERIC else Qt.AlignmentFlag.AlignLeft
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == LineColumn.DESCRIPTION:
            return line.description or None
        if role == Qt.ItemDataRole.ToolTipRole and column == LineColumn.MATERIAL:
            material = self._choices.material(line.material_id)
            return material.label if material is not None else "Choose a material to fill in this line"
        return None

    def _display(self, line: EditableLine, column: LineColumn) -> str:
        if column == LineColumn.KIND:
            return KIND_LABELS[line.kind]
        if column == LineColumn.MATERIAL:
            material = self._choices.material(line.material_id)
            return material.code if material is not None else ""
        if column == LineColumn.DESCRIPTION:
            return line.description
        if column == LineColumn.QUANTITY:
            return plain_number(line.quantity)
        if column == LineColumn.UNIT_PRICE:
            return price_text(line.unit_price)
        if column == LineColumn.TAX_RATE:
            rate = self._choices.tax_rate(line.tax_rate_id)
            return rate.name if rate is not None else "No tax"
        computed = line_total(LineInput(line.quantity, line.unit_price, self.rate_of(line)))
        return format_money(computed.line_amount if column == LineColumn.AMOUNT else computed.tax_amount)

    def _edit_value(self, line: EditableLine, column: LineColumn) -> object:
        if column == LineColumn.KIND:
            return line.kind
        if column == LineColumn.MATERIAL:
            return line.material_id
        if column == LineColumn.TAX_RATE:
            return line.tax_rate_id
        if column == LineColumn.UNIT_PRICE:
            return plain_number(line.unit_price) if line.unit_price != line.unit_price.quantize(
                Decimal("0.01")
            ) else f"{line.unit_price:.2f}"
        return self._display(line, column)

    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or not index.flags() & (
            Qt.ItemFlag.ItemIsEditable
        ):
            return False
        row = index.row()
        line = self._lines[row]
        column = LineColumn(index.column())
        try:
            changed = self._changed(line, column, value)
        except ValueError as exc:
            self.input_refused.emit(str(exc))
            return False
        if changed == line:
            return True
        self._lines[row] = changed
        first = 0 if column == LineColumn.MATERIAL else column
        self.dataChanged.emit(self.index(row, first), self.index(row, len(LineColumn) - 1))
        self.totals_changed.emit()
        return True

    def _changed(self, line: EditableLine, column: LineColumn, value: object) -> EditableLine:
        if column == LineColumn.KIND:
            return replace(line, kind=LineKind(str(value)))
        if column == LineColumn.MATERIAL:
            material = self._choices.material(value if isinstance(value, int) else None)
            if material is None:
                return replace(line, material_id=None)
            return replace(
                line,
                kind=LineKind.MATERIAL,
                material_id=material.id,
                description=material.name,
                unit_price=material.unit_price,
                tax_rate_id=material.tax_rate_id
                if material.tax_rate_id is not None
                else self._choices.default_tax_rate_id,
            )
        if column == LineColumn.TAX_RATE:
            return replace(line, tax_rate_id=value if isinstance(value, int) else None)
        text = str(value) if value is not None else ""
        if column == LineColumn.DESCRIPTION:
            return replace(line, description=text)
        if column == LineColumn.QUANTITY:
            return replace(line, quantity=read_decimal(text, "quantity"))
        return replace(line, unit_price=read_decimal(text, "price"))

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(LineColumn):
            column = LineColumn(section)
            if role == Qt.ItemDataRole.DisplayRole:
                return HEADERS[column]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                horizontal = Qt.AlignmentFlag.AlignRight if column in _NUMERIC else Qt.AlignmentFlag.AlignLeft
                return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
            return None
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1 if 0 <= section < len(self._lines) else None
        return None


class _ChoiceEditor(QComboBox):
    def __init__(self, choices: list[tuple[object, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values = [value for value, _label in choices]
        for _value, label in choices:
            self.addItem(label)


class LinesDelegate(QStyledItemDelegate):
    """Drop-downs for the kind, material and tax rate columns (a choice applies at once); text boxes for
    the rest."""

    def __init__(self, model: InvoiceLinesTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model

    def createEditor(
        self, parent: QWidget, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QWidget:
        if index.column() not in _CHOICES:
            return super().createEditor(parent, option, index)
        editor = _ChoiceEditor(self._model.choices_for(index.column()), parent)
        editor.activated.connect(lambda _row: self._commit(editor))
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        if not isinstance(editor, _ChoiceEditor):
            super().setEditorData(editor, index)
            return
        value = index.data(Qt.ItemDataRole.EditRole)
        editor.setCurrentIndex(editor.values.index(value) if value in editor.values else -1)

    def setModelData(
        self, editor: QWidget, model: QAbstractItemModel, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        if not isinstance(editor, _ChoiceEditor):
            super().setModelData(editor, model, index)
            return
        row = editor.currentIndex()
        if 0 <= row < len(editor.values):
            model.setData(index, editor.values[row], Qt.ItemDataRole.EditRole)

    def _commit(self, editor: _ChoiceEditor) -> None:
        self.commitData.emit(editor)
        self.closeEditor.emit(editor, QStyledItemDelegate.EndEditHint.NoHint)


def editable_lines(invoice: Invoice) -> list[EditableLine]:
    return [
        EditableLine(
            kind=line.kind,
            material_id=line.material_id,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate_id=line.tax_rate_id,
        )
        for line in invoice.lines
    ]


class InvoiceEditorDialog(RecordEditorDialog):
    """New or edit one invoice.

    Inputs: ``customer_box`` (type to search), ``job_box`` (the chosen customer's jobs), ``date_edit``,
    ``due_date_edit``, ``notes_edit``, ``lines_model`` shown in ``lines_table`` with ``add_line_button`` and
    ``remove_line_button``; ``subtotal_label``, ``tax_label``, ``total_label`` follow every change.
    ``record_id`` is the invoice's id (set when a new invoice is saved). A voided invoice is shown read-only.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        choices: InvoiceChoices,
        invoice: Invoice | None = None,
        *,
        today: dt.date,
        confirm: Confirm = ask_yes_no,
        parent: QWidget | None = None,
    ) -> None:
        if invoice is None:
            title = "New invoice"
        elif invoice.status is InvoiceStatus.VOIDED:
            title = f"Invoice {invoice.number} (voided)"
        else:
            title = f"Edit invoice {invoice.number}"
        super().__init__(
            title, session_factory, intro=self._intro(invoice), confirm=confirm, parent=parent
        )
        self.setMinimumWidth(880)
        self.resize(980, 680)
        self.record_id = invoice.id if invoice is not None else None
        self._choices = choices
        self._following_date = invoice is None  # the due date moves with the date until set by hand
        self._setting_dates = False

        number = invoice.number if invoice is not None else f"{choices.next_number} (given when you save)"
        self.number_label = self.add_read_only("Number", number)
        self.customer_box: ChoiceBox[int] = ChoiceBox("Type part of the customer's name", searchable=True)
        self.customer_box.set_choices(choices.customers)
        self.job_box: ChoiceBox[int] = ChoiceBox()
        self.date_edit = date_edit()
        self.due_date_edit = date_edit()
        self.notes_edit = text_box(2)
        self.lines_model = InvoiceLinesTableModel(choices, self)
        self.lines_table = QTableView()
        self.add_line_button = QPushButton("Add line")
        self.remove_line_button = QPushButton("Remove line")
        self.subtotal_label = QLabel()
        self.tax_label = QLabel()
        self.total_label = QLabel()
        self.total_label.setObjectName("invoiceTotal")

        for widget in (self.customer_box, self.job_box):
            widget.setMaximumWidth(520)
        for date in (self.date_edit, self.due_date_edit):
            date.setFixedWidth(140)
        self.add_field("customer", "Customer *", self.customer_box)
        self.add_field("job", "Job", self.job_box, hint="Only the chosen customer's jobs are listed.")
        self.add_field("date", "Invoice date *", self.date_edit)
        self.add_field(
            "due_date",
            "Due date *",
            self.due_date_edit,
            hint=f"{DEFAULT_PAYMENT_TERMS_DAYS} days after the invoice date unless you change it.",
        )
        self.add_field("notes", "Notes", self.notes_edit)
        self.add_field("lines", "Lines *", self._lines_panel())
        self.form.setSpacing(6)

        self.customer_box.currentTextChanged.connect(self._on_customer_box_current_text_changed)
        self.date_edit.dateChanged.connect(self._on_date_edit_date_changed)
        self.due_date_edit.dateChanged.connect(self._on_due_date_edit_date_changed)
        self.add_line_button.clicked.connect(self._on_add_line_button_clicked)
        self.remove_line_button.clicked.connect(self._on_remove_line_button_clicked)
        self.lines_model.totals_changed.connect(self._show_totals)
        self.lines_model.input_refused.connect(self._on_lines_model_input_refused)
        self.lines_table.selectionModel().selectionChanged.connect(lambda *_: self._update_line_buttons())

        if invoice is None:
            self._set_dates(today, today + dt.timedelta(days=DEFAULT_PAYMENT_TERMS_DAYS))
            self._fill_jobs(None)
            self.lines_model.add_line()
        else:
            self.customer_box.choose(invoice.customer_id)
            self._fill_jobs(invoice.customer_id)
            self.job_box.choose(invoice.job_id)
            self._set_dates(invoice.date, invoice.due_date)
            self.notes_edit.setPlainText(invoice.notes)
            self.lines_model.set_lines(editable_lines(invoice))
            if invoice.status is InvoiceStatus.VOIDED:
                self._make_read_only()
        self._show_totals()
        self._update_line_buttons()
        self._size_columns()

    @staticmethod
    def _intro(invoice: Invoice | None) -> str:
        if invoice is None or invoice.status is InvoiceStatus.DRAFT:
            return ""
        if invoice.status is InvoiceStatus.VOIDED:
            return "This invoice is voided; it is shown for reference and can no longer be changed."
        settled = invoice.amount_paid + invoice.amount_credited
        text = "This invoice is approved: your changes are sent to your accounting package when it syncs."
        if settled > ZERO:
            text += (
                f" {format_money(settled)} has been paid or credited, so the total cannot go below that; "
                f"{format_money(invoice.amount_due)} is owing."
            )
        return text

    def _lines_panel(self) -> QWidget:
        table = self.lines_table
        table.setModel(self.lines_model)
        table.setItemDelegate(LinesDelegate(self.lines_model, table))
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        table.setAlternatingRowColors(True)
        table.setMinimumHeight(260)
        table.verticalHeader().setDefaultSectionSize(26)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(LineColumn.DESCRIPTION, QHeaderView.ResizeMode.Stretch)

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_line_button)
        buttons.addWidget(self.remove_line_button)
        buttons.addStretch(1)
        totals = QGridLayout()
        totals.setHorizontalSpacing(16)
        totals.setVerticalSpacing(2)
        for row, (caption, label) in enumerate(
            (("Subtotal", self.subtotal_label), ("GST", self.tax_label), ("Total", self.total_label))
        ):
            caption_label = QLabel(caption)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            label.setMinimumWidth(110)
            if caption == "Total":
                caption_label.setStyleSheet("font-weight: 600;")
                label.setStyleSheet("font-weight: 600;")
            totals.addWidget(caption_label, row, 0, Qt.AlignmentFlag.AlignRight)
            totals.addWidget(label, row, 1)
        buttons.addLayout(totals)

        panel = QWidget()
        box = QVBoxLayout(panel)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(6)
        box.addWidget(table, 1)
        box.addLayout(buttons)
        return panel

    def _size_columns(self) -> None:
        widths = {
            LineColumn.KIND: 80,
            LineColumn.MATERIAL: 90,
            LineColumn.QUANTITY: 55,
            LineColumn.UNIT_PRICE: 85,
            LineColumn.TAX_RATE: 105,
            LineColumn.AMOUNT: 95,
            LineColumn.TAX: 75,
        }
        for column, width in widths.items():
            self.lines_table.setColumnWidth(column, width)

    # -- reading the form
    def draft(self, session: Session) -> InvoiceDraft:
        """The invoice as the form describes it; tax rates read in ``session``."""
        customer_id = self.customer_box.chosen()
        typed = self.customer_box.currentText().strip()
        if customer_id is None and typed:
            raise RuleError(
                f"There is no customer called '{typed}'; choose one from the list.", field="customer"
            )
        lines = []
        for line in self.lines_model.lines():
            rate = session.get(TaxRate, line.tax_rate_id) if line.tax_rate_id is not None else None
            lines.append(
                LineDraft(
                    description=line.description,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    tax_rate=rate,
                    kind=line.kind,
                    material_id=line.material_id,
                )
            )
        return InvoiceDraft(
            customer_id=customer_id,
            date=from_qdate(self.date_edit.date()),
            due_date=from_qdate(self.due_date_edit.date()),
            job_id=self.job_box.chosen(),
            notes=self.notes_edit.toPlainText().strip(),
            lines=lines,
        )

    def write(self, session: Session) -> None:
        draft = self.draft(session)
        if self.record_id is None:
            self.record_id = create_invoice(session, draft).id
            return
        invoice = session.get(Invoice, self.record_id)
        if invoice is None:
            raise RuleError("This invoice has been deleted meanwhile; close this window.")
        update_invoice(session, invoice, draft)

    # -- behaviour
    def _fill_jobs(self, customer_id: int | None) -> None:
        previous = self.job_box.chosen()
        jobs = self._choices.jobs_of(customer_id)
        if customer_id is None:
            none_label = "(choose the customer first)"
        elif jobs:
            none_label = "(no job)"
        else:
            none_label = "(this customer has no jobs)"
        self.job_box.set_choices([(None, none_label), *((job.id, job.label) for job in jobs)])
        self.job_box.choose(previous if any(job.id == previous for job in jobs) else None)
        self.job_box.setEnabled(bool(jobs))

    def _set_dates(self, date: dt.date, due_date: dt.date) -> None:
        self._setting_dates = True
        try:
            self.date_edit.setDate(to_qdate(date))
            self.due_date_edit.setDate(to_qdate(due_date))
        finally:
            self._setting_dates = False

    def _on_customer_box_current_text_changed(self, _text: str) -> None:
        self._fill_jobs(self.customer_box.chosen())

    def _on_date_edit_date_changed(self, date: QDate) -> None:
        if self._following_date and not self._setting_dates:
            self._setting_dates = True
            try:
                self.due_date_edit.setDate(date.addDays(DEFAULT_PAYMENT_TERMS_DAYS))
            finally:
                self._setting_dates = False

    def _on_due_date_edit_date_changed(self, _date: QDate) -> None:
        if not self._setting_dates:
            self._following_date = False

    def _on_add_line_button_clicked(self) -> None:
        row = self.lines_model.add_line()
        # Ready to type the description: any key starts editing the current cell.
        self.lines_table.setCurrentIndex(self.lines_model.index(row, LineColumn.DESCRIPTION))
        self.lines_table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_remove_line_button_clicked(self) -> None:
        rows = self.lines_table.selectionModel().selectedRows()
        if rows:
            self.lines_model.remove_line(rows[0].row())
        self._update_line_buttons()

    def _on_lines_model_input_refused(self, message: str) -> None:
        self.show_problem(RuleError(message, field="lines"))

    def _update_line_buttons(self) -> None:
        editable = self.lines_table.editTriggers() != QAbstractItemView.EditTrigger.NoEditTriggers
        self.remove_line_button.setEnabled(editable and self.lines_table.selectionModel().hasSelection())

    def _show_totals(self) -> None:
        totals = self.lines_model.totals()
        self.subtotal_label.setText(format_money(totals.subtotal))
        self.tax_label.setText(format_money(totals.tax_total))
        self.total_label.setText(format_money(totals.total))

    def _make_read_only(self) -> None:
        inputs: tuple[QWidget, ...] = (
            self.customer_box, self.job_box, self.date_edit, self.due_date_edit, self.add_line_button
        )
        for widget in inputs:
            widget.setEnabled(False)
        self.notes_edit.setReadOnly(True)
        self.lines_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.save_button.hide()
