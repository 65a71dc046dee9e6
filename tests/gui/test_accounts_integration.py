"""The Accounts Integration screen with qtbot, connected to the sandbox over loopback.

The system browser is played by the test: the screen's injectable opener receives the consent address,
and the test fetches the page and presses Allow access with requests, as a person would in a browser.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.config import AppPaths
from app.db import Database
from app.models import (
    AccountingSettings,
    Connection,
    Customer,
    JobType,
    SettingsAccountRole,
    TaxRate,
)
from app.services.accounting_settings import choose_income_account, load_settings
from app.services.connections import ConnectionBook
from app.services.invoices import InvoiceDraft, LineDraft, approve_invoice, create_invoice
from app.views.accounts_integration_view import AccountsIntegrationView
from app.views.connection_panel import ConnectionKeepAlive, PackageAccess
from app.views.main_window import MainWindow
from app.views.navigation import pages_for
from tests.integration.accounts_settings.conftest import in_xero
from tests.integration.connections import conftest as connections
from tests.integration.connections.conftest import DEMO_COMPANY, SECOND_ORGANISATION, play_user

# The connection tests' fixtures: one consent at a time on the redirect ports, the keyring file, the sandbox.
_redirect_ports_to_ourselves = connections._redirect_ports_to_ourselves
keyring_file = connections.keyring_file
sandbox = connections.sandbox

Role = SettingsAccountRole
CONSENT_TIMEOUT_MS = 60_000


class Person:
    """Plays the bookkeeper: answers questions (recording them), and the browser (recording addresses)."""

    def __init__(self) -> None:
        self.addresses: list[str] = []
        self.questions: list[str] = []
        self.answers: list[bool] = []
        self.import_questions: list[str] = []
        self.import_now = False
        self.organisation: str | None = None
        self.organisations_offered: list[list[str]] = []

    def open_address(self, url: str) -> None:
        self.addresses.append(url)

    def confirm(self, _title: str, question: str) -> bool:
        self.questions.append(question)
        return self.answers.pop(0) if self.answers else False

    def ask_import(self, _title: str, question: str) -> bool:
        self.import_questions.append(question)
        return self.import_now

    def choose_organisation(self, names: Any) -> int | None:
        self.organisations_offered.append(list(names))
        return list(names).index(self.organisation) if self.organisation in names else None


@pytest.fixture
def person() -> Person:
    return Person()


@pytest.fixture
def access(paths: AppPaths, sandbox: Any, keyring_file: Path) -> Iterator[PackageAccess]:
    made = PackageAccess(paths, lambda: sandbox.base_url)
    yield made
    made.forget()


def make_view(
    qtbot: QtBot, database: Database, access: PackageAccess, person: Person
) -> AccountsIntegrationView:
    view = AccountsIntegrationView(
        database.session_factory,
        access,
        confirm=person.confirm,
        ask_import=person.ask_import,
        open_address=person.open_address,
        choose_organisation=person.choose_organisation,
    )
    qtbot.addWidget(view)
    view.resize(1200, 750)
    return view


@pytest.fixture
def view(
    qtbot: QtBot, sqlite_database: Database, access: PackageAccess, person: Person
) -> Iterator[AccountsIntegrationView]:
    made = make_view(qtbot, sqlite_database, access, person)
    yield made
    made.shutdown()


def wait_for_refresh(qtbot: QtBot, view: AccountsIntegrationView) -> None:
    qtbot.waitUntil(lambda: view.refresh_task is not None and not view.refresh_task.running, timeout=60_000)


def connect(
    qtbot: QtBot,
    view: AccountsIntegrationView,
    person: Person,
    *,
    organisations: list[str] | None = None,
    button: str = "connect",
) -> None:
    """Press Connect (or Reconnect), allow access in the 'browser', and wait for the chart refresh."""
    panel = view.connection_panel
    seen = len(person.addresses)
    with qtbot.waitSignal(panel.connected, timeout=CONSENT_TIMEOUT_MS):
        getattr(panel, f"{button}_button").click()
        qtbot.waitUntil(lambda: len(person.addresses) > seen, timeout=30_000)
        play_user(person.addresses[-1], organisations=organisations)
    wait_for_refresh(qtbot, view)


def labels(view: AccountsIntegrationView, role: Role) -> list[str]:
    return view.pickers[role].offered()


# -- connecting ------------------------------------------------------------------------------------------


def test_connecting_to_the_sandbox_shows_the_connection_and_fills_the_dropdowns(
    qtbot: QtBot, view: AccountsIntegrationView, person: Person, sqlite_database: Database
) -> None:
    panel = view.connection_panel
    assert panel.connect_button.isVisibleTo(view) and not panel.disconnect_button.isVisibleTo(view)
    assert panel.status_label.text().startswith("Not connected.")
    assert not view.refresh_button.isEnabled()  # nothing to refresh from yet
    assert all(not picker.combo.isEnabled() for picker in view.pickers.values())

    connect(qtbot, view, person)

    # The browser was opened on Xero's (the sandbox's) consent page, and the address was shown to copy.
    assert len(person.addresses) == 1 and "/xero/login/" in person.addresses[0]
    assert panel.address_edit.text() == person.addresses[0]
    assert panel.status_label.text() == f"Connected to {DEMO_COMPANY} in Xero (sandbox)"
    assert panel.detail_labels["Connected since"].text() != "never"
    assert panel.detail_labels["Refresh token last renewed"].text() != "never"
    assert not panel.connect_button.isVisibleTo(view) and panel.disconnect_button.isVisibleTo(view)
    assert not panel.address_row.isVisibleTo(view)  # done with: the address goes away
    # Right after the first connect: the import question, answered "Not right now".
    assert person.import_questions == [
        "Import your customers from Xero now?\n\nLedgerBridge matches them with the customers it already "
        "has, and shows you any it is not sure of before linking them."
    ]
    # The chart was refreshed in the background and the dropdowns offer its accounts.
    assert view.message.text().startswith("Chart of accounts refreshed:")
    assert labels(view, Role.RECEIVE_PAYMENTS)[:2] == [
        "090 - Business Bank Account",
        "091 - Business Savings Account",
    ]
    assert view.refresh_button.isEnabled() and view.suggest_button.isEnabled()
    # The invoice start date defaults to the day of the first connect, and nothing is unsaved.
    assert view.draft().invoice_start_date == dt.datetime.now(dt.UTC).astimezone().date()
    assert not view.has_unsaved_changes() and not view.unsaved_label.isVisibleTo(view)
    with sqlite_database.session_factory() as session:
        assert session.scalars(select(Connection)).one().tenant_name == DEMO_COMPANY


def test_import_now_says_plainly_that_importing_is_not_available_yet(
    qtbot: QtBot, view: AccountsIntegrationView, person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "app.views.customer_import_dialog", None)  # not built in this version
    person.import_now = True
    connect(qtbot, view, person)
    assert len(person.import_questions) == 1
    # Said where the chart refresh's own messages do not replace it.
    assert view.connection_panel.message.text().startswith(
        "Importing customers from Xero is not available in this version yet."
    )


def test_import_now_opens_the_customer_import_through_the_window_connection(
    qtbot: QtBot, view: AccountsIntegrationView, person: Person
) -> None:
    from app.views.customer_import_dialog import CustomerImportDialog

    person.import_now = True
    connect(qtbot, view, person)
    dialog = view.import_dialog
    assert isinstance(dialog, CustomerImportDialog)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=30_000)  # read from Xero on its worker
    assert dialog.plan is not None and dialog.plan.actions
    with qtbot.waitSignal(dialog.finished, timeout=10_000):
        dialog.cancel_button.click()


def test_with_several_organisations_the_person_picks_one(
    qtbot: QtBot, view: AccountsIntegrationView, person: Person
) -> None:
    person.organisation = SECOND_ORGANISATION
    connect(qtbot, view, person, organisations=[DEMO_COMPANY, SECOND_ORGANISATION])
    assert person.organisations_offered == [[DEMO_COMPANY, SECOND_ORGANISATION]]
    assert (
        view.connection_panel.status_label.text() == f"Connected to {SECOND_ORGANISATION} in Xero (sandbox)"
    )


def test_cancel_stops_waiting_for_the_consent_and_changes_nothing(
    qtbot: QtBot, view: AccountsIntegrationView, person: Person, sqlite_database: Database
) -> None:
    panel = view.connection_panel
    panel.connect_button.click()
    qtbot.waitUntil(lambda: bool(person.addresses), timeout=30_000)
    assert panel.cancel_button.isVisibleTo(view) and not panel.connect_button.isEnabled()
    task = panel.task
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=30_000):
        panel.cancel_button.click()
    assert panel.message.text() == "Connecting was cancelled. Nothing was changed."
    assert panel.connect_button.isEnabled() and not panel.cancel_button.isVisibleTo(view)
    with sqlite_database.session_factory() as session:
        assert session.scalars(select(Connection)).first() is None


def test_disconnect_asks_revokes_and_keeps_the_settings_then_reconnect_carries_on(
    qtbot: QtBot, view: AccountsIntegrationView, person: Person, sqlite_database: Database
) -> None:
    connect(qtbot, view, person)
    view.suggest()
    assert view.save()
    panel = view.connection_panel

    person.answers = [False]
    assert panel.disconnect_package() is None  # "No": nothing happens
    assert "Disconnect LedgerBridge from Demo Company (AU) in Xero?" in person.questions[-1]

    person.answers = [True]
    disconnected: list[bool] = []
    panel.disconnected.connect(lambda: disconnected.append(True))
    task = panel.disconnect_package()
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=30_000):
        pass
    assert disconnected == [True]
    assert panel.status_label.text().startswith("Not connected.")
    assert not view.refresh_button.isEnabled()
    with sqlite_database.session_factory() as session:
        assert session.scalars(select(Connection)).first() is None
        kept = load_settings(session).saved
    assert kept.account(Role.LABOUR_INCOME) is not None  # settings kept for when it reconnects

    connect(qtbot, view, person)
    assert len(person.import_questions) == 1  # asked after the first connect only
    assert view.pickers[Role.LABOUR_INCOME].chosen() == kept.account(Role.LABOUR_INCOME)


def test_a_connection_that_needs_reconnecting_says_why_and_offers_reconnect(
    qtbot: QtBot, view: AccountsIntegrationView, person: Person, sqlite_database: Database
) -> None:
    connect(qtbot, view, person)
    reason = "Xero no longer accepts LedgerBridge's sign-in. Reconnect to carry on; your settings are kept."
    ConnectionBook(sqlite_database.session_factory).events_for("xero").needs_reconnecting(reason)
    view.refresh()
    panel = view.connection_panel
    assert panel.status_label.text() == f"Needs reconnecting: {DEMO_COMPANY} in Xero (sandbox)"
    assert panel.warning_label.text() == reason and panel.warning_label.isVisibleTo(view)
    assert panel.reconnect_button.isVisibleTo(view) and not panel.connect_button.isVisibleTo(view)
    assert not view.refresh_button.isEnabled()

    connect(qtbot, view, person, button="reconnect")
    assert panel.status_label.text() == f"Connected to {DEMO_COMPANY} in Xero (sandbox)"
    assert not panel.warning_label.isVisibleTo(view)
    assert len(person.import_questions) == 1  # a reconnect does not ask again


# -- the dropdowns ---------------------------------------------------------------------------------------


def test_dropdowns_offer_only_fitting_accounts_until_restrictions_are_relaxed(
    qtbot: QtBot, view: AccountsIntegrationView, person: Person
) -> None:
    connect(qtbot, view, person)
    assert labels(view, Role.LABOUR_INCOME) == ["200 - Sales", "260 - Other Revenue", "270 - Interest Income"]
    assert labels(view, Role.CREDIT_CARD_PAYMENTS) == [
        "090 - Business Bank Account",
        "091 - Business Savings Account",
        "092 - Business Credit Card",
        "640 - Undeposited Card Payments",
    ]
    assert "429 - General Expenses" in labels(view, Role.SUPPLIER_EXPENSE)
    assert "200 - Sales" not in labels(view, Role.SUPPLIER_EXPENSE)
    assert view.pickers[Role.ROUNDING].hint_label.text().startswith("The odd cent")
    every = {label for role in Role for label in labels(view, role)}
    assert not {"210 - Sales - Old Price List", "300 - Purchases", "457 - Postage"} & every  # archived

    view.relax_check.setChecked(True)
    relaxed = labels(view, Role.LABOUR_INCOME)
    assert {"090 - Business Bank Account", "429 - General Expenses", "860 - Rounding"} <= set(relaxed)
    assert "210 - Sales - Old Price List" not in relaxed  # never an archived account
    assert view.has_unsaved_changes() and view.unsaved_label.isVisibleTo(view)

    # An account chosen while relaxed stays visible, marked, once restrictions are back; Save refuses it.
    picker = view.pickers[Role.LABOUR_INCOME]
    picker.combo.setCurrentIndex(picker.combo.findText("090 - Business Bank Account"))
    view.relax_check.setChecked(False)
    assert picker.chosen_label() == "090 - Business Bank Account (a bank account: does not fit)"
    expense = view.pickers[Role.MATERIALS_INCOME]
    view.relax_check.setChecked(True)
    expense.combo.setCurrentIndex(expense.combo.findText("429 - General Expenses"))
    view.relax_check.setChecked(False)
    assert expense.chosen_label() == "429 - General Expenses (an expense account: does not fit)"
    assert "090 - Business Bank Account" not in picker.offered()


def test_suggest_fills_the_empty_dropdowns_for_review(
    qtbot: QtBot, view: AccountsIntegrationView, person: Person
) -> None:
    connect(qtbot, view, person)
    labour = view.pickers[Role.LABOUR_INCOME]
    labour.combo.setCurrentIndex(labour.combo.findText("260 - Other Revenue"))

    filled = view.suggest()

    assert filled == 8  # seven accounts and the payment method; labour was chosen, no bad debt account
    assert labour.chosen_label() == "260 - Other Revenue"
    assert view.pickers[Role.RECEIVE_PAYMENTS].chosen_label() == "090 - Business Bank Account"
    assert view.pickers[Role.ROUNDING].chosen_label() == "860 - Rounding"
    assert view.pickers[Role.MATERIALS_INCOME].noted() == "Suggested: review it before saving."
    assert view.pickers[Role.MATERIALS_INCOME].hint_label.text().startswith("Material lines post here")
    assert view.pickers[Role.BAD_DEBT].chosen() is None
    assert view.payment_method_box.currentText() == "EFT"
    assert view.has_unsaved_changes()
    assert view.save()
    assert not view.has_unsaved_changes() and view.message.text() == "Accounting settings saved."
    assert view.pickers[Role.MATERIALS_INCOME].noted() == ""  # reviewed and saved


# -- saving ----------------------------------------------------------------------------------------------


def test_saving_invalid_settings_shows_each_problem_beside_its_field_and_stores_nothing(
    qtbot: QtBot, view: AccountsIntegrationView, person: Person, sqlite_database: Database
) -> None:
    connect(qtbot, view, person)
    with sqlite_database.session_factory() as session:
        before = load_settings(session).saved
    view.relax_check.setChecked(True)
    labour = view.pickers[Role.LABOUR_INCOME]
    labour.combo.setCurrentIndex(labour.combo.findText("090 - Business Bank Account"))
    view.relax_check.setChecked(False)
    view.set_start_date(None)

    assert not view.save()

    assert labour.problem().startswith("090 - Business Bank Account is a bank account; the Default Labour")
    assert view.pickers[Role.RECEIVE_PAYMENTS].problem() == "Choose the Account Number To Receive Payments."
    assert view.pickers[Role.CREDIT_CARD_PAYMENTS].problem() == ""  # optional
    assert view._problems["invoice_start_date"].text().startswith("Set the invoice start date")
    assert view._problems["default_payment_method"].isVisibleTo(view)
    assert view.message.is_refusal and view.message.text().startswith("Not saved: 9 settings need attention")
    assert view.has_unsaved_changes()  # the edits stay on screen for the fix
    with sqlite_database.session_factory() as session:
        assert load_settings(session).saved == before

    # Fixing them: the problem beside a field goes once it is changed, and Save then stores everything.
    labour.combo.setCurrentIndex(labour.combo.findText("200 - Sales"))
    assert labour.problem() == ""
    view.suggest()
    view.set_start_date(dt.date(2026, 7, 1))
    person.answers = [True]
    assert view.save(), view.message.text()
    with sqlite_database.session_factory() as session:
        row = session.scalars(select(AccountingSettings)).one()
        assert row.invoice_start_date == dt.date(2026, 7, 1)
        assert row.account_for(Role.LABOUR_INCOME).label == "200 - Sales"  # type: ignore[union-attr]


def _approved_invoice(database: Database, day: dt.date) -> None:
    with database.session_factory() as session, session.begin():
        customer = Customer(name=f"Customer {day}", email="accounts@example.com")
        session.add(customer)
        session.flush()
        gst = session.scalars(select(TaxRate).where(TaxRate.name == "GST 10%")).one()
        line = LineDraft(description="Call-out", quantity=Decimal(1), unit_price=Decimal(95), tax_rate=gst)
        draft = InvoiceDraft(customer_id=customer.id, date=day, due_date=day, lines=[line])
        approve_invoice(session, create_invoice(session, draft))


def test_moving_the_start_date_earlier_says_how_many_invoices_would_be_sent_and_asks(
    qtbot: QtBot, view: AccountsIntegrationView, person: Person, sqlite_database: Database
) -> None:
    connect(qtbot, view, person)
    view.suggest()
    assert view.save()
    start = view.draft().invoice_start_date
    assert start is not None
    for days in (1, 10, 40):
        _approved_invoice(sqlite_database, start - dt.timedelta(days=days))

    view.set_start_date(start - dt.timedelta(days=30))
    assert view.start_date_note.text().startswith("Moved earlier: 2 older approved invoices dated before")

    person.answers = [False]
    assert not view.save()
    assert "means 2 older approved invoices dated between them will be sent to Xero" in person.questions[-1]
    assert view._problems["invoice_start_date"].text() == "Not saved: the start date was not moved."
    with sqlite_database.session_factory() as session:
        assert load_settings(session).saved.invoice_start_date == start

    person.answers = [True]
    assert view.save()
    with sqlite_database.session_factory() as session:
        assert load_settings(session).saved.invoice_start_date == start - dt.timedelta(days=30)
    assert view.start_date_note.text().startswith("Invoices dated on or after this day")


def test_unsaved_changes_are_never_lost_silently_when_navigating_away(
    qtbot: QtBot, sqlite_database: Database, access: PackageAccess, person: Person, settings: QSettings
) -> None:
    window = MainWindow(sqlite_database.session_factory, settings, pages=pages_for(lambda: access))
    qtbot.addWidget(window)
    screen = window.show_page("Accounts Integration")
    assert isinstance(screen, AccountsIntegrationView)
    screen.confirm = person.confirm
    screen.reference_box.choose(screen.reference_box.chosen())  # no change: leaving asks nothing
    window.navigation.setCurrentItem(window._item_for("Invoices"))
    assert window._current_title == "Invoices" and person.questions == []

    screen = window.show_page("Accounts Integration")
    assert isinstance(screen, AccountsIntegrationView)
    screen.work_undertaken_check.setChecked(True)
    assert screen.unsaved_label.isVisibleTo(screen)
    person.answers = [False]
    window.navigation.setCurrentItem(window._item_for("Invoices"))
    assert window._current_title == "Accounts Integration"  # stayed, with the edit
    assert screen.work_undertaken_check.isChecked()
    assert person.questions[-1] == (
        "Your changes to the accounting settings are not saved. Leave without saving them?"
    )

    person.answers = [True]
    window.navigation.setCurrentItem(window._item_for("Invoices"))
    assert window._current_title == "Invoices"
    assert not screen.work_undertaken_check.isChecked() and not screen.has_unsaved_changes()
    screen.shutdown()


# -- the chart of accounts -------------------------------------------------------------------------------


def test_refresh_runs_in_the_background_and_flags_an_archived_account_on_screen(
    qtbot: QtBot,
    view: AccountsIntegrationView,
    person: Person,
    sqlite_database: Database,
    access: PackageAccess,
) -> None:
    connect(qtbot, view, person)
    view.suggest()
    materials = view.pickers[Role.MATERIALS_INCOME]
    materials.combo.setCurrentIndex(materials.combo.findText("260 - Other Revenue"))
    assert view.save()
    with sqlite_database.session_factory() as session, session.begin():
        snapshot = load_settings(session)
        other_revenue = snapshot.chart.by_code("260")
        job_type = JobType(name="Electrical - Install")
        session.add(job_type)
        choose_income_account(job_type, other_revenue)
    assert other_revenue is not None
    assert not view.flags_label.isVisibleTo(view)

    in_xero(
        access.provider(sqlite_database.session_factory),
        "POST",
        f"/Accounts/{other_revenue.remote_id}",
        {"Accounts": [{"Status": "ARCHIVED"}]},
    )
    steps: list[int] = []
    task = view.refresh_chart()
    assert task is not None
    task.progress.connect(lambda done, _total, _text: steps.append(done))
    assert view.cancel_refresh_button.isVisibleTo(view) and not view.refresh_button.isVisibleTo(view)
    with qtbot.waitSignal(task.finished, timeout=60_000):
        pass

    assert steps and steps[-1] == 4
    assert view.flags_label.isVisibleTo(view)
    text = view.flags_label.text()
    assert "2 choices of account point at accounts archived or gone in Xero." in text
    assert "Default Materials Income Account: 260 - Other Revenue is archived in Xero." in text
    assert "Job type Electrical - Install: 260 - Other Revenue is archived in Xero." in text
    assert "Those on other screens: Administration -> Job Types." in text
    assert materials.problem() == "260 - Other Revenue is archived in Xero. Choose another account."
    assert materials.chosen_label() == "260 - Other Revenue (archived in Xero)"
    assert "260 - Other Revenue" not in materials.offered()
    assert not view.save()  # Save refuses the archived account until another is chosen
    materials.combo.setCurrentIndex(materials.combo.findText("200 - Sales"))
    assert view.save()


def test_the_keep_alive_renews_the_access_token_when_due_on_a_worker(
    qtbot: QtBot,
    view: AccountsIntegrationView,
    person: Person,
    sqlite_database: Database,
    paths: AppPaths,
    sandbox: Any,
) -> None:
    connect(qtbot, view, person)
    book = ConnectionBook(sqlite_database.session_factory)
    renewed_at = book.find("xero").refresh_token_renewed_at  # type: ignore[union-attr]
    # A window opened afterwards holds no access token yet, so its first check renews the sign-in.
    later = PackageAccess(paths, lambda: sandbox.base_url)
    keep_alive = ConnectionKeepAlive(sqlite_database.session_factory, later, interval_ms=60_000)
    try:
        with qtbot.waitSignal(keep_alive.renewed, timeout=30_000):
            first = keep_alive.check()
        assert first is not None
        qtbot.waitUntil(lambda: not first.running)
        renewed_again = book.find("xero").refresh_token_renewed_at  # type: ignore[union-attr]
        assert renewed_at is not None and renewed_again is not None and renewed_again > renewed_at

        # The token it holds now has 30 minutes left: the next check does not renew it.
        outcomes: list[object] = []
        second = keep_alive.check()
        assert second is not None
        second.succeeded.connect(outcomes.append)
        with qtbot.waitSignal(second.finished, timeout=30_000):
            pass
        assert outcomes == [False]
    finally:
        keep_alive.stop()
        later.forget()


# -- accounts chosen on the catalogue screens ------------------------------------------------------------


@pytest.fixture
def charted(
    sqlite_database: Database, paths: AppPaths, sandbox: Any, keyring_file: Path
) -> Iterator[Database]:
    """Connected to Demo Company (AU) with its chart of accounts refreshed."""
    from app.config import xero_settings
    from app.integrations.secrets import SecretStore
    from app.sync.chart_refresh import ChartOfAccountsRefresh
    from tests.integration.connections.conftest import connect_through_consent

    connect_through_consent(
        xero_settings(paths, sandbox.base_url),
        SecretStore.for_paths(paths),
        ConnectionBook(sqlite_database.session_factory),
    )
    made = PackageAccess(paths, lambda: sandbox.base_url)
    try:
        provider = made.provider(sqlite_database.session_factory)
        ChartOfAccountsRefresh(sqlite_database.session_factory, provider).run()
        yield sqlite_database
    finally:
        made.forget()


def _pick(picker: Any, label: str) -> None:
    index = picker.combo.findText(label)
    assert index >= 0, f"{label!r} is not offered: {picker.offered()}"
    picker.combo.setCurrentIndex(index)


def test_job_types_and_materials_choose_their_income_account_from_the_chart(
    qtbot: QtBot, qtmodeltester: Any, charted: Database
) -> None:
    from app.models import Material
    from app.views.catalogue_view import (
        JobTypeEditorDialog,
        JobTypesView,
        MaterialEditorDialog,
        MaterialsView,
    )

    job_types = JobTypesView(charted.session_factory)
    qtbot.addWidget(job_types)
    job_types.refresh()
    editor = job_types.new_record()
    assert isinstance(editor, JobTypeEditorDialog)
    picker = editor.income_account_picker
    assert picker.offered() == ["200 - Sales", "260 - Other Revenue", "270 - Interest Income"]
    assert picker.combo.currentText() == "Not set - uses the default income account"
    editor.name_edit.setText("Gas fitting")
    _pick(picker, "260 - Other Revenue")
    assert editor.save()
    qtmodeltester.check(job_types.model)
    row = next(r for r in job_types.model.rows() if r.name == "Gas fitting")
    assert row.income_account == "260 - Other Revenue"

    materials = MaterialsView(charted.session_factory)
    qtbot.addWidget(materials)
    materials.refresh()
    material_editor = materials.new_record()
    assert isinstance(material_editor, MaterialEditorDialog)
    material_editor.code_edit.setText("CU-15")
    material_editor.name_edit.setText("Copper pipe 15 mm")
    material_editor.unit_price_edit.setText("12.50")
    assert "429 - General Expenses" not in material_editor.income_account_picker.offered()
    _pick(material_editor.income_account_picker, "200 - Sales")
    assert material_editor.save()
    with charted.session_factory() as session:
        material = session.scalars(select(Material).where(Material.code == "CU-15")).one()
        assert (material.income_account_code, material.income_account_name) == ("200", "Sales")
        assert material.income_account_id == load_settings(session).chart.by_code("200").remote_id  # type: ignore[union-attr]

    # Clearing the choice goes back to the default account.
    again = materials.edit_record(next(r for r in materials.model.rows() if r.code == "CU-15"))
    assert isinstance(again, MaterialEditorDialog)
    assert again.income_account_picker.chosen_label() == "200 - Sales"
    again.income_account_picker.combo.setCurrentIndex(0)
    assert again.save()
    with charted.session_factory() as session:
        assert (
            session.scalars(select(Material).where(Material.code == "CU-15")).one().income_account_id is None
        )


def test_a_payment_method_is_deposited_to_an_account_that_takes_payments(
    qtbot: QtBot, charted: Database
) -> None:
    from app.models import PaymentMethod, PaymentMethodKind
    from app.views.catalogue_view import PaymentMethodEditorDialog, PaymentsAndTaxView

    page = PaymentsAndTaxView(charted.session_factory)
    qtbot.addWidget(page)
    page.refresh()
    editor = page.payment_methods.new_record()
    assert isinstance(editor, PaymentMethodEditorDialog)
    picker = editor.deposit_account_picker
    assert picker.offered() == [
        "090 - Business Bank Account",
        "091 - Business Savings Account",
        "092 - Business Credit Card",
        "640 - Undeposited Card Payments",
    ]
    assert picker.combo.currentText() == "Not set - uses the account to receive payments"
    editor.kind_box.choose(PaymentMethodKind.CREDIT_CARD)
    assert picker.combo.currentText() == "Not set - uses the credit card clearing account"
    editor.name_edit.setText("Square reader")
    _pick(picker, "640 - Undeposited Card Payments")
    assert editor.save()
    row = next(r for r in page.payment_methods.model.rows() if r.name == "Square reader")
    assert row.deposit_account == "640 - Undeposited Card Payments"
    with charted.session_factory() as session:
        method = session.scalars(select(PaymentMethod).where(PaymentMethod.name == "Square reader")).one()
        assert method.account_code == "640"


def test_without_a_chart_an_editor_keeps_the_account_chosen_and_says_where_accounts_come_from(
    qtbot: QtBot, sqlite_database: Database
) -> None:
    from app.views.catalogue_view import ACCOUNTS_LATER_HINT, JobTypeEditorDialog, JobTypesView

    with sqlite_database.session_factory() as session, session.begin():
        job_type = JobType(name="Plumbing - Maintenance")
        job_type.income_account_id, job_type.income_account_code, job_type.income_account_name = (
            "f0e1",
            "200",
            "Sales",
        )
        session.add(job_type)
    view = JobTypesView(sqlite_database.session_factory)
    qtbot.addWidget(view)
    view.refresh()
    editor = view.edit_record(view.model.rows()[0])
    assert isinstance(editor, JobTypeEditorDialog)
    picker = editor.income_account_picker
    assert not picker.combo.isEnabled()
    assert picker.chosen_label() == "200 - Sales"  # as remembered, not marked as gone
    assert ACCOUNTS_LATER_HINT in [label.text() for label in editor.findChildren(type(picker.hint_label))]
    editor.name_edit.setText("Plumbing - Maintenance and repairs")
    assert editor.save()
    with sqlite_database.session_factory() as session:
        kept = session.scalars(select(JobType)).one()
        assert (kept.name, kept.income_account_id) == ("Plumbing - Maintenance and repairs", "f0e1")
