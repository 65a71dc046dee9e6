"""The customer import's review dialog and the Customers -> Import/Export page, on real widgets against the
sandbox: change a row's action, confirm, and find exactly that in the database; CSV out and back in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from app.config import PackageSettings
from app.db import Database
from app.integrations.connections import open_xero
from app.integrations.sandbox.server import SandboxServer
from app.integrations.sandbox.xero.seed import SeedContact
from app.integrations.secrets import SecretStore
from app.integrations.xero import XeroProvider
from app.models import Customer, SyncRecord
from app.services.connections import ConnectionBook
from app.services.customers import CustomerDetails, save_customer
from app.sync.customer_import import ImportAction
from app.views.customer_import_dialog import CustomerImportDialog, offer_customer_import
from app.views.customer_import_export_view import CustomerImportExportView
from tests.integration.connections import conftest as connections

_redirect_ports_to_ourselves = connections._redirect_ports_to_ourselves
keyring_file = connections.keyring_file
sandbox = connections.sandbox
store = connections.store
xero = connections.xero

SHOTS = Path("/tmp/shots")


@pytest.fixture
def provider(xero: PackageSettings, store: SecretStore, sqlite_database: Database) -> Iterator[XeroProvider]:
    book = ConnectionBook(sqlite_database.session_factory)
    result = connections.connect_through_consent(xero, store, book)
    info = book.find("xero")
    assert info is not None
    opened = open_xero(xero, info, store=store, events=book.events_for("xero"), tokens=result.tokens)
    yield opened
    opened.close()


@pytest.fixture
def books(sqlite_database: Database, sandbox: SandboxServer) -> Database:
    """Three customers here; in Xero the same three written differently, one look-alike, one new."""
    with sqlite_database.session_factory() as session, session.begin():
        save_customer(session, CustomerDetails(name="Smith & Sons Plumbing Pty Ltd"))
        save_customer(session, CustomerDetails(name="Harbour Cafe", email="hello@harbourcafe.example"))
        save_customer(session, CustomerDetails(name="Harbour Café Pty Ltd"))
    sandbox.add_xero_contacts(
        [
            SeedContact("SMITH AND SONS PLUMBING", email="accounts@smithsons.example"),
            SeedContact("Harbour Cafe"),
            SeedContact("Smith and Sons Electrical"),
            SeedContact("Brand New Bakery", phone="02 5550 2222"),
        ]
    )
    return sqlite_database


def _count(database: Database, table: type[Customer] | type[SyncRecord]) -> int:
    with database.session_factory() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def _shot(widget: CustomerImportDialog | CustomerImportExportView, name: str) -> None:
    QApplication.processEvents()  # let pending layout requests settle before the picture
    SHOTS.mkdir(exist_ok=True)
    widget.grab().save(str(SHOTS / f"{name}.png"))


def test_review_change_a_row_confirm_and_the_database_holds_exactly_that(  # type: ignore[no-untyped-def]
    qtbot, qtmodeltester, books: Database, provider: XeroProvider
) -> None:
    dialog = CustomerImportDialog(books.session_factory, lambda: provider, package_label="Xero")
    qtbot.addWidget(dialog)
    dialog.resize(1200, 750)
    with qtbot.waitSignal(dialog.plan_ready, timeout=30_000):
        dialog.show()  # reading starts as the dialog opens
    qtmodeltester.check(dialog.model)
    qtmodeltester.check(dialog.proxy)
    plan = dialog.plan
    assert plan is not None
    counts = plan.counts()
    assert dialog.show_box.count() == 6
    assert dialog.show_box.itemText(0) == f"All contacts ({len(plan.actions):,})"
    assert dialog.show_box.itemText(5) == f"Conflict ({counts[ImportAction.CONFLICT]})"
    assert dialog.model.headerData(1, Qt.Orientation.Horizontal) == "In Xero"
    by_name = {row.proposal.contact.name: row for row in dialog.rows()}
    assert by_name["SMITH AND SONS PLUMBING"].state is ImportAction.LINK
    assert by_name["Harbour Cafe"].state is ImportAction.CONFLICT  # two customers here read the same
    assert by_name["Brand New Bakery"].state is ImportAction.CREATE
    assert by_name["Smith and Sons Electrical"].state is ImportAction.CREATE
    # Conflicts come first in the list.
    assert (
        dialog.model.row_at(dialog.proxy.mapToSource(dialog.proxy.index(0, 0)).row()).state
        is ImportAction.CONFLICT
    )

    # Show only the conflicts and settle the one: link Harbour Cafe to the customer with its email.
    dialog.show_action(ImportAction.CONFLICT)
    assert dialog.proxy.rowCount() == counts[ImportAction.CONFLICT]
    assert dialog.select_contact("Harbour Cafe")
    labels = [dialog.choice_box.itemText(i) for i in range(dialog.choice_box.count())]
    assert labels == [
        "Leave it for now",
        "Link to Harbour Cafe",
        "Link to Harbour Café Pty Ltd",
        "Create a new customer",
    ]
    assert "Customers here it could be: Harbour Cafe; Harbour Café Pty Ltd" in dialog.detail_text.text()
    _shot(dialog, "customer_import_review_conflict")
    dialog.choice_box.setCurrentIndex(1)
    assert by_name["Harbour Cafe"].state is ImportAction.LINK
    assert dialog.proxy.rowCount() == counts[ImportAction.CONFLICT] - 1  # settled, so no longer shown here
    assert dialog.show_box.itemText(5) == f"Conflict ({counts[ImportAction.CONFLICT] - 1})"

    # And the look-alike is not created after all.
    dialog.show_action(None)
    dialog.filter_edit.setText("sons electrical")
    assert dialog.proxy.rowCount() == 1
    assert dialog.select_contact("Smith and Sons Electrical")
    dialog.choice_box.setCurrentIndex(
        [dialog.choice_box.itemText(i) for i in range(dialog.choice_box.count())].index("Skip")
    )
    assert by_name["Smith and Sons Electrical"].state is ImportAction.SKIP
    dialog.filter_edit.clear()
    _shot(dialog, "customer_import_review")
    assert (_count(books, Customer), _count(books, SyncRecord)) == (3, 0)  # nothing written yet

    creates = sum(1 for row in dialog.rows() if row.state is ImportAction.CREATE)
    assert dialog.import_button.text() == f"Import ({creates + 2:,} changes)"
    assert (
        dialog.summary_label.text()
        == f"Import will save {creates:,} new customers, 2 customers linked, 0 customers updated."
    )
    with qtbot.waitSignal(dialog.imported, timeout=30_000):
        dialog.import_button.click()
    assert dialog.import_result is not None
    assert (dialog.import_result.created, dialog.import_result.linked) == (creates, 2)

    with books.session_factory() as session:
        links = {link.remote_id: link.local_id for link in session.scalars(select(SyncRecord))}
        names = {c.id: c.name for c in session.scalars(select(Customer))}
    contact_ids = {row.proposal.contact.name: row.proposal.contact_id for row in dialog.rows()}
    assert names[links[contact_ids["Harbour Cafe"]]] == "Harbour Cafe"
    assert names[links[contact_ids["SMITH AND SONS PLUMBING"]]] == "Smith & Sons Plumbing Pty Ltd"
    assert names[links[contact_ids["Brand New Bakery"]]] == "Brand New Bakery"
    assert contact_ids["Smith and Sons Electrical"] not in links
    assert "Smith and Sons Electrical" not in names.values()
    assert len(links) == creates + 2


def test_cancel_writes_nothing_and_not_right_now_opens_nothing(  # type: ignore[no-untyped-def]
    qtbot, books: Database, provider: XeroProvider
) -> None:
    asked: list[str] = []
    assert (
        offer_customer_import(
            None, books.session_factory, lambda: provider, ask=lambda t, q: asked.append(q) or False
        )
        is None
    )
    assert "Import your customers from Xero now?" in asked[0]

    dialog = offer_customer_import(None, books.session_factory, lambda: provider, ask=lambda t, q: True)
    assert dialog is not None
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=30_000)
    with qtbot.waitSignal(dialog.finished, timeout=10_000):
        dialog.cancel_button.click()
    assert (_count(books, Customer), _count(books, SyncRecord)) == (3, 0)


def test_a_problem_reading_is_shown_with_try_again(qtbot, books: Database) -> None:  # type: ignore[no-untyped-def]
    from app.sync.customer_import import NotConnected

    attempts: list[int] = []

    def not_connected() -> XeroProvider:
        attempts.append(1)
        raise NotConnected("LedgerBridge is not connected to Xero. Connect first.")

    dialog = CustomerImportDialog(books.session_factory, not_connected, package_label="Xero")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.problem != "" and dialog.running() is None, timeout=10_000)
    assert dialog.problem_label.text() == "LedgerBridge is not connected to Xero. Connect first."
    assert dialog.try_again_button.isVisible() and not dialog.import_button.isEnabled()
    dialog.try_again_button.click()
    qtbot.waitUntil(lambda: len(attempts) == 2 and dialog.running() is None, timeout=10_000)
    assert dialog.problem_label.isVisible()


def test_import_export_page_exports_then_refuses_a_bad_file_until_its_rows_are_skipped(  # type: ignore[no-untyped-def]
    qtbot, qtmodeltester, sqlite_database: Database, tmp_path: Path
) -> None:
    with sqlite_database.session_factory() as session, session.begin():
        save_customer(session, CustomerDetails(name="Harbour Plumbing", account_number="HP-1"))
    exported = tmp_path / "out.csv"
    bad = tmp_path / "in.csv"
    bad.write_text(
        "Name,Email,Account number\nHarbour Plumbing,office@harbour.example,HP-1\n,lost@x.example,\n"
        "Ridge Roofing,not-an-email,\nBay Glass,bay@glass.example,\n",
        encoding="utf-8",
    )
    page = CustomerImportExportView(
        sqlite_database.session_factory, choose_save=lambda _w, _n: exported, choose_open=lambda _w, _n: bad
    )
    qtbot.addWidget(page)
    page.resize(1200, 750)
    page.show()
    assert not page.package_button.isEnabled()  # not connected: it says where to connect
    assert "Accounts Integration" in page.package_text.text()

    page.export_button.click()
    qtbot.waitUntil(lambda: page.task is not None and not page.task.running, timeout=10_000)
    assert page.message.text() == f"Exported 1 customer to {exported}."
    assert exported.read_text(encoding="utf-8-sig").splitlines()[1] == "Harbour Plumbing,,,,,HP-1,"

    page.csv_import_button.click()
    qtbot.waitUntil(lambda: page.csv_check is not None, timeout=10_000)
    qtmodeltester.check(page.problems_model)
    assert [(p.row, p.column) for p in page.problems_model.rows()] == [(3, "Name"), (4, "Email")]
    assert page.csv_skip_button.isVisible() and not page.csv_confirm_button.isVisible()
    assert page.csv_skip_button.text() == "Skip the 2 rows with problems and import the other 2"
    assert "Nothing is imported while these 2 rows remain" in page.csv_summary.text()
    _shot(page, "customer_csv_report")
    with sqlite_database.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 1

    page.csv_skip_button.click()
    qtbot.waitUntil(lambda: not page.task.running and page.csv_check is None, timeout=10_000)  # type: ignore[union-attr]
    assert page.message.text() == (
        "Imported: 1 new customer, 1 updated, 0 already up to date. 2 rows with problems were skipped."
    )
    with sqlite_database.session_factory() as session:
        customers = {c.name: c.email for c in session.scalars(select(Customer))}
    assert customers == {"Harbour Plumbing": "office@harbour.example", "Bay Glass": "bay@glass.example"}


def test_cancel_while_reading_stops_the_reading_and_closes(  # type: ignore[no-untyped-def]
    qtbot, books: Database, provider: XeroProvider
) -> None:
    import threading

    opened = threading.Event()
    go_on = threading.Event()

    def slow_to_open() -> XeroProvider:
        opened.set()
        go_on.wait(10)
        return provider

    dialog = CustomerImportDialog(books.session_factory, slow_to_open, package_label="Xero")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(opened.is_set, timeout=10_000)
    assert dialog.pages.currentIndex() == 0 and dialog.cancel_button.isEnabled()  # reading, with Cancel
    with qtbot.waitSignal(dialog.rejected, timeout=10_000):
        dialog.cancel_button.click()
        go_on.set()
    assert dialog.plan is None and dialog.running() is None
    assert (_count(books, Customer), _count(books, SyncRecord)) == (3, 0)
