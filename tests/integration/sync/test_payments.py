"""Payments both ways: taken here -> recorded in Xero to the right account with our Reference; made in Xero
(partial, deleted) -> recorded here with the default method; never echoed back."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.models import Connection, Invoice, Payment, PaymentMethod, PaymentOrigin, SyncRecordType
from app.services.invoices import delete_payment, record_payment
from tests.integration.sync.conftest import TODAY, Books, Business, XeroHolds, in_xero, money


def _pay(books: Books, invoice_id: int, amount: str, method: str, reference: str = "") -> int:
    with books.factory() as session, session.begin():
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        chosen = session.scalars(select(PaymentMethod).where(PaymentMethod.name == method)).one()
        return record_payment(
            session, invoice, amount=Decimal(amount), date=TODAY, method=chosen, reference=reference
        ).id


def _payments_here(books: Books, invoice_id: int) -> list[Payment]:
    with books.factory() as session:
        return list(
            session.scalars(select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.id))
        )


def test_payments_taken_here_go_to_the_methods_account_card_clearing_or_the_receive_account(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    with books.factory() as session, session.begin():
        cash = session.scalars(select(PaymentMethod).where(PaymentMethod.name == "Cash")).one()
        cash.account_code, cash.account_name = "091", "Business Savings Account"
    customer = business.customer("Sandy Point Surf Club")
    invoice_id = business.invoice(customer, [("Labour", "10", "110.00")])  # 1,210.00
    eft = _pay(books, invoice_id, "200.00", "EFT", "Receipt 88")
    card = _pay(books, invoice_id, "300.00", "Credit Card")
    cash_payment = _pay(books, invoice_id, "100.00", "Cash")

    summary = books.sync()

    assert summary.exit_code == 0, summary.lines()
    assert summary.sent[SyncRecordType.PAYMENT] == 3
    held = xero_holds.invoice(business.number(invoice_id))
    assert money(held["AmountPaid"]) == Decimal("600.00") and money(held["AmountDue"]) == Decimal("610.00")
    payments = {p["Reference"]: p for p in xero_holds.payments(held["InvoiceID"])}
    assert set(payments) == {f"LB-P{eft} Receipt 88", f"LB-P{card}", f"LB-P{cash_payment}"}
    assert payments[f"LB-P{eft} Receipt 88"]["Account"]["Code"] == "090"  # the account to receive payments
    assert payments[f"LB-P{card}"]["Account"]["Code"] == "640"  # card clearing: Undeposited Card Payments
    assert payments[f"LB-P{cash_payment}"]["Account"]["Code"] == "091"  # the method's own account

    again = books.sync()
    assert again.nothing_to_do, again.lines()  # our own payments are not pulled back as new ones
    assert len(_payments_here(books, invoice_id)) == 3


def test_a_payment_deleted_here_is_deleted_in_xero(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    invoice_id = business.invoice(business.customer("Glenbrook Tyres"))
    payment_id = _pay(books, invoice_id, "50.00", "EFT")
    books.sync()
    with books.factory() as session, session.begin():
        payment = session.get(Payment, payment_id)
        assert payment is not None
        delete_payment(session, payment)

    summary = books.sync()

    assert summary.sent[SyncRecordType.PAYMENT] == 1, summary.lines()
    held = xero_holds.invoice(business.number(invoice_id))
    assert money(held["AmountPaid"]) == 0
    assert [p["Status"] for p in xero_holds.payments(held["InvoiceID"])] == ["DELETED"]
    assert books.sync().nothing_to_do


def test_payments_made_in_xero_come_back_partial_full_and_deleted_and_are_never_sent_back(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    invoice_id = business.invoice(
        business.customer("Kingfisher Cottages"), [("Labour", "4", "110.00")]
    )  # 484.00
    books.sync()
    xero_id = xero_holds.invoice(business.number(invoice_id))["InvoiceID"]

    def pay_in_xero(amount: str, reference: str) -> str:
        body = {
            "Payments": [
                {
                    "Invoice": {"InvoiceID": xero_id},
                    "Account": {"Code": "090"},
                    "Date": TODAY.isoformat(),
                    "Amount": float(amount),
                    "Reference": reference,
                }
            ]
        }
        return str(in_xero(books, "PUT", "/Payments", body)["Payments"][0]["PaymentID"])

    partial = pay_in_xero("84.00", "Bank feed 1001")
    summary = books.sync()

    assert summary.payments_recorded_here == 1, summary.lines()
    [pulled] = _payments_here(books, invoice_id)
    assert (pulled.amount, pulled.origin, pulled.reference) == (
        Decimal("84.00"),
        PaymentOrigin.ACCOUNTING_PACKAGE,
        "Bank feed 1001",
    )
    with books.factory() as session:
        assert (
            pulled.payment_method_id
            == session.scalars(select(PaymentMethod.id).where(PaymentMethod.name == "EFT")).one()
        )
        assert session.scalars(select(Connection.payments_last_checked_at)).one() is not None
    assert len(xero_holds.payments(xero_id)) == 1  # not sent back

    rest = pay_in_xero("400.00", "Bank feed 1002")
    in_xero(books, "POST", f"/Payments/{partial}", {"Status": "DELETED"})
    summary = books.sync()

    assert (summary.payments_recorded_here, summary.payments_deleted_here) == (1, 1), summary.lines()
    here = {p.reference: p for p in _payments_here(books, invoice_id)}
    assert here["Bank feed 1001"].deleted and not here["Bank feed 1002"].deleted
    assert business.get(Invoice, invoice_id).total == Decimal("484.00")
    with books.factory() as session:
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None and invoice.amount_paid == Decimal("400.00")
    again = books.sync()
    assert again.nothing_to_do, again.lines()
    assert {p["PaymentID"] for p in xero_holds.payments(xero_id)} == {partial, rest}
