"""Invoice rules: totals kept in step with the lines, approving, voiding, payments and credit notes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from app.models import (
    CreditNote,
    Customer,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
    MobileDevice,
    Payment,
    PaymentMethod,
    PaymentOrigin,
    SequenceKind,
    TaxRate,
)
from app.models.base import utcnow
from app.services.errors import RuleError
from app.services.invoice_totals import LineInput, document_totals
from app.services.money import ZERO, format_money, round_money
from app.services.numbering import issue_number

DEFAULT_PAYMENT_TERMS_DAYS = 14


@dataclass
class LineDraft:
    """One line as an editor collects it, before it becomes an InvoiceLine."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    tax_rate: TaxRate | None
    kind: LineKind = LineKind.OTHER
    material_id: int | None = None


@dataclass
class InvoiceDraft:
    customer_id: int | None
    date: dt.date
    due_date: dt.date
    job_id: int | None = None
    notes: str = ""
    lines: list[LineDraft] = field(default_factory=list)


def _rate(tax_rate: TaxRate | None) -> Decimal:
    return tax_rate.rate if tax_rate is not None else ZERO


def validate_draft(draft: InvoiceDraft) -> None:
    """Refuse a draft a bookkeeper would not send; the message names the field at fault."""
    if draft.customer_id is None:
        raise RuleError("Choose the customer to invoice.", field="customer")
    if draft.due_date < draft.date:
        raise RuleError("The due date cannot be before the invoice date.", field="due_date")
    if not draft.lines:
        raise RuleError("Add at least one line.", field="lines")
    for position, line in enumerate(draft.lines, start=1):
        if not line.description.strip():
            raise RuleError(f"Line {position} needs a description.", field="lines")
        if line.quantity == 0:
            raise RuleError(f"Line {position} has a quantity of 0.", field="lines")


def recalculate(invoice: Invoice) -> None:
    """Recompute every line's amount and tax, and the invoice totals, from the lines (per-line rounding)."""
    inputs = [LineInput(line.quantity, line.unit_price, _rate(line.tax_rate)) for line in invoice.lines]
    totals = document_totals(inputs)
    for line, computed in zip(invoice.lines, totals.lines, strict=True):
        line.line_amount = computed.line_amount
        line.tax_amount = computed.tax_amount
    invoice.subtotal = totals.subtotal
    invoice.tax_total = totals.tax_total
    invoice.total = totals.total


def _apply_draft(session: Session, invoice: Invoice, draft: InvoiceDraft) -> None:
    validate_draft(draft)
    assert draft.customer_id is not None
    invoice.customer = session.get_one(Customer, draft.customer_id)
    invoice.job_id = draft.job_id
    invoice.date = draft.date
    invoice.due_date = draft.due_date
    invoice.notes = draft.notes
    invoice.lines = [
        InvoiceLine(
            position=position,
            kind=line.kind,
            description=line.description.strip(),
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            material_id=line.material_id,
        )
        for position, line in enumerate(draft.lines)
    ]
    recalculate(invoice)


def create_invoice(session: Session, draft: InvoiceDraft, *, device: MobileDevice | None = None) -> Invoice:
    """A new draft invoice, numbered from the invoice sequence (or the device's block)."""
    validate_draft(draft)
    invoice = Invoice(number=issue_number(session, SequenceKind.INVOICE, device), status=InvoiceStatus.DRAFT)
    if device is not None:
        invoice.device_id = device.id
    session.add(invoice)
    _apply_draft(session, invoice, draft)
    session.flush()
    return invoice


def update_invoice(session: Session, invoice: Invoice, draft: InvoiceDraft) -> Invoice:
    """Edit an invoice. An approved invoice may be edited (the package is updated); a voided one may not."""
    if invoice.status is InvoiceStatus.VOIDED:
        raise RuleError(f"Invoice {invoice.number} is voided and can no longer be changed.")
    if invoice.status is InvoiceStatus.APPROVED:
        new_total = document_totals(
            [LineInput(line.quantity, line.unit_price, _rate(line.tax_rate)) for line in draft.lines]
        ).total
        if new_total < invoice.amount_paid:
            raise RuleError(
                f"Invoice {invoice.number} has {format_money(invoice.amount_paid)} paid; its total cannot "
                f"drop to {format_money(new_total)}. Delete or reduce a payment first.",
                field="lines",
            )
    _apply_draft(session, invoice, draft)
    invoice.revision += 1
    session.flush()
    return invoice


def approve_invoice(session: Session, invoice: Invoice) -> None:
    """Approve a draft: it is final for the customer and queued for the accounting package."""
    if invoice.status is not InvoiceStatus.DRAFT:
        raise RuleError(f"Invoice {invoice.number} is already {invoice.status.value}.")
    if not invoice.lines:
        raise RuleError(f"Invoice {invoice.number} has no lines to approve.")
    invoice.status = InvoiceStatus.APPROVED
    invoice.approved_at = utcnow()
    invoice.revision += 1
    session.flush()


def void_invoice(session: Session, invoice: Invoice) -> None:
    """Void an invoice. One with payments keeps them until they are deleted, so the books stay balanced."""
    if invoice.status is InvoiceStatus.VOIDED:
        raise RuleError(f"Invoice {invoice.number} is already voided.")
    if invoice.amount_paid != ZERO:
        raise RuleError(
            f"Invoice {invoice.number} has {format_money(invoice.amount_paid)} of payments recorded. "
            "Delete the payments before voiding it."
        )
    invoice.status = InvoiceStatus.VOIDED
    invoice.voided_at = utcnow()
    invoice.revision += 1
    session.flush()


def record_payment(
    session: Session,
    invoice: Invoice,
    *,
    amount: Decimal,
    date: dt.date,
    method: PaymentMethod | None,
    reference: str = "",
    origin: PaymentOrigin = PaymentOrigin.HERE,
) -> Payment:
    """Record money received against an approved invoice, never more than is owing."""
    if invoice.status is not InvoiceStatus.APPROVED:
        raise RuleError(
            f"Payments can only be recorded on approved invoices; {invoice.number} is {invoice.status.value}."
        )
    amount = round_money(amount)
    if amount <= ZERO:
        raise RuleError("Enter a payment amount above $0.00.", field="amount")
    if amount > invoice.amount_due:
        raise RuleError(
            f"{format_money(amount)} is more than the {format_money(invoice.amount_due)} owing on "
            f"{invoice.number}.",
            field="amount",
        )
    if date < invoice.date:
        raise RuleError("A payment cannot be dated before its invoice.", field="date")
    payment = Payment(
        invoice=invoice,
        amount=amount,
        date=date,
        payment_method=method,
        reference=reference.strip(),
        origin=origin,
    )
    session.add(payment)
    session.flush()
    return payment


def delete_payment(session: Session, payment: Payment) -> None:
    """Delete a payment; kept as a row marked deleted so the package can be told."""
    if payment.deleted:
        raise RuleError("That payment is already deleted.")
    payment.deleted = True
    payment.revision += 1
    session.flush()


def write_off_bad_debt(session: Session, invoice: Invoice, *, date: dt.date, reason: str = "") -> CreditNote:
    """Write off what is owing as a bad debt: a credit note for the amount due, to the bad debt account."""
    return create_credit_note(
        session,
        invoice,
        amount=invoice.amount_due,
        date=date,
        reason=reason or "Bad debt written off",
        is_bad_debt=True,
    )


def create_credit_note(
    session: Session,
    invoice: Invoice,
    *,
    amount: Decimal,
    date: dt.date,
    reason: str,
    is_bad_debt: bool = False,
    tax_rate: TaxRate | None = None,
) -> CreditNote:
    """A credit note for ``amount`` (including tax) against an approved invoice."""
    if invoice.status is not InvoiceStatus.APPROVED:
        raise RuleError(
            f"Credit notes can only be raised against approved invoices; {invoice.number} is "
            f"{invoice.status.value}."
        )
    amount = round_money(amount)
    if amount <= ZERO:
        raise RuleError("Nothing is owing on this invoice to credit.", field="amount")
    if amount > invoice.amount_due:
        raise RuleError(
            f"{format_money(amount)} is more than the {format_money(invoice.amount_due)} owing on "
            f"{invoice.number}.",
            field="amount",
        )
    if tax_rate is None and invoice.lines:
        tax_rate = invoice.lines[0].tax_rate
    totals = document_totals([LineInput(Decimal(1), amount, _rate(tax_rate))], amounts_include_tax=True)
    note = CreditNote(
        number=issue_number(session, SequenceKind.CREDIT_NOTE),
        invoice=invoice,
        customer_id=invoice.customer_id,
        date=date,
        reason=reason,
        is_bad_debt=is_bad_debt,
        tax_rate=tax_rate,
        subtotal=totals.subtotal,
        tax_total=totals.tax_total,
        total=totals.total,
    )
    session.add(note)
    session.flush()
    return note
