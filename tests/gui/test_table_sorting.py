"""How a list sorts: numbers inside text in natural order, money and dates by value, blanks first when
ascending; and still so after a reload or a change to a row (the model keeps each column's sort keys
between sorts, so these check the keys are worked out again whenever the rows change)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from app.views.record_list import RecordListView
from app.views.table_models import Column, RecordTableModel


@dataclass
class Row:
    id: int
    number: str
    customer: str
    total: Decimal | None
    date: dt.date | None
    sent: bool


COLUMNS: tuple[Column[Row], ...] = (
    Column("Number", lambda r: r.number),
    Column("Customer", lambda r: r.customer),
    Column("Total", lambda r: r.total),
    Column("Date", lambda r: r.date),
    Column("Sent", lambda r: r.sent),
)

ROWS = (
    Row(1, "INV-10", "bondi Bakery", Decimal("1000.00"), dt.date(2026, 3, 2), True),
    Row(2, "INV-2", "Harbourside Cafe", Decimal("99.95"), None, False),
    Row(3, "INV-1", "Bondi Bakery 2", None, dt.date(2025, 12, 31), True),
    Row(4, "", "Bondi Bakery 10", Decimal("250"), dt.date(2026, 1, 15), False),
    Row(5, "INV-100", "", Decimal("99.95"), dt.date(2026, 3, 2), False),
    Row(6, "inv-3", "Coogee Dental", Decimal("5.10"), dt.date(2026, 1, 15), True),
)

# Ascending order of ids for each column, starting from the list as it opens (sorted by Number): rows
# that tie keep the order they had before (Qt's proxy sorts stably what it shows).
ASCENDING = {
    "Number": [4, 3, 2, 6, 1, 5],  # blank first, then INV-1, INV-2, inv-3, INV-10, INV-100
    "Customer": [5, 1, 3, 4, 6, 2],  # blank, "bondi Bakery", "... 2", "... 10" (case ignored), Coogee...
    "Total": [3, 6, 2, 5, 4, 1],  # blank, $5.10, $99.95 twice, $250.00, $1,000.00
    "Date": [2, 3, 4, 6, 1, 5],  # blank, 31/12/2025, 15/01/2026 twice, 02/03/2026 twice
    "Sent": [4, 2, 5, 3, 6, 1],  # No before Yes, each in Number order
}


def _ids(view: RecordListView[Row]) -> list[int]:
    return [view._row_for(r).id for r in range(view.proxy.rowCount())]


def _descending(ids: list[int], key: str) -> list[int]:
    """Qt's stable descending sort: the ascending groups of equal keys reversed, each tie in row order."""
    column = [c.header for c in COLUMNS].index(key)
    value = COLUMNS[column].value
    groups: list[list[int]] = []
    for row_id in ids:
        row = next(r for r in ROWS if r.id == row_id)
        if groups and value(next(r for r in ROWS if r.id == groups[-1][0])) == value(row):
            groups[-1].append(row_id)
        else:
            groups.append([row_id])
    return [row_id for group in reversed(groups) for row_id in group]


@pytest.fixture
def view(qtbot: QtBot, qtmodeltester: Any) -> RecordListView[Row]:
    shown: RecordListView[Row] = RecordListView("Invoices", COLUMNS)
    qtbot.addWidget(shown)
    shown.set_rows(ROWS)
    qtmodeltester.check(shown.model)
    return shown


@pytest.mark.parametrize("header", list(ASCENDING))
def test_each_column_sorts_in_the_order_a_bookkeeper_expects(view: RecordListView[Row], header: str) -> None:
    column = [c.header for c in COLUMNS].index(header)
    view.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
    assert _ids(view) == ASCENDING[header]
    view.table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    assert _ids(view) == _descending(ASCENDING[header], header)


def test_a_reload_sorts_the_new_rows_by_their_own_values(view: RecordListView[Row]) -> None:
    view.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # Total
    assert _ids(view) == ASCENDING["Total"]
    # The same records read again, their totals changed meanwhile: the list sorts by the new totals.
    reloaded = [Row(r.id, r.number, r.customer, Decimal(10 * r.id), r.date, r.sent) for r in reversed(ROWS)]
    view.set_rows(reloaded)
    assert _ids(view) == [1, 2, 3, 4, 5, 6]
    view.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # a column not sorted on since the reload
    assert _ids(view) == ASCENDING["Number"]


def test_a_row_changed_in_place_moves_to_its_new_place(view: RecordListView[Row]) -> None:
    view.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert _ids(view) == ASCENDING["Number"]
    row = view.model.row_at(0)  # INV-10
    row.number = "INV-0"
    model = view.model
    model.dataChanged.emit(model.index(0, 0), model.index(0, model.columnCount() - 1))
    assert _ids(view) == [4, 1, 3, 2, 6, 5]


def test_the_model_answers_nothing_for_a_place_outside_the_table(qtmodeltester: Any) -> None:
    model: RecordTableModel[Row] = RecordTableModel(COLUMNS, ROWS)
    qtmodeltester.check(model)
    assert not model.index(len(ROWS), 0).isValid()
    assert not model.index(0, len(COLUMNS)).isValid()
    assert not model.index(0, 0, model.index(0, 0)).isValid()  # a table: no children
    assert model.index(2, 1).data() == "Bondi Bakery 2"
    assert model.data(QModelIndex(), Qt.ItemDataRole.UserRole + 1) is None
