"""Syncing from the window, with qtbot, against the Xero sandbox over loopback.

The screens (Sync Log, Invoices) drive a real ``SyncController``: the engine runs on its worker thread
with its own sessions, and every request goes over real sockets to the sandbox (checked against Xero's
contract by the sync fixtures). The sandbox's faults slow its answers where a test needs a sync that
lasts long enough to watch (a heartbeat) or to cancel half-way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.config import AppPaths
from app.db import Database
from app.integrations.sandbox.faults import Fault, FaultKind
from app.integrations.sandbox.rate_limits import RateLimits as SandboxLimits
from app.models import (
    Invoice,
    JobType,
    PaymentMethod,
    SyncJournalEntry,
    SyncOutcome,
    SyncRecord,
    SyncRecordType,
)
from app.services.invoices import (
    InvoiceDraft,
    LineDraft,
    record_payment,
    update_invoice,
    void_invoice,
)
from app.sync.engine import SyncOptions
from app.sync.outbox import in_flight
from app.sync.schedule import SyncSchedule
from app.sync.summary import SyncSummary
from app.views.accounts_integration_view import AccountsIntegrationView
from app.views.connection_panel import PackageAccess
from app.views.customers_view import CustomersView
from app.views.invoices_view import InvoicesView
from app.views.sync_controller import SyncController
from app.views.sync_dialogs import SyncPreviewDialog, SyncProgressDialog, open_sync_progress
from app.views.sync_log_view import SyncLogView
from tests.integration.sync import conftest as sync_fixtures
from tests.integration.sync.conftest import QUICK_RETRY, TODAY, Books, Business, XeroHolds

# The sync tests' fixtures: the seeded sandbox, a database connected to Demo Company (AU) with settings
# saved, the business's records, and what Xero holds.
seeded_state = sync_fixtures.seeded_state
sandbox = sync_fixtures.sandbox
contract = sync_fixtures.contract
keyring_file = sync_fixtures.keyring_file
store = sync_fixtures.store
books = sync_fixtures.books
business = sync_fixtures.business
xero_holds = sync_fixtures.xero_holds

SYNC_TIMEOUT_MS = 60_000


def controller_for(books: Books, *, batch_size: int | None = None, **kwargs: Any) -> SyncController:
    """The window's controller on the test's books: the fixture's provider (already limited), quick
    retries, and a schedule that never checks payments by itself unless asked."""
    kwargs.setdefault("schedule", SyncSchedule(pull_every=None))
    return SyncController(
        books.factory,
        lambda: books.provider,
        options=SyncOptions(batch_size=batch_size, retry=QUICK_RETRY),
        **kwargs,
    )


@pytest.fixture
def controllers(books: Books) -> Iterator[list[SyncController]]:
    """Controllers made by a test, shut down (their workers waited for) before the books close."""
    made: list[SyncController] = []
    yield made
    for controller in made:
        controller.shutdown()
    assert not books.requests.problems, books.requests.problems


def finish(qtbot: QtBot, controller: SyncController) -> Any:
    """Wait for the controller's next ``finished`` and answer what it carried."""
    with qtbot.waitSignal(controller.finished, timeout=SYNC_TIMEOUT_MS) as blocker:
        pass
    return blocker.args[0] if blocker.args else None


def ours_in_xero(xero_holds: XeroHolds, numbers: list[str]) -> list[str]:
    """Which of ``numbers`` Xero holds, once per invoice it holds (a duplicate shows twice)."""
    wanted = set(numbers)
    return sorted(
        d["InvoiceNumber"]
        for d in xero_holds.invoices()
        if d.get("InvoiceNumber") in wanted and d.get("Status") != "DELETED"
    )


def numbers_of(books: Books, ids: list[int]) -> list[str]:
    with books.factory() as session:
        return list(session.scalars(select(Invoice.number).where(Invoice.id.in_(ids))))


def test_sync_now_runs_in_the_background_with_progress_while_the_gui_keeps_working(
    qtbot: QtBot,
    books: Books,
    business: Business,
    xero_holds: XeroHolds,
    controllers: list[SyncController],
) -> None:
    ids = business.many_invoices(40, customers=4)
    # Xero answers each invoice batch a little slowly, so the sync lasts long enough to watch.
    books.sandbox.add_fault(Fault(FaultKind.SLOW, times=None, method="PUT", path="/Invoices$", seconds=0.15))
    controller = controller_for(books, batch_size=5)
    controllers.append(controller)
    view = SyncLogView(books.factory, sync=controller)
    qtbot.addWidget(view)
    view.show()
    view.refresh()

    ticks: list[int] = []
    heartbeat = QTimer()
    heartbeat.setInterval(5)
    heartbeat.timeout.connect(lambda: ticks.append(1))
    seen: list[tuple[int, int, str]] = []
    panel_texts: set[str] = set()

    def on_progress(done: int, total: int, text: str) -> None:
        seen.append((done, total, text))
        assert view.progress_panel is not None
        panel_texts.add(view.progress_panel.status_label.text())

    controller.progress.connect(on_progress)
    controller.started.connect(lambda _request: heartbeat.start())
    controller.finished.connect(lambda _result: heartbeat.stop())

    with qtbot.waitSignal(controller.finished, timeout=SYNC_TIMEOUT_MS) as blocker:
        view.sync_button.click()
        # The click returns at once: the sync goes on in the background, and the screen says so.
        assert controller.running
        assert not view.sync_button.isEnabled()
        assert view.progress_panel is not None and view.progress_panel.cancel_button.isVisible()
        assert view.progress_panel.heading.text() == "Syncing with Xero"

    summary = blocker.args[0]
    qtbot.waitUntil(lambda: not view.reloader.running)  # the log reads itself again on a worker
    assert isinstance(summary, SyncSummary), summary
    assert summary.exit_code == 0, summary.lines()
    assert summary.sent[SyncRecordType.INVOICE] == 40 and summary.sent[SyncRecordType.CUSTOMER] == 4
    # The GUI thread kept running its own timer all the while (8 slow batches, ticking every 5 ms).
    assert len(ticks) >= 30, len(ticks)
    # Progress came in steps, done never going back, up to the total: 40 invoices and the payments check.
    dones = [done for done, _total, _text in seen]
    assert dones == sorted(dones) and dones[-1] == 41
    assert {total for _done, total, _text in seen if total} == {41}
    assert any("of 41" in text for text in panel_texts), panel_texts
    assert ours_in_xero(xero_holds, numbers_of(books, ids)) == sorted(numbers_of(books, ids))
    # Afterwards the log shows what was sent and the panel how it went; Sync now is offered again.
    assert view.sync_button.isEnabled()
    assert view.progress_panel.heading.text().startswith("Last sync at")
    assert "Sent to Xero: 4 customers, 40 invoices." in view.progress_panel.status_label.text()
    records = [view.proxy.index(r, 1).data() for r in range(view.proxy.rowCount())]
    assert sum(1 for r in records if r.startswith("Invoice ")) == 40
    # Newest first as read; a heading sorts by its column, and When (newest first) again restores that.
    header = view.table.horizontalHeader()
    header.setSortIndicator(1, Qt.SortOrder.AscendingOrder)
    assert view.proxy.index(0, 1).data().startswith("Customer Bulk Customer 000")
    header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
    assert [view.proxy.index(r, 1).data() for r in range(view.proxy.rowCount())] == records


def test_cancel_stops_cleanly_and_a_later_sync_sends_the_rest_exactly_once(
    qtbot: QtBot,
    books: Books,
    business: Business,
    xero_holds: XeroHolds,
    controllers: list[SyncController],
) -> None:
    ids = business.many_invoices(30, customers=3)
    books.sandbox.add_fault(Fault(FaultKind.SLOW, times=None, method="PUT", path="/Invoices$", seconds=0.2))
    controller = controller_for(books, batch_size=3)
    controllers.append(controller)
    invoices = InvoicesView(books.factory, sync=controller)
    qtbot.addWidget(invoices)
    dialog: SyncProgressDialog | None = None

    def cancel_once_some_are_sent(done: int, _total: int, _text: str) -> None:
        if dialog is not None and done >= 10 and dialog.cancel_button.isEnabled():
            dialog.cancel_button.click()

    controller.progress.connect(cancel_once_some_are_sent)
    request = controller.sync_now()
    dialog = open_sync_progress(controller, request, invoices)
    qtbot.addWidget(dialog)
    assert dialog.isVisible() and not dialog.isModal()
    summary = finish(qtbot, controller)

    assert isinstance(summary, SyncSummary)
    assert summary.stopped is not None and "Cancelled" in summary.stopped
    sent = summary.sent[SyncRecordType.INVOICE]
    assert 0 < sent < 30
    assert dialog.close_button.isVisible() and not dialog.cancel_button.isVisible()
    assert "Stopped: Cancelled" in dialog.result_label.text()
    # The journal and the links agree with Xero: each invoice Xero holds is linked here exactly once.
    # A batch stopped between noting its request and sending it stays noted (never linked), so the next
    # sync looks for it in Xero before sending it.
    with books.factory() as session:
        links = list(
            session.scalars(select(SyncRecord).where(SyncRecord.record_type == SyncRecordType.INVOICE))
        )
        created = session.scalars(
            select(SyncJournalEntry.local_id).where(
                SyncJournalEntry.record_type == SyncRecordType.INVOICE,
                SyncJournalEntry.action == "create",
                SyncJournalEntry.outcome == SyncOutcome.SUCCEEDED,
            )
        ).all()
    linked = {link.local_id for link in links if link.remote_id}
    assert len(linked) == sent and set(created) == linked
    assert not [link for link in links if in_flight(link.detail) and link.remote_id]
    all_numbers = numbers_of(books, ids)
    assert ours_in_xero(xero_holds, all_numbers) == sorted(numbers_of(books, sorted(linked)))

    # A later sync finishes the rest; nothing is sent twice.
    books.sandbox.clear_faults()
    controller.sync_now()
    again = finish(qtbot, controller)
    assert isinstance(again, SyncSummary) and again.exit_code == 0, again.lines()
    assert again.sent[SyncRecordType.INVOICE] == 30 - sent
    assert ours_in_xero(xero_holds, all_numbers) == sorted(all_numbers)
    with books.factory() as session:
        links = list(
            session.scalars(select(SyncRecord).where(SyncRecord.record_type == SyncRecordType.INVOICE))
        )
    assert len(links) == 30 and all(link.remote_id and not in_flight(link.detail) for link in links)


def test_the_sync_log_shows_xeros_refusal_and_retry_sends_it_once_fixed(
    qtbot: QtBot,
    books: Books,
    business: Business,
    xero_holds: XeroHolds,
    controllers: list[SyncController],
) -> None:
    customer = business.customer("Ridge Electrical")
    job_type = business.job_type("Solar install", income_code="999")  # no such account in Xero
    invoice = business.invoice(customer, job_id=business.job(customer, job_type))
    number = business.number(invoice)
    controller = controller_for(books)
    controllers.append(controller)
    log = SyncLogView(books.factory, sync=controller)
    qtbot.addWidget(log)
    log.show()
    invoices = InvoicesView(books.factory, sync=controller)
    qtbot.addWidget(invoices)

    log.sync_now()
    summary = finish(qtbot, controller)
    assert isinstance(summary, SyncSummary) and summary.failed[SyncRecordType.INVOICE] == 1
    qtbot.waitUntil(lambda: not log.reloader.running)

    # The log (read again after the sync) shows the failure in Xero's words, made plain.
    row = next(r for r in range(log.proxy.rowCount()) if number in log.proxy.index(r, 1).data())
    assert log.proxy.index(row, 5).data() == "Failed"
    message = log.proxy.index(row, 6).data()
    assert message.startswith("Xero does not accept account 999 on this document")
    # The Invoices list says so too, with the reason as the tip.
    invoices.refresh()
    sync_column = invoices.model.columnCount() - 1
    assert invoices.model.headerData(sync_column, Qt.Orientation.Horizontal) == "Sync"
    invoices.select_id(invoice)
    shown = invoices.proxy.index(invoices.table.currentIndex().row(), sync_column)
    assert shown.data() == "Failed" and "account 999" in shown.data(Qt.ItemDataRole.ToolTipRole)
    assert invoices.send_button.isEnabled()

    # Fixed here (the job type's income account is one Xero has), then Retry on the row: sent, and the
    # failure clears itself.
    with books.factory() as session, session.begin():
        session.get_one(JobType, job_type).income_account_code = "200"
    log.table.selectRow(row)
    assert log.retry_button.isEnabled()
    with qtbot.waitSignal(controller.finished, timeout=SYNC_TIMEOUT_MS) as blocker:
        log.retry_button.click()
        assert log.message.text().startswith(f"Sending Invoice {number}")
    retried = blocker.args[0]
    qtbot.waitUntil(lambda: not log.reloader.running)
    assert isinstance(retried, SyncSummary) and retried.sent[SyncRecordType.INVOICE] == 1, retried.lines()
    assert xero_holds.invoice(number)["Status"] == "AUTHORISED"
    outcomes = {
        log.proxy.index(r, 5).data()
        for r in range(log.proxy.rowCount())
        if number in log.proxy.index(r, 1).data()
    }
    assert outcomes == {"Failed, since fixed", "Succeeded"}
    invoices.refresh()
    invoices.select_id(invoice)
    assert invoices.proxy.index(invoices.table.currentIndex().row(), sync_column).data() == "Sent"
    assert not invoices.send_button.isEnabled()


def test_an_invoice_voided_in_xero_shows_voided_here_after_sync_now_with_the_reason_in_the_log(
    qtbot: QtBot,
    books: Books,
    business: Business,
    xero_holds: XeroHolds,
    controllers: list[SyncController],
) -> None:
    customer = business.customer("Lilly Pilly Nursery")
    invoice = business.invoice(customer)
    assert books.sync().exit_code == 0
    number = business.number(invoice)
    xero_id = xero_holds.invoice(number)["InvoiceID"]
    sync_fixtures.in_xero(books, "POST", f"/Invoices/{xero_id}", {"Status": "VOIDED"})
    controller = controller_for(books)
    controllers.append(controller)
    invoices = InvoicesView(books.factory, sync=controller)
    qtbot.addWidget(invoices)
    invoices.show()  # a list on screen reads itself again after a sync
    log = SyncLogView(books.factory, sync=controller)
    qtbot.addWidget(log)
    log.show()
    invoices.refresh()
    invoices.select_id(invoice)
    sync_column = invoices.model.columnCount() - 1

    log.sync_now()
    summary = finish(qtbot, controller)

    assert isinstance(summary, SyncSummary) and summary.voided_here[SyncRecordType.INVOICE] == 1
    qtbot.waitUntil(lambda: not log.reloader.running and not invoices.reloader.running)
    invoices.select_id(invoice)
    row = invoices.table.currentIndex().row()
    status = next(
        c for c in range(invoices.model.columnCount())
        if invoices.model.headerData(c, Qt.Orientation.Horizontal) == "Status"
    )
    assert invoices.proxy.index(row, status).data() == "Voided"
    shown = invoices.proxy.index(row, sync_column)
    assert shown.data() == "Sent" and shown.data(Qt.ItemDataRole.ToolTipRole) == "Voided in Xero too."
    assert not invoices.void_button.isEnabled() and not invoices.payment_button.isEnabled()
    pulled = next(r for r in range(log.proxy.rowCount()) if number in log.proxy.index(r, 1).data())
    assert log.proxy.index(pulled, 5).data() == "Succeeded"
    assert log.proxy.index(pulled, 6).data().startswith("Voided in Xero on ")


def test_preview_lists_what_the_next_sync_would_send_and_sends_nothing(
    qtbot: QtBot,
    qtmodeltester: Any,
    books: Books,
    business: Business,
    xero_holds: XeroHolds,
    controllers: list[SyncController],
) -> None:
    customer = business.customer("Harbourside Cafe")
    edited = business.invoice(customer, [("Labour", "2", "110.00")])
    voided = business.invoice(customer, [("Call-out", "1", "88.00")])
    assert books.sync().exit_code == 0
    new = business.invoice(customer, [("Hot water unit", "1", "1650.00")])
    with books.factory() as session, session.begin():
        invoice = session.get_one(Invoice, edited)
        draft = InvoiceDraft(
            customer_id=customer,
            date=invoice.date,
            due_date=invoice.due_date,
            lines=[LineDraft("Labour", Decimal("3"), Decimal("110.00"), invoice.lines[0].tax_rate)],
        )
        update_invoice(session, invoice, draft)
        eft = session.scalars(select(PaymentMethod).where(PaymentMethod.name == "EFT")).one()
        record_payment(session, invoice, amount=Decimal("100.00"), date=TODAY, method=eft)
        void_invoice(session, session.get_one(Invoice, voided))
    calls_before = books.requests.checked
    held_before = sorted((d["InvoiceNumber"], d["Status"], d["Total"]) for d in xero_holds.invoices())

    controller = controller_for(books)
    controllers.append(controller)
    log = SyncLogView(books.factory, sync=controller)
    qtbot.addWidget(log)
    with qtbot.waitSignal(controller.preview_finished, timeout=SYNC_TIMEOUT_MS):
        assert log.preview()
    dialog = log.preview_dialog
    assert isinstance(dialog, SyncPreviewDialog)
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.model)

    changes = {(c.action, c.label.split(" (")[0]) for c in dialog.shown_changes()}
    assert changes == {
        ("Create", f"Invoice {business.number(new)}"),
        ("Update", f"Invoice {business.number(edited)}"),
        ("Void", f"Invoice {business.number(voided)}"),
        ("Record payment", f"Payment of $100.00 on {business.number(edited)}"),
    }
    created = next(c for c in dialog.shown_changes() if c.action == "Create")
    assert created.total == Decimal("1815.00") and created.contact == "Harbourside Cafe"
    assert "Labour Income" in created.accounts_text or "Sales" in created.accounts_text
    assert dialog.headline.text().startswith("The next sync would send 4 changes to Xero")
    assert "$1,815.00" in dialog.headline.text()
    assert dialog.accounts_label.text().startswith("<b>Posts to:</b>")
    # The filter narrows to one kind of change.
    dialog.filter_box.setCurrentIndex(dialog.filter_box.findData("Voids"))
    assert [c.action for c in dialog.shown_changes()] == ["Void"]
    # Nothing reached Xero: not one request, and Xero holds what it held.
    assert books.requests.checked == calls_before
    assert sorted((d["InvoiceNumber"], d["Status"], d["Total"]) for d in xero_holds.invoices()) == held_before
    # Sync now from the preview sends exactly that.
    with qtbot.waitSignal(controller.finished, timeout=SYNC_TIMEOUT_MS) as blocker:
        dialog.sync_button.click()
    summary = blocker.args[0]
    assert isinstance(summary, SyncSummary) and summary.exit_code == 0, summary.lines()
    assert xero_holds.invoice(business.number(voided))["Status"] == "VOIDED"


def test_preview_opens_on_a_change_that_would_fail_and_says_why_in_full(
    qtbot: QtBot, books: Books, business: Business, controllers: list[SyncController]
) -> None:
    customer = business.customer("Mangrove Marine")
    fine = business.invoice(customer)
    job = business.job(customer, business.job_type("Boat lift servicing", income_code="999"))
    failing = business.invoice(customer, job_id=job)
    controller = controller_for(books)
    controllers.append(controller)
    log = SyncLogView(books.factory, sync=controller)
    qtbot.addWidget(log)
    with qtbot.waitSignal(controller.preview_finished, timeout=SYNC_TIMEOUT_MS):
        assert log.preview()
    dialog = log.preview_dialog
    assert isinstance(dialog, SyncPreviewDialog)
    qtbot.addWidget(dialog)

    assert "1 would fail as it stands" in dialog.headline.text()
    selected = dialog.model.row_at(dialog.proxy.mapToSource(dialog.table.currentIndex()).row())
    assert selected.key.local_id == failing
    assert "Would fail: Account 999 is not in Xero's chart of accounts." in dialog.detail_label.text()
    dialog.table.selectRow(next(i for i, c in enumerate(dialog.shown_changes()) if c.key.local_id == fine))
    assert "Would fail" not in dialog.detail_label.text()
    assert business.number(fine) in dialog.detail_label.text()


def test_an_approved_invoice_goes_to_xero_without_pressing_anything_else(
    qtbot: QtBot,
    qtmodeltester: Any,
    books: Books,
    business: Business,
    xero_holds: XeroHolds,
    controllers: list[SyncController],
) -> None:
    customer = business.customer("Coastal Dental")
    draft = business.invoice(customer, approve=False)
    number = business.number(draft)
    quick = SyncSchedule(
        quiet=dt.timedelta(milliseconds=50), push_within=dt.timedelta(milliseconds=300), pull_every=None
    )
    controller = controller_for(books, schedule=quick)
    controllers.append(controller)
    view = InvoicesView(books.factory, sync=controller)
    qtbot.addWidget(view)
    view.show()
    view.refresh()
    qtmodeltester.check(view.model)
    view.select_id(draft)
    column = view.model.columnCount() - 1
    row = view.table.currentIndex().row()
    assert view.proxy.index(row, column).data() == "Not due"
    assert "once approved" in view.proxy.index(row, column).data(Qt.ItemDataRole.ToolTipRole)
    # A change with nothing due (the draft saved again) does not reach Xero at all.
    calls = books.requests.checked
    controller.changed()
    idle = finish(qtbot, controller)
    assert isinstance(idle, SyncSummary) and idle.nothing_to_do and books.requests.checked == calls

    with qtbot.waitSignal(controller.finished, timeout=SYNC_TIMEOUT_MS) as blocker:
        assert view.approve_selected()
        # Saved and queued: the list says it is waiting, and no sync has started yet (debounced).
        assert view.proxy.index(view.table.currentIndex().row(), column).data() == "Waiting"
        assert not controller.running and controller.timer.isActive()
    summary = blocker.args[0]
    assert isinstance(summary, SyncSummary) and summary.sent[SyncRecordType.INVOICE] == 1
    assert not summary.payments_checked  # a push of changes checks no payments
    assert xero_holds.invoice(number)["Status"] == "AUTHORISED"
    # The list reads itself again after the sync (on a worker), keeping the invoice chosen.
    qtbot.waitUntil(lambda: not view.reloader.running)
    assert view.proxy.index(view.table.currentIndex().row(), column).data() == "Sent"


def test_send_to_xero_now_sends_the_selected_invoice_with_its_payment_and_nothing_else(
    qtbot: QtBot,
    qtmodeltester: Any,
    books: Books,
    business: Business,
    xero_holds: XeroHolds,
    controllers: list[SyncController],
) -> None:
    customer = business.customer("Bayside Physio")
    chosen = business.invoice(customer, [("Labour", "1", "200.00")])
    other = business.invoice(customer, [("Labour", "1", "300.00")])
    with books.factory() as session, session.begin():
        eft = session.scalars(select(PaymentMethod).where(PaymentMethod.name == "EFT")).one()
        paid = session.get_one(Invoice, chosen)
        record_payment(session, paid, amount=Decimal("50.00"), date=TODAY, method=eft)
    controller = controller_for(books)
    controllers.append(controller)
    view = InvoicesView(books.factory, sync=controller)
    qtbot.addWidget(view)
    view.refresh()
    view.select_id(chosen)
    assert view.send_button.text() == "Send to Xero now" and view.send_button.isEnabled()

    with qtbot.waitSignal(controller.finished, timeout=SYNC_TIMEOUT_MS) as blocker:
        dialog = view.send_selected_now()
        assert dialog is not None
        assert dialog.heading.text() == f"Sending invoice {business.number(chosen)} to Xero"
    summary = blocker.args[0]
    assert isinstance(summary, SyncSummary) and summary.exit_code == 0, summary.lines()
    assert summary.sent[SyncRecordType.INVOICE] == 1 and summary.sent[SyncRecordType.PAYMENT] == 1
    sent = xero_holds.invoice(business.number(chosen))
    assert len(xero_holds.payments(sent["InvoiceID"])) == 1
    assert xero_holds.invoices(business.number(other)) == []
    assert "Sent to Xero: 1 customer, 1 invoice, 1 payment." in dialog.result_label.text()
    # The customer is a contact in Xero now; one never invoiced is not due to go.
    idle = business.customer("Never Invoiced Pty Ltd")
    customers = CustomersView(books.factory, sync=controller)
    qtbot.addWidget(customers)
    customers.refresh()
    qtmodeltester.check(customers.model)
    sync_column = customers.model.columnCount() - 1
    shown = {
        customers.proxy.index(r, 0).data(): customers.proxy.index(r, sync_column).data()
        for r in range(customers.proxy.rowCount())
    }
    assert shown["Bayside Physio"] == "Sent" and shown["Never Invoiced Pty Ltd"] == "Not due"
    assert idle in {row.id for row in customers.model.rows()}


def test_once_xeros_daily_limit_is_reached_automatic_syncs_wait(
    qtbot: QtBot,
    books: Books,
    business: Business,
    xero_holds: XeroHolds,
    controllers: list[SyncController],
) -> None:
    customer = business.customer("Late Night Plumbing")
    number = business.number(business.invoice(customer))
    # The day's calls are spent (the set-up made more than one).
    books.sandbox.configure_xero_limits(
        SandboxLimits(concurrent=50, per_minute=1_000_000, per_day=1, app_per_minute=10_000_000)
    )
    quick = SyncSchedule(
        quiet=dt.timedelta(milliseconds=20), push_within=dt.timedelta(milliseconds=100), pull_every=None
    )
    controller = controller_for(books, schedule=quick)
    controllers.append(controller)
    log = SyncLogView(books.factory, sync=controller)
    qtbot.addWidget(log)

    controller.sync_now()
    summary = finish(qtbot, controller)
    assert isinstance(summary, SyncSummary)
    assert summary.stopped is not None and "daily limit reached" in summary.stopped
    assert controller.day_remaining == 0 and controller.paused
    assert log.progress_panel is not None
    assert "daily limit was reached" in log.progress_panel.schedule_label.text()
    # A change now waits (its push would be due after 100 ms): no sync starts during the pause.
    with qtbot.assertNotEmitted(controller.started, wait=400):
        controller.changed()
    assert not controller.running
    assert xero_holds.invoices(number) == []


def test_sync_now_on_accounts_integration_follows_the_sync_in_a_dialog(
    qtbot: QtBot,
    paths: AppPaths,
    books: Books,
    business: Business,
    xero_holds: XeroHolds,
    controllers: list[SyncController],
) -> None:
    customer = business.customer("Northside Joinery")
    number = business.number(business.invoice(customer))
    controller = controller_for(books)
    controllers.append(controller)
    access = PackageAccess(paths, lambda: books.sandbox.base_url)
    view = AccountsIntegrationView(books.factory, access, sync=controller, confirm=lambda _t, _q: True)
    qtbot.addWidget(view)
    view.show()
    assert view.sync_button.isVisible() and view.sync_button.isEnabled()
    # Unsaved settings first: the sync would use the saved ones, so the screen asks to save first.
    view.work_undertaken_check.setChecked(not view.work_undertaken_check.isChecked())
    assert not view.sync_button.isEnabled()
    view.discard_changes()
    assert view.sync_button.isEnabled()

    with qtbot.waitSignal(controller.finished, timeout=SYNC_TIMEOUT_MS):
        view.sync_button.click()
        dialog = view.sync_dialog
        assert dialog is not None and dialog.isVisible() and dialog.heading.text() == "Syncing with Xero"
    assert dialog.heading.text() == "Sync finished"
    assert dialog.result_label.text().startswith("Sent to Xero: 1 customer, 1 invoice.")
    assert xero_holds.invoice(number)["Status"] == "AUTHORISED"
    view.shutdown()
    access.forget()


def test_the_window_hands_its_one_sync_controller_to_the_screens_that_sync(
    qtbot: QtBot, sqlite_database: Database, paths: AppPaths
) -> None:
    from app.views.application import build_main_window, window_sync

    window = build_main_window(sqlite_database, paths=paths, demo=False)
    qtbot.addWidget(window)
    sync = window_sync(window)
    assert isinstance(sync, SyncController)
    for title in ("Sync Log", "Invoices", "Customers", "Accounts Integration"):
        assert getattr(window.show_page(title), "sync", None) is sync, title
    sync.shutdown()
