"""Credit notes from the Invoices screen: see an invoice's credit notes, raise one, void one.

Driven with qtbot on a real database; every step is checked in the database as well as on the screen.
Confirmations go through an injected stand-in (``Answers``), never a patched message box. The screen holds
a real ``SyncController`` (its schedule never runs a sync in a test) to show each change is due to sync.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal as D

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.db import Database
from app.models import CreditNote, Customer, Invoice, TaxRate
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
from app.views.credit_notes_dialog import CreditNotesDialog, RaiseCreditNoteDialog
from app.views.invoices_view import InvoicesView
from app.views.sync_controller import SyncController

TODAY = dt.date(2026, 3, 2)
HOUR = dt.timedelta(hours=1)


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
        ("CN-100", "02/03/2026", "Discount agreed for the late finish", "Credit", "$33.00", "Credited")
    ]
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

    # A reason is required, and a word is no amount: each refused beside its own field.
    raising.amount_edit.setText("20")
    raising.reason_edit.setText("   ")
    assert not raising.save()
    assert raising.problem("reason") == "Say why the credit is given (the customer sees it)."
    assert raising.problem("amount") == ""
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
            "Void credit note CN-100?\n\nThe $11.00 credit comes off invoice INV-1000, which is then owing "
            "$88.00 again. If it was sent to Xero, it is voided there at the next sync.",
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
        ("CN-100", "02/03/2026", "Bad debt written off", "Bad debt written off", "$55.00", "Credited")
    ]
    assert "$0.00 owing" in dialog.owing_label.text()
    assert not dialog.raise_button.isEnabled()
    assert "Nothing is owing on INV-1001" in dialog.raise_button.toolTip()
    assert dialog.void_button.isEnabled()
