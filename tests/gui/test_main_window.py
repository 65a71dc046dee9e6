"""The main window: every screen opens; size, position and page are remembered."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from app.db import Database
from app.views.main_window import MainWindow
from app.views.navigation import PAGES


def test_every_screen_opens(main_window: MainWindow) -> None:
    for page in PAGES:
        widget = main_window.show_page(page.title)
        assert main_window.current_page() is widget
        assert main_window.navigation.currentItem().text(0) == page.title
    assert set(main_window.pages) == {page.title for page in PAGES}


def test_navigation_follows_the_products_menus(main_window: MainWindow) -> None:
    sections = [main_window.navigation.topLevelItem(i).text(0)
                for i in range(main_window.navigation.topLevelItemCount())]
    assert sections[0] == "Administration"
    assert {"Customers", "Jobs", "Invoices"} <= set(sections)


def test_window_geometry_and_page_are_remembered(qtbot, sqlite_database: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat)
    first = MainWindow(sqlite_database.session_factory, settings)
    qtbot.addWidget(first)
    first.show()
    first.resize(790, 590)  # the offscreen screen is 800 x 600
    first.show_page("Jobs")
    first.close()
    second = MainWindow(sqlite_database.session_factory, QSettings(str(tmp_path / "w.ini"),
                                                                  QSettings.Format.IniFormat))
    qtbot.addWidget(second)
    assert second.size().width() == 790
    assert second.size().height() == 590
    assert second.current_page() is second.pages["Jobs"]
