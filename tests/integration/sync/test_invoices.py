"""Invoices to Xero: what is due, the lines the settings ask for, the customer's contact, edits and voids."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select, update

from app.models import AccountingSettings, Invoice, JobType, SyncRecordType, SyncState, TaxRate
from app.services.invoices import InvoiceDraft, LineDraft, update_invoice
from tests.integration.sync.conftest import START, Books, Business, XeroHolds, money


def test_an_approved_invoice_goes_to_xero_with_its_lines_and_a_second_sync_sends_nothing(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    customer = business.customer("Harbour Plumbing Pty Ltd", email="accounts@harbourplumbing.example")
    invoice_id = business.invoice(
        customer, [("Replace hot water unit", "1", "1450.00"), ("Labour", "2.5", "110.00")]
    )
    number = business.number(invoice_id)

    summary = books.sync()

    assert summary.exit_code == 0, summary.lines()
    assert summary.sent[SyncRecordType.INVOICE] == 1
    held = xero_holds.invoice(number)
    assert held["Status"] == "AUTHORISED"
    assert held["Contact"]["Name"] == "Harbour Plumbing Pty Ltd"
    assert [line["Description"] for line in held["LineItems"]] == ["Replace hot water unit", "Labour"]
    assert money(held["Total"]) == business.get(Invoice, invoice_id).total == Decimal("1897.50")
    link = books.link(SyncRecordType.INVOICE, invoice_id)
    assert link is not None and link.remote_id == held["InvoiceID"] and link.state is SyncState.SENT
    contact = books.link(SyncRecordType.CUSTOMER, customer)
    assert contact is not None and contact.remote_id == held["Contact"]["ContactID"]
    assert xero_holds.contacts("Harbour Plumbing Pty Ltd")[0]["ContactNumber"] == f"LBC-{customer}"

    again = books.sync()
    assert again.exit_code == 0 and again.nothing_to_do, again.lines()
    assert len(xero_holds.invoices(number)) == 1
    assert books.requests.checked > 0


def test_drafts_invoices_before_the_start_date_and_no_start_date_are_never_sent(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    customer = business.customer("Coastal Cafe")
    draft = business.invoice(customer, approve=False)
    before = business.invoice(customer, date=START - dt.timedelta(days=1))
    on_start = business.invoice(customer, date=START)

    plan = books.engine().preview()
    assert [change.key.local_id for change in plan.changes] == [on_start]
    assert any("before the invoice start date" in note for note in plan.notes)

    summary = books.sync()

    assert summary.sent[SyncRecordType.INVOICE] == 1, summary.lines()
    assert xero_holds.invoices(business.number(on_start))
    assert not xero_holds.invoices(business.number(before))
    assert not xero_holds.invoices(business.number(draft))
    assert books.link(SyncRecordType.INVOICE, before) is None

    # A database whose start date was never set (the settings screen refuses to save one without it).
    with books.factory() as session, session.begin():
        session.execute(update(AccountingSettings).values(invoice_start_date=None))
    later = business.invoice(customer)
    unset = books.sync()
    assert not xero_holds.invoices(business.number(later))
    assert any("No invoice start date" in note for note in unset.lines())


def test_an_invoice_that_cannot_be_sent_fails_alone_and_the_others_go(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    customer = business.customer("Ridge Electrical")
    good = business.invoice(customer)
    job_type = business.job_type("Solar install", income_code="999")  # no such account in Xero
    job = business.job(customer, job_type)
    bad = business.invoice(customer, job_id=job)
    # The preview says so before anything is sent.
    problems = {change.key.local_id: change.problem for change in books.engine().preview().changes}
    assert problems[good] is None
    assert problems[bad] is not None and "Account 999 is not in Xero's chart of accounts" in problems[bad]

    summary = books.sync()

    assert summary.exit_code == 1
    assert summary.sent[SyncRecordType.INVOICE] == 1 and summary.failed[SyncRecordType.INVOICE] == 1
    assert xero_holds.invoices(business.number(good))
    link = books.link(SyncRecordType.INVOICE, bad)
    assert link is not None and link.state is SyncState.FAILED and link.remote_id is None
    assert "account 999" in link.message
    failures = books.engine().journal.open_failures()
    assert [row.local_id for row in failures] == [bad]
    assert "account 999" in failures[0].message

    # Fixed here (a valid income code on the job type): the next sync sends it and the error clears itself.
    with books.factory() as session, session.begin():
        fixed = session.get(JobType, job_type)
        assert fixed is not None
        fixed.income_account_code = "200"
    again = books.sync()
    assert again.exit_code == 0 and again.sent[SyncRecordType.INVOICE] == 1
    assert books.engine().journal.open_failures() == []
    assert len(xero_holds.invoices(business.number(bad))) == 1


def test_an_edited_invoice_is_updated_in_xero_keeping_its_line_ids(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    customer = business.customer("Bayside Dental")
    invoice_id = business.invoice(customer, [("Call-out", "1", "88.00"), ("Labour", "1", "110.00")])
    books.sync()
    number = business.number(invoice_id)
    before = {line["Description"]: line["LineItemID"] for line in xero_holds.invoice(number)["LineItems"]}

    with books.factory() as session, session.begin():
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        gst = session.scalars(select(TaxRate).where(TaxRate.name == "GST 10%")).one()
        update_invoice(
            session,
            invoice,
            InvoiceDraft(
                customer_id=customer,
                date=invoice.date,
                due_date=invoice.due_date,
                lines=[
                    LineDraft("Call-out", Decimal(1), Decimal("88.00"), gst),
                    LineDraft("Labour", Decimal(3), Decimal("110.00"), gst),
                ],
            ),
        )
    summary = books.sync()

    assert summary.sent[SyncRecordType.INVOICE] == 1, summary.lines()
    held = xero_holds.invoice(number)
    assert money(held["Total"]) == Decimal("459.80")
    after = {line["Description"]: line["LineItemID"] for line in held["LineItems"]}
    assert after == before  # the same lines, updated in place
    assert len(xero_holds.invoices(number)) == 1


def test_the_engine_runs_alike_on_sqlite_and_postgresql(
    books_on_each_database: Books, xero_holds: XeroHolds
) -> None:
    books = books_on_each_database
    business = Business(books.database)
    customer = business.customer("Wattle Grove Kindergarten")
    first = business.invoice(customer)
    second = business.invoice(customer, [("Materials", "1", "80.00")], tax="GST Free")

    summary = books.sync()

    assert summary.exit_code == 0 and summary.sent[SyncRecordType.INVOICE] == 2, summary.lines()
    for invoice_id in (first, second):
        held = xero_holds.invoice(business.number(invoice_id))
        assert money(held["Total"]) == business.get(Invoice, invoice_id).total
    assert books.sync().nothing_to_do


def test_an_invoice_moved_to_another_customer_is_updated_to_that_customers_contact(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    first = business.customer("Wrong Customer Pty Ltd")
    second = business.customer("Right Customer Pty Ltd")
    invoice_id = business.invoice(first)
    books.sync()

    with books.factory() as session, session.begin():
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        gst = session.scalars(select(TaxRate).where(TaxRate.name == "GST 10%")).one()
        update_invoice(
            session,
            invoice,
            InvoiceDraft(
                customer_id=second,
                date=invoice.date,
                due_date=invoice.due_date,
                lines=[LineDraft("Labour", Decimal(2), Decimal("110.00"), gst)],
            ),
        )
    summary = books.sync()

    assert summary.exit_code == 0, summary.lines()
    held = xero_holds.invoice(business.number(invoice_id))
    assert held["Contact"]["Name"] == "Right Customer Pty Ltd"
    assert len(xero_holds.invoices(business.number(invoice_id))) == 1
