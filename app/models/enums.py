"""Closed sets of values used by the models, in the bookkeeper's words."""

from __future__ import annotations

import enum


class InvoiceStatus(enum.StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    VOIDED = "voided"


class LineKind(enum.StrEnum):
    LABOUR = "labour"
    MATERIAL = "material"
    OTHER = "other"


class PaymentOrigin(enum.StrEnum):
    """Where a payment was taken: here (desk or mobile), or in the accounting package."""

    HERE = "here"
    ACCOUNTING_PACKAGE = "accounting_package"


class PaymentMethodKind(enum.StrEnum):
    CASH = "cash"
    EFT = "eft"
    CREDIT_CARD = "credit_card"
    CHEQUE = "cheque"
    OTHER = "other"


class SupplierInvoiceStatus(enum.StrEnum):
    DRAFT = "draft"
    ACCEPTED = "accepted"


class PurchaseOrderStatus(enum.StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class JobStatus(enum.StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    INVOICED = "invoiced"
    CANCELLED = "cancelled"


class QuoteStatus(enum.StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class SequenceKind(enum.StrEnum):
    """The numbered documents; each has one sequence (Administration -> Auto Numbering)."""

    JOB = "job"
    QUOTE = "quote"
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PURCHASE_ORDER = "purchase_order"

    @property
    def label(self) -> str:
        return {
            SequenceKind.JOB: "Jobs",
            SequenceKind.QUOTE: "Quotes",
            SequenceKind.INVOICE: "Invoices",
            SequenceKind.CREDIT_NOTE: "Credit notes",
            SequenceKind.PURCHASE_ORDER: "Purchase orders",
        }[self]
