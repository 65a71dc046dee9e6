"""Sorting a list screen: a reload (``RecordListView.set_rows``) of a list sorted by one column, and a
click on a heading.

Every list screen (Invoices, Jobs, Customers, the Sync Log...) shows its rows through
``RecordTableModel`` behind a ``RecordFilterProxyModel``. The model sorts its own rows: Python's sort on
each column's keys, worked out once per column after the rows are set; the proxy only filters. (Before,
a sorting ``QSortFilterProxyModel`` asked the model for two keys at every comparison, each a call from
Qt into Python: ~94,000 calls for 4,000 rows.)

For 1,000 and 4,000 rows of the Supplier Invoices list, through its own columns (numbers
"INV-1".."INV-n" in a shuffled order, supplier names, dates, a Job column blank on half the rows,
money), it prints for each column the median CPU time (this process's, steadier than wall time when
other work shares the machine) of:

- **reload**: ``set_rows`` with a new list of the same rows while the list is sorted by the column;
- **click**: ``table.sortByColumn`` on the column, ascending and descending in turn (a heading click);
- **filtered**: the same two with "reece" in the filter box (about one row in seven shown).

It uses only the screen's public side (``set_rows``, ``table.sortByColumn``, ``filter_edit``), so the same
script measures an older commit too (run it with that commit's ``app`` first on ``PYTHONPATH``).
Offscreen; nothing asserted.

    python bench/table_sort.py [--rows 1000 4000] [--runs 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.services.suppliers import SupplierInvoiceRow
from app.views import record_list
from app.views.record_list import RecordListView
from app.views.suppliers_view import SUPPLIER_INVOICE_COLUMNS

NAMES = (
    "Reece Plumbing",
    "Tradelink",
    "Bunnings Trade",
    "Harbour Electrical Wholesale",
    "Middy's",
    "Rheem Australia",
    "Plumbing Plus",
)


def make_rows(count: int, seed: int = 7) -> list[SupplierInvoiceRow]:
    """Supplier Invoices rows: numbers in a shuffled order, a few suppliers, a job on half of them."""
    rng = random.Random(seed)
    start = dt.date(2025, 7, 1)
    rows = [
        SupplierInvoiceRow(
            id=n,
            supplier=f"{rng.choice(NAMES)} {rng.randint(1, 400)}",
            number=f"INV-{n}",
            date=start + dt.timedelta(days=rng.randint(0, 365)),
            job=f"J{rng.randint(1, 9999)}" if rng.random() < 0.5 else "",
            status=rng.choice(("Draft", "Accepted")),
            total=Decimal(rng.randint(1_000, 2_000_000)) / 100,
            is_draft=False,
        )
        for n in range(1, count + 1)
    ]
    rng.shuffle(rows)
    return rows


def _median_cpu(step: Callable[[int], None], runs: int) -> float:
    times = []
    for run in range(runs):
        started = time.process_time()
        step(run)
        times.append(time.process_time() - started)
    return statistics.median(times)


def reload_seconds(
    view: RecordListView[SupplierInvoiceRow], rows: list[SupplierInvoiceRow], column: int, runs: int
) -> float:
    view.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
    # A reload hands the list a new list of rows.
    return _median_cpu(lambda _run: view.set_rows(list(rows)), runs)


def click_seconds(view: RecordListView[SupplierInvoiceRow], column: int, runs: int) -> float:
    orders = (Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder)
    view.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
    return _median_cpu(lambda run: view.table.sortByColumn(column, orders[run % 2]), runs)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert app is not None
    print(
        f"Sorting a list (app from {Path(record_list.__file__).parents[2]}), CPU, median of {args.runs} runs"
    )
    print("  ms                    reload   click   filtered: reload   click")
    for count in args.rows:
        rows = make_rows(count)
        view: RecordListView[SupplierInvoiceRow] = RecordListView(
            "Supplier Invoices", SUPPLIER_INVOICE_COLUMNS
        )
        view.resize(1200, 750)
        view.set_rows(rows)  # the first load also sizes the columns; not measured
        print(f"\n{count:,} rows")
        reloads, clicks = [], []
        for column, spec in enumerate(SUPPLIER_INVOICE_COLUMNS):
            view.filter_edit.clear()
            reload = reload_seconds(view, rows, column, args.runs)
            click = click_seconds(view, column, args.runs)
            view.filter_edit.setText("reece")
            filtered_reload = reload_seconds(view, rows, column, args.runs)
            filtered_click = click_seconds(view, column, args.runs)
            reloads.append(reload)
            clicks.append(click)
            print(
                f"  sorted by {spec.header:<10} {reload * 1000:7.1f} {click * 1000:7.1f}"
                f"             {filtered_reload * 1000:7.1f} {filtered_click * 1000:7.1f}"
            )
        print(
            f"  median over the columns: reload {statistics.median(reloads) * 1000:.1f} ms"
            f" ({statistics.median(reloads) * 1000 / (count / 1000):.1f} ms per 1,000 rows),"
            f" click {statistics.median(clicks) * 1000:.1f} ms"
        )
        view.deleteLater()


if __name__ == "__main__":
    main()
