"""Sorting a list screen after a reload: ``RecordListView.set_rows`` on a list sorted by one column.

Every list screen (Invoices, Jobs, Customers, the Sync Log...) shows its rows through
``RecordTableModel`` behind a sorting ``QSortFilterProxyModel``. A reload (``set_rows``) resets the model
and the proxy sorts all the rows again by the column the person sorted on, asking the model for each
row's sort key (``SORT_ROLE``) at every comparison.

For 1,000 and 4,000 rows of the Supplier Invoices list, through its own columns (numbers
"INV-1".."INV-n" in a shuffled order, supplier names, dates, a Job column blank on half the rows,
money), it prints for each column sorted on the median CPU time of a reload (this process's, steadier
than wall time when other work shares the machine), and that time per 1,000 rows. For comparison, "in
Python" is what working out the same column's keys and sorting the rows with Python's own sort takes:
what a reload would cost if the model sorted its rows itself rather than the proxy asking it for two
keys at every comparison. Offscreen; nothing asserted.

    python bench/table_sort.py [--rows 1000 4000] [--runs 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import time
from decimal import Decimal

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.services.suppliers import SupplierInvoiceRow
from app.views.record_list import RecordListView
from app.views.suppliers_view import SUPPLIER_INVOICE_COLUMNS
from app.views.table_models import sort_value

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


def reload_seconds(
    view: RecordListView[SupplierInvoiceRow], rows: list[SupplierInvoiceRow], column: int, runs: int
) -> float:
    view.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
    times = []
    for _ in range(runs):
        fresh = list(rows)  # a reload hands the list a new list of rows
        started = time.process_time()
        view.set_rows(fresh)
        times.append(time.process_time() - started)
    return statistics.median(times)


def python_sort_seconds(rows: list[SupplierInvoiceRow], column: int, runs: int) -> float:
    value = SUPPLIER_INVOICE_COLUMNS[column].value
    times = []
    for _ in range(runs):
        started = time.process_time()
        keys = [sort_value(value(row)) for row in rows]
        # Blanks ("") first, as the proxy puts them; each column here holds one kind of value besides.
        sorted(range(len(keys)), key=lambda i: (keys[i] != "", keys[i]) if keys[i] == "" else (True, keys[i]))
        times.append(time.process_time() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 4000])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert app is not None
    print(f"Reload of a list sorted by one column (RecordListView.set_rows), CPU, median of {args.runs} runs")
    for count in args.rows:
        rows = make_rows(count)
        view: RecordListView[SupplierInvoiceRow] = RecordListView(
            "Supplier Invoices", SUPPLIER_INVOICE_COLUMNS
        )
        view.resize(1200, 750)
        view.set_rows(rows)  # the first load also sizes the columns; not measured
        print(f"\n{count:,} rows")
        per_column = []
        for column, spec in enumerate(SUPPLIER_INVOICE_COLUMNS):
            seconds = reload_seconds(view, rows, column, args.runs)
            per_column.append(seconds)
            in_python = python_sort_seconds(rows, column, args.runs)
            print(
                f"  sorted by {spec.header:<10} {seconds * 1000:8.1f} ms"
                f"   ({seconds * 1000 / (count / 1000):6.1f} ms per 1,000 rows)"
                f"   in Python {in_python * 1000:5.1f} ms"
            )
        print(f"  median over the columns: {statistics.median(per_column) * 1000:.1f} ms")
        view.deleteLater()


if __name__ == "__main__":
    main()
