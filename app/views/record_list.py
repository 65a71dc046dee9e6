"""The list screen every record type uses: a filter box, a sortable table, and the screen's buttons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.views.table_models import Column, RecordFilterProxyModel, RecordTableModel

R = TypeVar("R")


class RecordListView(QWidget, Generic[R]):
    """Layout of a list screen. Signals: ``selection_changed()``, ``activated(row)`` (double-click/Enter).

    Attributes: ``title``, ``filter_edit``, ``table``, ``model`` (a RecordTableModel, which sorts its
    rows), ``proxy`` (a RecordFilterProxyModel: the filter box's filter), ``count_label``;
    ``add_button(text)`` puts a button on the screen's bar.
    """

    selection_changed = Signal()
    activated = Signal(object)

    def __init__(self, title: str, columns: Sequence[Column[R]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(title)
        self.title.setObjectName("screenTitle")
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMaximumWidth(320)
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.model: RecordTableModel[R] = RecordTableModel(columns, parent=self)
        # The proxy only filters: sorting (a heading click, ``table.sortByColumn``) is the model's own.
        self.proxy = RecordFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)

        self._filter_bar_extras = QHBoxLayout()
        self._buttons = QHBoxLayout()
        self._buttons.setSpacing(6)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.count_label)
        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit)
        bar.addLayout(self._filter_bar_extras)
        bar.addStretch(1)
        bar.addLayout(self._buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)

        #: The row chosen before the filter box hid it: chosen again once the filter shows it again.
        self._hidden_choice: R | None = None

        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.table.doubleClicked.connect(lambda index: self.activated.emit(self._row_for(index.row())))
        self.model.modelReset.connect(self._update_count)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)

    def add_button(self, text: str, *, tooltip: str = "") -> QPushButton:
        button = QPushButton(text)
        if tooltip:
            button.setToolTip(tooltip)
        self._buttons.addWidget(button)
        return button

    def add_filter_widget(self, widget: QWidget) -> None:
        """Put a widget (e.g. a status filter) on the filter bar, beside the filter box."""
        self._filter_bar_extras.addWidget(widget)

    def set_rows(self, rows: Sequence[R]) -> None:
        selected = self.selected()
        first_load = self.model.rowCount() == 0
        self.model.set_rows(rows)
        if first_load:
            # Size columns once, from the first rows only: measuring every row of a long list is slow.
            self.table.horizontalHeader().setResizeContentsPrecision(100)
            self.table.resizeColumnsToContents()
        if selected is not None:
            self.select(selected)

    def selected(self) -> R | None:
        indexes = self.table.selectionModel().selectedRows()
        if not indexes:
            return None
        return self._row_for(indexes[0].row())

    def select(self, wanted: R) -> bool:
        """Select the row equal to ``wanted`` (rows compare by their own ``==``)."""
        for source_row, row in enumerate(self.model.rows()):
            if row == wanted:
                index = self.proxy.mapFromSource(self.model.index(source_row, 0))
                if index.isValid():
                    self.table.selectRow(index.row())
                    return True
        return False

    def _row_for(self, proxy_row: int) -> R:
        source = self.proxy.mapToSource(self.proxy.index(proxy_row, 0))
        return self.model.row_at(source.row())

    def _on_filter_edit_text_changed(self, text: str) -> None:
        chosen = self.selected() or self._hidden_choice
        self.proxy.setFilterFixedString(text)
        self._update_count()
        # Qt moves the selection to a neighbour of a row the filter hides, often out of sight: the
        # screen's buttons would then act on a row nobody chose. Keep the chosen row in view, or choose
        # none and show the first rows that match.
        if chosen is not None and self.select(chosen):
            self.table.scrollTo(self.table.currentIndex())
            return
        self.table.selectionModel().clear()
        self._hidden_choice = chosen
        self.table.scrollToTop()

    def _on_table_selection_changed(self) -> None:
        if self.table.selectionModel().hasSelection():
            self._hidden_choice = None
        self.selection_changed.emit()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(f"{total:,}" if shown == total else f"{shown:,} of {total:,}")
