"""Credit notes from the Invoices screen: see an invoice's credit notes, raise one, void one.

Driven with qtbot on a real database; every step is checked in the database as well as on the screen.
Confirmations go through an injected stand-in (``Answers``), never a patched message box. The screen holds
a real ``SyncController`` (its schedule never runs a sync in a test) to show each change is due to sync.
Where a note stands with Xero comes from a saved connection and ``SyncRecord`` links written as a sync
would write them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal as D

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.db import Database
from app.models import (
    AccountingPackage,
    AccountingSettings,
    CreditNote,
    Customer,
    Invoice,
    SyncRecord,
    SyncRecordType,
    SyncState,
    TaxRate,
)
from app.services.connections import ConnectionBook
from app.services.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_invoice,
    create_credit_note,
    create_invoice,
    record_payment,
    void_credit_note,
    write_off_bad_debt,
)
from app.sync.schedule import SyncSchedule
from app.views.credit_notes_dialog import SYNC_COLUMN, CreditNotesDialog, RaiseCreditNoteDialog
from app.views.invoices_view import InvoicesView
from app.views.sync_controller import SyncController

TODAY = dt.date(2026, 3, 2)
HOUR = dt.timedelta(hours=1)
TENANT = "tenant-1"


class Answers:
    """A stand-in for the yes/no question box: records each question and gives the next answer.

    Asking a question nobody expected fails the test (no answer left)."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.questions: list[tuple[str, str]] = []

    def __call__(self, title: str, question: str) -> bool:
        self.questions.append((title, question))
        return self.answers.pop(0)


@pytest.fixture
def answers() -> Answers:
    return Answers()


@pytest.fixture
def controller(sqlite_database: Database) -> Iterator[SyncController]:
    """The window's sync controller. Nothing is connected and its schedule waits an hour after a change,
    so no sync runs in a test; ``schedule.push_due_at()`` says whether it was told of a change."""

    def no_provider() -> object:
        raise AssertionError("no sync runs in these tests")

    made = SyncController(
        sqlite_database.session_factory,
        no_provider,  # type: ignore[arg-type]
        schedule=SyncSchedule(pull_every=None, quiet=HOUR, push_within=HOUR),
    )
    yield made
    made.shutdown()


@pytest.fixture
def view(
    qtbot: QtBot, sqlite_database: Database, answers: Answers, controller: SyncController
) -> InvoicesView:
    screen = InvoicesView(
        sqlite_database.session_factory, confirm=answers, today=lambda: TODAY, sync=controller
    )
    qtbot.addWidget(screen)
    screen.resize(1200, 750)
    screen.show()
    return screen


def an_invoice(database: Database, *, price: str = "100", approve: bool = True) -> int:
    """An invoice for Harbourside Cafe dated TODAY: one line of ``price`` plus GST (100 -> $110.00)."""
    with database.session_factory() as s, s.begin():
        gst = s.scalars(select(TaxRate).where(TaxRate.name == "GST 10%")).one()
        customer = s.scalars(select(Customer).where(Customer.name == "Harbourside Cafe")).one_or_none()
        if customer is None:
            customer = Customer(name="Harbourside Cafe")
            s.add(customer)
            s.flush()
        draft = InvoiceDraft(
            customer.id,
            TODAY,
            TODAY + dt.timedelta(days=14),
            lines=[LineDraft("Service", D(1), D(price), gst)],
        )
        invoice = create_invoice(s, draft)
        if approve:
            approve_invoice(s, invoice)
        return invoice.id


def credit(database: Database, invoice_id: int, amount: str, reason: str = "Discount") -> int:
    with database.session_factory() as s, s.begin():
        note = create_credit_note(
            s, s.get_one(Invoice, invoice_id), amount=D(amount), date=TODAY, reason=reason
        )
        return note.id


def void(database: Database, note_id: int) -> None:
    with database.session_factory() as s, s.begin():
        void_credit_note(s, s.get_one(CreditNote, note_id))


def connect_xero(database: Database, *, start: dt.date = TODAY) -> None:
    """Connected to Xero (as after consent), invoices dated on or after ``start`` syncing."""
    ConnectionBook(database.session_factory).save_connected(
        package="xero",
        tenant_id=TENANT,
        tenant_name="Demo Company (AU)",
        secret_key="xero-test",
        scope="accounting.transactions",
        sandbox=True,
        at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
    )
    with database.session_factory() as s, s.begin():
        s.scalars(select(AccountingSettings)).one().invoice_start_date = start


def link(
    database: Database,
    record_type: SyncRecordType,
    local_id: int,
    *,
    remote_id: str | None = None,
    sent: bool = True,
    state: SyncState = SyncState.WAITING,
    message: str = "",
) -> None:
    """The record's link as a sync leaves it: created in Xero as ``remote_id``, and with its current
    revision there when ``sent`` (else only an earlier one, e.g. a credit note not yet allocated)."""
    model = Invoice if record_type is SyncRecordType.INVOICE else CreditNote
    with database.session_factory() as s, s.begin():
        revision = s.get_one(model, local_id).revision
        s.add(
            SyncRecord(
                package=AccountingPackage.XERO,
                tenant_id=TENANT,
                record_type=record_type,
                local_id=local_id,
                remote_id=remote_id,
                pushed_revision=revision if sent and remote_id else 0,
                state=state,
                message=message,
            )
        )


def notes_in_database(database: Database) -> list[CreditNote]:
    with database.session_factory() as s:
        return list(s.scalars(select(CreditNote).order_by(CreditNote.id)))


def owing_in_database(database: Database, invoice_id: int) -> D:
    with database.session_factory() as s:
        return s.get_one(Invoice, invoice_id).amount_due


def open_credit_notes(view: InvoicesView, invoice_id: int) -> CreditNotesDialog:
    view.refresh()
    assert view.select_id(invoice_id)
    assert view.credit_notes_button.isEnabled()
    view.credit_notes_button.click()
    dialog = view.credit_notes_dialog
    assert isinstance(dialog, CreditNotesDialog) and dialog.isVisible()
    return dialog


def open_raise(dialog: CreditNotesDialog) -> RaiseCreditNoteDialog:
    assert dialog.raise_button.isEnabled()
    dialog.raise_button.click()
    raising = dialog.raise_dialog
    assert isinstance(raising, RaiseCreditNoteDialog) and raising.isVisible()
    return raising


def listed(dialog: CreditNotesDialog) -> list[tuple[str, ...]]:
    """The dialog's list as it reads on the screen."""
    model = dialog.model
    return [
        tuple(model.index(row, column).data() for column in range(model.columnCount()))
        for row in range(model.rowCount())
    ]


def test_raising_a_credit_note_takes_it_off_what_is_owing_in_the_list(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    view: InvoicesView,
    sqlite_database: Database,
    controller: SyncController,
) -> None:
    invoice_id = an_invoice(sqlite_database)
    dialog = open_credit_notes(view, invoice_id)
    qtmodeltester.check(dialog.model)
    assert dialog.windowTitle() == "Credit notes on INV-1000"
    assert dialog.model.rowCount() == 0 and dialog.empty_label.isVisible()
    assert "$110.00 owing" in dialog.owing_label.text()
    assert not dialog.void_button.isEnabled()

    raising = open_raise(dialog)
    assert raising.amount_edit.text() == "110.00"  # what is owing, to start with
    assert raising.date_edit.date().toPython() == TODAY
    raising.amount_edit.setText("33")
    raising.reason_edit.setText("  Discount   agreed for the late finish ")
    with qtbot.waitSignal(dialog.changed) as changed:
        raising.save_button.click()
    assert not raising.isVisible()

    (note,) = notes_in_database(sqlite_database)
    assert (note.number, note.invoice_id, note.total, note.tax_total, note.date) == (
        "CN-100",
        invoice_id,
        D("33.00"),
        D("3.00"),
        TODAY,
    )
    assert (note.reason, note.is_bad_debt, note.voided) == (
        "Discount agreed for the late finish",
        False,
        False,
    )
    assert owing_in_database(sqlite_database, invoice_id) == D("77.00")

    # The dialog lists it, chosen, and says what the invoice is owing now.
    qtmodeltester.check(dialog.model)
    assert listed(dialog) == [
        ("CN-100", "02/03/2026", "Discount agreed for the late finish", "Credit", "$33.00", "Credited", "")
    ]
    # Nothing is connected: the Sync column would be blank, so it is left out, and nothing is said of it.
    assert dialog.table.isColumnHidden(SYNC_COLUMN)
    assert not dialog.sync_note.isVisible()
    assert dialog.selected() is not None and dialog.selected().number == "CN-100"  # type: ignore[union-attr]
    assert not dialog.empty_label.isVisible() and dialog.void_button.isEnabled()
    assert "$77.00 owing" in dialog.owing_label.text() and "$33.00 credited" in dialog.owing_label.text()
    text = "Credit note CN-100 for $33.00 is raised on INV-1000; $77.00 is now owing."
    assert changed.args == [text] and dialog.message.text() == text

    # The Invoices list behind shows the new amounts at once, and the change is due to sync.
    row = view.selected()
    assert row is not None and row.id == invoice_id
    assert (row.credited, row.owing, row.status.value) == (D("33.00"), D("77.00"), "approved")
    assert view.message.text() == text
    assert controller.schedule.push_due_at() is not None


def test_an_amount_above_what_is_owing_is_refused_beside_the_amount_and_nothing_is_written(
    view: InvoicesView, sqlite_database: Database, controller: SyncController
) -> None:
    invoice_id = an_invoice(sqlite_database)
    with sqlite_database.session_factory() as s, s.begin():
        record_payment(s, s.get_one(Invoice, invoice_id), amount=D("10"), date=TODAY, method=None)
    dialog = open_credit_notes(view, invoice_id)
    raising = open_raise(dialog)
    assert raising.amount_edit.text() == "100.00"

    raising.amount_edit.setText("120")
    raising.reason_edit.setText("Overcharged")
    assert not raising.save()
    assert raising.problem("amount") == "$120.00 is more than the $100.00 owing on INV-1000."
    assert raising.problem("reason") == ""

    # A reason is required, the date cannot come before the invoice's, and a word is no amount: each
    # refused beside its own field, in the words of the rule that refuses it.
    raising.amount_edit.setText("20")
    raising.reason_edit.setText("   ")
    assert not raising.save()
    assert raising.problem("reason") == "Say why the credit is given (it is printed on the credit note)."
    assert (raising.problem("amount"), raising.problem("date")) == ("", "")
    raising.reason_edit.setText("Overcharged")
    raising.date_edit.setDate(TODAY - dt.timedelta(days=1))
    assert not raising.save()
    assert raising.problem("date") == "A credit note cannot be dated before its invoice (02/03/2026)."
    assert (raising.problem("amount"), raising.problem("reason")) == ("", "")
    raising.date_edit.setDate(TODAY)
    raising.amount_edit.setText("twenty")
    raising.reason_edit.setText("Overcharged")
    assert not raising.save()
    assert raising.problem("amount") != ""

    assert raising.isVisible()
    assert notes_in_database(sqlite_database) == []
    assert owing_in_database(sqlite_database, invoice_id) == D("100.00")
    assert dialog.model.rowCount() == 0
    assert controller.schedule.push_due_at() is None


def test_voiding_asks_then_the_note_shows_voided_and_the_invoice_is_owing_again(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    view: InvoicesView,
    sqlite_database: Database,
    answers: Answers,
    controller: SyncController,
) -> None:
    invoice_id = an_invoice(sqlite_database)
    first = credit(sqlite_database, invoice_id, "11", reason="Part refund")
    second = credit(sqlite_database, invoice_id, "22", reason="Discount")
    view.refresh()
    assert view.select_id(invoice_id) and view.selected().owing == D("77.00")  # type: ignore[union-attr]
    dialog = open_credit_notes(view, invoice_id)
    qtmodeltester.check(dialog.model)
    assert [r[0] for r in listed(dialog)] == ["CN-100", "CN-101"]
    assert dialog.selected() is not None and dialog.selected().id == second  # type: ignore[union-attr]

    answers.answers.append(True)
    assert dialog.select_id(first)
    with qtbot.waitSignal(dialog.changed):
        dialog.void_button.click()
    assert answers.questions == [
        (
            "Void credit note",
            # Nothing is connected, so nothing is said of Xero.
            "Void credit note CN-100?\n\nThe $11.00 credit comes off invoice INV-1000, which is then owing "
            "$88.00 again.",
        )
    ]
    voided, kept = notes_in_database(sqlite_database)
    assert (voided.voided, voided.revision, kept.voided) == (True, 2, False)
    assert owing_in_database(sqlite_database, invoice_id) == D("88.00")

    qtmodeltester.check(dialog.model)
    assert [(r[0], r[5]) for r in listed(dialog)] == [("CN-100", "Voided"), ("CN-101", "Credited")]
    assert dialog.selected() is not None and dialog.selected().id == first  # type: ignore[union-attr]
    assert "$88.00 owing" in dialog.owing_label.text()
    assert dialog.message.text() == "Credit note CN-100 is voided: $88.00 is owing on INV-1000 again."
    row = view.selected()
    assert row is not None and (row.credited, row.owing) == (D("22.00"), D("88.00"))
    assert controller.schedule.push_due_at() is not None


def test_voiding_an_already_voided_note_is_refused_with_the_reason_and_asks_nothing(
    view: InvoicesView, sqlite_database: Database, answers: Answers, controller: SyncController
) -> None:
    invoice_id = an_invoice(sqlite_database)
    note_id = credit(sqlite_database, invoice_id, "11")
    with sqlite_database.session_factory() as s, s.begin():
        void_credit_note(s, s.get_one(CreditNote, note_id))
    dialog = open_credit_notes(view, invoice_id)
    assert dialog.select_id(note_id)
    assert dialog.void_button.isEnabled()  # so the reason can be given

    assert not dialog.void_selected()
    assert answers.questions == []
    assert dialog.message.is_refusal
    assert dialog.message.text() == "Credit note CN-100 is already voided."
    (note,) = notes_in_database(sqlite_database)
    assert (note.voided, note.revision) == (True, 2)
    assert controller.schedule.push_due_at() is None


def test_saying_no_to_voiding_writes_nothing(
    view: InvoicesView, sqlite_database: Database, answers: Answers, controller: SyncController
) -> None:
    invoice_id = an_invoice(sqlite_database)
    credit(sqlite_database, invoice_id, "11")
    dialog = open_credit_notes(view, invoice_id)
    answers.answers.append(False)

    assert not dialog.void_selected()
    assert len(answers.questions) == 1
    (note,) = notes_in_database(sqlite_database)
    assert (note.voided, note.revision) == (False, 1)
    assert owing_in_database(sqlite_database, invoice_id) == D("99.00")
    assert [r[5] for r in listed(dialog)] == ["Credited"]
    assert not dialog.message.is_refusal
    row = view.selected()
    assert row is not None and row.owing == D("99.00")
    assert controller.schedule.push_due_at() is None


def test_credit_notes_open_on_approved_invoices_only_and_a_fully_credited_one_offers_no_more_credit(
    view: InvoicesView, sqlite_database: Database
) -> None:
    draft_id = an_invoice(sqlite_database, approve=False)
    written_off = an_invoice(sqlite_database, price="50")
    with sqlite_database.session_factory() as s, s.begin():
        write_off_bad_debt(s, s.get_one(Invoice, written_off), date=TODAY)
    view.refresh()
    assert view.select_id(draft_id)
    assert not view.credit_notes_button.isEnabled()

    dialog = open_credit_notes(view, written_off)
    assert listed(dialog) == [
        ("CN-100", "02/03/2026", "Bad debt written off", "Bad debt written off", "$55.00", "Credited", "")
    ]
    assert "$0.00 owing" in dialog.owing_label.text()
    assert not dialog.raise_button.isEnabled()
    assert "Nothing is owing on INV-1001" in dialog.raise_button.toolTip()
    assert dialog.void_button.isEnabled()


def test_the_sync_column_says_where_each_note_stands_with_xero_and_why(
    qtmodeltester: ModelTester, view: InvoicesView, sqlite_database: Database
) -> None:
    connect_xero(sqlite_database)
    invoice_id = an_invoice(sqlite_database)
    link(sqlite_database, SyncRecordType.INVOICE, invoice_id, remote_id="inv-1")
    sent = credit(sqlite_database, invoice_id, "11", reason="Part refund")
    link(sqlite_database, SyncRecordType.CREDIT_NOTE, sent, remote_id="cn-1")
    credit(sqlite_database, invoice_id, "5.50", reason="Discount")  # waiting: never sent
    voided_unsent = credit(sqlite_database, invoice_id, "2.20", reason="Typed twice")
    void(sqlite_database, voided_unsent)
    failed = credit(sqlite_database, invoice_id, "1.10", reason="Goodwill")
    link(
        sqlite_database,
        SyncRecordType.CREDIT_NOTE,
        failed,
        state=SyncState.FAILED,
        message="Xero has no account 260 for credit notes.",
    )

    dialog = open_credit_notes(view, invoice_id)
    qtmodeltester.check(dialog.model)
    assert not dialog.table.isColumnHidden(SYNC_COLUMN)
    model = dialog.model
    assert model.headerData(SYNC_COLUMN, Qt.Orientation.Horizontal) == "Sync"
    assert [(r[0], r[SYNC_COLUMN]) for r in listed(dialog)] == [
        ("CN-100", "Sent"),
        ("CN-101", "Waiting"),
        ("CN-102", "Not due"),
        ("CN-103", "Failed"),
    ]
    tips = [
        model.index(row, SYNC_COLUMN).data(Qt.ItemDataRole.ToolTipRole) for row in range(model.rowCount())
    ]
    assert tips == [
        "In Xero, allocated to its invoice.",
        "Goes to Xero at the next sync.",
        "Voided before it was sent: nothing goes to Xero.",
        "Xero has no account 260 for credit notes.",
    ]
    # A failure stands out in the attention colour; a voided note is greyed like the rest of its row.
    colours = [
        model.index(row, SYNC_COLUMN).data(Qt.ItemDataRole.ForegroundRole) for row in range(model.rowCount())
    ]
    assert [c.name() if c is not None else None for c in colours] == [
        None,
        None,
        "#757575",
        "#b00020",
    ]
    # The chosen note's reason is spelt out beneath the list, so a failure is read without hovering.
    assert dialog.select_id(failed) and dialog.sync_note.isVisible()
    assert dialog.sync_note.text() == "Sync of CN-103: Failed — Xero has no account 260 for credit notes."
    assert dialog.select_id(sent)
    assert dialog.sync_note.text() == "Sync of CN-100: Sent — In Xero, allocated to its invoice."


def test_a_note_dated_on_an_invoice_before_the_start_date_is_not_due(
    view: InvoicesView, sqlite_database: Database
) -> None:
    connect_xero(sqlite_database, start=TODAY + dt.timedelta(days=1))
    invoice_id = an_invoice(sqlite_database)
    credit(sqlite_database, invoice_id, "11")
    dialog = open_credit_notes(view, invoice_id)
    assert [r[SYNC_COLUMN] for r in listed(dialog)] == ["Not due"]
    assert dialog.model.index(0, SYNC_COLUMN).data(Qt.ItemDataRole.ToolTipRole) == (
        "Its invoice is not sent to Xero (before the invoice start date)."
    )


def test_the_void_question_says_it_is_voided_in_xero_only_for_a_note_xero_holds(
    view: InvoicesView, sqlite_database: Database, answers: Answers, controller: SyncController
) -> None:
    connect_xero(sqlite_database)
    invoice_id = an_invoice(sqlite_database)
    link(sqlite_database, SyncRecordType.INVOICE, invoice_id, remote_id="inv-1")
    sent = credit(sqlite_database, invoice_id, "11")
    link(sqlite_database, SyncRecordType.CREDIT_NOTE, sent, remote_id="cn-1")
    created = credit(sqlite_database, invoice_id, "11")  # in Xero, its allocation still to go
    link(sqlite_database, SyncRecordType.CREDIT_NOTE, created, remote_id="cn-2", sent=False)
    never_sent = credit(sqlite_database, invoice_id, "11")
    dialog = open_credit_notes(view, invoice_id)
    assert [r[SYNC_COLUMN] for r in listed(dialog)] == ["Sent", "Waiting", "Waiting"]

    for note_id in (sent, created, never_sent):
        answers.answers.append(False)
        assert dialog.select_id(note_id)
        assert not dialog.void_selected()
    intro = "The $11.00 credit comes off invoice INV-1000, which is then owing $88.00 again."
    assert [question for _title, question in answers.questions] == [
        f"Void credit note CN-100?\n\n{intro} It is voided in Xero at the next sync.",
        f"Void credit note CN-101?\n\n{intro} It is voided in Xero at the next sync.",
        f"Void credit note CN-102?\n\n{intro}",
    ]
    assert [note.voided for note in notes_in_database(sqlite_database)] == [False, False, False]
    assert controller.schedule.push_due_at() is None
