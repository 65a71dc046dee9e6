"""Starting the window: the QApplication, settings, the crash handler, the style."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from app.config import APP_NAME, AppPaths
from app.db import Database
from app.views.crash import CrashHandler
from app.views.main_window import MainWindow

STYLESHEET = Path(__file__).resolve().parent.parent / "resources" / "style.qss"


def app_settings(paths: AppPaths) -> QSettings:
    """Window state in an INI file in the config folder (kept beside the data, never in the registry)."""
    return QSettings(str(paths.config_dir / "window.ini"), QSettings.Format.IniFormat)


def ensure_application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    if STYLESHEET.exists():
        app.setStyleSheet(STYLESHEET.read_text(encoding="utf-8"))
    return app


def build_main_window(database: Database, *, paths: AppPaths, demo: bool) -> MainWindow:
    return MainWindow(database.session_factory, app_settings(paths), demo=demo, database_label=database.url)


def run_gui(database: Database, *, paths: AppPaths, demo: bool) -> int:
    app = ensure_application()
    crash_handler = CrashHandler(paths.log_file)
    crash_handler.install()
    try:
        window = build_main_window(database, paths=paths, demo=demo)
        window.show()
        if os.environ.get("LEDGERBRIDGE_EXIT_AFTER_SHOW") == "1":
            # For bench/startup.py and the start-up test: say when the window is on screen, then quit.
            def report_once_exposed() -> None:
                handle = window.windowHandle()
                if handle is None or not handle.isExposed():
                    QTimer.singleShot(5, report_once_exposed)
                    return
                print(f"LedgerBridge window shown at unix time {time.time():.3f}", flush=True)
                app.quit()

            QTimer.singleShot(0, report_once_exposed)
        return app.exec()
    finally:
        crash_handler.uninstall()
