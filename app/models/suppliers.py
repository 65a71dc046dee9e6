"""Suppliers, supplier invoices (bills), purchase orders and job expenses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import AccountReference, Base, Quantity, Revisioned, Timestamps
from app.models.catalogue import TaxRate
from app.models.enums import PurchaseOrderStatus, SupplierInvoiceStatus
from app.models.jobs import Job


class Supplier(Revisioned, Timestamps, Base):
    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    email: Mapped[str] = mapped_column(default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    abn: Mapped[str] = mapped_column(String(20), default="")
    account_number: Mapped[str] = mapped_column(String(50), default="")
    active: Mapped[bool] = mapped_column(default=True)


class SupplierInvoice(Revisioned, Timestamps, Base):
    """A bill from a supplier. It reaches the accounting package only once accepted."""

    __tablename__ = "supplier_invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    number: Mapped[str] = mapped_column(String(100))  # the supplier's own invoice number
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), default=None)
    date: Mapped[dt.date]
    due_date: Mapped[dt.date]
    status: Mapped[SupplierInvoiceStatus] = mapped_column(default=SupplierInvoiceStatus.DRAFT)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    subtotal: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    tax_total: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))

    supplier: Mapped[Supplier] = relationship()
    job: Mapped[Job | None] = relationship()
    lines: Mapped[list[SupplierInvoiceLine]] = relationship(
        back_populates="supplier_invoice",
        cascade="all, delete-orphan",
        order_by="SupplierInvoiceLine.position",
    )


class SupplierInvoiceLine(AccountReference, Base):
    """A bill line; ``income_account_*`` here is the expense account override (usually empty)."""

    __tablename__ = "supplier_invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_invoice_id: Mapped[int] = mapped_column(
        ForeignKey("supplier_invoices.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("1"))
    unit_cost: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))
    tax_rate_id: Mapped[int | None] = mapped_column(ForeignKey("tax_rates.id"), default=None)
    line_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    tax_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))

    supplier_invoice: Mapped[SupplierInvoice] = relationship(back_populates="lines")
    tax_rate: Mapped[TaxRate | None] = relationship()


class PurchaseOrder(Timestamps, Base):
    """An order to a supplier. Never synced: it is not an expense until the supplier's invoice arrives."""

    __tablename__ = "purchase_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(50), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), default=None)
    date: Mapped[dt.date]
    status: Mapped[PurchaseOrderStatus] = mapped_column(default=PurchaseOrderStatus.DRAFT)
    description: Mapped[str] = mapped_column(Text, default="")
    total: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))

    supplier: Mapped[Supplier] = relationship()
    job: Mapped[Job | None] = relationship()


class Expense(Revisioned, Timestamps, Base):
    """A cost recorded against a job; posts to the default supplier expense account unless overridden."""

    __tablename__ = "expenses"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), default=None)
    date: Mapped[dt.date]
    description: Mapped[str] = mapped_column(Text, default="")
    tax_rate_id: Mapped[int | None] = mapped_column(ForeignKey("tax_rates.id"), default=None)
    amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))  # excluding tax
    tax_amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    account_id: Mapped[str | None] = mapped_column(String(64), default=None)
    account_code: Mapped[str | None] = mapped_column(String(32), default=None)
    account_name: Mapped[str | None] = mapped_column(String(150), default=None)

    job: Mapped[Job] = relationship()
    supplier: Mapped[Supplier | None] = relationship()
    tax_rate: Mapped[TaxRate | None] = relationship()
