"""Invoice rules on a real database (SQLite and PostgreSQL): numbering, validation, GST per line, approve,
edit, void, payments, credit notes and bad debts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

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
    PaymentMethod,
    SequenceKind,
    TaxRate,
)
from app.services.errors import RuleError
from app.services.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_invoice,
    create_credit_note,
    create_invoice,
    delete_payment,
    invoice_summaries,
    record_payment,
    update_invoice,
    void_credit_note,
    void_invoice,
    write_off_bad_debt,
)
from app.services.numbering import get_sequence, update_sequence

TODAY = dt.date(2026, 3, 2)


def gst(session: Session) -> TaxRate:
    return session.scalars(select(TaxRate).where(TaxRate.name == "GST 10%")).one()


def gst_free(session: Session) -> TaxRate:
    return session.scalars(select(TaxRate).where(TaxRate.name == "GST Free")).one()


def eft(session: Session) -> PaymentMethod:
    return session.scalars(select(PaymentMethod).where(PaymentMethod.name == "EFT")).one()


def add_customer(session: Session, name: str = "Harbourside Cafe") -> Customer:
    customer = Customer(name=name, email="accounts@harbourside.example")
    session.add(customer)
    session.flush()
    return customer


def draft_for(
    customer: Customer | None, tax: TaxRate | None, *prices: str, date: dt.date = TODAY
) -> InvoiceDraft:
    return InvoiceDraft(
        customer_id=customer.id if customer is not None else None,
        date=date,
        due_date=date + dt.timedelta(days=14),
        lines=[
            LineDraft(description=f"Call-out {i}", quantity=D(1), unit_price=D(price), tax_rate=tax)
            for i, price in enumerate(prices, start=1)
        ],
    )


def approved_invoice(database: Database, *prices: str) -> int:
    with database.session_factory() as s, s.begin():
        invoice = create_invoice(s, draft_for(add_customer(s), gst(s), *prices))
        approve_invoice(s, invoice)
        return invoice.id


# -- creating -------------------------------------------------------------------------------------------


def test_a_new_invoice_takes_the_next_number_from_the_invoice_sequence(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        update_sequence(s, SequenceKind.INVOICE, prefix="LB-", next_number=5001)
        customer = add_customer(s)
        first = create_invoice(s, draft_for(customer, gst(s), "100"))
        second = create_invoice(s, draft_for(customer, gst(s), "200"))
        assert (first.number, second.number) == ("LB-5001", "LB-5002")
        assert first.status is InvoiceStatus.DRAFT
    with database.session_factory() as s:
        assert get_sequence(s, SequenceKind.INVOICE).next_number == 5003
        stored = s.scalars(select(Invoice).where(Invoice.number == "LB-5001")).one()
        assert stored.customer.name == "Harbourside Cafe"
        assert [line.description for line in stored.lines] == ["Call-out 1"]
        assert stored.due_date == TODAY + dt.timedelta(days=14)


def test_a_refused_invoice_uses_no_number(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        before = get_sequence(s, SequenceKind.INVOICE).next_number
        with pytest.raises(RuleError):
            create_invoice(s, draft_for(add_customer(s), gst(s)))  # no lines
        assert get_sequence(s, SequenceKind.INVOICE).next_number == before


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ("no customer", "customer", "Choose the customer to invoice."),
        ("due before date", "due_date", "The due date cannot be before the invoice date."),
        ("no lines", "lines", "Add at least one line."),
        ("empty description", "lines", "Line 2 needs a description."),
        ("zero quantity", "lines", "Line 2 has a quantity of 0."),
    ],
)
def test_a_draft_a_bookkeeper_would_not_send_is_refused_with_the_field_named(
    database: Database, change: str, field: str, message: str
) -> None:
    with database.session_factory() as s, s.begin():
        draft = draft_for(add_customer(s), gst(s), "10", "20")
        if change == "no customer":
            draft.customer_id = None
        elif change == "due before date":
            draft.due_date = draft.date - dt.timedelta(days=1)
        elif change == "no lines":
            draft.lines = []
        elif change == "empty description":
            draft.lines[1].description = "   "
        elif change == "zero quantity":
            draft.lines[1].quantity = D("0.000")
        with pytest.raises(RuleError) as refused:
            create_invoice(s, draft)
        assert refused.value.field == field
        assert str(refused.value) == message
    with database.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Invoice)) == 0


def test_a_job_of_another_customer_is_refused(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        mine, theirs = add_customer(s, "Mine Pty Ltd"), add_customer(s, "Theirs Pty Ltd")
        job = Job(number="J1000", customer=theirs)
        s.add(job)
        s.flush()
        draft = draft_for(mine, gst(s), "10")
        draft.job_id = job.id
        with pytest.raises(RuleError) as refused:
            create_invoice(s, draft)
        assert refused.value.field == "job"
        assert "J1000" in str(refused.value)


def test_gst_is_taxed_per_line_then_summed(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        invoice = create_invoice(s, draft_for(add_customer(s), gst(s), "10.05", "10.05", "10.05"))
        invoice_id = invoice.id
    with database.session_factory() as s:
        stored = s.get_one(Invoice, invoice_id)
        assert [line.tax_amount for line in stored.lines] == [D("1.01")] * 3
        assert [line.line_amount for line in stored.lines] == [D("10.05")] * 3
        assert (stored.subtotal, stored.tax_total, stored.total) == (D("30.15"), D("3.03"), D("33.18"))


def test_lines_mix_gst_and_gst_free_and_keep_quantity_precision(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        draft = draft_for(add_customer(s), gst(s), "85")
        draft.lines[0].quantity = D("2.5")  # hours of labour
        draft.lines[0].kind = LineKind.LABOUR
        draft.lines.append(LineDraft("Council permit fee", D(1), D("120.00"), gst_free(s)))
        invoice = create_invoice(s, draft)
        invoice_id = invoice.id
    with database.session_factory() as s:
        stored = s.get_one(Invoice, invoice_id)
        assert stored.lines[0].quantity == D("2.5")
        assert stored.lines[0].kind is LineKind.LABOUR
        assert (stored.subtotal, stored.tax_total, stored.total) == (D("332.50"), D("21.25"), D("353.75"))


def test_a_tax_rate_read_in_another_session_can_be_used(database: Database) -> None:
    """An editor reads tax rates in its own session; the service must accept them in the saving one."""
    with database.session_factory() as s:
        rate = gst(s)  # detached once this session closes
    with database.session_factory() as s, s.begin():
        gst(s)  # the same row is already loaded in the saving session
        invoice = create_invoice(s, draft_for(add_customer(s), rate, "10.05"))
        assert invoice.tax_total == D("1.01")
        assert invoice.lines[0].tax_rate is gst(s)


def test_a_material_line_keeps_its_material(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        pipe = Material(code="PVC20", name="PVC pipe 20mm (per m)", unit_price=D("4.95"), tax_rate=gst(s))
        s.add(pipe)
        s.flush()
        draft = draft_for(add_customer(s), gst(s), "4.95")
        draft.lines[0] = LineDraft(pipe.name, D(6), D("4.95"), gst(s), LineKind.MATERIAL, pipe.id)
        invoice = create_invoice(s, draft)
        assert invoice.lines[0].material is pipe
        assert invoice.total == D("32.67")  # 29.70 + 2.97


# -- approving and editing --------------------------------------------------------------------------


def test_approving_a_draft_makes_it_final_and_queues_it(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        invoice = create_invoice(s, draft_for(add_customer(s), gst(s), "100"))
        revision = invoice.revision
        approve_invoice(s, invoice)
        invoice_id = invoice.id
    with database.session_factory() as s, s.begin():
        stored = s.get_one(Invoice, invoice_id)
        assert stored.status is InvoiceStatus.APPROVED
        assert stored.approved_at is not None
        assert stored.revision == revision + 1
        with pytest.raises(RuleError, match="already approved"):
            approve_invoice(s, stored)


def test_editing_an_approved_invoice_bumps_its_revision(database: Database) -> None:
    invoice_id = approved_invoice(database, "100")
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(Invoice, invoice_id)
        revision = invoice.revision
        update_invoice(s, invoice, draft_for(invoice.customer, gst(s), "100", "50"))
    with database.session_factory() as s:
        stored = s.get_one(Invoice, invoice_id)
        assert stored.revision == revision + 1
        assert stored.status is InvoiceStatus.APPROVED
        assert stored.total == D("165.00")
        assert [line.position for line in stored.lines] == [0, 1]


def test_an_approved_invoice_cannot_drop_below_what_is_paid_or_credited(database: Database) -> None:
    invoice_id = approved_invoice(database, "100", "100")  # 220.00
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(Invoice, invoice_id)
        record_payment(s, invoice, amount=D("150"), date=TODAY, method=eft(s))
        create_credit_note(s, invoice, amount=D("22"), date=TODAY, reason="Discount agreed")
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(Invoice, invoice_id)
        revision = invoice.revision
        with pytest.raises(RuleError) as refused:
            update_invoice(s, invoice, draft_for(invoice.customer, gst(s), "150"))  # 165.00 < 172.00
        assert refused.value.field == "lines"
        assert "$172.00" in str(refused.value) and "$165.00" in str(refused.value)
        # Exactly what is paid and credited is allowed: nothing left owing.
        update_invoice(s, invoice, draft_for(invoice.customer, gst(s), "156.3636"))
        assert invoice.total == D("172.00")
        assert invoice.amount_due == D("0.00")
        assert invoice.revision == revision + 1


def test_an_approved_invoice_cannot_move_after_its_first_payment(database: Database) -> None:
    invoice_id = approved_invoice(database, "100")
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(Invoice, invoice_id)
        record_payment(s, invoice, amount=D("10"), date=TODAY + dt.timedelta(days=1), method=None)
        later = draft_for(invoice.customer, gst(s), "100", date=TODAY + dt.timedelta(days=5))
        with pytest.raises(RuleError) as refused:
            update_invoice(s, invoice, later)
        assert refused.value.field == "date"


def test_a_voided_invoice_cannot_be_edited(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        invoice = create_invoice(s, draft_for(add_customer(s), gst(s), "100"))
        void_invoice(s, invoice)
        with pytest.raises(RuleError, match="voided and can no longer be changed"):
            update_invoice(s, invoice, draft_for(invoice.customer, gst(s), "100"))


# -- voiding --------------------------------------------------------------------------------------------


def test_voiding_refused_while_payments_exist_then_allowed_once_deleted(database: Database) -> None:
    invoice_id = approved_invoice(database, "100")
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(Invoice, invoice_id)
        payment = record_payment(s, invoice, amount=D("50"), date=TODAY, method=eft(s), reference="EFT 1234")
        payment_id = payment.id
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(Invoice, invoice_id)
        with pytest.raises(RuleError) as refused:
            void_invoice(s, invoice)
        assert str(refused.value) == (
            f"Invoice {invoice.number} has $50.00 of payments recorded. "
            "Delete the payments before voiding it."
        )
    with database.session_factory() as s, s.begin():
        assert s.get_one(Invoice, invoice_id).status is InvoiceStatus.APPROVED
        delete_payment(s, s.get_one(Payment, payment_id))
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(Invoice, invoice_id)
        revision = invoice.revision
        void_invoice(s, invoice)
    with database.session_factory() as s:
        stored = s.get_one(Invoice, invoice_id)
        assert stored.status is InvoiceStatus.VOIDED
        assert stored.voided_at is not None
        assert stored.revision == revision + 1
        assert stored.amount_due == D("0.00")


def test_voiding_refused_while_a_credit_note_is_allocated(database: Database) -> None:
    invoice_id = approved_invoice(database, "100")
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(Invoice, invoice_id)
        create_credit_note(s, invoice, amount=D("11"), date=TODAY, reason="Goodwill")
        with pytest.raises(RuleError, match=r"\$11.00 of credit notes"):
            void_invoice(s, invoice)


# -- payments -------------------------------------------------------------------------------------------


def test_a_payment_is_recorded_and_reduces_the_amount_owing(database: Database) -> None:
    invoice_id = approved_invoice(database, "10.05", "10.05", "10.05")  # 33.18
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(Invoice, invoice_id)
        record_payment(s, invoice, amount=D("20.005"), date=TODAY, method=eft(s), reference="  EFT 991 ")
    with database.session_factory() as s:
        invoice = s.get_one(Invoice, invoice_id)
        (payment,) = invoice.payments
        assert payment.amount == D("20.01")  # rounded half up to cents
        assert payment.reference == "EFT 991"
        assert payment.payment_method is not None and payment.payment_method.name == "EFT"
        assert invoice.amount_paid == D("20.01")
        assert invoice.amount_due == D("13.17")


def test_payments_only_on_approved_invoices(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        invoice = create_invoice(s, draft_for(add_customer(s), gst(s), "100"))
        with pytest.raises(RuleError, match="only be recorded on approved invoices"):
            record_payment(s, invoice, amount=D("10"), date=TODAY, method=None)


def test_a_payment_above_the_amount_owing_is_refused(database: Database) -> None:
    invoice_id = approved_invoice(database, "100")  # 110.00
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(Invoice, invoice_id)
        record_payment(s, invoice, amount=D("100"), date=TODAY, method=None)
        with pytest.raises(RuleError) as refused:
            record_payment(s, invoice, amount=D("10.01"), date=TODAY, method=None)
        assert refused.value.field == "amount"
        assert str(refused.value) == f"$10.01 is more than the $10.00 owing on {invoice.number}."
        record_payment(s, invoice, amount=D("10.00"), date=TODAY, method=None)
        assert invoice.amount_due == D("0.00")
    with database.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 2


@pytest.mark.parametrize("amount", ["0", "-5", "0.004"])
def test_a_payment_of_nothing_is_refused(database: Database, amount: str) -> None:
    invoice_id = approved_invoice(database, "100")
    with database.session_factory() as s, s.begin():
        with pytest.raises(RuleError) as refused:
            record_payment(s, s.get_one(Invoice, invoice_id), amount=D(amount), date=TODAY, method=None)
        assert refused.value.field == "amount"


def test_a_payment_dated_before_its_invoice_is_refused(database: Database) -> None:
    invoice_id = approved_invoice(database, "100")
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(Invoice, invoice_id)
        with pytest.raises(RuleError) as refused:
            record_payment(s, invoice, amount=D("10"), date=TODAY - dt.timedelta(days=1), method=None)
        assert refused.value.field == "date"
        record_payment(s, invoice, amount=D("10"), date=TODAY, method=None)  # the same day is fine


def test_a_deleted_payment_no_longer_counts_and_is_kept_for_the_package(database: Database) -> None:
    invoice_id = approved_invoice(database, "100")
    with database.session_factory() as s, s.begin():
        payment = record_payment(s, s.get_one(Invoice, invoice_id), amount=D("110"), date=TODAY, method=None)
        payment_id, revision = payment.id, payment.revision
    with database.session_factory() as s, s.begin():
        delete_payment(s, s.get_one(Payment, payment_id))
    with database.session_factory() as s, s.begin():
        payment = s.get_one(Payment, payment_id)
        assert payment.deleted and payment.revision == revision + 1
        assert payment.invoice.amount_paid == D("0.00")
        assert payment.invoice.amount_due == D("110.00")
        with pytest.raises(RuleError, match="already deleted"):
            delete_payment(s, payment)


# -- credit notes and bad debts -------------------------------------------------------------------------


def test_a_credit_note_reduces_the_amount_owing(database: Database) -> None:
    invoice_id = approved_invoice(database, "100")  # 110.00
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(Invoice, invoice_id)
        note = create_credit_note(s, invoice, amount=D("33"), date=TODAY, reason="Re-visit not needed")
        assert note.number == "CN-100"
        assert (note.subtotal, note.tax_total, note.total) == (D("30.00"), D("3.00"), D("33.00"))
        assert not note.is_bad_debt
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(Invoice, invoice_id)
        assert invoice.amount_credited == D("33.00")
        assert invoice.amount_due == D("77.00")
        with pytest.raises(RuleError, match=r"more than the \$77.00 owing"):
            create_credit_note(s, invoice, amount=D("77.01"), date=TODAY, reason="Too much")
        with pytest.raises(RuleError) as refused:
            create_credit_note(s, invoice, amount=D("0"), date=TODAY, reason="Nothing")
        assert refused.value.field == "amount"
        with pytest.raises(RuleError, match="before its invoice") as refused:
            day_before = invoice.date - dt.timedelta(days=1)
            create_credit_note(s, invoice, amount=D("1"), date=day_before, reason="x")
        assert refused.value.field == "date"
        with pytest.raises(RuleError, match="Say why") as refused:
            create_credit_note(s, invoice, amount=D("1"), date=TODAY, reason="   ")
        assert refused.value.field == "reason"


def test_voiding_a_credit_note_makes_the_invoice_owing_again_and_then_voidable(database: Database) -> None:
    invoice_id = approved_invoice(database, "100")  # 110.00
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(Invoice, invoice_id)
        note = create_credit_note(s, invoice, amount=D("33"), date=TODAY, reason="Oops")
        note_id, revision = note.id, note.revision
    with database.session_factory() as s, s.begin():
        note = s.get_one(CreditNote, note_id)
        void_credit_note(s, note)
        assert note.voided and note.revision == revision + 1
        with pytest.raises(RuleError, match="already voided"):
            void_credit_note(s, note)
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(Invoice, invoice_id)
        assert invoice.amount_credited == D("0.00") and invoice.amount_due == D("110.00")
        void_invoice(s, invoice)  # nothing credited any more, so it can be voided


def test_writing_off_a_bad_debt_credits_what_is_owing(database: Database) -> None:
    invoice_id = approved_invoice(database, "10.05", "10.05", "10.05")  # 33.18, GST 3.03
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(Invoice, invoice_id)
        record_payment(s, invoice, amount=D("11.06"), date=TODAY, method=None)
        note = write_off_bad_debt(s, invoice, date=TODAY + dt.timedelta(days=90))
        assert note.is_bad_debt
        assert note.total == D("22.12")
        # GST adjustment in proportion to the invoice's GST: 22.12 x 3.03 / 33.18 = 2.02.
        assert note.tax_total == D("2.02")
        assert note.reason == "Bad debt written off"
    with database.session_factory() as s, s.begin():
        invoice = s.get_one(Invoice, invoice_id)
        assert invoice.amount_due == D("0.00")
        assert s.scalars(select(CreditNote)).one().is_bad_debt
        with pytest.raises(RuleError, match="Nothing is owing"):
            write_off_bad_debt(s, invoice, date=TODAY)


def test_a_full_write_off_reverses_exactly_the_invoices_gst(database: Database) -> None:
    """Taxing 33.18 as a tax-inclusive amount gives 3.02; the invoice charged 3.03 (per-line rounding)."""
    invoice_id = approved_invoice(database, "10.05", "10.05", "10.05")
    with database.session_factory() as s, s.begin():
        note = write_off_bad_debt(s, s.get_one(Invoice, invoice_id), date=TODAY)
        assert (note.subtotal, note.tax_total, note.total) == (D("30.15"), D("3.03"), D("33.18"))


def test_a_credit_on_a_mixed_invoice_carries_gst_only_on_the_taxable_share(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        draft = draft_for(add_customer(s), gst_free(s), "100")  # GST free first
        draft.lines.append(LineDraft("Labour", D(1), D("100"), gst(s)))
        invoice = create_invoice(s, draft)  # 210.00 of which 10.00 GST
        approve_invoice(s, invoice)
        note = write_off_bad_debt(s, invoice, date=TODAY)
        assert (note.total, note.tax_total) == (D("210.00"), D("10.00"))


def test_credit_notes_only_on_approved_invoices(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        invoice = create_invoice(s, draft_for(add_customer(s), gst(s), "100"))
        with pytest.raises(RuleError, match="approved invoices"):
            write_off_bad_debt(s, invoice, date=TODAY)


# -- the list's summary ---------------------------------------------------------------------------------


def test_summaries_agree_with_each_invoice_in_one_query(database: Database) -> None:
    with database.session_factory() as s, s.begin():
        customer = add_customer(s, "Bondi Physio")
        job = Job(number="J2001", customer=customer)
        s.add(job)
        s.flush()
        paid = create_invoice(s, draft_for(customer, gst(s), "0.10", "0.20", "0.10"))
        paid.job_id = job.id
        approve_invoice(s, paid)
        delete_payment(s, record_payment(s, paid, amount=D("0.01"), date=TODAY, method=None))
        for cents in ("0.10", "0.20", "0.10", "0.04"):  # float sums of these are not exact
            record_payment(s, paid, amount=D(cents), date=TODAY, method=None)
        credited = create_invoice(s, draft_for(customer, gst(s), "100"))
        approve_invoice(s, credited)
        create_credit_note(s, credited, amount=D("10"), date=TODAY, reason="Discount")
        create_invoice(s, draft_for(customer, gst(s), "55"))  # draft
        voided = create_invoice(s, draft_for(customer, gst(s), "99"))
        void_invoice(s, voided)

    statements: list[str] = []
    from sqlalchemy import event

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        with database.session_factory() as s:
            summaries = {row.number: row for row in invoice_summaries(s)}
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert len([sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]) == 1

    with database.session_factory() as s:
        invoices = s.scalars(select(Invoice)).all()
        assert set(summaries) == {invoice.number for invoice in invoices}
        for invoice in invoices:
            row = summaries[invoice.number]
            assert (row.id, row.date, row.due_date, row.status) == (
                invoice.id, invoice.date, invoice.due_date, invoice.status
            )
            assert row.customer_name == "Bondi Physio"
            assert (row.total, row.paid, row.credited, row.owing) == (
                invoice.total, invoice.amount_paid, invoice.amount_credited, invoice.amount_due
            )
    assert summaries[paid.number].job_number == "J2001"
    assert summaries[paid.number].paid == D("0.44")
    assert summaries[paid.number].owing == D("0.00")
    assert summaries[credited.number].owing == D("100.00")
    assert summaries[voided.number].owing == D("0.00")
    assert summaries[credited.number].job_number == ""
