"""One table model for every list: typed rows (detached records or dataclasses) shown through columns."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from app.services.money import format_money

R = TypeVar("R")

#: Role returning a value that sorts correctly (numbers as numbers, dates as dates).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: Role returning, in any column, all of the row's shown text, a column a line: what a filter looks in.
ROW_TEXT_ROLE = Qt.ItemDataRole.UserRole + 2

AnyIndex = QModelIndex | QPersistentModelIndex


def display_text(value: object) -> str:
    """How a value reads in a list: money as $1,234.50, dates as 27/11/2026, nothing as blank."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


_DIGITS_RE = re.compile(r"\d+")


def natural_text_key(text: str) -> str:
    """Text that sorts the way people expect: "J999" before "J1000", "9%" before "10%"."""
    return _DIGITS_RE.sub(lambda m: m.group().zfill(15), text.casefold())


def sort_value(value: object) -> Any:
    """A value as a sorting proxy compares it (``SORT_ROLE``): numbers, dates as numbers, text as
    ``natural_text_key``, nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, dt.date):
        return value.toordinal()
    if isinstance(value, bool | int | float):
        return value
    return natural_text_key(str(value))


def ordering_key(value: object) -> tuple[int, Any]:
    """What a list sorts a value by: blanks (nothing, "") first, then numbers, money, dates and yes/no by
    value, then text in ``natural_text_key`` order. Kinds never meet (a column mixing numbers and text
    puts the numbers first), so Python's sort always has an answer."""
    key = sort_value(value)
    if key == "":
        return (0, 0)
    return (2, key) if isinstance(key, str) else (1, key)


@dataclass(frozen=True)
class Column(Generic[R]):
    """A column of a list: its header and how to read it from a row."""

    header: str
    value: Callable[[R], object]
    tooltip: Callable[[R], str] | None = None
    #: A colour name for the text (e.g. "#b00020" for a failure), or None for the usual colour.
    colour: Callable[[R], str | None] | None = None

    def is_numeric(self, row: R) -> bool:
        return isinstance(self.value(row), Decimal | int) and not isinstance(self.value(row), bool)


class RecordTableModel(QAbstractTableModel, Generic[R]):
    """A read-only table of ``rows`` shown through ``columns``, sorted by itself.

    Rows are plain objects read once on the GUI thread (detached ORM rows or dataclasses); a screen
    replaces them with ``set_rows`` after a reload. A row changed in place must be announced with
    ``dataChanged`` (as for any Qt model): its sort keys are then worked out again.

    Sorting: ``sort(column, order)`` puts the rows in order with Python's own (stable) sort on each
    column's keys, worked out once for all rows the first time the column is sorted on after the rows
    were set, and says so with ``layoutAboutToBeChanged`` / ``layoutChanged`` (persistent indexes, hence
    a view's selection, follow their rows). ``set_rows`` keeps the order chosen last; ``sort(-1)`` goes
    back to the order the rows were given in. A view sorts through ``RecordFilterProxyModel``, which
    only filters and hands sorting here: a sorting proxy would ask for two keys at every comparison,
    each a call from Qt into Python (bench/table_sort.py). ``row_at(row)`` and ``rows()`` are in the
    order shown. ``SORT_ROLE`` still answers each row's key, for a proxy that sorts by itself.

    Attributes: ``sort_column`` (-1: the order given) and ``sort_order``.
    """

    def __init__(self, columns: Sequence[Column[R]], rows: Sequence[R] = (), parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        #: The rows in the order they were given; ``_order`` lists their places there in the order shown.
        self._given = list(rows)
        self._order = list(range(len(self._given)))
        self._rows = list(self._given)  # as shown: ``_given[_order[i]]``
        #: Each sorted column's keys (``ordering_key``), one per given row, by column number.
        self._sort_keys: dict[int, list[tuple[int, Any]]] = {}
        #: Each given row's ``ROW_TEXT_ROLE``, worked out when first asked.
        self._texts: list[str | None] = [None] * len(self._given)
        self.sort_column = -1
        self.sort_order = Qt.SortOrder.AscendingOrder
        # Connected before any proxy or view connects: a changed row's keys are new before anyone sorts.
        self.dataChanged.connect(self._on_data_changed)

    # -- the screen's side
    def set_rows(self, rows: Sequence[R]) -> None:
        """Show ``rows`` instead, in the order chosen last (ties in the order given)."""
        self.beginResetModel()
        self._given = list(rows)
        self._sort_keys = {}
        self._texts = [None] * len(self._given)
        self._order = self._ordered(list(range(len(self._given))))
        self._rows = [self._given[place] for place in self._order]
        self.endResetModel()

    def rows(self) -> list[R]:
        """The rows in the order shown."""
        return list(self._rows)

    def row_at(self, row: int) -> R:
        return self._rows[row]

    def sort_key(self, row: int, column: int) -> tuple[int, Any]:
        """What row ``row`` sorts by in ``column`` (``ordering_key`` of its value); the column's keys are
        worked out for all rows at the first call after the rows were set."""
        return self._keys(column)[self._order[row]]

    def sort_again(self) -> None:
        """Put the rows back in order after some changed in place (``dataChanged``), as a sorting proxy
        would; nothing is announced if no row moves."""
        self.sort(self.sort_column, self.sort_order)

    def _keys(self, column: int) -> list[tuple[int, Any]]:
        keys = self._sort_keys.get(column)
        if keys is None:
            value = self._columns[column].value
            keys = self._sort_keys[column] = [ordering_key(value(record)) for record in self._given]
        return keys

    def _ordered(self, order: list[int]) -> list[int]:
        """``order`` (places in the given rows) sorted by the chosen column, stably."""
        if not 0 <= self.sort_column < len(self._columns):
            return sorted(order)  # the order given
        keys = self._keys(self.sort_column)
        order.sort(key=keys.__getitem__, reverse=self.sort_order == Qt.SortOrder.DescendingOrder)
        return order

    def row_text(self, row: int) -> str:
        """All of row ``row``'s shown text, a column a line (``ROW_TEXT_ROLE``), kept until it changes."""
        place = self._order[row]
        text = self._texts[place]
        if text is None:
            record = self._given[place]
            text = self._texts[place] = "\n".join(display_text(c.value(record)) for c in self._columns)
        return text

    def _on_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, *_roles: object) -> None:
        last = min(bottom_right.row(), len(self._order) - 1)
        places = [self._order[row] for row in range(max(top_left.row(), 0), last + 1)]
        for place in places:
            self._texts[place] = None
        for column, keys in self._sort_keys.items():
            value = self._columns[column].value
            for place in places:
                keys[place] = ordering_key(value(self._given[place]))

    # -- Qt's side
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows by ``column`` (-1: back to the order given), stably from the order shown, as
        Qt's sorting proxy does; blanks first when ascending."""
        self.sort_column = column if 0 <= column < len(self._columns) else -1
        self.sort_order = order
        new_order = self._ordered(list(self._order))
        if new_order == self._order:
            return
        self.layoutAboutToBeChanged.emit()
        new_row_of = [0] * len(new_order)
        for row, place in enumerate(new_order):
            new_row_of[place] = row
        old = self.persistentIndexList()
        self.changePersistentIndexList(
            old, [self.index(new_row_of[self._order[index.row()]], index.column()) for index in old]
        )
        self._order = new_order
        self._rows = [self._given[place] for place in new_order]
        self.layoutChanged.emit()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == SORT_ROLE:  # first: a sorting proxy asks at every comparison
            at_row, at_column = index.row(), index.column()
            if 0 <= at_row < len(self._rows) and 0 <= at_column < len(self._columns):
                rank, key = self.sort_key(at_row, at_column)
                return key if rank else ""
            return None
        if role == ROW_TEXT_ROLE:  # asked for every row at each filtering
            at_row = index.row()
            return self.row_text(at_row) if 0 <= at_row < len(self._rows) and index.isValid() else None
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        column = self._columns[index.column()]
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return display_text(column.value(row))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column.is_numeric(row):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row)
        if role == Qt.ItemDataRole.ForegroundRole and column.colour is not None:
            colour = column.colour(row)
            return QColor(colour) if colour else None
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return self._columns[section].header
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._rows):
            return section + 1
        return None


class RecordFilterProxyModel(QSortFilterProxyModel):
    """Filters a ``RecordTableModel`` and hands sorting to it: ``sort(column, order)`` (a view's heading
    click, ``QTableView.sortByColumn``) sorts the model's rows, and the proxy itself stays unsorted, in
    the model's order. A row changed in place (``dataChanged``) goes to its new place, after the proxy
    has filtered it again. Over any other model it sorts as Qt's proxy does.

    Filtering (``setFilterFixedString``, case ignored) keeps the rows with the text in any column. It
    reads each row's ``ROW_TEXT_ROLE`` (all its columns, kept by the model) rather than every column's
    text: the proxy filters all rows again after each sort, and one call into Python a row costs far
    less than one a cell. With no filter text Qt asks nothing.

    ``sortColumn()`` / ``sortOrder()`` answer what the rows are sorted by.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setFilterRole(ROW_TEXT_ROLE)
        self.setFilterKeyColumn(0)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        previous = self.sourceModel()
        if isinstance(previous, RecordTableModel):
            previous.dataChanged.disconnect(previous.sort_again)
        super().setSourceModel(model)
        if isinstance(model, RecordTableModel):
            # Connected after the proxy's own handler: the proxy takes the change in, then rows move.
            model.dataChanged.connect(model.sort_again)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if isinstance(model, RecordTableModel):
            model.sort(column, order)
        else:
            super().sort(column, order)

    def sortColumn(self) -> int:
        model = self.sourceModel()
        return model.sort_column if isinstance(model, RecordTableModel) else super().sortColumn()

    def sortOrder(self) -> Qt.SortOrder:
        model = self.sourceModel()
        return model.sort_order if isinstance(model, RecordTableModel) else super().sortOrder()
