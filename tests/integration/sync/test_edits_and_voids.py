"""Edits and voids of invoices Xero holds, and what happens when Xero forbids them (money applied)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.models import Invoice, PaymentMethod, SyncRecordType, SyncState, TaxRate
from app.services.invoices import InvoiceDraft, LineDraft, record_payment, update_invoice, void_invoice
from tests.integration.sync.conftest import TODAY, Books, Business, XeroHolds, in_xero, money


def _edit(books: Books, invoice_id: int, lines: list[tuple[str, str, str]]) -> None:
    with books.factory() as session, session.begin():
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        gst = session.scalars(select(TaxRate).where(TaxRate.name == "GST 10%")).one()
        update_invoice(
            session,
            invoice,
            InvoiceDraft(
                customer_id=invoice.customer_id,
                date=invoice.date,
                due_date=invoice.due_date,
                lines=[LineDraft(text, Decimal(q), Decimal(p), gst) for text, q, p in lines],
            ),
        )


def _void(books: Books, invoice_id: int) -> None:
    with books.factory() as session, session.begin():
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        void_invoice(session, invoice)


def test_a_paid_invoices_amounts_cannot_change_in_xero_its_description_can(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    invoice_id = business.invoice(business.customer("Orchard Hill Winery"), [("Labour", "2", "110.00")])
    with books.factory() as session, session.begin():
        invoice = session.get(Invoice, invoice_id)
        eft = session.scalars(select(PaymentMethod).where(PaymentMethod.name == "EFT")).one()
        assert invoice is not None
        record_payment(session, invoice, amount=Decimal("100.00"), date=TODAY, method=eft)
    books.sync()
    number = business.number(invoice_id)

    _edit(books, invoice_id, [("Labour - after hours", "2", "110.00")])
    summary = books.sync()
    assert summary.exit_code == 0, summary.lines()
    assert xero_holds.invoice(number)["LineItems"][0]["Description"] == "Labour - after hours"

    _edit(books, invoice_id, [("Labour - after hours", "3", "110.00")])
    summary = books.sync()

    assert summary.exit_code == 1 and summary.failed[SyncRecordType.INVOICE] == 1
    link = books.link(SyncRecordType.INVOICE, invoice_id)
    assert link is not None and link.state is SyncState.FAILED
    assert (
        "does not allow changing the amounts" in link.message and "Remove the payment in Xero" in link.message
    )
    assert money(xero_holds.invoice(number)["Total"]) == Decimal("242.00")  # unchanged there
    # Still due, so it stays visible and is tried again at each sync.
    assert books.sync().failed[SyncRecordType.INVOICE] == 1


def test_voiding_here_voids_in_xero_unless_xero_holds_a_payment_then_it_waits_until_removed(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    customer = business.customer("Fernleigh Guesthouse")
    plain = business.invoice(customer)
    paid_in_xero = business.invoice(customer)
    never_sent = business.invoice(customer)
    _void(books, never_sent)
    books.sync()
    assert not xero_holds.invoices(business.number(never_sent))  # voided before it was ever sent
    paid_id = xero_holds.invoice(business.number(paid_in_xero))["InvoiceID"]
    payment = in_xero(
        books,
        "PUT",
        "/Payments",
        {
            "Payments": [
                {
                    "Invoice": {"InvoiceID": paid_id},
                    "Account": {"Code": "090"},
                    "Date": TODAY.isoformat(),
                    "Amount": 10.0,
                    "Reference": "Paid at the counter",
                }
            ]
        },
    )["Payments"][0]
    _void(books, plain)
    _void(books, paid_in_xero)  # voided here before the payment made in Xero was brought in

    summary = books.sync()

    assert xero_holds.invoice(business.number(plain))["Status"] == "VOIDED"
    assert xero_holds.invoice(business.number(paid_in_xero))["Status"] == "AUTHORISED"
    link = books.link(SyncRecordType.INVOICE, paid_in_xero)
    assert link is not None and link.state is SyncState.FAILED
    assert "remove the payment in Xero first" in link.message
    # The void, and the payment made in Xero on an invoice voided here (reported, not recorded).
    assert summary.failed[SyncRecordType.INVOICE] == 2
    assert any("voided" in row.message for row in books.engine().journal.open_failures())

    in_xero(books, "POST", f"/Payments/{payment['PaymentID']}", {"Status": "DELETED"})
    again = books.sync()

    assert again.exit_code == 0, again.lines()
    assert xero_holds.invoice(business.number(paid_in_xero))["Status"] == "VOIDED"
    assert not [
        row for row in books.engine().journal.open_failures() if row.record_type is SyncRecordType.INVOICE
    ]


def test_a_void_refused_by_xero_goes_through_once_the_cause_is_fixed_there_within_six_minutes(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    """Xero replays its answer to a repeated Idempotency-Key for six minutes, refusals included: the retry
    after the bookkeeper removed the payment in Xero must not carry the key of the refused request."""
    invoice_id = business.invoice(business.customer("Mossvale Bakery"))
    books.sync()
    number = business.number(invoice_id)
    xero_id = xero_holds.invoice(number)["InvoiceID"]
    payment = in_xero(
        books,
        "PUT",
        "/Payments",
        {
            "Payments": [
                {
                    "Invoice": {"InvoiceID": xero_id},
                    "Account": {"Code": "090"},
                    "Date": TODAY.isoformat(),
                    "Amount": 5.0,
                    "Reference": "Deposit",
                }
            ]
        },
    )["Payments"][0]
    _void(books, invoice_id)
    refused = books.sync(pull=False)  # the void alone, before the payment is brought in
    assert refused.failed[SyncRecordType.INVOICE] == 1
    assert xero_holds.invoice(number)["Status"] == "AUTHORISED"

    in_xero(books, "POST", f"/Payments/{payment['PaymentID']}", {"Status": "DELETED"})
    again = books.sync(pull=False)  # seconds later: well inside Xero's six minutes

    assert again.exit_code == 0, again.lines()
    assert xero_holds.invoice(number)["Status"] == "VOIDED"
    link = books.link(SyncRecordType.INVOICE, invoice_id)
    assert link is not None and link.state is SyncState.SENT and not link.message
