"""The demo business: deterministic for a seed, about the size the foundation issue asks for, every total
computed by the app's own rules, device numbers inside device blocks, and --demo / --reset-demo behaving.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import AppPaths
from app.db import Database, open_database
from app.models import (
    Base,
    CreditNote,
    Customer,
    Expense,
    Invoice,
    InvoiceStatus,
    Job,
    JobStatus,
    JobType,
    Material,
    MobileDevice,
    NumberBlock,
    NumberSequence,
    Payment,
    PurchaseOrder,
    Quote,
    SequenceKind,
    Site,
    Supplier,
    SupplierInvoice,
    SupplierInvoiceStatus,
)
from app.services.customers import CustomerDetails, abn_is_valid, validate_customer
from app.services.demo import DEMO_INVOICE_PREFIX, DEMO_SEED, prepare_demo_database, seed_demo_business
from app.services.demo_data import (
    DEMO_DEVICES,
    DEMO_EXPENSE_ACCOUNTS,
    DEMO_INCOME_ACCOUNTS,
    XERO_CONTACT_SPELLINGS,
    demo_account_id,
    demo_customers,
)
from app.services.invoice_totals import LineInput, document_totals
from app.services.numbering import NUMBERED_RECORDS
from tests.conftest import PG_URL, _drop_postgres_database, _new_postgres_database

TODAY = dt.date(2026, 3, 18)  # a Wednesday; any day will do, the demo is relative to it
REPO = Path(__file__).resolve().parents[2]

# Columns that record when the seeding ran rather than anything about the business.
_WHEN_SEEDED = {"created_at", "updated_at"}


def digest(session: Session) -> str:
    """A fingerprint of every row of every table, in primary-key order, bar the when-it-ran timestamps."""
    sha = hashlib.sha256()
    for table in Base.metadata.sorted_tables:
        columns = [column for column in table.columns if column.name not in _WHEN_SEEDED]
        rows = session.execute(select(*columns).order_by(*table.primary_key.columns)).all()
        sha.update(f"{table.name}:{len(rows)}\n".encode())
        for row in rows:
            sha.update(repr(tuple(row)).encode())
    return sha.hexdigest()


def count(session: Session, model: type[Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """One demo business per dialect, seeded once for the read-only checks of this module."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
        name = None
    else:
        if not PG_URL:
            pytest.skip("PostgreSQL not configured (set LEDGERBRIDGE_TEST_PG_URL)")
        url, name = _new_postgres_database()
    paths = AppPaths(*(tmp_path_factory.mktemp(part) for part in ("data", "logs", "config")))
    database = prepare_demo_database(url, reset=False, paths=paths, today=TODAY)
    try:
        yield database
    finally:
        database.dispose()
        if name is not None:
            _drop_postgres_database(name)


@pytest.fixture
def session(demo: Database) -> Iterator[Session]:
    with demo.session_factory() as s:
        yield s


# -- size and shape ---------------------------------------------------------------------------------------


def test_the_demo_has_the_records_the_issue_asks_for(session: Session) -> None:
    assert count(session, Customer) == 50
    assert count(session, JobType) == 5
    assert count(session, Material) == 40
    assert count(session, Job) == 150
    assert count(session, Invoice) == 200
    assert count(session, MobileDevice) == 2
    assert count(session, Site) >= 50
    assert 40 <= count(session, Quote) <= 80
    assert 3 <= count(session, CreditNote) <= 10
    assert count(session, Supplier) >= 5
    assert count(session, SupplierInvoice) >= 40
    assert count(session, PurchaseOrder) >= 20
    assert count(session, Expense) >= 40
    statuses = Counter(session.scalars(select(Invoice.status)))
    assert statuses[InvoiceStatus.APPROVED] > 150
    assert 1 <= statuses[InvoiceStatus.VOIDED] <= 20
    assert 1 <= statuses[InvoiceStatus.DRAFT] <= 20
    bills = Counter(session.scalars(select(SupplierInvoice.status)))
    assert bills[SupplierInvoiceStatus.ACCEPTED] > 0 and bills[SupplierInvoiceStatus.DRAFT] > 0
    jobs = Counter(session.scalars(select(Job.status)))
    assert all(jobs[status] > 0 for status in JobStatus)


def test_dates_are_the_last_six_months_relative_to_today(session: Session) -> None:
    oldest = TODAY - dt.timedelta(days=183)
    first, last = session.execute(select(func.min(Invoice.date), func.max(Invoice.date))).one()
    assert oldest <= first and last <= TODAY
    assert (last - first).days > 150  # spread over the six months, not bunched up
    last_payment = session.scalar(select(func.max(Payment.date)))
    assert last_payment is not None and last_payment <= TODAY
    late = session.scalar(
        select(func.count()).select_from(Payment).join(Invoice).where(Payment.date < Invoice.date)
    )
    assert late == 0


def test_invoice_numbers_use_the_demo_prefix_and_rise_with_dates(session: Session) -> None:
    invoices = session.scalars(select(Invoice).where(Invoice.device_id.is_(None))).all()
    assert all(invoice.number.startswith(DEMO_INVOICE_PREFIX) for invoice in invoices)
    by_number = sorted(invoices, key=lambda invoice: int(invoice.number.removeprefix(DEMO_INVOICE_PREFIX)))
    dates = [invoice.date for invoice in by_number]
    assert dates == sorted(dates)


# -- money ------------------------------------------------------------------------------------------------


def test_every_approved_invoice_totals_what_its_lines_add_up_to(session: Session) -> None:
    approved = session.scalars(select(Invoice).where(Invoice.status == InvoiceStatus.APPROVED)).all()
    assert approved
    rates_seen: set[Decimal] = set()
    for invoice in approved:
        inputs = [
            LineInput(line.quantity, line.unit_price, line.tax_rate.rate if line.tax_rate else Decimal(0))
            for line in invoice.lines
        ]
        rates_seen.update(line.tax_rate_percent for line in inputs)
        totals = document_totals(inputs)
        assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
            totals.subtotal,
            totals.tax_total,
            totals.total,
        ), invoice.number
        for line, computed in zip(invoice.lines, totals.lines, strict=True):
            assert (line.line_amount, line.tax_amount) == (computed.line_amount, computed.tax_amount)
        assert Decimal(0) <= invoice.amount_paid + invoice.amount_credited <= invoice.total
    assert {Decimal(10), Decimal(0)} <= rates_seen  # GST lines and GST-free lines


def test_payments_are_full_and_partial_by_every_method(session: Session) -> None:
    approved = session.scalars(select(Invoice).where(Invoice.status == InvoiceStatus.APPROVED)).all()
    paid_in_full = [i for i in approved if i.amount_paid == i.total]
    part_paid = [i for i in approved if Decimal(0) < i.amount_paid < i.total]
    unpaid = [i for i in approved if i.amount_paid == 0]
    assert len(paid_in_full) > 100 and part_paid and unpaid
    methods = {p.payment_method.name for p in session.scalars(select(Payment)) if p.payment_method}
    assert methods == {"Cash", "EFT", "Credit Card", "Cheque"}
    voided = session.scalars(select(Invoice).where(Invoice.status == InvoiceStatus.VOIDED)).all()
    assert all(invoice.payments == [] and invoice.voided_at is not None for invoice in voided)
    notes = session.scalars(select(CreditNote)).all()
    assert any(note.is_bad_debt for note in notes) and any(not note.is_bad_debt for note in notes)
    assert all(note.total == note.subtotal + note.tax_total for note in notes)


def test_supplier_invoices_and_orders_carry_computed_totals(session: Session) -> None:
    for bill in session.scalars(select(SupplierInvoice)):
        totals = document_totals(
            [
                LineInput(line.quantity, line.unit_cost, line.tax_rate.rate)
                for line in bill.lines
                if line.tax_rate
            ]
        )
        assert (bill.subtotal, bill.tax_total, bill.total) == (
            totals.subtotal,
            totals.tax_total,
            totals.total,
        )
        assert (bill.accepted_at is not None) == (bill.status is SupplierInvoiceStatus.ACCEPTED)
    assert all(order.total > 0 for order in session.scalars(select(PurchaseOrder)))
    for expense in session.scalars(select(Expense)):
        assert expense.total == expense.amount + expense.tax_amount
        if expense.account_code is not None:
            assert expense.account_id == demo_account_id(expense.account_code)
            assert expense.account_code in DEMO_EXPENSE_ACCOUNTS


# -- numbering -------------------------------------------------------------------------------------------


def test_device_numbers_fall_inside_that_devices_blocks(session: Session) -> None:
    blocks = session.execute(select(NumberBlock, NumberSequence.kind).join(NumberSequence)).all()
    assert {device.name for device in session.scalars(select(MobileDevice))} == set(DEMO_DEVICES)
    checked = Counter[SequenceKind]()
    for kind in (SequenceKind.JOB, SequenceKind.QUOTE, SequenceKind.INVOICE):
        record = NUMBERED_RECORDS[kind]
        for number, device_id in session.execute(select(record.number, record.device_id)):  # type: ignore[union-attr]
            inside = [
                block
                for block, block_kind in blocks
                if block_kind is kind
                and number.startswith(block.prefix)
                and block.first <= int(number.removeprefix(block.prefix)) < block.next_number
            ]
            if device_id is None:
                assert inside == [], f"desktop number {number} lies in a device block"
            else:
                assert [block.device_id for block in inside] == [device_id], number
                checked[kind] += 1
    assert all(checked[kind] > 0 for kind in (SequenceKind.JOB, SequenceKind.QUOTE, SequenceKind.INVOICE))
    # One device used up its first block of invoice numbers and was given the next one.
    per_device = Counter(block.device_id for block, kind in blocks if kind is SequenceKind.INVOICE)
    assert max(per_device.values()) >= 2


# -- what the accounting package side will line up with ---------------------------------------------


def test_customers_pass_the_customer_editors_rules(session: Session) -> None:
    customers = session.scalars(select(Customer)).all()
    for customer in customers:
        validate_customer(CustomerDetails.of(customer))
        assert customer.billing_address and customer.email and customer.phone and customer.contact_person
        assert re.search(r"\n[A-Z ]+ (NSW|VIC|QLD|ACT) \d{4}$", customer.billing_address), customer.name
        assert customer.sites
    businesses = [c for c in customers if c.abn]
    assert len(businesses) == 30 and all(abn_is_valid(c.abn) for c in businesses)
    assert len({c.account_number for c in customers}) == len(customers)
    jobs = session.scalars(select(Job)).all()
    assert all(job.site_address for job in jobs)
    assert sum(1 for job in jobs if job.customer_po_number) > 10
    assert sum(1 for job in jobs if job.client_work_order_number) > 10
    assert sum(1 for job in jobs if job.work_undertaken) > 100


def test_income_codes_are_accounts_of_the_standard_chart(session: Session) -> None:
    coded = [*session.scalars(select(JobType)), *session.scalars(select(Material))]
    with_code = [row for row in coded if row.income_account_code]
    assert len(with_code) >= 5
    for row in with_code:
        account = DEMO_INCOME_ACCOUNTS[row.income_account_code or ""]
        assert (row.income_account_id, row.income_account_name) == (account.account_id, account.name)
    assert {row.income_account_code for row in with_code} == set(DEMO_INCOME_ACCOUNTS)


def test_xero_spellings_name_demo_customers_spelled_differently() -> None:
    names = {customer.name for customer in demo_customers(DEMO_SEED)}
    assert len(XERO_CONTACT_SPELLINGS) >= 10
    for ours, theirs in XERO_CONTACT_SPELLINGS.items():
        assert ours in names and theirs != ours


# -- determinism, keeping and resetting -----------------------------------------------------------------


def test_the_same_seed_and_day_give_the_same_rows_and_another_seed_does_not(
    db_url: str, paths: AppPaths, tmp_path: Path
) -> None:
    first = prepare_demo_database(db_url, reset=False, paths=paths, today=TODAY)
    with first.session_factory() as s:
        before = digest(s)
    first.dispose()
    again = prepare_demo_database(db_url, reset=True, paths=paths, today=TODAY)
    with again.session_factory() as s:
        assert digest(s) == before
    again.dispose()
    other = open_database(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with other.session_factory() as s, s.begin():
            seed_demo_business(s, today=TODAY, seed=DEMO_SEED + 1)
        with other.session_factory() as s:
            assert count(s, Invoice) == 200
            assert digest(s) != before
    finally:
        other.dispose()


def test_opening_the_demo_again_keeps_changes_and_reset_starts_over(db_url: str, paths: AppPaths) -> None:
    paths.sandbox_state_file.write_text("the demo's accounting package")
    database = prepare_demo_database(db_url, reset=False, paths=paths, today=TODAY)
    with database.session_factory() as s, s.begin():
        s.add(Customer(name="Added while trying the demo"))
    database.dispose()

    kept = prepare_demo_database(db_url, reset=False, paths=paths, today=TODAY + dt.timedelta(days=3))
    assert paths.sandbox_state_file.exists()
    with kept.session_factory() as s:
        assert count(s, Customer) == 51
        last_invoice = s.scalar(select(func.max(Invoice.date)))
        assert last_invoice is not None and last_invoice <= TODAY  # not seeded again for the later day
    kept.dispose()

    paths.sandbox_state_file.write_text("the old demo's accounting package")
    fresh = prepare_demo_database(db_url, reset=True, paths=paths, today=TODAY)
    assert not paths.sandbox_state_file.exists()  # the package the old demo was pushed to is gone too
    with fresh.session_factory() as s:
        assert count(s, Customer) == 50
        assert s.scalar(select(Customer.id).where(Customer.name == "Added while trying the demo")) is None
        assert count(s, Invoice) == 200
    fresh.dispose()


def test_main_demo_opens_the_window_on_the_demo_business_and_keeps_it(tmp_path: Path) -> None:
    """README command 1, as a person runs it: ``python main.py --demo``, twice."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "LEDGERBRIDGE_HOME": str(tmp_path / "home"),
        "LEDGERBRIDGE_EXIT_AFTER_SHOW": "1",
    }
    env.pop("LEDGERBRIDGE_DB", None)
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, str(REPO / "main.py"), "--demo"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "window shown" in done.stdout
    demo_file = AppPaths(tmp_path / "home" / "data", tmp_path, tmp_path).demo_database_file
    database = open_database(f"sqlite:///{demo_file}")
    try:
        with database.session_factory() as s:
            assert count(s, Customer) == 50  # seeded once, kept the second time
            assert count(s, Invoice) == 200
    finally:
        database.dispose()


def test_the_invoice_start_date_is_set_so_a_first_sync_has_work(session: Session) -> None:
    from sqlalchemy import func, select

    from app.models import AccountingPackage, AccountingSettings, InvoiceStatus

    settings = session.scalars(
        select(AccountingSettings).where(AccountingSettings.package == AccountingPackage.XERO)
    ).one()
    assert settings.invoice_start_date == TODAY - dt.timedelta(days=30)
    assert settings.default_payment_method is not None and settings.default_payment_method.name == "EFT"
    due = session.scalar(
        select(func.count()).select_from(Invoice).where(
            Invoice.status == InvoiceStatus.APPROVED, Invoice.date >= settings.invoice_start_date
        )
    )
    older = session.scalar(
        select(func.count()).select_from(Invoice).where(Invoice.date < settings.invoice_start_date)
    )
    assert due and due >= 10  # a first sync sends these
    assert older and older > due  # and never the months before
