"""The database tables, as typed SQLAlchemy 2 models. Imports nothing else from ``app``."""

from app.models.base import Base
from app.models.catalogue import JobType, Material, PaymentMethod, TaxRate
from app.models.connections import (
    AccountingPackage,
    AccountingSettings,
    Connection,
    ConnectionStatus,
    PackageAccount,
    PackageItem,
    PackageTaxRate,
    ReferenceField,
    SettingsAccount,
    SettingsAccountRole,
)
from app.models.customers import Customer, Site
from app.models.enums import (
    InvoiceStatus,
    JobStatus,
    LineKind,
    PaymentMethodKind,
    PaymentOrigin,
    PurchaseOrderStatus,
    QuoteStatus,
    SequenceKind,
    SupplierInvoiceStatus,
)
from app.models.invoices import CreditNote, Invoice, InvoiceLine, Payment
from app.models.jobs import Job, Quote
from app.models.numbering import DEVICE_BLOCK_SIZE, MobileDevice, NumberBlock, NumberSequence
from app.models.suppliers import Expense, PurchaseOrder, Supplier, SupplierInvoice, SupplierInvoiceLine
from app.models.sync import (
    SyncCursor,
    SyncDirection,
    SyncJournalEntry,
    SyncLease,
    SyncOutcome,
    SyncRecord,
    SyncRecordType,
    SyncState,
)

__all__ = [
    "DEVICE_BLOCK_SIZE",
    "AccountingPackage",
    "AccountingSettings",
    "Base",
    "Connection",
    "ConnectionStatus",
    "CreditNote",
    "Customer",
    "Expense",
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "Job",
    "JobStatus",
    "JobType",
    "LineKind",
    "Material",
    "MobileDevice",
    "NumberBlock",
    "NumberSequence",
    "PackageAccount",
    "PackageItem",
    "PackageTaxRate",
    "Payment",
    "PaymentMethod",
    "PaymentMethodKind",
    "PaymentOrigin",
    "PurchaseOrder",
    "PurchaseOrderStatus",
    "Quote",
    "QuoteStatus",
    "ReferenceField",
    "SequenceKind",
    "SettingsAccount",
    "SettingsAccountRole",
    "Site",
    "Supplier",
    "SupplierInvoice",
    "SupplierInvoiceLine",
    "SupplierInvoiceStatus",
    "SyncCursor",
    "SyncDirection",
    "SyncJournalEntry",
    "SyncLease",
    "SyncOutcome",
    "SyncRecord",
    "SyncRecordType",
    "SyncState",
    "TaxRate",
]
