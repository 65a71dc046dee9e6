"""The main window's status bar says where the accounting package stands, whatever screen is open:
syncing (how far), how the last sync went, when payments were last checked, or that nothing is connected.

The syncs are real: the window's ``SyncController`` runs the engine on its worker thread against the Xero
sandbox over loopback, with the sync tests' fixtures (see test_sync_window.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.config import AppPaths
from app.db import Database
from app.integrations.sandbox.faults import Fault, FaultKind
from app.models import AccountingPackage, Connection, ConnectionStatus
from app.sync.summary import SyncSummary
from app.views.main_window import MainWindow
from app.views.sync_controller import SyncController
from app.views.sync_status_bar import moment_text
from tests.gui.test_sync_window import SYNC_TIMEOUT_MS, controller_for
from tests.integration.sync import conftest as sync_fixtures
from tests.integration.sync.conftest import Books, Business

seeded_state = sync_fixtures.seeded_state
sandbox = sync_fixtures.sandbox
contract = sync_fixtures.contract
keyring_file = sync_fixtures.keyring_file
store = sync_fixtures.store
books = sync_fixtures.books
business = sync_fixtures.business
xero_holds = sync_fixtures.xero_holds

SHOTS = Path("/tmp/shots")


def _shot(window: MainWindow, name: str) -> None:
    QApplication.processEvents()  # let pending layout requests settle before the picture
    SHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SHOTS / f"{name}.png"))


def _stop_syncing(window: MainWindow) -> None:
    """Before the window closes (and its controller with it), as the app does: stop the controller."""
    for controller in window.findChildren(SyncController):
        controller.shutdown()


@pytest.fixture
def window(qtbot: QtBot, settings: QSettings, books: Books) -> Iterator[MainWindow]:
    """The main window on the sync tests' books, with its one controller (its child, as the app makes
    it); Xero's contract is checked on every request it made."""
    window = MainWindow(books.factory, settings)
    qtbot.addWidget(window, before_close_func=_stop_syncing)
    window.resize(1280, 800)
    window.show()
    controller_for(books, batch_size=3).setParent(window)
    yield window
    assert not books.requests.problems, books.requests.problems


def _clock(moment: dt.datetime | None) -> str:
    assert moment is not None
    return f"{moment.astimezone():%H:%M}"


def test_the_status_bar_follows_a_sync_from_start_to_its_failures(
    qtbot: QtBot, books: Books, business: Business, window: MainWindow
) -> None:
    business.many_invoices(12, customers=2)
    customer = business.customer("Ridge Electrical")
    job_type = business.job_type("Solar install", income_code="999")  # no such account in Xero
    business.invoice(customer, job_id=business.job(customer, job_type))
    # Xero answers each invoice batch a little slowly, so the sync lasts long enough to watch.
    books.sandbox.add_fault(Fault(FaultKind.SLOW, times=None, method="PUT", path="/Invoices$", seconds=0.1))
    controller = window.findChild(SyncController)
    assert controller is not None
    status = window.sync_status
    assert status is not None and status.isVisible()
    assert status.plain_text == "Xero: payments not checked yet"

    seen: list[str] = []
    controller.progress.connect(lambda *_: seen.append(status.plain_text))
    with qtbot.waitSignal(controller.finished, timeout=SYNC_TIMEOUT_MS) as blocker:
        controller.sync_now()
        assert status.plain_text == "Xero: syncing…"
        qtbot.waitUntil(
            lambda: re.fullmatch(r"Xero: syncing [1-9]\d* of \d+…", status.plain_text) is not None
        )
        _shot(window, "status_bar_syncing")
    summary = blocker.args[0]
    assert isinstance(summary, SyncSummary) and summary.failed_count == 1, summary.lines()
    # While it ran the line counted up to the total (the 13 invoices and the payments check).
    counted = [re.fullmatch(r"Xero: syncing (\d+) of (\d+)…", text) for text in seen]
    pairs = [(int(m[1]), int(m[2])) for m in counted if m is not None]
    assert pairs and [done for done, _ in pairs] == sorted(done for done, _ in pairs), seen
    assert {total for _, total in pairs} == {14}, seen

    with books.factory() as session:
        checked = session.scalars(select(Connection.payments_last_checked_at)).one()
    assert status.plain_text == (
        f"Xero: last synced {_clock(controller.last_finished_at)} · 1 invoice failed (see Sync Log) · "
        f"payments last checked {_clock(checked)}"
    )
    assert status.has_problem and 'href="sync-log"' in status.text()
    assert "Failed: 1 invoice (see the Sync Log for the reasons)." in status.toolTip()
    window.show_page("Invoices")  # read again, as the app's Invoices does after a sync
    _shot(window, "status_bar")

    # "Sync Log" in the line opens the Sync Log, where the failure is.
    window.show_page("Customers")
    status.linkActivated.emit("sync-log")
    assert window.current_page() is window.pages["Sync Log"]
    assert window.navigation.currentItem().text(0) == "Sync Log"


def test_without_a_connection_the_status_bar_says_so_and_reconnecting_in_red(
    qtbot: QtBot, sqlite_database: Database, paths: AppPaths
) -> None:
    from app.views.application import build_main_window, window_sync

    # The window as the app builds it: its one controller is its child, and the status bar follows it.
    window = build_main_window(sqlite_database, paths=paths, demo=False)
    qtbot.addWidget(window, before_close_func=_stop_syncing)
    window.resize(1280, 800)
    controller = window_sync(window)
    status = window.sync_status
    assert controller is not None and status is not None
    assert window.statusBar().isAncestorOf(status)
    assert status.plain_text == "Not connected to an accounting package"
    assert not status.has_problem and "Accounts Integration" in status.toolTip()
    _shot(window, "status_bar_not_connected")

    # Connected elsewhere meanwhile (Accounts Integration): the line says so once the window looks again.
    checked = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    with sqlite_database.session_factory() as session, session.begin():
        session.add(
            Connection(
                package=AccountingPackage.XERO,
                tenant_id="t-1",
                tenant_name="Demo Company (AU)",
                secret_key="ledgerbridge/xero/t-1",
                payments_last_checked_at=checked,
            )
        )
    window.show_page("Jobs")
    assert status.plain_text == f"Xero: payments last checked yesterday {_clock(checked)}"

    # Xero's daily limit reached: automatic syncs wait, and the line says until when.
    controller.paused_until = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    controller.schedule_changed.emit()
    until = moment_text(controller.paused_until, dt.datetime.now(dt.UTC))  # "15:05" (unless past midnight)
    assert f"daily limit reached: automatic syncs wait until {until}" in status.plain_text
    controller.paused_until = None

    with sqlite_database.session_factory() as session, session.begin():
        connection = session.scalars(select(Connection)).one()
        connection.status = ConnectionStatus.NEEDS_RECONNECTING
        connection.status_message = "Xero no longer accepts LedgerBridge's sign-in. Reconnect."
    status.refresh()
    assert status.plain_text == "Xero: needs reconnecting (Administration -> Accounts Integration)"
    assert (
        status.has_problem and status.toolTip() == "Xero no longer accepts LedgerBridge's sign-in. Reconnect."
    )


def test_moments_are_said_the_way_people_say_them() -> None:
    now = dt.datetime(2026, 3, 2, 15, 0).astimezone()
    assert moment_text(now.replace(hour=14, minute=5), now) == "14:05"
    assert moment_text(now - dt.timedelta(days=1), now) == "yesterday 15:00"
    assert moment_text(dt.datetime(2026, 1, 9, 8, 30).astimezone(), now) == "9 Jan 08:30"
    assert moment_text(dt.datetime(2025, 12, 31, 23, 59).astimezone(), now) == "31 Dec 2025 23:59"
