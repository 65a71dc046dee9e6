"""Long lists read again after each sync: off the GUI thread, and shown in the order their query reads.

Re-reading thousands of invoices or log rows on the GUI thread holds it for a few hundred milliseconds:
about a third is the query, the rest is the list sorting every row again through the model (each
comparison a call into Python). So after a sync a list is read on a worker (``ListReloader``), and a
list whose query already reads in its usual order (newest first) shows rows in that order without
sorting them (``keep_query_order``); a click on a heading still sorts by that column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt

from app.services.progress import CancelToken, ProgressReporter
from app.views.record_list import RecordListView
from app.views.workers import BackgroundTask

T = TypeVar("T")


def keep_query_order(view: RecordListView[Any], column: int, order: Qt.SortOrder) -> None:
    """Show ``view``'s rows in the order they are set (their query's), which is ``column`` sorted by
    ``order``, without sorting them again at each read; a click on a heading sorts by it, and choosing
    ``column`` / ``order`` again goes back to the query's order."""
    view.table.setSortingEnabled(False)
    header = view.table.horizontalHeader()
    header.setSectionsClickable(True)
    header.setSortIndicatorShown(True)
    header.setSortIndicator(column, order)
    view.proxy.sort(-1)

    def sort(chosen: int, chosen_order: Qt.SortOrder) -> None:
        if (chosen, chosen_order) == (column, order):
            view.proxy.sort(-1)
        else:
            view.proxy.sort(chosen, chosen_order)

    header.sortIndicatorChanged.connect(sort)


class ListReloader(QObject, Generic[T]):
    """Reads a list on a worker thread (``reload(read)``: ``read`` opens a session of its own and must
    not touch widgets) and hands what it read to ``show`` on the GUI thread. One read at a time; asked
    again meanwhile, it reads once more after (with the latest ``read``).

    Attributes: ``task`` (the read under way, or None), ``running``.
    """

    def __init__(self, show: Callable[[T], None], parent: QObject) -> None:
        super().__init__(parent)
        self._show = show
        self._again: Callable[[], T] | None = None
        self.task: BackgroundTask | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and self.task.running

    def reload(self, read: Callable[[], T]) -> None:
        if self.running:
            self._again = read
            return

        def work(_report: ProgressReporter, _cancel: CancelToken) -> T:
            return read()

        task = BackgroundTask(work, self)
        task.succeeded.connect(self._on_task_succeeded)
        task.failed.connect(self._on_task_failed)
        task.finished.connect(self._on_task_finished)
        self.task = task
        task.start()

    def wait(self) -> None:
        """Block until the read under way ends (the window is closing)."""
        self._again = None
        if self.task is not None and self.task.running:
            self.task.wait()

    def _on_task_succeeded(self, rows: T) -> None:
        if self._again is None:  # otherwise a newer read follows: show that one
            self._show(rows)

    def _on_task_failed(self, error: object) -> None:
        raise error if isinstance(error, BaseException) else RuntimeError(str(error))

    def _on_task_finished(self) -> None:
        self.task = None
        if self._again is not None:
            read, self._again = self._again, None
            self.reload(read)
