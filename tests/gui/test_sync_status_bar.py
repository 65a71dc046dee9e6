"""The main window's status bar says where the accounting package stands, whatever screen is open:
syncing (how far), how the last sync went, how many failures are still to fix (counted in the journal,
so a retry or a restart does not hide them), when payments were last checked, or that nothing is
connected.

The syncs are real: the window's ``SyncController`` runs the engine on its worker thread against the Xero
sandbox over loopback, with the sync tests' fixtures (see test_sync_window.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.config import AppPaths
from app.db import Database
from app.integrations.sandbox.faults import Fault, FaultKind
from app.models import (
    AccountingPackage,
    Connection,
    ConnectionStatus,
    JobType,
    SyncDirection,
    SyncJournalEntry,
    SyncOutcome,
    SyncRecordType,
)
from app.services.sync_log import SyncLogFilter, SyncLogRow, sync_log
from app.sync.summary import SyncSummary
from app.views.main_window import MainWindow
from app.views.sync_controller import SyncController
from app.views.sync_log_view import SyncLogView
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
    qtbot.waitUntil(lambda: status.to_fix == 1)  # counted in the journal on a worker
    assert status.plain_text == (
        f"Xero: last synced {_clock(controller.last_finished_at)} · 1 to fix (see Sync Log) · "
        f"payments last checked {_clock(checked)}"
    )
    assert status.has_problem and 'href="sync-log"' in status.text()
    assert "Failed: 1 invoice (see the Sync Log for the reasons)." in status.toolTip()
    assert "1 failure is still to fix" in status.toolTip()
    window.show_page("Invoices")  # read again, as the app's Invoices does after a sync
    _shot(window, "status_bar")

    # "Sync Log" in the line opens the Sync Log, where the failure is.
    window.show_page("Customers")
    status.linkActivated.emit("sync-log")
    assert window.current_page() is window.pages["Sync Log"]
    assert window.navigation.currentItem().text(0) == "Sync Log"


def _to_fix_in_log(books: Books) -> list[SyncLogRow]:
    with books.factory() as session:
        return sync_log(session, SyncLogFilter(unresolved_failures_only=True))


def test_failures_to_fix_stay_counted_through_a_retry_and_a_restart(
    qtbot: QtBot, books: Books, business: Business, window: MainWindow, settings: QSettings
) -> None:
    first, second = business.customer("Ridge Electrical"), business.customer("Harbour Plumbing")
    solar = business.job_type("Solar install", income_code="999")  # no such account in Xero
    gas = business.job_type("Gas fitting", income_code="998")  # nor this one
    fixed = business.invoice(first, job_id=business.job(first, solar))
    still = business.invoice(second, job_id=business.job(second, gas))
    controller = window.findChild(SyncController)
    status = window.sync_status
    assert controller is not None and status is not None
    with qtbot.waitSignal(controller.finished, timeout=SYNC_TIMEOUT_MS):
        controller.sync_now()
    qtbot.waitUntil(lambda: status.to_fix == 2)
    assert " · 2 to fix (see Sync Log) · " in status.plain_text

    # The first invoice's account fixed, then Retry on its row: that run sends it and fails nothing,
    # and the line still counts the other invoice's failure.
    with books.factory() as session, session.begin():
        session.get_one(JobType, solar).income_account_code = "200"
    row = next(r for r in _to_fix_in_log(books) if r.local_id == fixed)
    with qtbot.waitSignal(controller.finished, timeout=SYNC_TIMEOUT_MS) as blocker:
        controller.retry(row)
    retried = blocker.args[0]
    assert isinstance(retried, SyncSummary) and retried.failed_count == 0, retried.lines()
    assert retried.sent[SyncRecordType.INVOICE] == 1, retried.lines()
    qtbot.waitUntil(lambda: status.to_fix == 1)
    with books.factory() as session:
        checked = session.scalars(select(Connection.payments_last_checked_at)).one()
    assert status.plain_text == (
        f"Xero: last synced {_clock(controller.last_finished_at)} · 1 to fix (see Sync Log) · "
        f"payments last checked {_clock(checked)}"
    )
    assert status.has_problem

    # LedgerBridge opened again: no sync yet in this window, and the failure to fix is still there.
    again = MainWindow(books.factory, settings)
    qtbot.addWidget(again, before_close_func=_stop_syncing)
    again.resize(1280, 800)
    again.show()
    controller_for(books, batch_size=3).setParent(again)
    line = again.sync_status
    assert line is not None
    qtbot.waitUntil(lambda: line.to_fix == 1)
    assert line.plain_text == f"Xero: 1 to fix (see Sync Log) · payments last checked {_clock(checked)}"
    assert line.has_problem and 'href="sync-log"' in line.text()
    _shot(again, "status_bar_to_fix_after_restart")

    # Its link opens the Sync Log on the failures still to fix: the second invoice's, however old.
    line.linkActivated.emit("sync-log")
    log = again.current_page()
    assert isinstance(log, SyncLogView) and log.attention_check.isChecked()
    assert [log._row_for(r).local_id for r in range(log.proxy.rowCount())] == [still]
    _shot(again, "status_bar_sync_log_to_fix")


def test_the_count_is_of_this_packages_failures_not_yet_fixed(
    qtbot: QtBot, sqlite_database: Database, settings: QSettings
) -> None:
    """Counted as the Sync Log's "Only failures still to fix" counts: failed and not resolved since, of
    the connected package only; read again when the window looks (a sync in another process)."""
    now = dt.datetime.now(dt.UTC)
    with sqlite_database.session_factory() as session, session.begin():
        session.add(
            Connection(
                package=AccountingPackage.XERO,
                tenant_id="t-1",
                tenant_name="Demo Company (AU)",
                secret_key="ledgerbridge/xero/t-1",
            )
        )
        for package, outcome, resolved in (
            (AccountingPackage.XERO, SyncOutcome.FAILED, None),
            (AccountingPackage.XERO, SyncOutcome.FAILED, now),  # fixed since
            (AccountingPackage.XERO, SyncOutcome.RETRYING, None),
            (AccountingPackage.XERO, SyncOutcome.SUCCEEDED, None),
            (AccountingPackage.QUICKBOOKS_ONLINE, SyncOutcome.FAILED, None),  # another package's
        ):
            session.add(_attempt(package, outcome, resolved))
    window = MainWindow(sqlite_database.session_factory, settings)
    qtbot.addWidget(window, before_close_func=_stop_syncing)
    controller = SyncController(sqlite_database.session_factory, _no_provider)
    controller.setParent(window)
    status = window.sync_status
    assert status is not None
    qtbot.waitUntil(lambda: status.to_fix == 1)
    assert status.plain_text == "Xero: 1 to fix (see Sync Log) · payments not checked yet"

    # A nightly sync in another process failed two more: the line says so once the window looks again.
    with sqlite_database.session_factory() as session, session.begin():
        session.add_all([_attempt(AccountingPackage.XERO, SyncOutcome.FAILED, None) for _ in range(2)])
    with qtbot.waitSignal(status.counted) as blocker:
        window.show_page("Jobs")
    assert blocker.args == [3]
    assert status.plain_text == "Xero: 3 to fix (see Sync Log) · payments not checked yet"

    # All fixed: the line no longer speaks of them, and is no longer a problem.
    with sqlite_database.session_factory() as session, session.begin():
        for entry in session.scalars(select(SyncJournalEntry)):
            entry.resolved_at = entry.resolved_at or now
    with qtbot.waitSignal(status.counted):
        status.refresh()
    assert status.plain_text == "Xero: payments not checked yet" and not status.has_problem


def _attempt(
    package: AccountingPackage, outcome: SyncOutcome, resolved: dt.datetime | None
) -> SyncJournalEntry:
    return SyncJournalEntry(
        run_id="run-1",
        package=package,
        tenant_id="t-1",
        record_type=SyncRecordType.INVOICE,
        local_id=1,
        record_label="Invoice INV-1000 (Harbourside Cafe)",
        direction=SyncDirection.PUSH,
        action="create",
        outcome=outcome,
        message="Xero does not accept account 999 on this document.",
        resolved_at=resolved,
    )


def _no_provider() -> Any:
    raise AssertionError("nothing here syncs")


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
