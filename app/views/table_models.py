"""One table model for every list: typed rows (detached records or dataclasses) shown through columns."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from app.services.money import format_money

R = TypeVar("R")

#: Role returning a value that sorts correctly (numbers as numbers, dates as dates).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1

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
    """A read-only table of ``rows`` shown through ``columns``.

    Rows are plain objects read once on the GUI thread (detached ORM rows or dataclasses); a screen
    replaces them with ``set_rows`` after a reload. A row changed in place must be announced with
    ``dataChanged`` (as for any Qt model): its sort keys are then worked out again.

    Sorting: a sorting proxy asks for ``SORT_ROLE`` twice at every comparison, about 2 n log2 n times for
    n rows (some 100,000 for 4,000 rows) after every reload. Each column's keys are therefore worked out
    once for all its rows, the first time the column is sorted on after the rows were set, and kept until
    the rows change. What remains is Qt calling into Python at every comparison (bench/table_sort.py).
    """

    def __init__(self, columns: Sequence[Column[R]], rows: Sequence[R] = (), parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows = list(rows)
        #: Each sorted column's keys, one per row (``sort_value``), by column number.
        self._sort_keys: dict[int, list[Any]] = {}
        # Connected before any proxy connects, so the keys are forgotten before a proxy sorts again.
        for changed in (self.dataChanged, self.layoutChanged, self.rowsInserted, self.rowsRemoved):
            changed.connect(self._forget_sort_keys)

    # -- the screen's side
    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._sort_keys = {}
        self.endResetModel()

    def rows(self) -> list[R]:
        return list(self._rows)

    def row_at(self, row: int) -> R:
        return self._rows[row]

    def sort_key(self, row: int, column: int) -> Any:
        """What row ``row`` sorts by in ``column`` (its ``SORT_ROLE``); the column's keys are worked out
        for all rows at the first call after the rows were set."""
        keys = self._sort_keys.get(column)
        if keys is None:
            value = self._columns[column].value
            keys = self._sort_keys[column] = [sort_value(value(record)) for record in self._rows]
        return keys[row]

    def _forget_sort_keys(self, *_changed: object) -> None:
        self._sort_keys = {}

    # -- Qt's side
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == SORT_ROLE:  # first: asked at every comparison of a sort
            at_row, at_column = index.row(), index.column()
            if 0 <= at_row < len(self._rows) and 0 <= at_column < len(self._columns):
                return self.sort_key(at_row, at_column)
            return None
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
