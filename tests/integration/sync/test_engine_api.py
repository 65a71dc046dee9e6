"""The engine as the window drives it: Send now for some records, Retry from the log, Cancel, one sync at a
time; and every kind of request the engine sends checked against Xero's contract."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.integrations.sandbox.faults import Fault, FaultKind
from app.models import (
    AccountingPackage,
    Customer,
    Invoice,
    JobType,
    LineKind,
    Payment,
    PaymentMethod,
    SyncRecordType,
    TaxRate,
)
from app.services.invoices import (
    InvoiceDraft,
    LineDraft,
    create_credit_note,
    delete_payment,
    record_payment,
    update_invoice,
    void_invoice,
)
from app.services.progress import CancelToken
from app.services.suppliers import (
    SupplierInvoiceDraft,
    SupplierInvoiceLineDraft,
    accept_supplier_invoice,
    create_supplier_invoice,
)
from app.sync.journal import RecordKey
from app.sync.lease import SyncLeaseHolder
from tests.integration.sync.conftest import TODAY, Books, Business, XeroHolds


def test_send_now_sends_only_the_records_asked_and_retry_comes_from_the_log(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    customer = business.customer("Quayside Marine")
    wanted = business.invoice(customer)
    other = business.invoice(customer)
    job_type = business.job_type("Marine", income_code="999")
    failing = business.invoice(customer, job_id=business.job(customer, job_type))

    summary = books.sync(
        only=[RecordKey(SyncRecordType.INVOICE, wanted), RecordKey(SyncRecordType.INVOICE, failing)]
    )

    assert summary.sent[SyncRecordType.INVOICE] == 1 and summary.failed[SyncRecordType.INVOICE] == 1
    assert xero_holds.invoices(business.number(wanted)) and not xero_holds.invoices(business.number(other))
    assert not summary.payments_checked  # Send now pushes; it does not check payments
    journal = books.engine().journal
    targets = journal.retry_targets(journal.open_failures())
    assert targets == [RecordKey(SyncRecordType.INVOICE, failing)]

    with books.factory() as session, session.begin():
        fixed = session.get(JobType, job_type)
        assert fixed is not None
        fixed.income_account_code = "200"
    retried = books.sync(only=targets)
    assert retried.sent[SyncRecordType.INVOICE] == 1 and retried.exit_code == 0
    assert journal.open_failures() == []
    assert not xero_holds.invoices(business.number(other))


def test_cancel_stops_between_batches_keeps_what_was_sent_and_frees_the_lease(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    ids = business.many_invoices(120, customers=3)
    cancel = CancelToken()
    seen: list[tuple[int, int, str]] = []

    def report(done: int, total: int, text: str) -> None:
        seen.append((done, total, text))
        if done >= 50:
            cancel.cancel()

    summary = books.sync(report=report, cancel=cancel)

    assert summary.stopped is not None and "Cancelled" in summary.stopped and summary.exit_code == 1
    sent = summary.sent[SyncRecordType.INVOICE]
    assert 50 <= sent < 120
    linked = [
        i
        for i in ids
        if books.link(SyncRecordType.INVOICE, i) and books.link(SyncRecordType.INVOICE, i).remote_id
    ]
    assert len(linked) == sent == len([i for i in ids if xero_holds.invoices(business.number(i))])
    assert any(total for _, total, _ in seen) and seen[0][2]
    rest = books.sync()  # the lease was given up: the next sync runs and finishes the rest
    assert rest.exit_code == 0 and rest.sent[SyncRecordType.INVOICE] == 120 - sent


def test_a_sync_while_another_runs_does_nothing_and_says_so(books: Books, business: Business) -> None:
    business.invoice(business.customer("Lighthouse Bakery"))
    with SyncLeaseHolder(books.factory, AccountingPackage.XERO, run_id="the-other-sync"):
        summary = books.sync()
    assert summary.exit_code == 2 and summary.problem is not None
    assert "Another Xero sync is running" in summary.problem
    assert books.sync().sent[SyncRecordType.INVOICE] == 1


def test_every_kind_of_request_the_engine_sends_matches_xeros_contract(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    books.settings(push_lines_as_items=True)
    customer = business.customer("Contract Check Pty Ltd", email="old@contract.example")
    material = business.material("CHK-1", "Check valve", "35.00")
    invoice = business.invoice(
        customer, [("Valve", "1", "35.00")], kinds=[LineKind.MATERIAL], materials=[material]
    )
    voided = business.invoice(customer)
    supplier = business.supplier("Contract Supplies")
    with books.factory() as session, session.begin():
        gst = session.scalars(select(TaxRate).where(TaxRate.name == "GST 10%")).one()
        eft = session.scalars(select(PaymentMethod).where(PaymentMethod.name == "EFT")).one()
        payment = record_payment(
            session, session.get(Invoice, invoice), amount=Decimal("10.00"), date=TODAY, method=eft
        )
        bill = create_supplier_invoice(
            session,
            SupplierInvoiceDraft(
                supplier,
                "S-1",
                TODAY,
                TODAY,
                lines=[SupplierInvoiceLineDraft("Stock", Decimal(1), Decimal(5), gst)],
            ),
        )
        accept_supplier_invoice(session, bill)
    books.sandbox.add_fault(Fault(FaultKind.DROP, times=1, method="PUT", path="/Invoices$"))  # a look-up
    books.sync()

    with books.factory() as session, session.begin():
        gst = session.scalars(select(TaxRate).where(TaxRate.name == "GST 10%")).one()
        target = session.get(Invoice, invoice)
        assert target is not None
        update_invoice(
            session,
            target,
            InvoiceDraft(
                customer,
                target.date,
                target.due_date,
                lines=[LineDraft("Valve, fitted", Decimal(1), Decimal("35.00"), gst)],
            ),
        )
        create_credit_note(session, target, amount=Decimal("5.50"), date=TODAY, reason="Goodwill")
        delete_payment(session, session.get(Payment, payment.id))
        void_invoice(session, session.get(Invoice, voided))
        edited = session.get(Customer, customer)
        assert edited is not None
        edited.email, edited.revision = "new@contract.example", edited.revision + 1
    books.sandbox.add_fault(Fault(FaultKind.DROP, times=1, method="PUT", path="/CreditNotes$"))
    summary = books.sync()

    assert summary.exit_code == 0, summary.lines()
    assert books.requests.problems == []
    expected = {
        "GET /Payments",
        "GET /Contacts",
        "PUT /Contacts",
        "POST /Contacts",
        "GET /Items",
        "PUT /Items",
        "PUT /Invoices",
        "GET /Invoices",  # the look-up by number
        "POST /Invoices",  # update and void
        "PUT /CreditNotes",
        "GET /CreditNotes",  # the look-up by number
        "PUT /CreditNotes/{id}/Allocations",
        "PUT /Payments",
        "POST /Payments/{id}",
    }
    assert expected <= books.requests.seen, expected - books.requests.seen
    assert books.requests.checked >= len(expected)
