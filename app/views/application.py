"""Starting the window: the QApplication, settings, the crash handler, the style."""

from __future__ import annotations

import gc
import importlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from app.config import APP_NAME, AppPaths
from app.db import Database, SessionFactory
from app.views.crash import CrashHandler
from app.views.main_window import MainWindow
from app.views.navigation import pages_for
from app.views.workers import BackgroundTask

if TYPE_CHECKING:
    from app.views.connection_panel import ConnectionKeepAlive, PackageAccess
    from app.views.sync_controller import SyncController

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


class WindowPackageAccess:
    """The window's one ``PackageAccess`` (how screens reach the accounting packages), made on first use:
    importing the integrations takes about half a second, which start-up does not pay.

    ``sandbox_url`` is the runtime's ``package_sandbox_url`` (called on worker threads only).
    """

    def __init__(self, paths: AppPaths, sandbox_url: Callable[[], str | None] | None = None) -> None:
        self._paths = paths
        self._sandbox_url = sandbox_url
        self.made: PackageAccess | None = None

    def __call__(self) -> PackageAccess:
        if self.made is None:
            from app.views.connection_panel import PackageAccess

            self.made = PackageAccess(self._paths, self._sandbox_url)
        return self.made

    def close(self) -> None:
        if self.made is not None:
            self.made.forget()


def build_main_window(
    database: Database,
    *,
    paths: AppPaths,
    demo: bool,
    access: Callable[[], PackageAccess] | None = None,
) -> MainWindow:
    """The window, with its one ``SyncController`` (``window_sync(window)``) shared by the screens that
    sync; its automatic syncs begin with ``start()`` once the window is shown."""
    from app.views.sync_controller import SyncController, provider_opener

    access = access or WindowPackageAccess(paths)
    settings = app_settings(paths)
    sync = SyncController(
        database.session_factory, provider_opener(access, database.session_factory), settings=settings
    )
    window = MainWindow(
        database.session_factory,
        settings,
        demo=demo,
        database_label=database.url,
        pages=pages_for(access, sync),
    )
    sync.setParent(window)
    sync.setObjectName("sync")
    return window


def window_sync(window: MainWindow) -> SyncController | None:
    """The window's sync controller (made by ``build_main_window``)."""
    from app.views.sync_controller import SyncController

    return window.findChild(SyncController, "sync")


class KeepAliveStarter(QObject):
    """Starts the connection's keep-alive once its module is imported off the GUI thread.

    Attributes: ``keep_alive`` (once started), ``task`` (the import).
    """

    def __init__(self, session_factory: SessionFactory, access: WindowPackageAccess, parent: QObject) -> None:
        super().__init__(parent)
        self._session_factory = session_factory
        self._access = access
        self.keep_alive: ConnectionKeepAlive | None = None
        self.task = BackgroundTask(
            lambda _report, _cancel: importlib.import_module("app.views.connection_panel"), self
        )
        self.task.succeeded.connect(self._on_task_succeeded)

    def start(self) -> None:
        self.task.start()

    def stop(self) -> None:
        self.task.wait()
        if self.keep_alive is not None:
            self.keep_alive.stop()

    def _on_task_succeeded(self, _module: object) -> None:
        from app.views.connection_panel import ConnectionKeepAlive

        self.keep_alive = ConnectionKeepAlive(self._session_factory, self._access(), parent=self)
        self.keep_alive.start()


def set_aside_startup_objects() -> None:
    """Collect once, then move everything alive (modules, classes, Qt wrappers, the first screen) out of
    the garbage collector's way (``gc.freeze``).

    A full collection walks every tracked object and holds the interpreter while it does, whichever
    thread triggers it: measured at about 200 ms in the window with a 2,000-account chart loaded
    (bench/chart_refresh.py), enough to stall the GUI thread past 100 ms. What exists at start-up lives as
    long as the window, so later collections need not walk it.
    """
    gc.collect()
    gc.freeze()


def shut_down_screens(window: MainWindow) -> None:
    """Let each screen stop its background work (a screen that has any defines ``shutdown()``)."""
    for page in window.pages.values():
        shutdown = getattr(page, "shutdown", None)
        if callable(shutdown):
            shutdown()


def run_gui(
    database: Database,
    *,
    paths: AppPaths,
    demo: bool,
    sandbox_url: Callable[[], str | None] | None = None,
) -> int:
    app = ensure_application()
    crash_handler = CrashHandler(paths.log_file)
    crash_handler.install()
    access = WindowPackageAccess(paths, sandbox_url)
    window: MainWindow | None = None
    keep_alive: KeepAliveStarter | None = None
    try:
        window = build_main_window(database, paths=paths, demo=demo, access=access)
        window.show()
        keep_alive = KeepAliveStarter(database.session_factory, access, window)
        QTimer.singleShot(0, keep_alive.start)
        sync = window_sync(window)
        if sync is not None:
            QTimer.singleShot(0, sync.start)
        QTimer.singleShot(0, set_aside_startup_objects)
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
        if keep_alive is not None:
            keep_alive.stop()
        if window is not None:
            sync = window_sync(window)
            if sync is not None:
                sync.shutdown()
            shut_down_screens(window)
        access.close()
        crash_handler.uninstall()
