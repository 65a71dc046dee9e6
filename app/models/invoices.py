"""Invoices, their lines, payments and credit notes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import AccountReference, Base, Quantity, Revisioned, Timestamps
from app.models.catalogue import Material, PaymentMethod, TaxRate
from app.models.customers import Customer
from app.models.enums import InvoiceStatus, LineKind, PaymentOrigin
from app.models.jobs import Job


class Invoice(Revisioned, Timestamps, Base):
    """A customer invoice. Totals are computed by app.services.invoices, never typed in."""

    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(50), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), default=None, index=True)
    date: Mapped[dt.date] = mapped_column(index=True)
    due_date: Mapped[dt.date]
    status: Mapped[InvoiceStatus] = mapped_column(default=InvoiceStatus.DRAFT, index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    subtotal: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    tax_total: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    approved_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    voided_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("mobile_devices.id"), default=None)

    customer: Mapped[Customer] = relationship()
    job: Mapped[Job | None] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.position"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="invoice", order_by="Payment.date")
    credit_notes: Mapped[list[CreditNote]] = relationship(
        back_populates="invoice", order_by="CreditNote.date"
    )

    @property
    def amount_paid(self) -> Decimal:
        return sum((p.amount for p in self.payments if not p.deleted), Decimal("0.00"))

    @property
    def amount_credited(self) -> Decimal:
        return sum((c.total for c in self.credit_notes if not c.voided), Decimal("0.00"))

    @property
    def amount_due(self) -> Decimal:
        if self.status is InvoiceStatus.VOIDED:
            return Decimal("0.00")
        return self.total - self.amount_paid - self.amount_credited


class InvoiceLine(AccountReference, Base):
    """One line of an invoice. ``income_account_*`` is the line's own override (usually empty)."""

    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[LineKind] = mapped_column(default=LineKind.OTHER)
    description: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("1"))
    unit_price: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))
    tax_rate_id: Mapped[int | None] = mapped_column(ForeignKey("tax_rates.id"), default=None)
    material_id: Mapped[int | None] = mapped_column(ForeignKey("materials.id"), default=None)
    line_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    tax_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    tax_rate: Mapped[TaxRate | None] = relationship()
    material: Mapped[Material | None] = relationship()


class Payment(Revisioned, Timestamps, Base):
    """Money received against an invoice, taken here or recorded in the accounting package."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    payment_method_id: Mapped[int | None] = mapped_column(ForeignKey("payment_methods.id"), default=None)
    amount: Mapped[Decimal]
    date: Mapped[dt.date]
    reference: Mapped[str] = mapped_column(String(100), default="")
    origin: Mapped[PaymentOrigin] = mapped_column(default=PaymentOrigin.HERE)
    deleted: Mapped[bool] = mapped_column(default=False)

    invoice: Mapped[Invoice] = relationship(back_populates="payments")
    payment_method: Mapped[PaymentMethod | None] = relationship()


class CreditNote(AccountReference, Revisioned, Timestamps, Base):
    """A credit against an invoice. A bad debt write-off is a credit note to the bad debt account."""

    __tablename__ = "credit_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(50), unique=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    date: Mapped[dt.date]
    reason: Mapped[str] = mapped_column(Text, default="")
    is_bad_debt: Mapped[bool] = mapped_column(default=False)
    tax_rate_id: Mapped[int | None] = mapped_column(ForeignKey("tax_rates.id"), default=None)
    subtotal: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    tax_total: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    voided: Mapped[bool] = mapped_column(default=False)

    invoice: Mapped[Invoice] = relationship(back_populates="credit_notes")
    customer: Mapped[Customer] = relationship()
    tax_rate: Mapped[TaxRate | None] = relationship()
