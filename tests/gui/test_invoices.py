"""The Invoices screen, the invoice editor and the payment dialog, driven with qtbot on a real database.

Every step is checked in the database as well as on the screen. Confirmations go through an injected
stand-in (``Answers``), never a patched message box.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.db import Database
from app.models import (
    CreditNote,
    Customer,
    Invoice,
    InvoiceStatus,
    Job,
    LineKind,
    Material,
    Payment,
    TaxRate,
)
from app.services.invoices import InvoiceDraft, LineDraft, approve_invoice, create_invoice, record_payment
from app.views.invoice_editor import InvoiceEditorDialog, LineColumn
from app.views.invoices_view import InvoicesView
from app.views.main_window import MainWindow
from app.views.payment_dialog import PaymentDialog

TODAY = dt.date(2026, 3, 2)


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
def books(sqlite_database: Database) -> Database:
    """Two customers with jobs, and two materials."""
    with sqlite_database.session_factory() as s, s.begin():
        gst = s.scalars(select(TaxRate).where(TaxRate.name == "GST 10%")).one()
        free = s.scalars(select(TaxRate).where(TaxRate.name == "GST Free")).one()
        cafe = Customer(name="Harbourside Cafe")
        clinic = Customer(name="Ryde Rehabilitation Clinic")
        s.add_all(
            [
                cafe,
                clinic,
                Customer(name="Old Customer Pty Ltd", active=False),
                Job(number="J1001", customer=cafe, description="Replace hot water unit"),
                Job(number="J1002", customer=cafe, description="Leaking tap, kitchen"),
                Job(number="J2001", customer=clinic, description="Test and tag"),
                Material(code="PVC20", name="PVC pipe 20mm (per m)", unit_price=D("4.95"), tax_rate=gst),
                Material(code="PERMIT", name="Council permit", unit_price=D("120"), tax_rate=free),
            ]
        )
    return sqlite_database


def ids(database: Database) -> dict[str, int]:
    with database.session_factory() as s:
        found = {name: id_ for id_, name in s.execute(select(Customer.id, Customer.name))}
        found |= {number: id_ for id_, number in s.execute(select(Job.id, Job.number))}
        found |= {code: id_ for id_, code in s.execute(select(Material.id, Material.code))}
        return found


@pytest.fixture
def answers() -> Answers:
    return Answers()


@pytest.fixture
def view(qtbot: QtBot, books: Database, answers: Answers) -> InvoicesView:
    screen = InvoicesView(books.session_factory, confirm=answers, today=lambda: TODAY)
    qtbot.addWidget(screen)
    screen.resize(1200, 750)
    screen.show()
    screen.refresh()
    return screen


def invoices(database: Database) -> list[Invoice]:
    with database.session_factory() as s:
        found = list(s.scalars(select(Invoice).order_by(Invoice.id)))
        for invoice in found:  # loaded while the session is open, for the asserts after it closes
            _ = (invoice.lines, invoice.credit_notes, invoice.customer)
            _ = [payment.payment_method for payment in invoice.payments]
        return found


def set_line(editor: InvoiceEditorDialog, row: int, **values: object) -> None:
    model = editor.lines_model
    for name, value in values.items():
        assert model.setData(model.index(row, LineColumn[name.upper()]), value), (name, value)


def new_invoice(view: InvoicesView) -> InvoiceEditorDialog:
    view.new_button.click()
    editor = view.editor
    assert isinstance(editor, InvoiceEditorDialog)
    assert editor.isVisible()
    return editor


def fill_three_lines_of_10_05(editor: InvoiceEditorDialog, customer_id: int) -> None:
    editor.customer_box.choose(customer_id)
    set_line(editor, 0, description="Call-out fee", unit_price="10.05")
    for _ in range(2):
        editor.add_line_button.click()
    set_line(editor, 1, description="Travel", unit_price="10.05")
    set_line(editor, 2, description="Consumables", unit_price="$10.05", kind=LineKind.OTHER)


def test_an_invoice_from_creation_to_a_refused_void_then_another_voided(
    qtbot: QtBot, qtmodeltester: ModelTester, view: InvoicesView, books: Database, answers: Answers
) -> None:
    known = ids(books)
    qtmodeltester.check(view.model)
    assert view.model.rowCount() == 0
    assert not any(b.isEnabled() for b in (view.edit_button, view.approve_button, view.void_button,
                                           view.payment_button, view.bad_debt_button))

    # 1. Create through the editor: refused until valid, nothing saved; then saved in one go.
    editor = new_invoice(view)
    qtmodeltester.check(editor.lines_model)
    assert editor.number_label.text() == "INV-1000 (given when you save)"
    assert editor.due_date_edit.date().toPython() == TODAY + dt.timedelta(days=14)
    assert not editor.save()
    assert editor.problem("customer") == "Choose the customer to invoice."
    assert editor.isVisible() and invoices(books) == []

    fill_three_lines_of_10_05(editor, known["Harbourside Cafe"])
    job_labels = [editor.job_box.itemText(i) for i in range(editor.job_box.count())]
    assert job_labels == ["(no job)", "J1001 - Replace hot water unit", "J1002 - Leaking tap, kitchen"]
    editor.job_box.choose(known["J1001"])
    qtmodeltester.check(editor.lines_model)
    assert (editor.subtotal_label.text(), editor.tax_label.text(), editor.total_label.text()) == (
        "$30.15", "$3.03", "$33.18"
    )
    with qtbot.waitSignal(editor.saved):
        editor.save_button.click()
    assert not editor.isVisible()

    (saved,) = invoices(books)
    assert (saved.number, saved.status, saved.job_id) == ("INV-1000", InvoiceStatus.DRAFT, known["J1001"])
    assert saved.customer.name == "Harbourside Cafe"
    assert [(line.description, line.tax_amount) for line in saved.lines] == [
        ("Call-out fee", D("1.01")), ("Travel", D("1.01")), ("Consumables", D("1.01"))
    ]
    assert (saved.tax_total, saved.total) == (D("3.03"), D("33.18"))
    assert saved.due_date == TODAY + dt.timedelta(days=14)
    row = view.selected()
    assert row is not None and row.number == "INV-1000" and row.owing == D("33.18")
    qtmodeltester.check(view.model)
    assert view.approve_button.isEnabled() and view.void_button.isEnabled()
    assert not view.payment_button.isEnabled()

    # 2. Approve.
    view.approve_button.click()
    assert invoices(books)[0].status is InvoiceStatus.APPROVED
    assert "INV-1000 is approved" in view.message.text()
    assert not view.approve_button.isEnabled()
    assert view.payment_button.isEnabled() and view.bad_debt_button.isEnabled()

    # 3. Record a payment: the amount starts at what is owing; too much is refused next to the amount.
    view.payment_button.click()
    payment = view.editor
    assert isinstance(payment, PaymentDialog)
    assert payment.amount_edit.text() == "33.18"
    payment.amount_edit.setText("40")
    assert not payment.save()
    assert payment.problem("amount") == "$40.00 is more than the $33.18 owing on INV-1000."
    payment.amount_edit.setText("20.00")
    payment.reference_edit.setText("EFT HARBOURSIDE")
    with qtbot.waitSignal(payment.saved):
        payment.save_button.click()
    (paid,) = invoices(books)
    assert [(p.amount, p.date, p.reference, p.payment_method.name if p.payment_method else None)
            for p in paid.payments] == [(D("20.00"), TODAY, "EFT HARBOURSIDE", "EFT")]
    row = view.selected()
    assert row is not None and (row.paid, row.owing) == (D("20.00"), D("13.18"))

    # 4. Void is refused while a payment exists: the reason is on the screen, nothing asked, nothing changed.
    assert view.void_button.isEnabled()
    view.void_button.click()
    assert view.message.is_refusal
    assert view.message.text() == (
        "Invoice INV-1000 has $20.00 of payments recorded. Delete the payments before voiding it."
    )
    assert answers.questions == []
    assert invoices(books)[0].status is InvoiceStatus.APPROVED
    assert view.selected() is not None and view.selected().number == "INV-1000"  # type: ignore[union-attr]

    # 5. Another invoice, voided after confirming.
    editor = new_invoice(view)
    editor.customer_box.choose(known["Ryde Rehabilitation Clinic"])
    set_line(editor, 0, description="Test and tag, 40 items", quantity="40", unit_price="3.50")
    with qtbot.waitSignal(editor.saved):
        editor.save_button.click()
    assert view.selected() is not None and view.selected().number == "INV-1001"  # type: ignore[union-attr]
    answers.answers.append(True)
    view.void_button.click()
    assert len(answers.questions) == 1
    title, question = answers.questions[0]
    assert title == "Void invoice" and "INV-1001 for Ryde Rehabilitation Clinic ($154.00)" in question
    first, second = invoices(books)
    assert (first.status, second.status) == (InvoiceStatus.APPROVED, InvoiceStatus.VOIDED)
    assert second.voided_at is not None
    assert view.message.text() == "Invoice INV-1001 is voided."
    assert not view.void_button.isEnabled() and not view.edit_button.isEnabled()
    qtmodeltester.check(view.model)
    assert view.model.rowCount() == 2


def test_saying_no_to_void_changes_nothing(
    qtbot: QtBot, view: InvoicesView, books: Database, answers: Answers
) -> None:
    editor = new_invoice(view)
    fill_three_lines_of_10_05(editor, ids(books)["Harbourside Cafe"])
    with qtbot.waitSignal(editor.saved):
        editor.save()
    answers.answers.append(False)
    assert not view.void_selected()
    assert len(answers.questions) == 1
    assert invoices(books)[0].status is InvoiceStatus.DRAFT
    assert view.void_button.isEnabled()


def approved_in_database(books: Database, customer: str = "Harbourside Cafe", price: str = "100") -> int:
    with books.session_factory() as s, s.begin():
        gst = s.scalars(select(TaxRate).where(TaxRate.name == "GST 10%")).one()
        customer_id = s.scalars(select(Customer.id).where(Customer.name == customer)).one()
        draft = InvoiceDraft(customer_id, TODAY, TODAY + dt.timedelta(days=14),
                             lines=[LineDraft("Service", D(1), D(price), gst)])
        invoice = create_invoice(s, draft)
        approve_invoice(s, invoice)
        return invoice.id


def test_a_message_about_one_invoice_goes_once_another_is_selected(
    view: InvoicesView, books: Database
) -> None:
    first, second = approved_in_database(books), approved_in_database(books)
    view.refresh()
    view.select_id(first)
    assert not view.approve_selected()
    assert view.message.is_refusal and "already approved" in view.message.text()
    view.select_id(second)
    assert view.message.isHidden()


def test_writing_off_a_bad_debt_after_confirming(
    view: InvoicesView, books: Database, answers: Answers
) -> None:
    invoice_id = approved_in_database(books)  # 110.00
    with books.session_factory() as s, s.begin():
        record_payment(s, s.get_one(Invoice, invoice_id), amount=D("10"), date=TODAY, method=None)
    view.refresh()
    assert view.select_id(invoice_id)
    answers.answers.extend([False, True])
    assert not view.write_off_selected()  # said no
    with books.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(CreditNote)) == 0
    view.bad_debt_button.click()
    assert "Write off the $100.00 owing on INV-1000" in answers.questions[-1][1]
    with books.session_factory() as s:
        note = s.scalars(select(CreditNote)).one()
        assert (note.is_bad_debt, note.total, note.date) == (True, D("100.00"), TODAY)
        assert s.get_one(Invoice, invoice_id).amount_due == D("0.00")
    assert view.message.text() == "$100.00 on INV-1000 is written off as a bad debt (credit note CN-100)."
    row = view.selected()
    assert row is not None and (row.owing, row.credited) == (D("0.00"), D("100.00"))
    assert not view.bad_debt_button.isEnabled() and not view.payment_button.isEnabled()


def test_the_status_filter_and_the_filter_box(
    qtmodeltester: ModelTester, view: InvoicesView, books: Database
) -> None:
    paid_id = approved_in_database(books, price="100")
    approved_in_database(books, customer="Ryde Rehabilitation Clinic", price="50")
    with books.session_factory() as s, s.begin():
        record_payment(s, s.get_one(Invoice, paid_id), amount=D("110"), date=TODAY, method=None)
        gst = s.scalars(select(TaxRate).where(TaxRate.name == "GST 10%")).one()
        customer_id = s.scalars(select(Customer.id).where(Customer.name == "Harbourside Cafe")).one()
        visit = LineDraft("Quote visit", D(1), D(1), gst)
        create_invoice(s, InvoiceDraft(customer_id, TODAY, TODAY, lines=[visit]))
    view.refresh()
    labels = [view.status_box.itemText(i) for i in range(view.status_box.count())]
    assert labels == ["All invoices", "Draft", "Approved", "Voided", "Unpaid"]

    def shown() -> list[str]:
        return sorted(view.model.row_at(r).number for r in range(view.model.rowCount()))

    assert shown() == ["INV-1000", "INV-1001", "INV-1002"]
    view.status_box.setCurrentIndex(labels.index("Unpaid"))
    assert shown() == ["INV-1001"]
    assert view.selected() is None and not view.payment_button.isEnabled()
    view.table.selectRow(0)
    assert view.payment_button.isEnabled() and view.bad_debt_button.isEnabled()
    qtmodeltester.check(view.model)
    view.status_box.setCurrentIndex(labels.index("Draft"))
    assert shown() == ["INV-1002"]
    view.status_box.setCurrentIndex(labels.index("Voided"))
    assert shown() == []
    view.status_box.setCurrentIndex(labels.index("All invoices"))
    view.filter_edit.setText("ryde")
    assert view.proxy.rowCount() == 1
    assert view.count_label.text() == "1 of 3"


def test_newest_invoices_first_and_overdue_ones_marked(view: InvoicesView, books: Database) -> None:
    approved_in_database(books)
    view_later = InvoicesView(books.session_factory, today=lambda: TODAY + dt.timedelta(days=20))
    try:
        view_later.refresh()
        index = view_later.proxy.index(0, 4)
        assert index.data() == "Approved, overdue"
        assert view_later.proxy.index(0, 8).data(Qt.ItemDataRole.ToolTipRole) == "Overdue by 6 days"
    finally:
        view_later.deleteLater()
    approved_in_database(books)
    with books.session_factory() as s, s.begin():
        s.get_one(Invoice, 2).date = TODAY + dt.timedelta(days=1)
    view.refresh()
    assert [view.proxy.index(r, 0).data() for r in range(2)] == ["INV-1001", "INV-1000"]
    assert view.proxy.index(0, 4).data() == "Approved"


@pytest.mark.parametrize(
    ("fault", "field", "message"),
    [
        ("due before date", "due_date", "The due date cannot be before the invoice date."),
        ("empty description", "lines", "Line 1 needs a description."),
        ("zero quantity", "lines", "Line 1 has a quantity of 0."),
        ("no lines", "lines", "Add at least one line."),
        ("unknown customer", "customer", "There is no customer called 'Nobody'; choose one from the list."),
    ],
)
def test_the_editor_shows_each_problem_next_to_its_field_and_saves_nothing(
    view: InvoicesView, books: Database, fault: str, field: str, message: str
) -> None:
    editor = new_invoice(view)
    editor.customer_box.choose(ids(books)["Harbourside Cafe"])
    set_line(editor, 0, description="Call-out fee", unit_price="95")
    if fault == "due before date":
        editor.due_date_edit.setDate(editor.date_edit.date().addDays(-1))
    elif fault == "empty description":
        set_line(editor, 0, description="  ")
    elif fault == "zero quantity":
        set_line(editor, 0, quantity="0")
    elif fault == "no lines":
        editor.lines_table.selectRow(0)
        editor.remove_line_button.click()
        assert editor.lines_model.rowCount() == 0
    elif fault == "unknown customer":
        editor.customer_box.setEditText("Nobody")
    assert not editor.save()
    assert editor.problem(field) == message
    assert editor.isVisible()
    assert invoices(books) == []


def test_typing_a_word_for_a_quantity_is_refused_and_the_line_keeps_its_value(view: InvoicesView) -> None:
    editor = new_invoice(view)
    model = editor.lines_model
    assert not model.setData(model.index(0, LineColumn.QUANTITY), "two")
    assert editor.problem("lines") == "'two' is not a quantity; enter a number such as 2.5."
    assert not model.setData(model.index(0, LineColumn.UNIT_PRICE), "1.23456")
    assert editor.problem("lines") == "A price can have at most 4 decimal places."
    assert model.lines()[0].quantity == D(1)
    assert model.index(0, LineColumn.QUANTITY).data() == "1"


def test_choosing_a_material_fills_the_line(qtbot: QtBot, view: InvoicesView, books: Database) -> None:
    editor = new_invoice(view)
    editor.customer_box.choose(ids(books)["Harbourside Cafe"])
    table, model = editor.lines_table, editor.lines_model
    # Through the table's own drop-down, as a person picks it.
    index = model.index(0, LineColumn.MATERIAL)
    table.setCurrentIndex(index)
    table.edit(index)
    dropdown = table.indexWidget(index)
    assert dropdown is not None
    choices = [dropdown.itemText(i) for i in range(dropdown.count())]  # type: ignore[attr-defined]
    assert choices == ["(none)", "PERMIT - Council permit", "PVC20 - PVC pipe 20mm (per m)"]
    dropdown.setCurrentIndex(2)  # type: ignore[attr-defined]
    dropdown.activated.emit(2)  # type: ignore[attr-defined]
    line = model.lines()[0]
    assert (line.kind, line.description, line.unit_price) == (
        LineKind.MATERIAL, "PVC pipe 20mm (per m)", D("4.95")
    )
    assert model.index(0, LineColumn.MATERIAL).data() == "PVC20"
    assert model.index(0, LineColumn.TAX_RATE).data() == "GST 10%"
    set_line(editor, 0, quantity="6")
    assert model.index(0, LineColumn.AMOUNT).data() == "$29.70"
    assert model.index(0, LineColumn.TAX).data() == "$2.97"
    editor.add_line_button.click()
    set_line(editor, 1, material=ids(books)["PERMIT"])  # GST free
    assert editor.total_label.text() == "$152.67"
    with qtbot.waitSignal(editor.saved):
        editor.save()
    (saved,) = invoices(books)
    assert [line.material_id for line in saved.lines] == [ids(books)["PVC20"], ids(books)["PERMIT"]]
    assert (saved.tax_total, saved.total) == (D("2.97"), D("152.67"))


def test_the_job_list_follows_the_customer_and_the_due_date_follows_the_date(
    view: InvoicesView, books: Database
) -> None:
    editor = new_invoice(view)
    known = ids(books)
    assert not editor.job_box.isEnabled()
    editor.customer_box.choose(known["Ryde Rehabilitation Clinic"])
    jobs = [editor.job_box.itemText(i) for i in range(editor.job_box.count())]
    assert jobs == ["(no job)", "J2001 - Test and tag"]
    editor.job_box.choose(known["J2001"])
    editor.customer_box.choose(known["Harbourside Cafe"])
    assert editor.job_box.chosen() is None  # the clinic's job does not stay on the cafe's invoice
    customers = [editor.customer_box.itemText(i) for i in range(editor.customer_box.count())]
    assert "Old Customer Pty Ltd" not in customers  # inactive customers are not offered

    editor.date_edit.setDate(editor.date_edit.date().addDays(3))
    assert editor.due_date_edit.date().toPython() == TODAY + dt.timedelta(days=17)
    editor.due_date_edit.setDate(editor.date_edit.date().addDays(30))  # set by hand: it stays
    editor.date_edit.setDate(editor.date_edit.date().addDays(1))
    assert editor.due_date_edit.date().toPython() == TODAY + dt.timedelta(days=33)


def test_editing_an_approved_invoice_keeps_it_above_what_is_paid(
    qtbot: QtBot, view: InvoicesView, books: Database
) -> None:
    invoice_id = approved_in_database(books)  # 110.00
    with books.session_factory() as s, s.begin():
        record_payment(s, s.get_one(Invoice, invoice_id), amount=D("55"), date=TODAY, method=None)
        revision = s.get_one(Invoice, invoice_id).revision
    view.refresh()
    assert view.select_id(invoice_id)
    view.edit_button.click()
    editor = view.editor
    assert isinstance(editor, InvoiceEditorDialog)
    assert editor.windowTitle() == "Edit invoice INV-1000"
    assert editor.customer_box.chosen() == ids(books)["Harbourside Cafe"]
    set_line(editor, 0, unit_price="40")  # 44.00 < 55.00 paid
    assert not editor.save()
    assert "its total cannot drop to $44.00" in editor.problem("lines")
    assert invoices(books)[0].total == D("110.00")
    set_line(editor, 0, unit_price="60", description="Service, revised")
    with qtbot.waitSignal(editor.saved):
        editor.save()
    (saved,) = invoices(books)
    assert (saved.total, saved.revision, saved.status) == (D("66.00"), revision + 1, InvoiceStatus.APPROVED)
    assert saved.lines[0].description == "Service, revised"
    row = view.selected()
    assert row is not None and row.owing == D("11.00")


def test_a_voided_invoice_opens_read_only(view: InvoicesView, books: Database, answers: Answers) -> None:
    invoice_id = approved_in_database(books)
    view.refresh()
    view.select_id(invoice_id)
    answers.answers.append(True)
    assert view.void_selected()
    row = view.selected()
    assert row is not None
    editor = view.edit_record(row)
    assert isinstance(editor, InvoiceEditorDialog)
    assert editor.windowTitle() == "Invoice INV-1000 (voided)"
    assert editor.save_button.isHidden()
    assert not editor.customer_box.isEnabled() and not editor.add_line_button.isEnabled()
    assert editor.lines_model.rowCount() == 1


def test_a_payment_dated_before_the_invoice_is_refused_next_to_the_date(
    view: InvoicesView, books: Database
) -> None:
    invoice_id = approved_in_database(books)
    view.refresh()
    view.select_id(invoice_id)
    dialog = view.record_payment_on_selected()
    assert dialog is not None
    dialog.date_edit.setDate(dialog.date_edit.date().addDays(-1))
    assert not dialog.save()
    assert dialog.problem("date") == "A payment cannot be dated before its invoice."
    dialog.amount_edit.setText("ten dollars")
    assert not dialog.save()
    assert dialog.problem("amount") == "'ten dollars' is not an amount."
    with books.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 0


def test_the_main_window_opens_on_the_invoices_screen(main_window: MainWindow) -> None:
    page = main_window.show_page("Invoices")
    assert isinstance(page, InvoicesView)


def test_status_says_paid_part_paid_and_credited() -> None:
    from decimal import Decimal as D

    from app.services.invoices import InvoiceSummary
    from app.views.invoices_view import invoice_columns

    status = invoice_columns(lambda: TODAY)[4]

    def row(paid: str, credited: str, owing: str, due: dt.date = TODAY) -> InvoiceSummary:
        return InvoiceSummary(
            id=1, number="INV-1", date=TODAY, due_date=due, customer_id=1, customer_name="X",
            job_number="", status=InvoiceStatus.APPROVED, total=D("110.00"), paid=D(paid),
            credited=D(credited), owing=D(owing),
        )

    assert status.value(row("110.00", "0", "0")) == "Paid"
    assert status.value(row("0", "110.00", "0")) == "Credited"
    assert status.value(row("50.00", "0", "60.00")) == "Part paid"
    assert status.value(row("50.00", "0", "60.00", due=TODAY - dt.timedelta(days=3))) == "Part paid, overdue"
    assert status.value(row("0", "0", "110.00")) == "Approved"
