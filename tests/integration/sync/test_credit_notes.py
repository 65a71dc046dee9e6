"""Credit notes go to the credit note account and are allocated to their invoice; a bad debt write-off is a
credit note to the bad debt account."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.models import Invoice, SyncRecordType, SyncState
from app.services.invoices import create_credit_note, write_off_bad_debt
from tests.integration.sync.conftest import START, TODAY, Books, Business, XeroHolds, money


def _credit(
    books: Books, invoice_id: int, amount: str | None = None, *, bad_debt: bool = False
) -> tuple[int, str]:
    with books.factory() as session, session.begin():
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        if bad_debt:
            note = write_off_bad_debt(session, invoice, date=TODAY)
        else:
            note = create_credit_note(
                session, invoice, amount=Decimal(amount or "0"), date=TODAY, reason="Discount agreed"
            )
        return note.id, note.number


def test_a_credit_note_goes_to_the_credit_note_account_and_is_allocated_to_its_invoice(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    invoice_id = business.invoice(
        business.customer("Elm Court Body Corporate"), [("Labour", "5", "110.00")]
    )  # 605
    books.sync()
    note_id, number = _credit(books, invoice_id, "55.00")

    summary = books.sync()

    assert summary.exit_code == 0, summary.lines()
    assert summary.sent[SyncRecordType.CREDIT_NOTE] == 1
    [note] = xero_holds.credit_notes(number)
    assert note["Type"] == "ACCRECCREDIT" and note["Status"] == "PAID"  # fully allocated
    line = note["LineItems"][0]
    assert (line["AccountCode"], line["TaxType"]) == ("200", "OUTPUT")  # the credit note account (Sales)
    assert (money(note["SubTotal"]), money(note["TotalTax"]), money(note["Total"])) == (
        Decimal("50.00"),
        Decimal("5.00"),
        Decimal("55.00"),
    )
    invoice = xero_holds.invoice(business.number(invoice_id))
    assert money(invoice["AmountCredited"]) == Decimal("55.00") and money(invoice["AmountDue"]) == Decimal(
        "550.00"
    )
    link = books.link(SyncRecordType.CREDIT_NOTE, note_id)
    assert link is not None and link.state is SyncState.SENT and link.remote_id == note["CreditNoteID"]
    assert books.sync().nothing_to_do
    assert len(xero_holds.credit_notes(number)) == 1


def test_writing_off_a_bad_debt_credits_the_bad_debt_account_and_settles_the_invoice(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    invoice_id = business.invoice(business.customer("Vanished Ventures"), [("Labour", "3", "110.00")])  # 363
    books.sync()
    _, number = _credit(books, invoice_id, bad_debt=True)

    books.sync()

    [note] = xero_holds.credit_notes(number)
    assert note["LineItems"][0]["AccountCode"] == "684"  # Bad Debts
    assert money(note["Total"]) == Decimal("363.00") and money(note["TotalTax"]) == Decimal("33.00")
    invoice = xero_holds.invoice(business.number(invoice_id))
    assert invoice["Status"] == "PAID" and money(invoice["AmountDue"]) == 0


def test_credit_notes_on_invoices_before_the_start_date_are_never_sent(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    old = business.invoice(business.customer("Old Mill Cafe"), date=START - dt.timedelta(days=3))
    _, number = _credit(books, old, "11.00")

    books.sync()

    assert not xero_holds.credit_notes(number)
