"""The form dialog every record editor uses: labelled fields, each with its problem shown beneath it.

A save runs in one transaction; a refusal (``RuleError``) rolls it back and is shown next to the field it
names, so nothing is ever saved half-way and the dialog stays open for the fix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.db import SessionFactory
from app.services.errors import RuleError
from app.services.money import parse_money
from app.views.record_list import RecordListView
from app.views.table_models import Column

T = TypeVar("T")

#: Asks the person a yes/no question: (title, question) -> True for yes. Injected so tests never block.
Confirm = Callable[[str, str], bool]


def ask_yes_no(title: str, question: str) -> bool:
    """The real confirmation: a modal question box, No by default."""
    answer = QMessageBox.question(
        None,
        title,
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def text_box(lines: int) -> QPlainTextEdit:
    """A few lines of free text; Tab moves on to the next field, as in every other input."""
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 12)
    return box


def read_money(edit: QLineEdit, field: str) -> Decimal:
    """The amount typed into ``edit``, or a RuleError naming ``field``."""
    try:
        return parse_money(edit.text())
    except ValueError as exc:
        raise RuleError(str(exc), field=field) from None


def read_percentage(edit: QLineEdit, field: str) -> Decimal:
    text = edit.text().strip().removesuffix("%").strip()
    if not text:
        raise RuleError("Enter the rate as a percentage, e.g. 10.", field=field)
    problem = RuleError(f"'{edit.text()}' is not a percentage; enter a number such as 10.", field=field)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise problem from None
    if not value.is_finite():
        raise problem
    return value


class ChoiceBox(QComboBox, Generic[T]):
    """A drop-down of named choices that can also be searched by typing any part of a name.

    ``chosen()`` is the value whose name is shown, or None when nothing (or unknown text) is there.
    """

    def __init__(
        self, placeholder: str = "", *, searchable: bool = False, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._values: list[T | None] = []
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(24)
        if searchable:
            self.setEditable(True)
            self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            completer = QCompleter(self.model(), self)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            self.setCompleter(completer)
            line_edit = self.lineEdit()
            assert line_edit is not None
            line_edit.setPlaceholderText(placeholder)
        else:
            self.setPlaceholderText(placeholder)

    def set_choices(self, choices: Sequence[tuple[T | None, str]]) -> None:
        self.clear()
        self._values = []
        for value, name in choices:
            self.addItem(name)
            self._values.append(value)
        self.setCurrentIndex(-1)
        if self.isEditable():
            self.setEditText("")

    def choose(self, value: T | None) -> None:
        for index, candidate in enumerate(self._values):
            if candidate == value:
                self.setCurrentIndex(index)
                return
        self.setCurrentIndex(-1)

    def chosen(self) -> T | None:
        if self.isEditable():
            text = self.currentText().strip().casefold()
            if not text:
                return None
            for index, value in enumerate(self._values):
                if self.itemText(index).casefold() == text:
                    return value
            return None
        index = self.currentIndex()
        return self._values[index] if 0 <= index < len(self._values) else None


class RecordEditorDialog(QDialog):
    """A form for one record. Subclasses add fields with ``add_field`` and implement ``write(session)``.

    Signals: ``saved()`` after a successful save (the dialog then closes). Attributes: ``form``,
    ``buttons``, ``save_button``, ``general_problem`` (a refusal that names no field on the form).
    ``confirm`` asks the person a yes/no question; pass a stand-in in tests.
    """

    saved = Signal()

    def __init__(
        self,
        title: str,
        session_factory: SessionFactory,
        *,
        intro: str = "",
        confirm: Confirm = ask_yes_no,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(520)
        self._session_factory = session_factory
        self.confirm = confirm
        #: The record being edited; set when a new record is saved.
        self.record_id: int | None = None
        self._problems: dict[str, QLabel] = {}
        self._fields: dict[str, QWidget] = {}

        self.general_problem = QLabel()
        self.general_problem.setObjectName("fieldError")
        self.general_problem.setWordWrap(True)
        self.general_problem.hide()
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        assert save_button is not None
        self.save_button = save_button
        self.save_button.setDefault(True)

        layout = QVBoxLayout(self)
        if intro:
            intro_label = QLabel(intro)
            intro_label.setWordWrap(True)
            intro_label.setObjectName("hint")
            layout.addWidget(intro_label)
        layout.addWidget(self.general_problem)
        layout.addLayout(self.form)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    # -- building the form
    def add_field(self, name: str, label: str, widget: QWidget, *, hint: str = "") -> None:
        """A labelled input; ``name`` is the RuleError ``field`` whose problems show beneath it."""
        column = QWidget()
        box = QVBoxLayout(column)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(widget)
        if hint:
            hint_label = QLabel(hint)
            hint_label.setObjectName("hint")
            hint_label.setWordWrap(True)
            box.addWidget(hint_label)
        problem = QLabel()
        problem.setObjectName("fieldError")
        problem.setWordWrap(True)
        problem.hide()
        box.addWidget(problem)
        self._problems[name] = problem
        self._fields[name] = widget
        self.form.addRow(label, column)

    def add_read_only(self, label: str, text: str, *, hint: str = "") -> QLabel:
        """A value shown but not edited here (e.g. an account chosen on another screen)."""
        value = QLabel(text)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        value.setWordWrap(True)
        column = QWidget()
        box = QVBoxLayout(column)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(value)
        if hint:
            hint_label = QLabel(hint)
            hint_label.setObjectName("hint")
            hint_label.setWordWrap(True)
            box.addWidget(hint_label)
        self.form.addRow(label, column)
        return value

    # -- problems
    def problem(self, name: str) -> str:
        """The problem shown next to field ``name`` ("" when none); ``""`` name for the general one."""
        label = self._problems.get(name) if name else self.general_problem
        if label is None or label.isHidden():
            return ""
        return label.text()

    def show_problem(self, error: RuleError) -> None:
        label = self._problems.get(error.field or "")
        if label is None:
            label = self.general_problem
        label.setText(error.message)
        label.show()
        widget = self._fields.get(error.field or "")
        if widget is not None:
            widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear_problems(self) -> None:
        self.general_problem.hide()
        for label in self._problems.values():
            label.hide()

    # -- saving
    def warning_before_saving(self, session: Session) -> RuleError | None:
        """A warning the person may override (e.g. a duplicate name), or None. It is put to them as a
        question; if they say no, it is shown next to its field and nothing is saved."""
        return None

    def write(self, session: Session) -> None:
        """Write the record in ``session`` (inside the save's transaction); raise RuleError to refuse."""
        raise NotImplementedError

    def save(self) -> bool:
        """Validate and write in one transaction. True when saved (the dialog closes); else the problem
        is shown next to its field and nothing was written."""
        self.clear_problems()
        try:
            with self._session_factory() as session:
                warning = self.warning_before_saving(session)
            # Asked with no session open: a question can wait on the person for as long as it likes.
            question = f"{warning.message}\n\nSave anyway?" if warning else ""
            if warning is not None and not self.confirm(self.windowTitle(), question):
                self.show_problem(warning)
                return False
            with self._session_factory() as session, session.begin():
                self.write(session)
        except RuleError as error:
            self.show_problem(error)
            return False
        self.saved.emit()
        self.accept()
        return True

    def _on_buttons_accepted(self) -> None:
        self.save()


def screen_layout(view: QWidget) -> QVBoxLayout:
    """The vertical layout of a list screen (title row, filter bar, table), to add notes to."""
    layout = view.layout()
    assert isinstance(layout, QVBoxLayout)
    return layout


def fit_list(view: RecordListView[Any], *, stretch: int | None, filter_hint: str = "") -> None:
    """Let column ``stretch`` (a text column; None for none) take the spare width rather than the last
    one, so amounts and flags stay beside their row; give the filter box room for its hint."""
    view.table.setWordWrap(False)  # one line per record; a long address ends in "…" (full text as a tip)
    header = view.table.horizontalHeader()
    header.setStretchLastSection(False)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    view.filter_edit.setMinimumWidth(280)
    if filter_hint:
        view.filter_edit.setPlaceholderText(filter_hint)


def screen_note(text: str) -> QLabel:
    """A sentence that explains the screen to the bookkeeper, shown under its title."""
    note = QLabel(text)
    note.setObjectName("screenNote")
    note.setWordWrap(True)
    # A quiet panel, so the sentence reads as guidance rather than as one more row of the screen.
    note.setStyleSheet(
        "QLabel#screenNote { background: #eef3f8; border: 1px solid #cfdbe7; border-radius: 3px; "
        "padding: 6px 8px; color: #1f2d3a; }"
    )
    note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return note


class ScreenMessage(QLabel):
    """One line under a screen's buttons saying what just happened, or why an action was refused."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._refusal = False
        self.setWordWrap(True)
        self.hide()

    def say(self, text: str) -> None:
        self._refusal = False
        self._show(text, "color: #1b5e20;")

    def refuse(self, text: str) -> None:
        self._refusal = True
        self._show(text, "color: #b00020;")

    @property
    def is_refusal(self) -> bool:
        return self._refusal and not self.isHidden()

    def clear_message(self) -> None:
        self.setText("")
        self.hide()

    def _show(self, text: str, style: str) -> None:
        self.setStyleSheet(style)
        self.setText(text)
        self.show()


class _Identified(Protocol):
    @property
    def id(self) -> int: ...


Row = TypeVar("Row", bound=_Identified)


class EditableListView(RecordListView[Row]):
    """A list screen whose records are created and edited in a RecordEditorDialog.

    Subclasses implement ``load(session)`` (the rows, in one or two queries) and
    ``make_editor(session, row)`` (``row`` None for a new record). Attributes: ``new_button``,
    ``edit_button``, ``editor`` (the dialog opened last), ``message`` (a ScreenMessage).
    """

    def __init__(
        self,
        title: str,
        columns: Sequence[Column[Row]],
        session_factory: SessionFactory,
        *,
        new_text: str,
        confirm: Confirm = ask_yes_no,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(title, columns, parent)
        self._session_factory = session_factory
        self.confirm = confirm
        self.editor: RecordEditorDialog | None = None
        self.new_button = self.add_button(new_text)
        self.edit_button = self.add_button("Edit…")
        self.edit_button.setEnabled(False)
        self.message = ScreenMessage()
        screen_layout(self).insertWidget(2, self.message)

        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.selection_changed.connect(self._on_selection_changed)
        self.activated.connect(self._on_activated)

    # -- for subclasses
    def load(self, session: Session) -> Sequence[Row]:
        raise NotImplementedError

    def make_editor(self, session: Session, row: Row | None) -> RecordEditorDialog:
        raise NotImplementedError

    def update_buttons(self) -> None:
        self.edit_button.setEnabled(self.selected() is not None)

    # -- public
    def refresh(self) -> None:
        with self._session_factory() as session:
            rows = self.load(session)
        self.set_rows(rows)
        self.update_buttons()

    def new_record(self) -> RecordEditorDialog:
        with self._session_factory() as session:
            return self._open(self.make_editor(session, None))

    def edit_record(self, row: Row) -> RecordEditorDialog:
        with self._session_factory() as session:
            return self._open(self.make_editor(session, row))

    def select_id(self, record_id: int) -> bool:
        """Select the row of record ``record_id``, clearing the filter if it hides it."""
        for attempt in range(2):
            for proxy_row in range(self.proxy.rowCount()):
                if self._row_for(proxy_row).id == record_id:
                    self.table.selectRow(proxy_row)
                    self.table.scrollTo(self.proxy.index(proxy_row, 0))
                    return True
            if attempt == 0 and self.filter_edit.text():
                self.filter_edit.clear()
        return False

    # -- behaviour
    def _open(self, dialog: RecordEditorDialog) -> RecordEditorDialog:
        if self.editor is not None:
            self.editor.deleteLater()
        self.editor = dialog
        self.message.clear_message()
        dialog.saved.connect(self._on_editor_saved)
        dialog.open()
        return dialog

    def _on_new_button_clicked(self) -> None:
        self.new_record()

    def _on_edit_button_clicked(self) -> None:
        row = self.selected()
        if row is not None:
            self.edit_record(row)

    def _on_activated(self, row: Row) -> None:
        self.edit_record(row)

    def _on_selection_changed(self) -> None:
        self.update_buttons()

    def _on_editor_saved(self) -> None:
        saved_id = self.editor.record_id if self.editor is not None else None
        self.refresh()
        if saved_id is not None:
            self.select_id(saved_id)
