"""The record screens: Customers, Jobs, Supplier Invoices, Purchase Orders, Payments & Tax, Job Types and
Materials. Each opens on real records, its table model passes qtmodeltester, the filter narrows it, and its
editor shows a refusal next to the field, saves nothing until fixed, then saves to the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.db import Database
from app.models import (
    Customer,
    Job,
    JobType,
    Material,
    PaymentMethod,
    PaymentMethodKind,
    PurchaseOrder,
    PurchaseOrderStatus,
    Supplier,
    SupplierInvoice,
    SupplierInvoiceStatus,
    TaxRate,
)
from app.services.catalogue import JobTypeDetails, save_job_type
from app.services.customers import CustomerDetails, save_customer
from app.services.jobs import JobDetails, create_job
from app.services.suppliers import SupplierInvoiceDraft, SupplierInvoiceLineDraft, create_supplier_invoice
from app.views.catalogue_view import (
    JobTypeEditorDialog,
    JobTypesView,
    MaterialEditorDialog,
    MaterialsView,
    PaymentMethodEditorDialog,
    PaymentsAndTaxView,
    TaxRateEditorDialog,
)
from app.views.customers_view import CustomerEditorDialog, CustomersView
from app.views.jobs_view import JobEditorDialog, JobsView
from app.views.main_window import MainWindow
from app.views.record_editor import EditableListView
from app.views.suppliers_view import PurchaseOrdersView, SupplierInvoicesView

TODAY = dt.date(2026, 3, 2)


class Answers:
    """A stand-in for the yes/no question box: records each question and gives the next answer."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.questions: list[str] = []

    def __call__(self, title: str, question: str) -> bool:
        self.questions.append(question)
        return self.answers.pop(0)


@pytest.fixture
def books(sqlite_database: Database) -> Database:
    """A small business: customers, job types, jobs, suppliers, supplier invoices, purchase orders."""
    with sqlite_database.session_factory() as s, s.begin():
        gst = s.scalars(select(TaxRate).where(TaxRate.name == "GST 10%")).one()
        cafe = save_customer(
            s,
            CustomerDetails(
                name="Harbourside Cafe",
                contact_person="Mia Chen",
                email="mia@harbourside.com.au",
                abn="51 824 753 556",
                account_number="C1001",
            ),
        )
        bakery = save_customer(s, CustomerDetails(name="Bondi Bakery", account_number="C1002"))
        save_customer(s, CustomerDetails(name="Coogee Dental", email="admin@coogeedental.com.au"))
        plumbing = save_job_type(s, JobTypeDetails(name="Plumbing - Maintenance"))
        save_job_type(s, JobTypeDetails(name="Hot water - Install"))
        create_job(
            s,
            JobDetails(
                customer_id=cafe.id,
                job_type_id=plumbing.id,
                site_address="12 Wharf Rd",
                customer_po_number="PO-7781",
            ),
        )
        create_job(s, JobDetails(customer_id=bakery.id, site_address="3 Campbell Pde"))
        reece = Supplier(name="Reece Plumbing")
        tradelink = Supplier(name="Tradelink")
        s.add_all([reece, tradelink])
        s.flush()
        for supplier, number in ((reece, "RP-5511"), (tradelink, "TL-0098"), (reece, "RP-5512")):
            create_supplier_invoice(
                s,
                SupplierInvoiceDraft(
                    supplier_id=supplier.id,
                    number=number,
                    date=TODAY,
                    due_date=TODAY + dt.timedelta(days=30),
                    lines=[SupplierInvoiceLineDraft("Copper fittings", Decimal(3), Decimal("10.05"), gst)],
                ),
            )
        s.add(
            PurchaseOrder(
                number="PO-100",
                supplier_id=reece.id,
                date=TODAY,
                status=PurchaseOrderStatus.SENT,
                total=Decimal("412.50"),
            )
        )
        s.add(PurchaseOrder(number="PO-101", supplier_id=tradelink.id, date=TODAY))
        s.add(Material(code="PVC-20", name="PVC pipe 20mm", unit_price=Decimal("4.95"), tax_rate=gst))
        s.add(Material(code="CU-15", name="Copper pipe 15mm", unit_price=Decimal("12.40"), tax_rate=gst))
    return sqlite_database


def _open(qtbot, view: EditableListView | SupplierInvoicesView | PurchaseOrdersView) -> None:  # type: ignore[no-untyped-def, type-arg]
    qtbot.addWidget(view)
    view.refresh()


def _filter_narrows(
    view: EditableListView | SupplierInvoicesView | PurchaseOrdersView,
    text: str,  # type: ignore[type-arg]
    expected: int,
) -> None:
    total = view.proxy.rowCount()
    view.filter_edit.setText(text)
    assert view.proxy.rowCount() == expected < total
    assert view.count_label.text() == f"{expected} of {total}"
    view.filter_edit.clear()
    assert view.proxy.rowCount() == total


def _column(view: EditableListView, header: str) -> list[str]:  # type: ignore[type-arg]
    model = view.proxy
    column = next(
        c for c in range(model.columnCount()) if model.headerData(c, Qt.Orientation.Horizontal) == header
    )
    return [model.index(row, column).data() for row in range(model.rowCount())]


# -- Customers


def test_customers_open_sorted_and_filter(qtbot, qtmodeltester, books: Database) -> None:  # type: ignore[no-untyped-def]
    view = CustomersView(books.session_factory)
    _open(qtbot, view)
    qtmodeltester.check(view.model)
    assert _column(view, "Name") == ["Bondi Bakery", "Coogee Dental", "Harbourside Cafe"]
    assert _column(view, "ABN")[2] == "51 824 753 556"
    _filter_narrows(view, "harbourside.com", 1)


def test_a_new_customer_with_a_wrong_abn_is_refused_beside_the_field_then_saved(  # type: ignore[no-untyped-def]
    qtbot, books: Database
) -> None:
    view = CustomersView(books.session_factory)
    _open(qtbot, view)
    view.new_button.click()
    editor = view.editor
    assert isinstance(editor, CustomerEditorDialog)
    editor.name_edit.setText("Maroubra Surf Club")
    editor.email_edit.setText("treasurer@maroubrasurf.org.au")
    editor.abn_edit.setText("51 824 753 557")
    assert editor.save() is False
    assert "check digits" in editor.problem("abn")
    assert editor.problem("name") == ""
    assert editor.isVisible()
    with books.session_factory() as s:
        assert s.scalar(select(Customer).where(Customer.name == "Maroubra Surf Club")) is None

    editor.abn_edit.setText("53 004 085 616")
    with qtbot.waitSignal(editor.saved):
        editor.save_button.click()
    assert editor.problem("abn") == ""
    assert not editor.isVisible()
    with books.session_factory() as s:
        saved = s.scalars(select(Customer).where(Customer.name == "Maroubra Surf Club")).one()
        assert (saved.abn, saved.email) == ("53004085616", "treasurer@maroubrasurf.org.au")
    assert view.model.rowCount() == 4
    selected = view.selected()
    assert selected is not None and selected.name == "Maroubra Surf Club"


def test_a_duplicate_name_is_asked_about_and_a_no_saves_nothing(qtbot, books: Database) -> None:  # type: ignore[no-untyped-def]
    answers = Answers(False, True)
    view = CustomersView(books.session_factory, confirm=answers)
    _open(qtbot, view)
    editor = view.new_record()
    assert isinstance(editor, CustomerEditorDialog)
    editor.name_edit.setText("HARBOURSIDE CAFE PTY LTD")
    assert editor.save() is False
    assert "'Harbourside Cafe' (account C1001) already exists" in answers.questions[0]
    assert "already exists" in editor.problem("name")
    with books.session_factory() as s:
        assert len(s.scalars(select(Customer)).all()) == 3
    assert editor.save() is True
    with books.session_factory() as s:
        assert len(s.scalars(select(Customer)).all()) == 4


def test_editing_a_customer_shows_a_bad_email_then_saves_the_fix(qtbot, books: Database) -> None:  # type: ignore[no-untyped-def]
    view = CustomersView(books.session_factory)
    _open(qtbot, view)
    view.filter_edit.setText("Bondi")
    view.table.selectRow(0)
    assert view.edit_button.isEnabled()
    view.edit_button.click()
    editor = view.editor
    assert isinstance(editor, CustomerEditorDialog)
    assert editor.name_edit.text() == "Bondi Bakery"
    editor.email_edit.setText("orders at bondibakery")
    assert editor.save() is False
    assert "does not look like an email address" in editor.problem("email")
    editor.email_edit.setText("orders@bondibakery.com.au")
    assert editor.save() is True
    with books.session_factory() as s:
        bakery = s.scalars(select(Customer).where(Customer.name == "Bondi Bakery")).one()
        assert (bakery.email, bakery.revision) == ("orders@bondibakery.com.au", 2)
    assert _column(view, "Email") == ["orders@bondibakery.com.au"]


# -- Jobs


def test_jobs_open_and_filter(qtbot, qtmodeltester, books: Database) -> None:  # type: ignore[no-untyped-def]
    view = JobsView(books.session_factory)
    _open(qtbot, view)
    qtmodeltester.check(view.model)
    assert _column(view, "Number") == ["J1001", "J1000"]
    assert _column(view, "Customer") == ["Bondi Bakery", "Harbourside Cafe"]
    _filter_narrows(view, "PO-7781", 1)


def test_a_new_job_needs_a_customer_and_gets_the_next_job_number(qtbot, books: Database) -> None:  # type: ignore[no-untyped-def]
    view = JobsView(books.session_factory)
    _open(qtbot, view)
    view.new_button.click()
    editor = view.editor
    assert isinstance(editor, JobEditorDialog)
    assert "J1002" in editor.number_label.text()
    editor.site_address_edit.setPlainText("88 Arden St\nCoogee NSW 2034")
    editor.work_order_edit.setText("WO-3391")
    assert editor.save() is False
    assert editor.problem("customer") == "Choose the customer the job is for."
    editor.customer_box.setEditText("Coogee Dentist")
    assert editor.save() is False
    assert "No customer is called 'Coogee Dentist'" in editor.problem("customer")
    with books.session_factory() as s:
        assert len(s.scalars(select(Job)).all()) == 2

    editor.customer_box.setEditText("coogee dental")
    editor.job_type_box.setCurrentIndex(editor.job_type_box.findText("Hot water - Install"))
    with qtbot.waitSignal(editor.saved):
        editor.save_button.click()
    with books.session_factory() as s:
        job = s.scalars(select(Job).where(Job.number == "J1002")).one()
        assert job.customer.name == "Coogee Dental"
        assert job.job_type is not None and job.job_type.name == "Hot water - Install"
        assert (job.site_address, job.client_work_order_number) == ("88 Arden St\nCoogee NSW 2034", "WO-3391")
    selected = view.selected()
    assert selected is not None and selected.number == "J1002"


def test_editing_a_job_keeps_its_number(qtbot, books: Database) -> None:  # type: ignore[no-untyped-def]
    view = JobsView(books.session_factory)
    _open(qtbot, view)
    row = next(r for r in view.model.rows() if r.number == "J1000")
    editor = view.edit_record(row)
    assert isinstance(editor, JobEditorDialog)
    assert editor.number_label.text() == "J1000"
    assert editor.customer_box.currentText() == "Harbourside Cafe"
    editor.po_number_edit.setText("x" * 101)
    assert editor.save() is False
    assert "at most 100 characters" in editor.problem("customer_po_number")
    editor.po_number_edit.setText("PO-7790")
    assert editor.save() is True
    with books.session_factory() as s:
        job = s.scalars(select(Job).where(Job.number == "J1000")).one()
        assert job.customer_po_number == "PO-7790"
    assert len(view.model.rows()) == 2


# -- Supplier Invoices and Purchase Orders


def test_supplier_invoices_open_filter_and_say_what_is_sent(qtbot, qtmodeltester, books: Database) -> None:  # type: ignore[no-untyped-def]
    view = SupplierInvoicesView(books.session_factory, confirm=Answers())
    _open(qtbot, view)
    qtmodeltester.check(view.model)
    assert "Accepted supplier invoices are what is sent to your accounting package" in view.note.text()
    assert set(_column(view, "Total")) == {"$33.17"}
    _filter_narrows(view, "tradelink", 1)


def test_accepting_a_supplier_invoice_asks_first_then_records_it(qtbot, books: Database) -> None:  # type: ignore[no-untyped-def]
    answers = Answers(False, True)
    view = SupplierInvoicesView(books.session_factory, confirm=answers)
    _open(qtbot, view)
    assert not view.accept_button.isEnabled()
    view.filter_edit.setText("TL-0098")
    view.table.selectRow(0)
    assert view.accept_button.isEnabled()

    view.accept_button.click()  # answered No
    assert "Accept invoice TL-0098 from Tradelink for $33.17?" in answers.questions[0]
    with books.session_factory() as s:
        bill = s.scalars(select(SupplierInvoice).where(SupplierInvoice.number == "TL-0098")).one()
        assert bill.status is SupplierInvoiceStatus.DRAFT

    assert view.accept_selected() is True  # answered Yes
    with books.session_factory() as s:
        bill = s.scalars(select(SupplierInvoice).where(SupplierInvoice.number == "TL-0098")).one()
        assert bill.status is SupplierInvoiceStatus.ACCEPTED
        assert bill.accepted_at is not None
        assert bill.revision == 2
        others = s.scalars(select(SupplierInvoice.status).where(SupplierInvoice.number != "TL-0098")).all()
        assert set(others) == {SupplierInvoiceStatus.DRAFT}
    assert _column(view, "Status") == ["Accepted"]
    assert "Accepted invoice TL-0098 from Tradelink" in view.message.text()
    assert not view.message.is_refusal
    assert not view.accept_button.isEnabled()
    assert view.accept_selected() is False
    assert len(answers.questions) == 2


def test_a_supplier_invoice_accepted_elsewhere_meanwhile_is_refused_in_words(qtbot, books: Database) -> None:  # type: ignore[no-untyped-def]
    view = SupplierInvoicesView(books.session_factory, confirm=Answers(True))
    _open(qtbot, view)
    view.filter_edit.setText("RP-5511")
    view.table.selectRow(0)
    with books.session_factory() as s, s.begin():
        bill = s.scalars(select(SupplierInvoice).where(SupplierInvoice.number == "RP-5511")).one()
        bill.status = SupplierInvoiceStatus.ACCEPTED
    assert view.accept_selected() is False
    assert view.message.is_refusal
    assert view.message.text() == "Supplier invoice RP-5511 is already accepted."
    assert _column(view, "Status") == ["Accepted"]


def test_purchase_orders_open_filter_and_say_they_are_never_sent(
    qtbot, qtmodeltester, books: Database
) -> None:  # type: ignore[no-untyped-def]
    view = PurchaseOrdersView(books.session_factory)
    _open(qtbot, view)
    qtmodeltester.check(view.model)
    assert view.note.text() == (
        "Purchase orders are never sent to your accounting package: they are not an expense until the "
        "supplier's invoice arrives."
    )
    assert sorted(_column(view, "Number")) == ["PO-100", "PO-101"]
    _filter_narrows(view, "reece", 1)


# -- Payments & Tax, Job Types, Materials


def test_payments_and_tax_edit_a_payment_method_and_the_default_tax_rate(  # type: ignore[no-untyped-def]
    qtbot, qtmodeltester, books: Database
) -> None:
    page = PaymentsAndTaxView(books.session_factory)
    qtbot.addWidget(page)
    page.refresh()
    qtmodeltester.check(page.payment_methods.model)
    qtmodeltester.check(page.tax_rates.model)
    _filter_narrows(page.payment_methods, "card", 1)
    _filter_narrows(page.tax_rates, "gst", 2)
    assert "Not set - uses the credit card clearing account" in _column(
        page.payment_methods, "Deposit account"
    )

    editor = page.payment_methods.new_record()
    assert isinstance(editor, PaymentMethodEditorDialog)
    editor.name_edit.setText("eft")
    editor.kind_box.choose(PaymentMethodKind.CREDIT_CARD)
    assert editor.save() is False
    assert editor.problem("name") == "There is already a payment method called 'eft'."
    editor.name_edit.setText("Square reader")
    assert editor.save() is True

    free = next(r for r in page.tax_rates.model.rows() if r.name == "GST Free")
    editor = page.tax_rates.edit_record(free)
    assert isinstance(editor, TaxRateEditorDialog)
    editor.rate_edit.setText("ten")
    editor.default_check.setChecked(True)
    assert editor.save() is False
    assert "is not a percentage" in editor.problem("rate")
    editor.rate_edit.setText("0")
    assert editor.save() is True
    with books.session_factory() as s:
        method = s.scalars(select(PaymentMethod).where(PaymentMethod.name == "Square reader")).one()
        assert method.kind is PaymentMethodKind.CREDIT_CARD
        defaults = s.scalars(select(TaxRate.name).where(TaxRate.is_default.is_(True))).all()
        assert defaults == ["GST Free"]
    assert [r.name for r in page.tax_rates.model.rows() if r.is_default] == ["GST Free"]


def test_job_types_show_the_income_account_read_only_and_refuse_a_blank_name(  # type: ignore[no-untyped-def]
    qtbot, qtmodeltester, books: Database
) -> None:
    view = JobTypesView(books.session_factory)
    _open(qtbot, view)
    qtmodeltester.check(view.model)
    assert set(_column(view, "Income account")) == {"Not set - uses the default income account"}
    assert "Accounts Integration" in view.note.text()
    _filter_narrows(view, "hot water", 1)
    editor = view.new_record()
    assert isinstance(editor, JobTypeEditorDialog)
    assert editor.income_account_picker.combo.currentText() == "Not set - uses the default income account"
    assert editor.save() is False
    assert "Enter the job type's name" in editor.problem("name")
    editor.name_edit.setText("Drainage - Emergency")
    assert editor.save() is True
    with books.session_factory() as s:
        assert s.scalars(select(JobType).where(JobType.name == "Drainage - Emergency")).one().active


def test_materials_refuse_a_negative_price_beside_the_field(  # type: ignore[no-untyped-def]
    qtbot, qtmodeltester, books: Database
) -> None:
    view = MaterialsView(books.session_factory)
    _open(qtbot, view)
    qtmodeltester.check(view.model)
    assert _column(view, "Code") == ["CU-15", "PVC-20"]
    _filter_narrows(view, "copper", 1)
    editor = view.new_record()
    assert isinstance(editor, MaterialEditorDialog)
    assert editor.tax_rate_box.currentText() == "GST 10%"
    editor.code_edit.setText("HWS-250")
    editor.name_edit.setText("Hot water system 250L")
    editor.unit_price_edit.setText("-1,450.00")
    assert editor.save() is False
    assert editor.problem("unit_price") == "The unit price cannot be below $0.00."
    editor.unit_price_edit.setText("$1,450.00")
    assert editor.save() is True
    with books.session_factory() as s:
        material = s.scalars(select(Material).where(Material.code == "HWS-250")).one()
        assert material.unit_price == Decimal("1450.00")
        assert material.tax_rate is not None and material.tax_rate.name == "GST 10%"
    selected = view.selected()
    assert selected is not None and selected.code == "HWS-250"


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Customers", CustomersView),
        ("Jobs", JobsView),
        ("Supplier Invoices", SupplierInvoicesView),
        ("Purchase Orders", PurchaseOrdersView),
        ("Payments & Tax", PaymentsAndTaxView),
        ("Job Types", JobTypesView),
        ("Materials", MaterialsView),
    ],
)
def test_each_screen_opens_from_the_navigation_with_its_records(  # type: ignore[no-untyped-def]
    qtbot, books: Database, settings, title: str, kind: Callable[..., object]
) -> None:
    window = MainWindow(books.session_factory, settings)
    qtbot.addWidget(window)
    page = window.show_page(title)
    assert isinstance(page, kind)  # type: ignore[arg-type]
    lists = [page.payment_methods, page.tax_rates] if isinstance(page, PaymentsAndTaxView) else [page]
    for records in lists:
        assert records.model.rowCount() > 0  # type: ignore[attr-defined]
