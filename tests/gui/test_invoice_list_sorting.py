"""Sorting the Invoices list, the longest list a bookkeeper sorts: it opens newest first in the order its
query reads, a click on a heading sorts by that column (in the model; the list's proxy only filters), a
reload keeps that column and the invoice chosen, and the filter box narrows whatever order is shown."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal as D

import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.db import Database
from app.models import InvoiceStatus
from app.services.invoices import InvoiceSummary
from app.views.invoices_view import InvoicesView

TODAY = dt.date(2026, 3, 2)
CUSTOMERS = ("Harbourside Cafe", "bondi Bakery", "Bondi Bakery 10", "Bondi Bakery 2", "Coogee Dental", "")


def summaries(count: int) -> list[InvoiceSummary]:
    """Invoices newest first, as the list's query reads them."""
    rng = random.Random(5)
    rows = []
    for n in range(count, 0, -1):
        total = D(rng.randint(1_000, 500_000)) / 100
        date = TODAY - dt.timedelta(days=(count - n) // 3)
        rows.append(
            InvoiceSummary(
                id=n,
                number=f"INV-{n}",
                date=date,
                due_date=date + dt.timedelta(days=14),
                customer_id=1,
                customer_name=CUSTOMERS[n % len(CUSTOMERS)],
                job_number=f"J{n}",
                status=InvoiceStatus.APPROVED,
                total=total,
                paid=D(0),
                credited=D(0),
                owing=total,
            )
        )
    return rows


@pytest.fixture
def view(qtbot: QtBot, sqlite_database: Database, qtmodeltester: ModelTester) -> InvoicesView:
    screen = InvoicesView(sqlite_database.session_factory, today=lambda: TODAY)
    qtbot.addWidget(screen)
    screen.resize(1200, 750)
    screen.show()
    qtbot.waitExposed(screen)
    screen.set_rows(summaries(60))
    qtmodeltester.check(screen.model)
    return screen


def shown(view: InvoicesView) -> list[InvoiceSummary]:
    return [view._row_for(r) for r in range(view.proxy.rowCount())]


def click_heading(qtbot: QtBot, view: InvoicesView, column: int) -> None:
    header = view.table.horizontalHeader()
    at = QPoint(header.sectionViewportPosition(column) + header.sectionSize(column) // 2, 5)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=at)


def test_a_heading_sorts_the_invoices_and_a_reload_keeps_it(
    qtbot: QtBot, view: InvoicesView, qtmodeltester: ModelTester
) -> None:
    qtmodeltester.check(view.proxy)
    header = view.table.horizontalHeader()
    # Opens newest first, as read, with the arrow on Date.
    assert [r.id for r in shown(view)] == list(range(60, 0, -1))
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (1, Qt.SortOrder.DescendingOrder)
    assert view.model.sort_column == -1

    click_heading(qtbot, view, 2)  # Customer
    assert header.isSortIndicatorShown() and header.sortIndicatorSection() == 2
    names = [r.customer_name for r in shown(view)]
    # Blanks first, case ignored, numbers in names in natural order; each customer's invoices newest first.
    order = ["", "bondi Bakery", "Bondi Bakery 2", "Bondi Bakery 10", "Coogee Dental", "Harbourside Cafe"]
    assert names == sorted(names, key=order.index)
    assert [r.id for r in shown(view) if r.customer_name == "Coogee Dental"] == list(range(58, 0, -6))

    view.select([r for r in shown(view) if r.customer_name == "Bondi Bakery 10"][4])
    chosen = view.selected()
    assert chosen is not None and chosen.id == 32
    # Read again (after a sync): the same invoices, still by customer, the same one chosen.
    view.set_rows(summaries(60))
    assert [r.customer_name for r in shown(view)] == names
    assert view.selected() == chosen

    view.filter_edit.setText("bondi bakery 1")  # "Bondi Bakery 10" only, any case
    assert {r.customer_name for r in shown(view)} == {"Bondi Bakery 10"}
    assert view.count_label.text() == "10 of 60"
    click_heading(qtbot, view, 5)  # Total, smallest first, still filtered
    totals = [r.total for r in shown(view)]
    assert totals == sorted(totals) and len(totals) == 10
    assert view.selected() == chosen  # the chosen invoice moved with its row through every sort

    view.filter_edit.clear()
    header.setSortIndicator(1, Qt.SortOrder.DescendingOrder)  # Date, newest first: the order read
    assert [r.id for r in shown(view)] == list(range(60, 0, -1))
    assert view.selected() == chosen
