"""How a list sorts: numbers inside text in natural order, money and dates by value, blanks first when
ascending; and still so after a reload or a change to a row (the model keeps each column's sort keys
between sorts, so these check the keys are worked out again whenever the rows change).

The model sorts its own rows (``RecordTableModel.sort``) and the list's proxy only filters; the order is
checked against Qt's own sorting proxy over the same rows, the way every list sorted before.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, QPoint, QSortFilterProxyModel, Qt
from pytestqt.qtbot import QtBot

from app.views.record_list import RecordListView
from app.views.table_models import SORT_ROLE, Column, RecordTableModel


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
    view.select(ROWS[0])
    model = view.model
    at = model.rows().index(ROWS[0])  # INV-10, fifth
    model.row_at(at).number = "INV-0"
    model.dataChanged.emit(model.index(at, 0), model.index(at, model.columnCount() - 1))
    assert _ids(view) == [4, 1, 3, 2, 6, 5]
    assert view.selected() is ROWS[0]  # the selection went with it
    ROWS[0].number = "INV-10"


def test_a_change_that_moves_nothing_leaves_the_layout_alone(qtbot: QtBot, view: RecordListView[Row]) -> None:
    view.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # Customer
    model = view.model
    at = model.rows().index(ROWS[1])
    with qtbot.assertNotEmitted(model.layoutChanged):
        model.dataChanged.emit(model.index(at, 2), model.index(at, 2))  # its Total, not its customer
    assert _ids(view) == ASCENDING["Customer"]


def test_the_selection_stays_on_its_row_through_sorts(qtbot: QtBot, view: RecordListView[Row]) -> None:
    view.show()
    view.select(ROWS[2])  # INV-1, Bondi Bakery 2
    for column in range(len(COLUMNS)):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            view.table.sortByColumn(column, order)
            assert view.selected() is ROWS[2], (COLUMNS[column].header, order)
            current = view.table.currentIndex()
            assert view._row_for(current.row()) is ROWS[2]
    assert len(view.table.selectionModel().selectedRows()) == 1


def test_a_click_on_a_heading_sorts_and_shows_the_arrow(qtbot: QtBot, view: RecordListView[Row]) -> None:
    view.resize(900, 400)
    view.show()
    qtbot.waitExposed(view)
    header = view.table.horizontalHeader()

    def click(column: int) -> None:
        at = QPoint(header.sectionViewportPosition(column) + header.sectionSize(column) // 2, 5)
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=at)

    click(2)  # Total
    assert header.isSortIndicatorShown()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (2, Qt.SortOrder.AscendingOrder)
    assert _ids(view) == ASCENDING["Total"]
    click(2)
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert _ids(view) == _descending(ASCENDING["Total"], "Total")
    assert (view.proxy.sortColumn(), view.proxy.sortOrder()) == (2, Qt.SortOrder.DescendingOrder)
    assert (view.model.sort_column, view.model.sort_order) == (2, Qt.SortOrder.DescendingOrder)


def test_the_proxy_only_filters_in_the_models_order(view: RecordListView[Row], qtmodeltester: Any) -> None:
    qtmodeltester.check(view.proxy)
    view.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # Date
    # Unfiltered, the proxy's rows are the model's rows, one for one.
    assert [view.proxy.mapToSource(view.proxy.index(r, 0)).row() for r in range(len(ROWS))] == list(
        range(len(ROWS))
    )
    assert [r.id for r in view.model.rows()] == _descending(ASCENDING["Date"], "Date")
    view.filter_edit.setText("bondi")
    assert view.count_label.text() == "3 of 6"
    assert _ids(view) == [1, 4, 3]  # Date descending: 02/03/2026, 15/01/2026, 31/12/2025
    view.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # Customer, still filtered
    assert _ids(view) == [1, 3, 4]
    assert view.count_label.text() == "3 of 6"
    view.filter_edit.setText("BONDI BAKERY 1")  # case ignored
    assert _ids(view) == [4]
    view.filter_edit.clear()
    assert _ids(view) == ASCENDING["Customer"]


def test_a_reload_keeps_the_chosen_column_and_order(view: RecordListView[Row]) -> None:
    view.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # Total, largest first
    view.select(ROWS[3])
    # The same records read again, in another order: shown largest first, the selection kept.
    reloaded = [Row(r.id, r.number, r.customer, r.total, r.date, r.sent) for r in reversed(ROWS)]
    view.set_rows(reloaded)
    assert _ids(view) == [1, 4, 5, 2, 6, 3]  # ties ($99.95) in the order read: 5 before 2
    assert view.selected() is reloaded[2]  # id 4
    header = view.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (2, Qt.SortOrder.DescendingOrder)


def test_sorting_by_no_column_shows_the_rows_as_given(view: RecordListView[Row]) -> None:
    view.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    view.proxy.sort(-1)
    assert _ids(view) == [1, 2, 3, 4, 5, 6]
    view.set_rows(list(reversed(ROWS)))
    assert _ids(view) == [6, 5, 4, 3, 2, 1]


def _random_rows(count: int, seed: int) -> list[Row]:
    """Rows with many ties, blanks, case and digit runs: what tells one sort's order from another's."""
    rng = random.Random(seed)
    names = (
        "Bondi Bakery",
        "bondi bakery",
        "BONDI Bakery 2",
        "Bondi Bakery 10",
        "Coogee Dental",
        "",
        "Ärzte",
    )
    return [
        Row(
            id=n,
            number=rng.choice(
                ("", f"INV-{rng.randint(1, 30)}", f"inv-{rng.randint(1, 30)}", f"J{rng.randint(1, 9)}")
            ),
            customer=rng.choice(names),
            total=rng.choice((None, Decimal(rng.randint(0, 400)) / 4)),
            date=rng.choice((None, dt.date(2026, 1, rng.randint(1, 5)))),
            sent=rng.random() < 0.5,
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_model_sorts_as_qts_sorting_proxy_did(qtmodeltester: Any, seed: int) -> None:
    """A run of sorts (each from the order the last one left) gives the same order as Qt's proxy asking
    for ``SORT_ROLE``, ties included; and so does a reload after them."""
    rows = _random_rows(300, seed)
    ours: RecordTableModel[Row] = RecordTableModel(COLUMNS, rows)
    qtmodeltester.check(ours)  # stays attached: each layout change below is checked too
    theirs: RecordTableModel[Row] = RecordTableModel(COLUMNS, rows)
    qt_proxy = QSortFilterProxyModel()
    qt_proxy.setSourceModel(theirs)
    qt_proxy.setSortRole(SORT_ROLE)
    rng = random.Random(seed)
    for _ in range(12):
        column = rng.randrange(len(COLUMNS))
        order = rng.choice((Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder))
        ours.sort(column, order)
        qt_proxy.sort(column, order)
        expected = [theirs.row_at(qt_proxy.mapToSource(qt_proxy.index(r, 0)).row()).id for r in range(300)]
        assert [row.id for row in ours.rows()] == expected, (COLUMNS[column].header, order)
    reloaded = list(reversed(rows))
    ours.set_rows(reloaded)
    theirs.set_rows(reloaded)
    expected = [theirs.row_at(qt_proxy.mapToSource(qt_proxy.index(r, 0)).row()).id for r in range(300)]
    assert [row.id for row in ours.rows()] == expected


def test_blanks_come_before_credits_and_nothing_owing(qtmodeltester: Any) -> None:
    """Qt's own proxy put blanks among negative amounts (comparing "" with -5 as text one way round and
    as numbers the other); the model puts them first, as for any other column."""
    totals = (Decimal("10"), None, Decimal("-5.00"), Decimal("0"), None, Decimal("-12.50"))
    rows = [Row(n, f"CN-{n}", "Bondi Bakery", total, None, False) for n, total in enumerate(totals)]
    model: RecordTableModel[Row] = RecordTableModel(COLUMNS, rows)
    qtmodeltester.check(model)
    model.sort(2, Qt.SortOrder.AscendingOrder)
    assert [r.total for r in model.rows()] == [None, None, Decimal("-12.50"), Decimal("-5.00"), 0, 10]
    model.sort(2, Qt.SortOrder.DescendingOrder)
    assert [r.total for r in model.rows()] == [10, 0, Decimal("-5.00"), Decimal("-12.50"), None, None]


def test_a_model_on_its_own_sorts_and_keeps_persistent_indexes(qtmodeltester: Any) -> None:
    model: RecordTableModel[Row] = RecordTableModel(COLUMNS, ROWS)
    qtmodeltester.check(model)
    kept = [model.index(row, 1) for row in range(len(ROWS))]
    from PySide6.QtCore import QPersistentModelIndex

    persistent = [QPersistentModelIndex(index) for index in kept]
    model.sort(2, Qt.SortOrder.AscendingOrder)
    assert [r.id for r in model.rows()] == [3, 6, 2, 5, 4, 1]
    for row, index in zip(ROWS, persistent, strict=True):
        assert index.isValid() and index.column() == 1
        assert model.row_at(index.row()) is row
        assert index.data() == row.customer


def test_the_model_answers_nothing_for_a_place_outside_the_table(qtmodeltester: Any) -> None:
    model: RecordTableModel[Row] = RecordTableModel(COLUMNS, ROWS)
    qtmodeltester.check(model)
    assert not model.index(len(ROWS), 0).isValid()
    assert not model.index(0, len(COLUMNS)).isValid()
    assert not model.index(0, 0, model.index(0, 0)).isValid()  # a table: no children
    assert model.index(2, 1).data() == "Bondi Bakery 2"
    assert model.data(QModelIndex(), Qt.ItemDataRole.UserRole + 1) is None


def test_a_row_the_filter_hides_is_not_swapped_for_another(qtbot: QtBot, view: RecordListView[Row]) -> None:
    """Qt moves the selection of a row the filter hides to a neighbour: the screen's buttons would then
    act on a row nobody chose. The list chooses nothing instead, and the row again once it shows."""
    view.resize(600, 200)
    view.show()
    view.set_rows([*ROWS, *(Row(n, f"INV-{n}", "Bondi Bakery", None, None, False) for n in range(7, 40))])
    view.select(ROWS[1])  # Harbourside Cafe
    view.table.scrollToBottom()
    with qtbot.waitSignal(view.selection_changed):
        view.filter_edit.setText("bondi")
    assert view.selected() is None
    assert not view.table.currentIndex().isValid()
    assert view.table.verticalScrollBar().value() == 0  # the first rows that match are in sight
    view.filter_edit.setText("bondi bakery")  # still hidden: still nothing chosen
    assert view.selected() is None
    view.filter_edit.clear()
    assert view.selected() is ROWS[1]
    # A row chosen meanwhile is the choice from then on, kept in sight.
    view.filter_edit.setText("coogee")
    view.table.selectRow(0)
    view.filter_edit.clear()
    assert view.selected() is ROWS[5]
    assert view.table.visualRect(view.table.currentIndex()).intersects(view.table.viewport().rect())
