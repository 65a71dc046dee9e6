"""Invoice rules: totals kept in step with the lines, approving, voiding, payments and credit notes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select, true, type_coerce
from sqlalchemy.orm import Session, aliased

from app.models import (
    CreditNote,
    Customer,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Job,
    JobStatus,
    LineKind,
    Material,
    MobileDevice,
    Payment,
    PaymentMethod,
    PaymentOrigin,
    SequenceKind,
    SyncRecord,
    SyncRecordType,
    TaxRate,
)
from app.models.base import Money, utcnow
from app.services.errors import RuleError
from app.services.invoice_totals import LineInput, document_totals
from app.services.money import ZERO, format_money, round_money, tax_in_inclusive
from app.services.numbering import get_sequence, issue_number
from app.services.sync_status import (
    NOT_CONNECTED,
    LinkColumns,
    RecordSyncState,
    connection_scope,
    invoice_sync_state,
    link_condition,
)

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
    # No autoflush while reading: an edited invoice is half-changed until every line is built.
    with session.no_autoflush:
        _fill(session, invoice, draft)
    recalculate(invoice)


def _fill(session: Session, invoice: Invoice, draft: InvoiceDraft) -> None:
    assert draft.customer_id is not None
    customer = session.get(Customer, draft.customer_id)
    if customer is None:
        raise RuleError("That customer no longer exists; choose another.", field="customer")
    job: Job | None = None
    if draft.job_id is not None:
        job = session.get(Job, draft.job_id)
        if job is None:
            raise RuleError("That job no longer exists; choose another.", field="job")
        if job.customer_id != customer.id:
            raise RuleError(
                f"Job {job.number} is for another customer, not {customer.name}.", field="job"
            )
    invoice.customer = customer
    invoice.job = job
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
            # Re-read by id in this session: an editor reads tax rates in a session of its own, and a
            # detached copy would clash with the row this session may already hold.
            tax_rate=session.get(TaxRate, line.tax_rate.id) if line.tax_rate is not None else None,
            material_id=line.material_id,
        )
        for position, line in enumerate(draft.lines)
    ]


def create_invoice(session: Session, draft: InvoiceDraft, *, device: MobileDevice | None = None) -> Invoice:
    """A new draft invoice, numbered from the invoice sequence (or the device's block).

    The invoice joins the session only once the draft is accepted, so a refusal leaves nothing behind
    and uses no number.
    """
    invoice = Invoice(status=InvoiceStatus.DRAFT)
    _apply_draft(session, invoice, draft)
    invoice.number = issue_number(session, SequenceKind.INVOICE, device)
    if device is not None:
        invoice.device_id = device.id
    session.add(invoice)
    session.flush()
    return invoice


def update_invoice(session: Session, invoice: Invoice, draft: InvoiceDraft) -> Invoice:
    """Edit an invoice. An approved invoice may be edited (the package is updated); a voided one may not.

    An approved invoice keeps its payments and credit notes, so its total cannot drop below what they
    settle, and its date cannot move after its first payment.
    """
    if invoice.status is InvoiceStatus.VOIDED:
        raise RuleError(f"Invoice {invoice.number} is voided and can no longer be changed.")
    validate_draft(draft)
    settled = invoice.amount_paid + invoice.amount_credited
    if invoice.status is InvoiceStatus.APPROVED and settled > ZERO:
        new_total = document_totals(
            [LineInput(line.quantity, line.unit_price, _rate(line.tax_rate)) for line in draft.lines]
        ).total
        if new_total < settled:
            raise RuleError(
                f"Invoice {invoice.number} has {format_money(settled)} paid or credited; its total cannot "
                f"drop to {format_money(new_total)}. Delete or reduce a payment first.",
                field="lines",
            )
    first_payment = min((p.date for p in invoice.payments if not p.deleted), default=None)
    if first_payment is not None and draft.date > first_payment:
        raise RuleError(
            f"A payment on this invoice is dated {first_payment:%d/%m/%Y}; the invoice date cannot be "
            "after it.",
            field="date",
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


def check_can_void(invoice: Invoice) -> None:
    """Raise RuleError if ``invoice`` cannot be voided, so a screen can say why before asking to confirm.

    The packages refuse to void an invoice with payments or credit notes allocated (Xero: "Invoice not of
    valid status for modification"), so we refuse first, in words the bookkeeper can act on.
    """
    if invoice.status is InvoiceStatus.VOIDED:
        raise RuleError(f"Invoice {invoice.number} is already voided.")
    if invoice.amount_paid != ZERO:
        raise RuleError(
            f"Invoice {invoice.number} has {format_money(invoice.amount_paid)} of payments recorded. "
            "Delete the payments before voiding it."
        )
    if invoice.amount_credited != ZERO:
        raise RuleError(
            f"Invoice {invoice.number} has {format_money(invoice.amount_credited)} of credit notes "
            "allocated to it. Void the credit notes (Credit notes…) before voiding it."
        )


def void_invoice(session: Session, invoice: Invoice) -> None:
    """Void an invoice. One with payments keeps them until they are deleted, so the books stay balanced."""
    check_can_void(invoice)
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
    if invoice.status is InvoiceStatus.APPROVED and invoice.amount_due <= ZERO:
        raise RuleError(f"Nothing is owing on {invoice.number}, so there is nothing to write off.")
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
    """A credit note for ``amount`` (including tax) against an approved invoice.

    Without ``tax_rate`` the credit carries the invoice's share of GST: ``amount x invoice tax / invoice
    total``. A full credit then reverses exactly the GST charged (per-line rounding can make that differ
    by a cent from taxing the total), and a credit on an invoice mixing GST and GST-free lines carries GST
    only on the taxable part, as the ATO's adjustment for a bad debt does.
    """
    if invoice.status is not InvoiceStatus.APPROVED:
        raise RuleError(
            f"Credit notes can only be raised against approved invoices; {invoice.number} is "
            f"{invoice.status.value}."
        )
    amount = round_money(amount)
    if amount <= ZERO:
        raise RuleError("Enter a credit amount above $0.00.", field="amount")
    if amount > invoice.amount_due:
        raise RuleError(
            f"{format_money(amount)} is more than the {format_money(invoice.amount_due)} owing on "
            f"{invoice.number}.",
            field="amount",
        )
    if date < invoice.date:
        raise RuleError(
            f"A credit note cannot be dated before its invoice ({invoice.date:%d/%m/%Y}).", field="date"
        )
    reason = reason.strip()
    if not reason:
        raise RuleError("Say why the credit is given (it is printed on the credit note).", field="reason")
    if tax_rate is not None:
        tax = tax_in_inclusive(amount, tax_rate.rate)
    else:
        tax = round_money(amount * invoice.tax_total / invoice.total) if invoice.total else ZERO
        rates = {line.tax_rate_id for line in invoice.lines}
        # One rate on every line: record it. Mixed rates: no single rate describes the credit; its tax
        # amount (set above) is what counts.
        tax_rate = invoice.lines[0].tax_rate if len(rates) == 1 and invoice.lines else None
    note = CreditNote(
        number=issue_number(session, SequenceKind.CREDIT_NOTE),
        invoice=invoice,
        customer_id=invoice.customer_id,
        date=date,
        reason=reason,
        is_bad_debt=is_bad_debt,
        tax_rate=tax_rate,
        subtotal=amount - tax,
        tax_total=tax,
        total=amount,
    )
    session.add(note)
    session.flush()
    return note


def check_can_void_credit_note(note: CreditNote) -> None:
    """Raise RuleError if ``note`` cannot be voided (so a screen can say why before asking to confirm)."""
    if note.voided:
        raise RuleError(f"Credit note {note.number} is already voided.")
    if note.invoice.status is InvoiceStatus.VOIDED:
        raise RuleError(f"Invoice {note.invoice.number} is voided, so its credit notes stay as they are.")


def void_credit_note(session: Session, note: CreditNote) -> None:
    """Void a credit note: its credit comes off the invoice, which is owing again by that much.

    A note the package holds is voided there at the next sync: its allocation to the invoice is removed
    first (Xero voids only an unallocated note), then the note itself.
    """
    check_can_void_credit_note(note)
    note.voided = True
    note.revision += 1
    session.flush()


@dataclass(frozen=True)
class InvoiceSummary:
    """One invoice as a list shows it. ``owing`` is what Invoice.amount_due says (nothing once voided)."""

    id: int
    number: str
    date: dt.date
    due_date: dt.date
    customer_id: int
    customer_name: str
    job_number: str
    status: InvoiceStatus
    total: Decimal
    paid: Decimal
    credited: Decimal
    owing: Decimal
    #: Where it stands with the accounting package (the list's Sync column).
    sync: RecordSyncState = NOT_CONNECTED

    @property
    def is_unpaid(self) -> bool:
        return self.status is InvoiceStatus.APPROVED and self.owing > ZERO

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_unpaid and self.due_date < today


def invoice_summaries(session: Session) -> list[InvoiceSummary]:
    """Every invoice with its customer, job, paid / credited / owing amounts and where it stands with the
    accounting package, in one query.

    The sums follow Invoice.amount_paid and amount_credited (deleted payments and voided credit notes do
    not count); a test holds the two to agreement. Typed as Money so SQLite's float sums come back as
    exact cents. The sync state joins the connection, its start date and each invoice's link
    (``app.services.sync_status``).
    """
    paid = type_coerce(
        select(func.coalesce(func.sum(Payment.amount), 0))
        .where(Payment.invoice_id == Invoice.id, Payment.deleted.is_(False))
        .correlate(Invoice)
        .scalar_subquery(),
        Money,
    )
    credited = type_coerce(
        select(func.coalesce(func.sum(CreditNote.total), 0))
        .where(CreditNote.invoice_id == Invoice.id, CreditNote.voided.is_(False))
        .correlate(Invoice)
        .scalar_subquery(),
        Money,
    )
    scope = connection_scope()
    link = aliased(SyncRecord)
    rows = session.execute(
        select(
            Invoice.id,
            Invoice.number,
            Invoice.date,
            Invoice.due_date,
            Invoice.customer_id,
            Customer.name,
            Job.number,
            Invoice.status,
            Invoice.total,
            paid,
            credited,
            Invoice.revision,
            scope.c.package,
            scope.c.start_date,
            link.state,
            link.pushed_revision,
            link.remote_id,
            link.message,
        )
        .join(Customer, Invoice.customer_id == Customer.id)
        .outerjoin(Job, Invoice.job_id == Job.id)
        .outerjoin(scope, true())
        .outerjoin(link, link_condition(link, scope, SyncRecordType.INVOICE, Invoice.id))
        .order_by(Invoice.date.desc(), Invoice.id.desc())
    ).all()
    summaries = []
    for (
        id_,
        number,
        date,
        due_date,
        customer_id,
        customer_name,
        job_number,
        status,
        total,
        p,
        c,
        revision,
        package,
        start_date,
        state,
        pushed,
        remote_id,
        message,
    ) in rows:
        paid_amount, credited_amount = round_money(Decimal(p)), round_money(Decimal(c))
        owing = ZERO if status is InvoiceStatus.VOIDED else total - paid_amount - credited_amount
        summaries.append(
            InvoiceSummary(
                id=id_,
                number=number,
                date=date,
                due_date=due_date,
                customer_id=customer_id,
                customer_name=customer_name,
                job_number=job_number or "",
                status=status,
                total=total,
                paid=paid_amount,
                credited=credited_amount,
                owing=owing,
                sync=invoice_sync_state(
                    package=package,
                    start_date=start_date,
                    status=status,
                    date=date,
                    revision=revision,
                    link=LinkColumns(state, pushed, remote_id, message),
                ),
            )
        )
    return summaries


# -- what an invoice editor offers ----------------------------------------------------------------------


@dataclass(frozen=True)
class JobChoice:
    id: int
    customer_id: int
    label: str  # "J1042 - Replace hot water unit"


@dataclass(frozen=True)
class MaterialChoice:
    id: int
    code: str
    label: str  # "PVC20 - PVC pipe 20mm (per m)"
    name: str
    unit_price: Decimal
    tax_rate_id: int | None


@dataclass(frozen=True)
class TaxRateChoice:
    id: int
    name: str
    rate: Decimal


@dataclass(frozen=True)
class InvoiceChoices:
    """The customers, jobs, materials and tax rates an invoice may use, read once when an editor opens."""

    customers: tuple[tuple[int, str], ...]
    jobs: tuple[JobChoice, ...]
    materials: tuple[MaterialChoice, ...]
    tax_rates: tuple[TaxRateChoice, ...]
    default_tax_rate_id: int | None
    next_number: str

    def jobs_of(self, customer_id: int | None) -> list[JobChoice]:
        return [job for job in self.jobs if job.customer_id == customer_id]

    def material(self, material_id: int | None) -> MaterialChoice | None:
        return next((m for m in self.materials if m.id == material_id), None)

    def tax_rate(self, tax_rate_id: int | None) -> TaxRateChoice | None:
        return next((t for t in self.tax_rates if t.id == tax_rate_id), None)


def _one_line(text: str, longest: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= longest else text[: longest - 1].rstrip() + "…"


def invoice_choices(session: Session, *, keep: Invoice | None = None) -> InvoiceChoices:
    """Active customers, materials and tax rates and every job not cancelled (four short queries).

    ``keep``: an invoice being edited keeps its own customer, job, materials and tax rates on offer even
    if they have since been made inactive or cancelled.
    """
    kept_customer = keep.customer_id if keep is not None else -1
    kept_job = keep.job_id if keep is not None and keep.job_id is not None else -1
    kept_materials = {line.material_id for line in keep.lines if line.material_id} if keep else set()
    kept_rates = {line.tax_rate_id for line in keep.lines if line.tax_rate_id} if keep else set()
    customers = tuple(
        (id_, name)
        for id_, name in session.execute(
            select(Customer.id, Customer.name)
            .where(Customer.active.is_(True) | (Customer.id == kept_customer))
            .order_by(Customer.name, Customer.id)
        )
    )
    jobs = tuple(
        JobChoice(id_, customer_id, f"{number} - {_one_line(description)}" if description.strip() else number)
        for id_, customer_id, number, description in session.execute(
            select(Job.id, Job.customer_id, Job.number, Job.description)
            .where((Job.status != JobStatus.CANCELLED) | (Job.id == kept_job))
            .order_by(Job.number)
        )
    )
    materials = tuple(
        MaterialChoice(m.id, m.code, f"{m.code} - {m.name}", m.name, m.unit_price, m.tax_rate_id)
        for m in session.scalars(
            select(Material)
            .where(Material.active.is_(True) | Material.id.in_(kept_materials))
            .order_by(Material.name)
        )
    )
    rates = list(
        session.scalars(
            select(TaxRate)
            .where(TaxRate.active.is_(True) | TaxRate.id.in_(kept_rates))
            .order_by(TaxRate.is_default.desc(), TaxRate.rate.desc(), TaxRate.name)
        )
    )
    default = next((rate.id for rate in rates if rate.is_default), rates[0].id if rates else None)
    sequence = get_sequence(session, SequenceKind.INVOICE)
    return InvoiceChoices(
        customers=customers,
        jobs=jobs,
        materials=materials,
        tax_rates=tuple(TaxRateChoice(rate.id, rate.name, rate.rate) for rate in rates),
        default_tax_rate_id=default,
        next_number=f"{sequence.prefix}{sequence.next_number}",
    )
