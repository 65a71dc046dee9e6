"""What is due to go to the package: the outbox, read from each syncable record's revision and its link.

A record is due when the package does not hold its current revision (``SyncRecord.pushed_revision`` below
``revision``). What syncs (DESIGN.md "Data that syncs"):

- approved invoices dated on or after the invoice start date: created, then updated after an edit; a
  voided one is voided there if the package holds it (never sent at all otherwise); drafts never;
- payments taken here on those invoices, once the invoice is in the package, and their deletions;
  payments that came from the package are never sent back;
- credit notes (bad debts included) on those invoices: created, then allocated to the invoice;
- accepted supplier invoices and job expenses dated on or after the start date; draft supplier invoices
  never; purchase orders never (they are not an expense until the supplier's invoice arrives);
- edits to customers already linked to a contact.

Nothing dated before the start date is ever due, nor anything at all while no start date is set.

While a write is in flight, the record's link notes it (``in_flight`` in ``SyncRecord.detail``, committed
before the request leaves). A run that finds such a note after a crash looks the record up in the package
before sending it again.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from app.models import (
    AccountingPackage,
    CreditNote,
    Customer,
    Expense,
    Invoice,
    InvoiceStatus,
    Job,
    Payment,
    PaymentOrigin,
    PurchaseOrder,
    Supplier,
    SupplierInvoice,
    SupplierInvoiceStatus,
    SyncRecord,
    SyncRecordType,
    SyncState,
)
from app.services.money import format_money
from app.sync.journal import RecordKey


class Step(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    VOID = "void"
    DELETE = "delete"
    ALLOCATE = "allocate"

    @property
    def label(self) -> str:
        return {
            Step.CREATE: "Create",
            Step.UPDATE: "Update",
            Step.VOID: "Void",
            Step.DELETE: "Delete",
            Step.ALLOCATE: "Allocate",
        }[self]


@dataclass(frozen=True)
class Scope:
    """Which books the outbox is for, and the invoice start date gating everything."""

    package: AccountingPackage
    tenant_id: str
    start_date: dt.date | None


@dataclass(frozen=True)
class DueItem:
    """One change due: what, which step, at which revision, and how the bookkeeper knows the record."""

    key: RecordKey
    step: Step
    revision: int
    label: str
    remote_id: str | None = None
    in_flight: bool = False


def _link(record_type: SyncRecordType, scope: Scope, local_id: Any) -> Any:
    link = aliased(SyncRecord)
    condition = and_(
        link.package == scope.package,
        link.tenant_id == scope.tenant_id,
        link.record_type == record_type,
        link.local_id == local_id,
    )
    return link, condition


def _only(items: Iterable[DueItem], only: Collection[RecordKey] | None) -> list[DueItem]:
    return [item for item in items if only is None or item.key in only]


def invoice_label(number: str, customer: str) -> str:
    return f"Invoice {number} ({customer})"


def due_invoices(session: Session, scope: Scope, only: Collection[RecordKey] | None = None) -> list[DueItem]:
    """Invoices to create, update or void, oldest first."""
    if scope.start_date is None:
        return []
    link, on = _link(SyncRecordType.INVOICE, scope, Invoice.id)
    rows = session.execute(
        select(
            Invoice.id,
            Invoice.number,
            Customer.name,
            Invoice.status,
            Invoice.revision,
            link.remote_id,
            link.detail,
        )
        .join(Customer, Invoice.customer_id == Customer.id)
        .outerjoin(link, on)
        .where(
            Invoice.date >= scope.start_date,
            Invoice.status != InvoiceStatus.DRAFT,
            or_(link.id.is_(None), link.pushed_revision < Invoice.revision),
        )
        .order_by(Invoice.date, Invoice.id)
    ).all()
    items: list[DueItem] = []
    for local_id, number, customer, status, revision, remote_id, detail in rows:
        label = invoice_label(number, customer)
        key = RecordKey(SyncRecordType.INVOICE, local_id)
        flying = bool(in_flight(detail))
        if status is InvoiceStatus.VOIDED:
            if remote_id:
                items.append(DueItem(key, Step.VOID, revision, label, remote_id))
            elif flying:
                # Voided after a create whose fate is unknown: it may be in the package; look, then void.
                items.append(DueItem(key, Step.CREATE, revision, label, None, True))
            continue
        step = Step.UPDATE if remote_id else Step.CREATE
        items.append(DueItem(key, step, revision, label, remote_id, flying))
    return _only(items, only)


def due_credit_notes(
    session: Session, scope: Scope, only: Collection[RecordKey] | None = None
) -> list[DueItem]:
    """Credit notes on invoices the package holds: to create, then to allocate to their invoice; voided
    ones the package holds, to void there (a voided note never sent is never sent)."""
    if scope.start_date is None:
        return []
    link, on = _link(SyncRecordType.CREDIT_NOTE, scope, CreditNote.id)
    invoice_link, invoice_on = _link(SyncRecordType.INVOICE, scope, Invoice.id)
    rows = session.execute(
        select(
            CreditNote.id,
            CreditNote.number,
            CreditNote.is_bad_debt,
            Invoice.number,
            CreditNote.revision,
            CreditNote.voided,
            link.remote_id,
            link.detail,
        )
        .join(Invoice, CreditNote.invoice_id == Invoice.id)
        .join(invoice_link, invoice_on)
        .outerjoin(link, on)
        .where(
            Invoice.date >= scope.start_date,
            invoice_link.remote_id.is_not(None),
            or_(link.id.is_(None), link.pushed_revision < CreditNote.revision),
        )
        .order_by(CreditNote.date, CreditNote.id)
    ).all()
    items = []
    for local_id, number, bad_debt, invoice_number, revision, voided, remote_id, detail in rows:
        what = "Bad debt write-off" if bad_debt else "Credit note"
        label = f"{what} {number} on {invoice_number}"
        key = RecordKey(SyncRecordType.CREDIT_NOTE, local_id)
        flying = bool(in_flight(detail))
        if voided:
            if remote_id:
                items.append(DueItem(key, Step.VOID, revision, label, remote_id))
            elif flying:
                # Voided after a create whose fate is unknown: it may be in the package; look, then void.
                items.append(DueItem(key, Step.CREATE, revision, label, None, True))
            continue
        step = Step.ALLOCATE if remote_id else Step.CREATE
        items.append(DueItem(key, step, revision, label, remote_id, flying))
    return _only(items, only)


def payment_label(amount: Decimal, invoice_number: str) -> str:
    return f"Payment of {format_money(amount)} on {invoice_number}"


def due_payments(session: Session, scope: Scope, only: Collection[RecordKey] | None = None) -> list[DueItem]:
    """Payments taken here on invoices the package holds (to record), and deleted ones it holds."""
    if scope.start_date is None:
        return []
    link, on = _link(SyncRecordType.PAYMENT, scope, Payment.id)
    invoice_link, invoice_on = _link(SyncRecordType.INVOICE, scope, Invoice.id)
    rows = session.execute(
        select(
            Payment.id,
            Payment.amount,
            Payment.deleted,
            Payment.revision,
            Invoice.number,
            Invoice.status,
            link.remote_id,
            link.detail,
        )
        .join(Invoice, Payment.invoice_id == Invoice.id)
        .join(invoice_link, invoice_on)
        .outerjoin(link, on)
        .where(
            Invoice.date >= scope.start_date,
            invoice_link.remote_id.is_not(None),
            Payment.origin == PaymentOrigin.HERE,
            or_(link.id.is_(None), link.pushed_revision < Payment.revision),
        )
        .order_by(Payment.date, Payment.id)
    ).all()
    items = []
    for local_id, amount, deleted, revision, invoice_number, status, remote_id, detail in rows:
        label = payment_label(amount, invoice_number)
        key = RecordKey(SyncRecordType.PAYMENT, local_id)
        flying = bool(in_flight(detail))
        if deleted:
            if remote_id:
                items.append(DueItem(key, Step.DELETE, revision, label, remote_id))
            elif flying:
                items.append(DueItem(key, Step.CREATE, revision, label, None, True))
            continue
        if remote_id or status is InvoiceStatus.VOIDED:
            continue  # payments cannot be edited; a voided invoice takes no new payment
        items.append(DueItem(key, Step.CREATE, revision, label, None, flying))
    return _only(items, only)


def due_bills(session: Session, scope: Scope, only: Collection[RecordKey] | None = None) -> list[DueItem]:
    """Accepted supplier invoices and job expenses, dated on or after the start date."""
    if scope.start_date is None:
        return []
    items: list[DueItem] = []
    link, on = _link(SyncRecordType.SUPPLIER_INVOICE, scope, SupplierInvoice.id)
    for local_id, number, supplier, revision, remote_id, detail in session.execute(
        select(
            SupplierInvoice.id,
            SupplierInvoice.number,
            Supplier.name,
            SupplierInvoice.revision,
            link.remote_id,
            link.detail,
        )
        .join(Supplier, SupplierInvoice.supplier_id == Supplier.id)
        .outerjoin(link, on)
        .where(
            SupplierInvoice.status == SupplierInvoiceStatus.ACCEPTED,
            SupplierInvoice.date >= scope.start_date,
            or_(link.id.is_(None), link.pushed_revision < SupplierInvoice.revision),
        )
        .order_by(SupplierInvoice.date, SupplierInvoice.id)
    ):
        key = RecordKey(SyncRecordType.SUPPLIER_INVOICE, local_id)
        step = Step.UPDATE if remote_id else Step.CREATE
        label = f"Supplier invoice {number} from {supplier}"
        items.append(DueItem(key, step, revision, label, remote_id, bool(in_flight(detail))))
    link, on = _link(SyncRecordType.EXPENSE, scope, Expense.id)
    for local_id, job_number, description, revision, remote_id, detail in session.execute(
        select(Expense.id, Job.number, Expense.description, Expense.revision, link.remote_id, link.detail)
        .join(Job, Expense.job_id == Job.id)
        .outerjoin(link, on)
        .where(
            Expense.date >= scope.start_date,
            or_(link.id.is_(None), link.pushed_revision < Expense.revision),
        )
        .order_by(Expense.date, Expense.id)
    ):
        key = RecordKey(SyncRecordType.EXPENSE, local_id)
        step = Step.UPDATE if remote_id else Step.CREATE
        text = " ".join(description.split())[:60]
        label = f"Expense on job {job_number}" + (f": {text}" if text else "")
        items.append(DueItem(key, step, revision, label, remote_id, bool(in_flight(detail))))
    return _only(items, only)


def due_contact_updates(
    session: Session, scope: Scope, only: Collection[RecordKey] | None = None
) -> list[DueItem]:
    """Customers linked to a contact and edited since (the contact is updated)."""
    link, on = _link(SyncRecordType.CUSTOMER, scope, Customer.id)
    rows = session.execute(
        select(Customer.id, Customer.name, Customer.revision, link.remote_id)
        .join(link, on)
        .where(link.remote_id.is_not(None), link.pushed_revision < Customer.revision)
        .order_by(Customer.id)
    ).all()
    items = [
        DueItem(
            RecordKey(SyncRecordType.CUSTOMER, local_id), Step.UPDATE, revision, f"Customer {name}", remote
        )
        for local_id, name, revision, remote in rows
    ]
    return _only(items, only)


def purchase_orders_count(session: Session) -> int:
    """Purchase orders never sync; the preview says how many were left out and why."""
    return int(session.scalar(select(func.count()).select_from(PurchaseOrder)) or 0)


def invoices_before_start(session: Session, scope: Scope) -> int:
    """Approved invoices dated before the start date (never sent)."""
    if scope.start_date is None:
        return 0
    return int(
        session.scalar(
            select(func.count())
            .select_from(Invoice)
            .where(Invoice.status != InvoiceStatus.DRAFT, Invoice.date < scope.start_date)
        )
        or 0
    )


# -- the link's detail (JSON in SyncRecord.detail) ---------------------------------------------------------


def detail_of(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def in_flight(text: str | None) -> dict[str, Any] | None:
    """The note of a write sent but not answered (None when there is none)."""
    note = detail_of(text).get("in_flight")
    return note if isinstance(note, dict) else None


def set_detail(link: SyncRecord, **changes: Any) -> None:
    """Change some fields of a link's detail (a value of None removes the field)."""
    detail = detail_of(link.detail)
    for name, value in changes.items():
        if value is None:
            detail.pop(name, None)
        else:
            detail[name] = value
    link.detail = json.dumps(detail, sort_keys=True, separators=(",", ":")) if detail else ""


def ensure_link(
    session: Session, scope: Scope, key: RecordKey, existing: dict[RecordKey, SyncRecord] | None = None
) -> SyncRecord:
    """The record's link, created (waiting, nothing pushed) if it has none yet.

    ``existing``: the links already read for these records (``links_by_key``); a key missing from it has
    no link, so nothing is queried.
    """
    if existing is not None and key in existing:
        return existing[key]
    link = None if existing is not None else session.scalars(
        select(SyncRecord).where(
            SyncRecord.package == scope.package,
            SyncRecord.tenant_id == scope.tenant_id,
            SyncRecord.record_type == key.record_type,
            SyncRecord.local_id == key.local_id,
        )
    ).one_or_none()
    if link is None:
        link = SyncRecord(
            package=scope.package,
            tenant_id=scope.tenant_id,
            record_type=key.record_type,
            local_id=key.local_id,
            pushed_revision=0,
            state=SyncState.WAITING,
            message="",
            attempts=0,
            detail="",
        )
        session.add(link)
    if existing is not None:
        existing[key] = link
    return link


def links_by_key(session: Session, scope: Scope, keys: Iterable[RecordKey]) -> dict[RecordKey, SyncRecord]:
    """The links of these records that exist (one query per record type)."""
    wanted: dict[SyncRecordType, list[int]] = {}
    for key in keys:
        wanted.setdefault(key.record_type, []).append(key.local_id)
    found: dict[RecordKey, SyncRecord] = {}
    for record_type, ids in wanted.items():
        for start in range(0, len(ids), 500):
            for link in session.scalars(
                select(SyncRecord).where(
                    SyncRecord.package == scope.package,
                    SyncRecord.tenant_id == scope.tenant_id,
                    SyncRecord.record_type == record_type,
                    SyncRecord.local_id.in_(ids[start : start + 500]),
                )
            ):
                found[RecordKey(record_type, link.local_id)] = link
    return found


def links_by_remote_id(
    session: Session, scope: Scope, record_type: SyncRecordType, remote_ids: set[str]
) -> dict[str, SyncRecord]:
    """The links of records of one type that the package holds under these ids."""
    found: dict[str, SyncRecord] = {}
    ordered = sorted(remote_ids)
    for start in range(0, len(ordered), 500):
        for link in session.scalars(
            select(SyncRecord).where(
                SyncRecord.package == scope.package,
                SyncRecord.tenant_id == scope.tenant_id,
                SyncRecord.record_type == record_type,
                SyncRecord.remote_id.in_(ordered[start : start + 500]),
            )
        ):
            if link.remote_id:
                found[link.remote_id] = link
    return found
