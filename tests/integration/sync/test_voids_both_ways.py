"""Voids both ways: invoices and credit notes voided in Xero are voided here; a credit note voided here is
unallocated and voided in Xero (then its invoice can be voided too)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.models import (
    CreditNote,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    SyncDirection,
    SyncJournalEntry,
    SyncOutcome,
    SyncRecordType,
    SyncState,
)
from app.services.invoices import (
    create_credit_note,
    delete_payment,
    record_payment,
    void_credit_note,
    void_invoice,
)
from tests.integration.sync.conftest import TODAY, Books, Business, XeroHolds, in_xero, money


def _invoice(books: Books, invoice_id: int) -> Invoice:
    with books.factory() as session:
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        session.expunge(invoice)
        return invoice


def _credit(books: Books, invoice_id: int, amount: str) -> tuple[int, str]:
    with books.factory() as session, session.begin():
        invoice = session.get_one(Invoice, invoice_id)
        note = create_credit_note(session, invoice, amount=Decimal(amount), date=TODAY, reason="Goodwill")
        return note.id, note.number


def _void_note(books: Books, note_id: int) -> None:
    with books.factory() as session, session.begin():
        void_credit_note(session, session.get_one(CreditNote, note_id))


def _void_invoice(books: Books, invoice_id: int) -> None:
    with books.factory() as session, session.begin():
        void_invoice(session, session.get_one(Invoice, invoice_id))


def _pulled(books: Books, record_type: SyncRecordType, local_id: int) -> list[SyncJournalEntry]:
    with books.factory() as session:
        return list(
            session.scalars(
                select(SyncJournalEntry).where(
                    SyncJournalEntry.record_type == record_type,
                    SyncJournalEntry.local_id == local_id,
                    SyncJournalEntry.direction == SyncDirection.PULL,
                )
            )
        )


def test_an_invoice_voided_in_xero_is_voided_here_and_nothing_is_sent_back(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    customer = business.customer("Tallowwood Dental")
    voided_there, kept = business.invoice(customer), business.invoice(customer)
    books.sync()
    number = business.number(voided_there)
    in_xero(books, "POST", f"/Invoices/{xero_holds.invoice(number)['InvoiceID']}", {"Status": "VOIDED"})
    calls_before = books.requests.checked

    summary = books.sync()

    assert summary.exit_code == 0, summary.lines()
    assert summary.voided_here[SyncRecordType.INVOICE] == 1
    assert any("Voided in Xero, so voided here too: 1 invoice." in line for line in summary.lines())
    assert _invoice(books, voided_there).status is InvoiceStatus.VOIDED
    assert _invoice(books, voided_there).amount_due == Decimal("0.00")
    assert _invoice(books, kept).status is InvoiceStatus.APPROVED
    link = books.link(SyncRecordType.INVOICE, voided_there)
    assert link is not None and link.state is SyncState.SENT
    assert link.pushed_revision == _invoice(books, voided_there).revision  # nothing due: not pushed back
    [row] = _pulled(books, SyncRecordType.INVOICE, voided_there)
    assert row.outcome is SyncOutcome.SUCCEEDED and row.message.startswith("Voided in Xero on ")
    # Reads only: payments and voided invoices (no credit note was ever sent, so none are asked about).
    assert books.requests.checked - calls_before == 2
    again = books.sync()
    assert again.nothing_to_do and again.pulled == 0
    assert len(_pulled(books, SyncRecordType.INVOICE, voided_there)) == 1  # seen again, changes nothing


def test_an_invoice_voided_in_xero_with_a_payment_waiting_here_is_not_voided_until_that_is_resolved(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    invoice_id = business.invoice(business.customer("Cobblers Lane Cafe"))
    books.sync(pull=False)
    number = business.number(invoice_id)
    in_xero(books, "POST", f"/Invoices/{xero_holds.invoice(number)['InvoiceID']}", {"Status": "VOIDED"})
    with books.factory() as session, session.begin():
        eft = session.scalars(select(PaymentMethod).where(PaymentMethod.name == "EFT")).one()
        payment = record_payment(
            session, session.get_one(Invoice, invoice_id), amount=Decimal("50.00"), date=TODAY, method=eft
        )
        payment_id = payment.id

    summary = books.sync()

    assert summary.exit_code == 1
    assert _invoice(books, invoice_id).status is InvoiceStatus.APPROVED  # the payment here is kept
    link = books.link(SyncRecordType.INVOICE, invoice_id)
    assert link is not None and link.state is SyncState.FAILED
    assert "Voided in Xero" in link.message and "$50.00 of payments" in link.message
    assert not xero_holds.payments(xero_holds.invoice(number)["InvoiceID"])  # Xero refused it

    with books.factory() as session, session.begin():
        delete_payment(session, session.get_one(Payment, payment_id))
    _void_invoice(books, invoice_id)
    resolved = books.sync()

    assert resolved.exit_code == 0, resolved.lines()
    assert xero_holds.invoice(number)["Status"] == "VOIDED"
    link = books.link(SyncRecordType.INVOICE, invoice_id)
    assert link is not None and link.state is SyncState.SENT
    assert not [r for r in books.engine().journal.open_failures() if r.record_type is SyncRecordType.INVOICE]


def test_a_credit_note_voided_here_is_unallocated_and_voided_in_xero_then_its_invoice_can_be_voided(
    books_on_each_database: Books, xero_holds: XeroHolds
) -> None:
    books = books_on_each_database
    business = Business(books.database)
    invoice_id = business.invoice(business.customer("Redgum Joinery"), [("Labour", "5", "110.00")])  # 605
    books.sync()
    note_id, note_number = _credit(books, invoice_id, "55.00")
    books.sync()
    assert xero_holds.credit_notes(note_number)[0]["Status"] == "PAID"  # fully allocated
    number = business.number(invoice_id)
    preview_before = books.engine().preview()
    assert not preview_before.changes

    _void_note(books, note_id)
    _void_invoice(books, invoice_id)  # allowed here now: nothing credited any more
    plan = books.engine().preview()
    assert [(c.action, c.key.record_type) for c in plan.changes] == [
        ("Void", SyncRecordType.INVOICE),
        ("Void", SyncRecordType.CREDIT_NOTE),
    ]
    summary = books.sync()

    assert summary.exit_code == 0, summary.lines()
    [note] = xero_holds.credit_notes(note_number)
    assert note["Status"] == "VOIDED" and not note.get("Allocations")
    invoice = xero_holds.invoice(number)
    assert invoice["Status"] == "VOIDED"
    assert money(invoice["AmountCredited"]) == Decimal("0.00")
    link = books.link(SyncRecordType.CREDIT_NOTE, note_id)
    assert link is not None and link.state is SyncState.SENT and not link.message
    assert books.sync().nothing_to_do


def test_a_credit_note_voided_in_xero_is_voided_here_and_its_invoice_is_owing_again(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    invoice_id = business.invoice(business.customer("Banksia Physio"), [("Labour", "5", "110.00")])  # 605
    books.sync()
    note_id, note_number = _credit(books, invoice_id, "55.00")
    books.sync()
    [note] = xero_holds.credit_notes(note_number)
    for allocation in note["Allocations"]:
        path = f"/CreditNotes/{note['CreditNoteID']}/Allocations/{allocation['AllocationID']}"
        in_xero(books, "DELETE", path)
    in_xero(books, "POST", f"/CreditNotes/{note['CreditNoteID']}", {"Status": "VOIDED"})

    summary = books.sync()

    assert summary.exit_code == 0, summary.lines()
    assert summary.voided_here[SyncRecordType.CREDIT_NOTE] == 1
    with books.factory() as session:
        stored = session.get_one(CreditNote, note_id)
        assert stored.voided
        assert stored.invoice.amount_due == Decimal("605.00")
    link = books.link(SyncRecordType.CREDIT_NOTE, note_id)
    assert link is not None and link.state is SyncState.SENT
    assert books.sync().nothing_to_do
