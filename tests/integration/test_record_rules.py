"""Rules for customers, jobs, job types, materials, payment methods, tax rates and supplier invoices,
on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.models import (
    Customer,
    Job,
    JobStatus,
    JobType,
    Material,
    PaymentMethodKind,
    PurchaseOrder,
    PurchaseOrderStatus,
    SequenceKind,
    Supplier,
    SupplierInvoice,
    SupplierInvoiceStatus,
    TaxRate,
)
from app.services.catalogue import (
    NO_INCOME_ACCOUNT,
    JobTypeDetails,
    MaterialDetails,
    PaymentMethodDetails,
    TaxRateDetails,
    list_job_types,
    list_materials,
    list_payment_methods,
    list_tax_rates,
    save_job_type,
    save_material,
    save_payment_method,
    save_tax_rate,
)
from app.services.customers import (
    CustomerDetails,
    abn_is_valid,
    duplicate_name_warning,
    list_customers,
    normalised_name,
    save_customer,
)
from app.services.errors import RuleError
from app.services.jobs import JobDetails, create_job, list_jobs, update_job
from app.services.numbering import get_sequence, register_device
from app.services.suppliers import (
    SupplierInvoiceDraft,
    SupplierInvoiceLineDraft,
    accept_supplier_invoice,
    create_supplier_invoice,
    list_purchase_orders,
    list_supplier_invoices,
)

TODAY = dt.date(2026, 3, 2)


def _gst(session: Session) -> TaxRate:
    return session.scalars(select(TaxRate).where(TaxRate.name == "GST 10%")).one()


# -- customers


@pytest.mark.parametrize("abn", ["51 824 753 556", "51824753556", "53 004 085 616", "33 051 775 556"])
def test_real_abns_pass_the_check_digits(abn: str) -> None:
    assert abn_is_valid(abn)


@pytest.mark.parametrize(
    "abn", ["51 824 753 557", "15 824 753 556", "5182475355", "518247535566", "5182475355a"]
)
def test_mistyped_abns_fail_the_check_digits(abn: str) -> None:
    assert not abn_is_valid(abn)


def test_a_customer_is_saved_with_its_abn_as_digits_and_listed_formatted(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        customer = save_customer(
            s,
            CustomerDetails(
                name="  Harbourside Cafe  ",
                contact_person="Mia Chen",
                email="accounts@harbourside.com.au",
                phone="02 9555 0101",
                abn="51 824 753 556",
                account_number="C1001",
            ),
        )
        customer_id = customer.id
    with database.session_factory() as s:
        stored = s.get_one(Customer, customer_id)
        assert (stored.name, stored.abn, stored.revision) == ("Harbourside Cafe", "51824753556", 1)
        (row,) = list_customers(s)
        assert (row.id, row.name, row.abn, row.account_number) == (
            customer_id,
            "Harbourside Cafe",
            "51 824 753 556",
            "C1001",
        )


@pytest.mark.parametrize(
    ("details", "field", "words"),
    [
        (CustomerDetails(name="   "), "name", "name"),
        (CustomerDetails(name="Cafe", email="accounts.harbourside.com.au"), "email", "email address"),
        (CustomerDetails(name="Cafe", email="a b@cafe.com.au"), "email", "email address"),
        (CustomerDetails(name="Cafe", email="accounts@cafe"), "email", "email address"),
        (CustomerDetails(name="Cafe", abn="51 824 753"), "abn", "11 digits"),
        (CustomerDetails(name="Cafe", abn="51 824 753 557"), "abn", "check digits"),
    ],
)
def test_a_customer_the_package_would_refuse_is_not_saved(
    database: Database, details: CustomerDetails, field: str, words: str
) -> None:
    with database.session_factory() as s, s.begin(), pytest.raises(RuleError) as refusal:
        save_customer(s, details)
    assert refusal.value.field == field
    assert words in refusal.value.message
    with database.session_factory() as s:
        assert s.scalar(select(func.count(Customer.id))) == 0


def test_same_name_written_differently_is_warned_about_not_refused(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        first = save_customer(s, CustomerDetails(name="Smith & Sons Plumbing Pty Ltd", account_number="C7"))
        first_id = first.id
    assert normalised_name("Smith and Sons Plumbing") == normalised_name("SMITH & SONS PLUMBING PTY. LTD.")
    with database.session_factory() as s, s.begin():
        warning = duplicate_name_warning(s, "smith and sons plumbing")
        assert warning is not None
        assert "'Smith & Sons Plumbing Pty Ltd' (account C7)" in warning
        assert duplicate_name_warning(s, "Smith & Sons Plumbing Pty Ltd", excluding_id=first_id) is None
        assert duplicate_name_warning(s, "Smith Electrical") is None
        save_customer(s, CustomerDetails(name="Smith and Sons Plumbing"))  # the person said "save anyway"
    with database.session_factory() as s:
        assert s.scalar(select(func.count(Customer.id))) == 2


def test_an_account_number_belongs_to_one_customer(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        save_customer(s, CustomerDetails(name="Harbourside Cafe", account_number="C1001"))
    with database.session_factory() as s, s.begin(), pytest.raises(RuleError) as refusal:
        save_customer(s, CustomerDetails(name="Bondi Bakery", account_number="C1001"))
    assert refusal.value.field == "account_number"
    assert "Harbourside Cafe" in refusal.value.message


def test_an_edit_bumps_the_revision_only_when_something_changed(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        customer_id = save_customer(s, CustomerDetails(name="Bondi Bakery", email="hi@bondibakery.com.au")).id
    with database.session_factory() as s, s.begin():
        customer = s.get_one(Customer, customer_id)
        save_customer(s, CustomerDetails(name="Bondi Bakery ", email="hi@bondibakery.com.au"), customer)
        assert customer.revision == 1
        save_customer(s, CustomerDetails(name="Bondi Bakery", email="orders@bondibakery.com.au"), customer)
    with database.session_factory() as s:
        stored = s.get_one(Customer, customer_id)
        assert (stored.email, stored.revision) == ("orders@bondibakery.com.au", 2)


# -- jobs


def _customer(database: Database, name: str = "Harbourside Cafe") -> int:
    with database.session_factory() as s, s.begin():
        return save_customer(s, CustomerDetails(name=name)).id


def test_jobs_are_numbered_from_the_job_sequence(database: Database) -> None:
    customer_id = _customer(database)
    with database.session_factory() as s, s.begin():
        sequence = get_sequence(s, SequenceKind.JOB)
        sequence.prefix, sequence.next_number = "J", 2040
        plumbing = save_job_type(s, JobTypeDetails(name="Plumbing - Maintenance"))
        first = create_job(
            s,
            JobDetails(
                customer_id=customer_id,
                job_type_id=plumbing.id,
                site_address="12 Wharf Rd\nBalmain NSW 2041",
                customer_po_number="PO-7781",
                client_work_order_number="WO-55",
            ),
        )
        second = create_job(s, JobDetails(customer_id=customer_id))
        assert (first.number, second.number) == ("J2040", "J2041")
    with database.session_factory() as s:
        assert get_sequence(s, SequenceKind.JOB).next_number == 2042
        rows = {row.number: row for row in list_jobs(s)}
        assert rows["J2040"].customer == "Harbourside Cafe"
        assert rows["J2040"].job_type == "Plumbing - Maintenance"
        assert rows["J2040"].status == "Open"
        assert rows["J2040"].site_address == "12 Wharf Rd Balmain NSW 2041"
        assert (rows["J2040"].customer_po_number, rows["J2040"].client_work_order_number) == (
            "PO-7781",
            "WO-55",
        )
        assert rows["J2041"].job_type == ""


def test_a_job_made_on_a_device_takes_its_number_from_the_devices_block(database: Database) -> None:
    customer_id = _customer(database)
    with database.session_factory() as s, s.begin():
        device = register_device(s, "Sam's phone")
        desk_next = get_sequence(s, SequenceKind.JOB).next_number
        job = create_job(s, JobDetails(customer_id=customer_id), device=device)
        assert job.device_id == device.id
        assert job.number == f"J{desk_next - 25}"
        assert get_sequence(s, SequenceKind.JOB).next_number == desk_next


def test_a_job_needs_a_customer_and_nothing_is_numbered_when_refused(database: Database) -> None:
    with database.session_factory() as s:
        before = get_sequence(s, SequenceKind.JOB).next_number
    with database.session_factory() as s, s.begin(), pytest.raises(RuleError) as refusal:
        create_job(s, JobDetails(customer_id=None))
    assert refusal.value.field == "customer"
    with database.session_factory() as s, s.begin(), pytest.raises(RuleError) as refusal:
        create_job(s, JobDetails(customer_id=987654))
    assert refusal.value.field == "customer"
    with database.session_factory() as s:
        assert s.scalar(select(func.count(Job.id))) == 0
        assert get_sequence(s, SequenceKind.JOB).next_number == before


def test_editing_a_job_keeps_its_number(database: Database) -> None:
    customer_id = _customer(database)
    other_id = _customer(database, "Bondi Bakery")
    with database.session_factory() as s, s.begin():
        job = create_job(s, JobDetails(customer_id=customer_id))
        number, job_id = job.number, job.id
    with database.session_factory() as s, s.begin():
        job = s.get_one(Job, job_id)
        details = JobDetails.of(job)
        details.customer_id, details.status = other_id, JobStatus.COMPLETED
        update_job(s, job, details)
    with database.session_factory() as s:
        job = s.get_one(Job, job_id)
        assert (job.number, job.customer_id, job.status) == (number, other_id, JobStatus.COMPLETED)


# -- job types and materials


def test_job_type_names_are_unique_ignoring_case(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        save_job_type(s, JobTypeDetails(name="Electrical - Install"))
    with database.session_factory() as s, s.begin(), pytest.raises(RuleError) as refusal:
        save_job_type(s, JobTypeDetails(name="electrical - install"))
    assert refusal.value.field == "name"
    with database.session_factory() as s, s.begin(), pytest.raises(RuleError) as refusal:
        save_job_type(s, JobTypeDetails(name=" "))
    assert refusal.value.field == "name"
    with database.session_factory() as s:
        assert [row.name for row in list_job_types(s)] == ["Electrical - Install"]


def test_income_accounts_read_as_code_and_name_or_say_the_default_applies(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        save_job_type(s, JobTypeDetails(name="Plumbing - Maintenance"))
        gas = save_job_type(s, JobTypeDetails(name="Gas fitting"))
        gas.income_account_id, gas.income_account_code, gas.income_account_name = "acc-1", "210", "Gas Sales"
    with database.session_factory() as s:
        labels = {row.name: row.income_account for row in list_job_types(s)}
    assert labels == {"Gas fitting": "210 - Gas Sales", "Plumbing - Maintenance": NO_INCOME_ACCOUNT}
    assert NO_INCOME_ACCOUNT == "Not set - uses the default income account"


def test_a_material_code_is_unique_and_its_prices_are_not_negative(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        gst = _gst(s)
        save_material(
            s,
            MaterialDetails(
                code="PVC-20",
                name="PVC pipe 20mm (per m)",
                unit_price=Decimal("4.95"),
                unit_cost=Decimal("2.10"),
                tax_rate_id=gst.id,
            ),
        )
    for details, field in [
        (MaterialDetails(code="pvc-20", name="Another", unit_price=Decimal("1")), "code"),
        (MaterialDetails(code="CU-15", name="Copper 15mm", unit_price=Decimal("-0.01")), "unit_price"),
        (
            MaterialDetails(
                code="CU-15", name="Copper 15mm", unit_price=Decimal("1"), unit_cost=Decimal("-1")
            ),
            "unit_cost",
        ),
        (MaterialDetails(code="CU-15", name="", unit_price=Decimal("1")), "name"),
        (
            MaterialDetails(code="CU-15", name="Copper", unit_price=Decimal("1"), tax_rate_id=99999),
            "tax_rate",
        ),
    ]:
        with database.session_factory() as s, s.begin(), pytest.raises(RuleError) as refusal:
            save_material(s, details)
        assert refusal.value.field == field
    with database.session_factory() as s:
        (row,) = list_materials(s)
        assert (row.code, row.unit_price, row.tax_rate, row.income_account) == (
            "PVC-20",
            Decimal("4.9500"),
            "GST 10%",
            NO_INCOME_ACCOUNT,
        )


def test_a_material_may_be_given_away(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        save_material(s, MaterialDetails(code="SAMPLE", name="Sample", unit_price=Decimal("0")))
    with database.session_factory() as s:
        assert s.scalar(select(Material.unit_price).where(Material.code == "SAMPLE")) == Decimal("0")


# -- payment methods and tax rates


def test_payment_methods_say_where_their_payments_go(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        save_payment_method(s, PaymentMethodDetails(name="Square reader", kind=PaymentMethodKind.CREDIT_CARD))
        with pytest.raises(RuleError) as refusal:
            save_payment_method(s, PaymentMethodDetails(name="eft", kind=PaymentMethodKind.EFT))
        assert refusal.value.field == "name"
    with database.session_factory() as s:
        rows = {row.name: row for row in list_payment_methods(s)}
    assert rows["Square reader"].kind == "Credit card"
    assert rows["Square reader"].deposit_account == "Not set - uses the credit card clearing account"
    assert rows["EFT"].deposit_account == "Not set - uses the account to receive payments"
    assert set(rows) == {"Cash", "EFT", "Credit Card", "Cheque", "Square reader"}


def test_exactly_one_tax_rate_is_the_default(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        export = save_tax_rate(s, TaxRateDetails(name="Export 0%", rate=Decimal("0"), is_default=True))
        export_id = export.id
    with database.session_factory() as s:
        defaults = s.scalars(select(TaxRate.name).where(TaxRate.is_default.is_(True))).all()
        assert defaults == ["Export 0%"]
    with database.session_factory() as s, s.begin(), pytest.raises(RuleError) as refusal:
        save_tax_rate(
            s,
            TaxRateDetails(name="Export 0%", rate=Decimal("0"), is_default=False),
            s.get_one(TaxRate, export_id),
        )
    assert refusal.value.field == "is_default"
    with database.session_factory() as s:
        rows = {row.name: row for row in list_tax_rates(s)}
        assert rows["GST 10%"].rate == "10%"
        assert [name for name, row in rows.items() if row.is_default] == ["Export 0%"]


@pytest.mark.parametrize(
    ("rate", "field"),
    [(Decimal("-1"), "rate"), (Decimal("100.5"), "rate"), (Decimal("10.00001"), "rate")],
)
def test_a_tax_rate_is_a_percentage(database: Database, rate: Decimal, field: str) -> None:
    with database.session_factory() as s, s.begin(), pytest.raises(RuleError) as refusal:
        save_tax_rate(s, TaxRateDetails(name="Odd", rate=rate))
    assert refusal.value.field == field


def test_a_tax_rate_keeps_a_fractional_rate(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        save_tax_rate(s, TaxRateDetails(name="NZ GST", rate=Decimal("12.5")))
    with database.session_factory() as s:
        rows = {row.name: row.rate for row in list_tax_rates(s)}
    assert rows["NZ GST"] == "12.5%"


# -- supplier invoices and purchase orders


def _supplier(database: Database, name: str = "Reece Plumbing") -> int:
    with database.session_factory() as s, s.begin():
        supplier = Supplier(name=name)
        s.add(supplier)
        s.flush()
        return supplier.id


def _bill(database: Database, supplier_id: int, number: str = "INV-88121") -> int:
    with database.session_factory() as s, s.begin():
        gst = _gst(s)
        invoice = create_supplier_invoice(
            s,
            SupplierInvoiceDraft(
                supplier_id=supplier_id,
                number=number,
                date=TODAY,
                due_date=TODAY + dt.timedelta(days=30),
                lines=[
                    SupplierInvoiceLineDraft(f"Fitting {i}", Decimal(1), Decimal("10.05"), gst)
                    for i in (1, 2, 3)
                ],
            ),
        )
        return invoice.id


def test_supplier_invoice_gst_is_worked_out_per_line(database: Database) -> None:
    invoice_id = _bill(database, _supplier(database))
    with database.session_factory() as s:
        invoice = s.get_one(SupplierInvoice, invoice_id)
        # Taxing the 30.15 total would give 3.02; per line it is 1.01 x 3.
        assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
            Decimal("30.15"),
            Decimal("3.03"),
            Decimal("33.18"),
        )
        assert [line.tax_amount for line in invoice.lines] == [Decimal("1.01")] * 3
        assert invoice.status is SupplierInvoiceStatus.DRAFT


def test_the_same_supplier_invoice_cannot_be_entered_twice(database: Database) -> None:
    supplier_id = _supplier(database)
    _bill(database, supplier_id)
    with pytest.raises(RuleError) as refusal:
        _bill(database, supplier_id)
    assert refusal.value.field == "number"
    _bill(database, _supplier(database, "Tradelink"))  # another supplier may use the same number


def test_accepting_a_draft_stamps_it_and_queues_it_for_the_package(database: Database) -> None:
    invoice_id = _bill(database, _supplier(database))
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(SupplierInvoice, invoice_id)
        revision = invoice.revision
        accept_supplier_invoice(s, invoice)
    with database.session_factory() as s:
        invoice = s.get_one(SupplierInvoice, invoice_id)
        assert invoice.status is SupplierInvoiceStatus.ACCEPTED
        assert invoice.accepted_at is not None
        assert invoice.accepted_at.tzinfo is not None
        assert invoice.revision == revision + 1
        (row,) = list_supplier_invoices(s)
        assert (row.status, row.is_draft, row.total) == ("Accepted", False, Decimal("33.18"))


def test_only_a_draft_can_be_accepted(database: Database) -> None:
    invoice_id = _bill(database, _supplier(database))
    with database.session_factory() as s, s.begin():
        accept_supplier_invoice(s, s.get_one(SupplierInvoice, invoice_id))
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(SupplierInvoice, invoice_id)
        accepted_at, revision = invoice.accepted_at, invoice.revision
        with pytest.raises(RuleError, match="already accepted"):
            accept_supplier_invoice(s, invoice)
    with database.session_factory() as s:
        invoice = s.get_one(SupplierInvoice, invoice_id)
        assert (invoice.accepted_at, invoice.revision) == (accepted_at, revision)


def test_a_supplier_invoice_without_lines_is_not_accepted(database: Database) -> None:
    supplier_id = _supplier(database)
    with database.session_factory() as s, s.begin():
        empty = SupplierInvoice(supplier_id=supplier_id, number="X1", date=TODAY, due_date=TODAY)
        s.add(empty)
        s.flush()
        with pytest.raises(RuleError, match="no lines"):
            accept_supplier_invoice(s, empty)
        assert empty.status is SupplierInvoiceStatus.DRAFT


def test_purchase_orders_are_listed_with_supplier_and_job(database: Database) -> None:
    supplier_id = _supplier(database)
    customer_id = _customer(database)
    with database.session_factory() as s, s.begin():
        job = create_job(s, JobDetails(customer_id=customer_id))
        s.add(
            PurchaseOrder(
                number="PO-100",
                supplier_id=supplier_id,
                job_id=job.id,
                date=TODAY,
                status=PurchaseOrderStatus.SENT,
                total=Decimal("412.50"),
            )
        )
        s.add(PurchaseOrder(number="PO-101", supplier_id=supplier_id, date=TODAY - dt.timedelta(days=3)))
        job_number = job.number
    with database.session_factory() as s:
        rows = list_purchase_orders(s)
    assert [(r.number, r.supplier, r.job, r.status, r.total) for r in rows] == [
        ("PO-100", "Reece Plumbing", job_number, "Sent", Decimal("412.50")),
        ("PO-101", "Reece Plumbing", "", "Draft", Decimal("0.00")),
    ]


def test_renaming_a_job_type_renames_it_on_its_jobs(database: Database) -> None:
    customer_id = _customer(database)
    with database.session_factory() as s, s.begin():
        job_type = save_job_type(s, JobTypeDetails(name="Plumbing"))
        create_job(s, JobDetails(customer_id=customer_id, job_type_id=job_type.id))
        job_type_id = job_type.id
    with database.session_factory() as s, s.begin():
        save_job_type(s, JobTypeDetails(name="Plumbing - Maintenance"), s.get_one(JobType, job_type_id))
    with database.session_factory() as s:
        assert [row.job_type for row in list_jobs(s)] == ["Plumbing - Maintenance"]
