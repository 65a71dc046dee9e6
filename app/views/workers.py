"""The one way to run work off the GUI thread: a worker QObject moved to its own QThread.

    task = BackgroundTask(refresh_chart, parent=self)
    task.progress.connect(self._on_refresh_progress)
    task.succeeded.connect(self._on_refresh_succeeded)
    task.failed.connect(self._on_refresh_failed)
    task.start()
    ...
    task.cancel()

``work(report, cancel)`` runs on the worker thread; it must not touch widgets and opens its own database
sessions (sessions never cross threads). Signals, always in this order: ``started``; any number of
``progress(done, total, text)``; then exactly one of ``succeeded(result)`` or ``failed(error)`` (a
``Cancelled`` error when cancelled); ``finished`` always last. Signals are delivered on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from app.services.progress import CancelToken, ProgressReporter

logger = logging.getLogger(__name__)

Work = Callable[[ProgressReporter, CancelToken], Any]


class _Worker(QObject):
    started = Signal()
    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, work: Work, cancel: CancelToken) -> None:
        super().__init__()
        self._work = work
        self._cancel = cancel

    @Slot()
    def run(self) -> None:
        self.started.emit()
        try:
            result = self._work(self._report, self._cancel)
        except Exception as error:  # every failure reaches the GUI; none is swallowed
            logger.info("Background work ended with %s: %s", type(error).__name__, error)
            self.failed.emit(error)
        else:
            self.succeeded.emit(result)
        finally:
            self.finished.emit()

    def _report(self, done: int, total: int, text: str) -> None:
        self.progress.emit(done, total, text)


class BackgroundTask(QObject):
    """Runs ``work`` once on a new QThread. Signals: started, progress(int, int, str), succeeded(object),
    failed(object: the exception), finished. Attributes: ``running``, ``cancel_token``.
    """

    started = Signal()
    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    finished = Signal()

    def __init__(self, work: Work, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cancel_token = CancelToken()
        self._thread = QThread()
        self._worker = _Worker(work, self.cancel_token)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.started.connect(self.started)
        self._worker.progress.connect(self.progress)
        self._worker.succeeded.connect(self.succeeded)
        self._worker.failed.connect(self.failed)
        # Direct: QThread.quit is thread-safe, and a queued call would wait for the GUI thread's event loop,
        # so wait() on the GUI thread (at shutdown) would never see the thread end.
        self._worker.finished.connect(self._thread.quit, Qt.ConnectionType.DirectConnection)
        self._thread.finished.connect(self._on_thread_finished)
        self.running = False
        self._started = False

    def start(self) -> None:
        if self._started:
            raise RuntimeError("a BackgroundTask runs once; make a new one")
        self._started = True
        self.running = True
        self._thread.start()

    def cancel(self) -> None:
        self.cancel_token.cancel()

    def wait(self, milliseconds: int = 30_000) -> bool:
        """Block until the thread ends (for shutdown and tests); True if it ended."""
        return self._thread.wait(milliseconds)

    def _on_thread_finished(self) -> None:
        self.running = False
        self.finished.emit()
