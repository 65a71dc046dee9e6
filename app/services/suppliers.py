"""Supplier invoices (bills) and purchase orders.

A supplier invoice reaches the accounting package only once it is *accepted*; accepting is the moment
the cost becomes an expense, so it bumps ``revision`` (the outbox). Purchase orders never sync: they are
not an expense until the supplier's invoice arrives (DESIGN.md, "Data that syncs").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Job,
    PurchaseOrder,
    PurchaseOrderStatus,
    Supplier,
    SupplierInvoice,
    SupplierInvoiceLine,
    SupplierInvoiceStatus,
    TaxRate,
)
from app.models.base import utcnow
from app.services.errors import RuleError
from app.services.invoice_totals import LineInput, document_totals
from app.services.money import ZERO, format_money

SUPPLIER_INVOICE_STATUS_LABELS: dict[SupplierInvoiceStatus, str] = {
    SupplierInvoiceStatus.DRAFT: "Draft",
    SupplierInvoiceStatus.ACCEPTED: "Accepted",
}

PURCHASE_ORDER_STATUS_LABELS: dict[PurchaseOrderStatus, str] = {
    PurchaseOrderStatus.DRAFT: "Draft",
    PurchaseOrderStatus.SENT: "Sent",
    PurchaseOrderStatus.RECEIVED: "Received",
    PurchaseOrderStatus.CANCELLED: "Cancelled",
}


@dataclass
class SupplierInvoiceLineDraft:
    description: str
    quantity: Decimal
    unit_cost: Decimal
    tax_rate: TaxRate | None


@dataclass
class SupplierInvoiceDraft:
    supplier_id: int | None
    number: str
    date: dt.date
    due_date: dt.date
    job_id: int | None = None
    lines: list[SupplierInvoiceLineDraft] = field(default_factory=list)


@dataclass(frozen=True)
class SupplierInvoiceRow:
    """One line of the Supplier Invoices list. Rows are equal when they are the same bill."""

    id: int
    supplier: str = field(compare=False)
    number: str = field(compare=False)
    date: dt.date = field(compare=False)
    job: str = field(compare=False)
    status: str = field(compare=False)
    total: Decimal = field(compare=False)
    is_draft: bool = field(compare=False)


@dataclass(frozen=True)
class PurchaseOrderRow:
    id: int
    number: str = field(compare=False)
    supplier: str = field(compare=False)
    job: str = field(compare=False)
    date: dt.date = field(compare=False)
    status: str = field(compare=False)
    total: Decimal = field(compare=False)


def recalculate_supplier_invoice(invoice: SupplierInvoice) -> None:
    """Each line's amount and GST rounded to cents, then summed (the packages' per-line method)."""
    inputs = [
        LineInput(line.quantity, line.unit_cost, line.tax_rate.rate if line.tax_rate else ZERO)
        for line in invoice.lines
    ]
    totals = document_totals(inputs)
    for line, computed in zip(invoice.lines, totals.lines, strict=True):
        line.line_amount = computed.line_amount
        line.tax_amount = computed.tax_amount
    invoice.subtotal = totals.subtotal
    invoice.tax_total = totals.tax_total
    invoice.total = totals.total


def create_supplier_invoice(session: Session, draft: SupplierInvoiceDraft) -> SupplierInvoice:
    """Record a supplier's invoice as a draft, refusing the same supplier invoice number twice."""
    if draft.supplier_id is None or session.get(Supplier, draft.supplier_id) is None:
        raise RuleError("Choose the supplier who sent the invoice.", field="supplier")
    number = draft.number.strip()
    if not number:
        raise RuleError("Enter the supplier's invoice number, as printed on their invoice.", field="number")
    duplicate = session.scalar(
        select(SupplierInvoice.id).where(
            SupplierInvoice.supplier_id == draft.supplier_id, SupplierInvoice.number == number
        )
    )
    if duplicate is not None:
        # Entering a bill twice pays it twice; the packages warn about it too.
        raise RuleError(f"Invoice {number} from this supplier is already recorded.", field="number")
    if draft.due_date < draft.date:
        raise RuleError("The due date cannot be before the invoice date.", field="due_date")
    if not draft.lines:
        raise RuleError("Add at least one line.", field="lines")
    for position, line in enumerate(draft.lines, start=1):
        if not line.description.strip():
            raise RuleError(f"Line {position} needs a description.", field="lines")
    invoice = SupplierInvoice(
        supplier_id=draft.supplier_id,
        number=number,
        date=draft.date,
        due_date=draft.due_date,
        job_id=draft.job_id,
        status=SupplierInvoiceStatus.DRAFT,
        lines=[
            SupplierInvoiceLine(
                position=position,
                description=line.description.strip(),
                quantity=line.quantity,
                unit_cost=line.unit_cost,
                tax_rate=line.tax_rate,
            )
            for position, line in enumerate(draft.lines)
        ],
    )
    recalculate_supplier_invoice(invoice)
    session.add(invoice)
    session.flush()
    return invoice


def accept_supplier_invoice(session: Session, invoice: SupplierInvoice) -> None:
    """Accept a draft supplier invoice: it becomes an expense and is queued for the accounting package."""
    if invoice.status is not SupplierInvoiceStatus.DRAFT:
        status = SUPPLIER_INVOICE_STATUS_LABELS[invoice.status].lower()
        raise RuleError(f"Supplier invoice {invoice.number} is already {status}.")
    if not invoice.lines:
        # Every package refuses a bill without lines; better to say so here than in the sync log.
        raise RuleError(f"Supplier invoice {invoice.number} has no lines, so there is nothing to accept.")
    recalculate_supplier_invoice(invoice)
    invoice.status = SupplierInvoiceStatus.ACCEPTED
    invoice.accepted_at = utcnow()
    invoice.revision += 1
    session.flush()


def acceptance_question(row: SupplierInvoiceRow) -> str:
    """What the person is asked before accepting."""
    return (
        f"Accept invoice {row.number} from {row.supplier} for {format_money(row.total)}?\n\n"
        "Accepting records it as an expense, and it is sent to your accounting package at the next sync."
    )


def list_supplier_invoices(session: Session) -> list[SupplierInvoiceRow]:
    """Every supplier invoice for the list, with supplier and job, in one query."""
    rows = session.execute(
        select(SupplierInvoice, Supplier.name, Job.number)
        .join(Supplier, SupplierInvoice.supplier_id == Supplier.id)
        .outerjoin(Job, SupplierInvoice.job_id == Job.id)
        .order_by(SupplierInvoice.date.desc(), SupplierInvoice.id.desc())
    ).all()
    return [
        SupplierInvoiceRow(
            id=invoice.id,
            supplier=supplier_name,
            number=invoice.number,
            date=invoice.date,
            job=job_number or "",
            status=SUPPLIER_INVOICE_STATUS_LABELS[invoice.status],
            total=invoice.total,
            is_draft=invoice.status is SupplierInvoiceStatus.DRAFT,
        )
        for invoice, supplier_name, job_number in rows
    ]


def list_purchase_orders(session: Session) -> list[PurchaseOrderRow]:
    """Every purchase order for the list, with supplier and job, in one query."""
    rows = session.execute(
        select(PurchaseOrder, Supplier.name, Job.number)
        .join(Supplier, PurchaseOrder.supplier_id == Supplier.id)
        .outerjoin(Job, PurchaseOrder.job_id == Job.id)
        .order_by(PurchaseOrder.date.desc(), PurchaseOrder.id.desc())
    ).all()
    return [
        PurchaseOrderRow(
            id=order.id,
            number=order.number,
            supplier=supplier_name,
            job=job_number or "",
            date=order.date,
            status=PURCHASE_ORDER_STATUS_LABELS[order.status],
            total=order.total,
        )
        for order, supplier_name, job_number in rows
    ]
