"""GUI fixtures: a main window on a fresh database, window settings in the test's own folder."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QtMsgType, qInstallMessageHandler

from app.db import Database
from app.views.main_window import MainWindow


@pytest.fixture(autouse=True)
def _collect_leftover_qt_objects() -> None:
    """Free the earlier tests' leftover Qt wrappers here, on the GUI thread: left to a collection that a
    worker thread happens to trigger, PySide6 deletes them from that thread and can crash the run."""
    gc.collect()


@pytest.fixture(autouse=True)
def _qt_warnings_fail() -> Iterator[list[str]]:
    """A Qt warning (bad connection, layout trouble, model misuse) fails the test, as STYLE.md asks."""
    problems: list[str] = []

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        if kind in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            if "propagateSizeHints" in message:  # offscreen platform noise, not ours
                return
            problems.append(message)

    previous = qInstallMessageHandler(handler)
    yield problems
    qInstallMessageHandler(previous)
    assert problems == [], f"Qt warned: {problems}"


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def main_window(qtbot, sqlite_database: Database, settings: QSettings) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(sqlite_database.session_factory, settings)
    qtbot.addWidget(window)
    return window
