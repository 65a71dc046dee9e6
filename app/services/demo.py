"""The demo business: a separate database seeded from a fixed random seed, dates relative to today.

Seeding plans six months of a trades business in memory first (pure, from the seed), then writes it in
date order through the same services the screens use (numbering, invoices, payments, credit notes), so
numbers rise with dates, device numbers come out of the devices' blocks, and every total is computed the
way the rest of the app computes it. The same seed and the same ``today`` give the same rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.config import AppPaths
from app.db import Database, DatabaseError, open_database, sqlite_file
from app.models import (
    AccountingPackage,
    AccountingSettings,
    Base,
    Customer,
    Expense,
    Invoice,
    Job,
    JobStatus,
    JobType,
    LineKind,
    Material,
    MobileDevice,
    NumberBlock,
    NumberSequence,
    PaymentMethod,
    PaymentMethodKind,
    PurchaseOrder,
    PurchaseOrderStatus,
    Quote,
    QuoteStatus,
    SequenceKind,
    Site,
    Supplier,
    SupplierInvoice,
    TaxRate,
)
from app.services.demo_data import (
    DEMO_DEVICES,
    DEMO_EXPENSE_ACCOUNTS,
    DEMO_INCOME_ACCOUNTS,
    DEMO_JOB_EXPENSES,
    DEMO_JOB_TEMPLATES,
    DEMO_JOB_TYPES,
    DEMO_MAINTENANCE_AGREEMENTS,
    DEMO_MATERIALS,
    DEMO_SUPPLIERS,
    DemoCustomer,
    DemoJobTemplate,
    DemoJobType,
    demo_customers,
    fictional_landline,
    make_abn,
)
from app.services.invoice_totals import LineInput, document_totals
from app.services.invoices import (
    InvoiceDraft,
    LineDraft,
    approve_invoice,
    create_credit_note,
    create_invoice,
    record_payment,
    void_invoice,
    write_off_bad_debt,
)
from app.services.jobs import JobDetails, create_job
from app.services.money import round_money, tax_on_exclusive
from app.services.numbering import issue_number, register_device, update_sequence
from app.services.reference_data import ensure_reference_data
from app.services.suppliers import (
    SupplierInvoiceDraft,
    SupplierInvoiceLineDraft,
    accept_supplier_invoice,
    create_supplier_invoice,
)

logger = logging.getLogger(__name__)

DEMO_SEED = 20261127
DEMO_INVOICE_PREFIX = "LB-"

#: Prefix and first number of each sequence in the demo (invoices set apart by their own prefix).
DEMO_SEQUENCES: dict[SequenceKind, tuple[str, int]] = {
    SequenceKind.JOB: ("J", 2400),
    SequenceKind.QUOTE: ("Q", 1460),
    SequenceKind.INVOICE: (DEMO_INVOICE_PREFIX, 5001),
    SequenceKind.CREDIT_NOTE: ("CN-", 100),
    SequenceKind.PURCHASE_ORDER: ("PO-", 300),
}

DEMO_JOB_COUNT = 150
DEMO_INVOICE_COUNT = 200
DEMO_HISTORY_DAYS = 182  # six months
DEMO_UPCOMING_JOBS = 16
#: Days before ``today`` each demo device was registered (the second joined the team later).
DEMO_DEVICE_REGISTERED_DAYS_AGO = (125, 70)
GST = "GST 10%"
GST_FREE = "GST Free"


def prepare_demo_database(
    url: str, *, reset: bool, paths: AppPaths, today: dt.date | None = None
) -> Database:
    """Open the demo database, wiping it first when ``reset``, and seed it if it is new.

    Opening it again keeps what is there (the user's own changes included); only ``reset`` starts over,
    and then also forgets the sandbox's state: the accounting package the old demo was pushed to would
    otherwise already hold invoices with the new demo's numbers.
    """
    if reset:
        _wipe(url)
        _forget_sandbox_state(paths)
    database = open_database(url)
    try:
        with database.session_factory() as session, session.begin():
            if session.scalar(select(Customer.id).limit(1)) is None:
                seed_demo_business(session, today=today or dt.date.today())
    except Exception:
        database.dispose()
        raise
    return database


def _wipe(url: str) -> None:
    database = open_database(url, run_migrations=False)
    try:
        path = sqlite_file(database.engine)
        if path is not None:
            database.dispose()
            for suffix in ("", "-wal", "-shm"):
                candidate = path.with_name(path.name + suffix)
                candidate.unlink(missing_ok=True)
        else:
            with database.engine.begin() as connection:
                Base.metadata.drop_all(connection)
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    finally:
        database.dispose()


def _forget_sandbox_state(paths: AppPaths) -> None:
    state = paths.sandbox_state_file
    for suffix in ("", "-wal", "-shm"):
        try:
            state.with_name(state.name + suffix).unlink(missing_ok=True)
        except OSError as exc:  # Windows: a sandbox still running elsewhere holds the file open
            raise DatabaseError(
                f"The demo's sandbox state {state} could not be removed ({exc.strerror}). Close any running "
                "'ledgerbridge sandbox' and try --reset-demo again."
            ) from exc


# -- the plan -------------------------------------------------------------------------------------------


@dataclass
class _Line:
    kind: LineKind
    description: str
    quantity: Decimal
    unit_price: Decimal
    material_code: str | None = None


@dataclass
class _JobPlan:
    index: int
    customer: int
    job_type: DemoJobType
    template: DemoJobTemplate
    created: dt.date
    scheduled: dt.date
    site_address: str
    po_number: str
    work_order: str
    lines: list[_Line]
    status: JobStatus = JobStatus.OPEN
    device: int | None = None
    quote_date: dt.date | None = None
    invoices: list[_InvoicePlan] = field(default_factory=list)


@dataclass
class _InvoicePlan:
    customer: int
    date: dt.date
    lines: list[_Line]
    job: _JobPlan | None = None
    notes: str = ""
    device: int | None = None
    draft: bool = False


@dataclass
class _QuotePlan:
    customer: int
    date: dt.date
    status: QuoteStatus
    description: str
    lines: list[_Line]
    job: _JobPlan | None = None
    device: int | None = None


@dataclass
class _OrderPlan:
    supplier: int
    date: dt.date
    job: _JobPlan
    lines: list[_Line]
    status: PurchaseOrderStatus


@dataclass
class _Event:
    """One dated thing to write, in the order a business would have written it."""

    date: dt.date
    order: int  # devices register first, then quotes, jobs, orders, invoices on the same day
    serial: int
    what: _JobPlan | _QuotePlan | _InvoicePlan | _OrderPlan | int  # int: a device to register


def _hours(rng: random.Random, least: float, most: float) -> Decimal:
    halves = rng.randint(int(least * 2), int(most * 2))
    return Decimal(halves) / 2


def _weekday(day: dt.date, *, forward: bool = True) -> dt.date:
    step = dt.timedelta(days=1 if forward else -1)
    while day.weekday() >= 5:
        day += step
    return day


def _job_lines(
    rng: random.Random, job_type: DemoJobType, template: DemoJobTemplate, household: bool
) -> list[_Line]:
    lines = [
        _Line(
            LineKind.LABOUR,
            job_type.labour_description,
            _hours(rng, *template.hours),
            job_type.hourly_rate,
        )
    ]
    if not template.quoted and household and rng.random() < 0.5:
        lines.insert(0, _Line(LineKind.MATERIAL, "Call-out fee", Decimal(1), Decimal("95.00"), "GN-001"))
    materials = {m.code: m for m in DEMO_MATERIALS}
    for code, least, most in template.materials:
        quantity = rng.randint(least, most)
        if quantity:
            material = materials[code]
            lines.append(
                _Line(LineKind.MATERIAL, material.name, Decimal(quantity), material.unit_price, material.code)
            )
    return lines


def _plan_jobs(rng: random.Random, customers: tuple[DemoCustomer, ...], today: dt.date) -> list[_JobPlan]:
    weights = [3 if c.is_business else 2 for c in customers]
    jobs = []
    for index in range(DEMO_JOB_COUNT):
        customer_index = rng.choices(range(len(customers)), weights)[0]
        customer = customers[customer_index]
        type_weights = [
            t.for_businesses if customer.is_business else 1 - t.for_businesses for t in DEMO_JOB_TYPES
        ]
        job_type = rng.choices(DEMO_JOB_TYPES, type_weights)[0]
        template = rng.choice(DEMO_JOB_TEMPLATES[job_type.name])
        if index < DEMO_UPCOMING_JOBS:  # booked in the last fortnight, mostly still to be done
            created = _weekday(today - dt.timedelta(days=rng.randint(0, 12)), forward=False)
            scheduled = _weekday(created + dt.timedelta(days=rng.randint(1, 14)))
        else:
            created = _weekday(
                today - dt.timedelta(days=rng.randint(2, DEMO_HISTORY_DAYS - 4)), forward=False
            )
            scheduled = _weekday(created + dt.timedelta(days=rng.randint(0, 9 if template.quoted else 4)))
        site = rng.choice(customer.sites)
        po_number = ""
        work_order = ""
        if customer.is_business and rng.random() < 0.4:
            po_number = rng.choice((f"PO {rng.randint(4500000, 4599999)}", f"{rng.randint(10000, 99999)}"))
        if customer.is_business and any(
            word in customer.name for word in ("Property", "Strata", "Owners", "Aged", "Real Estate")
        ):
            work_order = f"WO-{rng.randint(100000, 999999)}"
        job = _JobPlan(
            index=index,
            customer=customer_index,
            job_type=job_type,
            template=template,
            created=created,
            scheduled=scheduled,
            site_address=site.address,
            po_number=po_number,
            work_order=work_order,
            lines=_job_lines(rng, job_type, template, household=not customer.is_business),
        )
        if template.quoted:
            job.quote_date = _weekday(created - dt.timedelta(days=rng.randint(3, 12)), forward=False)
        jobs.append(job)
    jobs.sort(key=lambda j: (j.created, j.index))
    for index, job in enumerate(jobs):
        job.index = index
    return jobs


def _plan_devices(rng: random.Random, jobs: list[_JobPlan], today: dt.date) -> list[dt.date]:
    """Which jobs a technician raised on a mobile device (only after that device was registered)."""
    registered = [today - dt.timedelta(days=days) for days in DEMO_DEVICE_REGISTERED_DAYS_AGO]
    for job in jobs:
        raised = job.quote_date or job.created
        candidates = [d for d, when in enumerate(registered) if raised >= when]
        # Small jobs are often raised on site; quotes for bigger work mostly come from the office.
        if candidates and rng.random() < (0.3 if job.quote_date else 0.55):
            job.device = rng.choice(candidates)
    return registered


def _plan_job_invoices(rng: random.Random, jobs: list[_JobPlan], today: dt.date) -> None:
    cancelled = set(rng.sample(range(len(jobs)), 6))
    for job in jobs:
        if job.index in cancelled:
            job.status = JobStatus.CANCELLED
            continue
        finished = job.scheduled + dt.timedelta(days=rng.randint(0, 2) if job.template.quoted else 0)
        if finished >= today:
            job.status = JobStatus.OPEN
            continue
        invoice_date = _weekday(finished + dt.timedelta(days=rng.randint(0, 3)))
        if invoice_date >= today or ((today - finished).days <= 3 and rng.random() < 0.5):
            job.status = JobStatus.COMPLETED  # done, not yet invoiced
            continue
        job.status = JobStatus.INVOICED
        notes = f"Your order number: {job.po_number}" if job.po_number else ""
        on_device = job.device is not None and rng.random() < 0.85
        if job.template.quoted and len(job.lines) > 2 and job.quote_date is not None:
            # Bigger installations are billed in two claims: the equipment when ordered, then the rest.
            equipment = job.lines[1]
            deposit_day = _weekday(job.created + dt.timedelta(days=rng.randint(0, 2)))
            job.invoices.append(
                _InvoicePlan(job.customer, min(deposit_day, invoice_date), [equipment], job, notes)
            )
            job.invoices.append(
                _InvoicePlan(job.customer, invoice_date, [job.lines[0], *job.lines[2:]], job, notes)
            )
        else:
            job.invoices.append(
                _InvoicePlan(
                    job.customer, invoice_date, list(job.lines), job, notes, job.device if on_device else None
                )
            )


def _plan_agreement_invoices(
    customers: tuple[DemoCustomer, ...], today: dt.date, wanted: int
) -> list[_InvoicePlan]:
    """Monthly maintenance-agreement invoices, most recent first, as many as make up the demo's count."""
    candidates = []
    month_start = today.replace(day=1)
    for months_back in range(7):
        year, month = divmod(month_start.year * 12 + month_start.month - 1 - months_back, 12)
        first_weekday = _weekday(dt.date(year, month + 1, 1))
        if first_weekday >= today or (today - first_weekday).days > DEMO_HISTORY_DAYS:
            continue
        for index, customer in enumerate(customers):
            if customer.maintenance_agreement is None:
                continue
            description, amount = DEMO_MAINTENANCE_AGREEMENTS[customer.maintenance_agreement]
            period = f"{first_weekday:%B %Y}"
            line = _Line(LineKind.OTHER, f"{description} - {period}", Decimal(1), amount)
            candidates.append(_InvoicePlan(index, first_weekday, [line], notes="Monthly agreement"))
    candidates.sort(key=lambda p: (p.date, p.customer), reverse=True)
    return candidates[:wanted]


def _plan_quotes(
    rng: random.Random,
    jobs: list[_JobPlan],
    customers: tuple[DemoCustomer, ...],
    today: dt.date,
    registered: list[dt.date],
) -> list[_QuotePlan]:
    quotes = [
        _QuotePlan(
            job.customer, job.quote_date, QuoteStatus.ACCEPTED, job.template.description, job.lines, job
        )
        for job in jobs
        if job.quote_date is not None
    ]
    quoted_templates = [
        (job_type, template)
        for job_type in DEMO_JOB_TYPES
        for template in DEMO_JOB_TEMPLATES[job_type.name]
        if template.quoted
    ]
    for _ in range(18):  # quotes that did not (or not yet) become jobs
        customer = rng.randrange(len(customers))
        job_type, template = rng.choice(quoted_templates)
        date = _weekday(today - dt.timedelta(days=rng.randint(1, DEMO_HISTORY_DAYS - 5)), forward=False)
        age = (today - date).days
        if age <= 5:
            status = rng.choice((QuoteStatus.DRAFT, QuoteStatus.SENT))
        elif age <= 30:
            status = rng.choice((QuoteStatus.SENT, QuoteStatus.DECLINED))
        else:
            status = QuoteStatus.DECLINED
        household = not customers[customer].is_business
        lines = _job_lines(rng, job_type, template, household)
        on_device = [d for d, when in enumerate(registered) if date >= when]
        device = rng.choice(on_device) if on_device and rng.random() < 0.4 else None
        quotes.append(_QuotePlan(customer, date, status, template.description, lines, device=device))
    for quote in quotes:
        if quote.job is not None and quote.job.device is not None:
            quote.device = quote.job.device
    return quotes


def _plan_orders(rng: random.Random, jobs: list[_JobPlan], today: dt.date) -> list[_OrderPlan]:
    """Purchase orders for the equipment of quoted jobs, to the supplier who sells it."""
    orders = []
    for job in jobs:
        if job.quote_date is None or len(job.lines) < 2 or job.lines[1].material_code is None:
            continue
        supplier = _supplier_for(job.lines[1].material_code)
        date = _weekday(job.created + dt.timedelta(days=rng.randint(0, 1)))
        if job.status is JobStatus.CANCELLED:
            status = PurchaseOrderStatus.CANCELLED
        elif job.scheduled < today:
            status = PurchaseOrderStatus.RECEIVED
        elif (today - date).days <= 1:
            status = PurchaseOrderStatus.DRAFT
        else:
            status = PurchaseOrderStatus.SENT
        orders.append(_OrderPlan(supplier, min(date, today), job, [job.lines[1]], status))
    return orders


def _supplier_for(material_code: str) -> int:
    prefix = material_code.split("-")[0]
    for index, supplier in enumerate(DEMO_SUPPLIERS):
        if prefix in supplier.trades:
            return index
    return 0


# -- writing it ---------------------------------------------------------------------------------------


def _stamp(day: dt.date, hour: int = 6, minute: int = 30) -> dt.datetime:
    """A time on ``day`` in UTC (06:30 UTC is late afternoon in Sydney)."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


_Dated = type[Job | Invoice | SupplierInvoice]


class _DemoWriter:
    """Writes the plan through the services, keeping the rows it made for the later steps."""

    def __init__(
        self, session: Session, rng: random.Random, today: dt.date, customers: tuple[DemoCustomer, ...]
    ) -> None:
        self.session = session
        self.plan_customers = customers
        self.rng = rng
        self.today = today
        self.gst = session.scalars(select(TaxRate).where(TaxRate.name == GST)).one()
        self.gst_free = session.scalars(select(TaxRate).where(TaxRate.name == GST_FREE)).one()
        self.methods = {m.name: m for m in session.scalars(select(PaymentMethod))}
        self.customers: list[Customer] = []
        self.materials: dict[str, Material] = {}
        self.job_types: dict[str, JobType] = {}
        self.suppliers: list[Supplier] = []
        self.devices: list[MobileDevice] = []
        self.jobs: dict[int, Job] = {}
        self.invoices: list[tuple[Invoice, _InvoicePlan]] = []
        # (device id, sequence kind) -> dates of the records it numbered, to date its blocks afterwards.
        self.device_records: dict[tuple[int, SequenceKind], list[tuple[str, dt.date]]] = {}
        # Dates the services do not take (a job's scheduled day; an invoice approved or voided on its own
        # day rather than the moment the demo was made), written in one statement per kind at the end.
        self.later: list[tuple[_Dated, dict[str, object]]] = []

    # -- catalogue
    def write_catalogue(self) -> None:
        for job_type in DEMO_JOB_TYPES:
            account = DEMO_INCOME_ACCOUNTS[job_type.income_code]
            job_type_row = JobType(
                name=job_type.name,
                description=job_type.description,
                income_account_id=account.account_id,
                income_account_code=account.code,
                income_account_name=account.name,
            )
            self.job_types[job_type.name] = job_type_row
            self.session.add(job_type_row)
        for material in DEMO_MATERIALS:
            row = Material(
                code=material.code,
                name=material.name,
                unit_price=material.unit_price,
                unit_cost=material.unit_cost,
                tax_rate=self.gst_free if material.gst_free else self.gst,
            )
            if material.income_code is not None:
                account = DEMO_INCOME_ACCOUNTS[material.income_code]
                row.income_account_id = account.account_id
                row.income_account_code = account.code
                row.income_account_name = account.name
            self.materials[material.code] = row
            self.session.add(row)
        for supplier in DEMO_SUPPLIERS:
            supplier_row = Supplier(
                name=supplier.name,
                email=supplier.email,
                phone=fictional_landline(self.rng),
                abn=make_abn(self.rng),
                account_number=f"HCPE{self.rng.randint(1000, 9999)}",  # our account with them
            )
            self.suppliers.append(supplier_row)
            self.session.add(supplier_row)

    def write_customers(self, customers: tuple[DemoCustomer, ...]) -> None:
        for customer in customers:
            row = Customer(
                name=customer.name,
                contact_person=customer.contact_person,
                email=customer.email,
                phone=customer.phone,
                abn=customer.abn,
                billing_address=customer.billing_address,
                account_number=customer.account_number,
                sites=[Site(name=site.name, address=site.address) for site in customer.sites],
            )
            self.customers.append(row)
            self.session.add(row)
        self.session.flush()

    def sequences(self) -> None:
        for kind, (prefix, first) in DEMO_SEQUENCES.items():
            update_sequence(self.session, kind, prefix=prefix, next_number=first)

    # -- dated events
    def _number(self, kind: SequenceKind, device: int | None, day: dt.date) -> tuple[str, int | None]:
        if device is None:
            return issue_number(self.session, kind), None
        row = self.devices[device]
        number = issue_number(self.session, kind, row)
        self._numbered_on_device(row, kind, number, day)
        return number, row.id

    def _numbered_on_device(
        self, device: MobileDevice | None, kind: SequenceKind, number: str, day: dt.date
    ) -> None:
        if device is not None:
            self.device_records.setdefault((device.id, kind), []).append((number, day))

    def register(self, device: int, day: dt.date) -> None:
        row = register_device(self.session, DEMO_DEVICES[device])
        row.registered_at = _stamp(day, 0, 15)
        self.devices.append(row)

    def quote(self, plan: _QuotePlan) -> None:
        number, device_id = self._number(SequenceKind.QUOTE, plan.device, plan.date)
        total = document_totals(self._inputs(plan.lines)).total
        self.session.add(
            Quote(
                number=number,
                customer=self.customers[plan.customer],
                date=plan.date,
                status=plan.status,
                description=plan.description,
                total=total,
                device_id=device_id,
            )
        )

    def job(self, plan: _JobPlan) -> None:
        device = self.devices[plan.device] if plan.device is not None else None
        details = JobDetails(
            customer_id=self.customers[plan.customer].id,
            job_type_id=self.job_types[plan.job_type.name].id,
            status=plan.status,
            description=plan.template.description,
            site_address=plan.site_address,
            customer_po_number=plan.po_number,
            client_work_order_number=plan.work_order,
            work_undertaken=plan.template.work_undertaken if plan.status is not JobStatus.OPEN else "",
        )
        row = create_job(self.session, details, device=device)
        self.later.append((Job, {"id": row.id, "scheduled_date": plan.scheduled}))
        self._numbered_on_device(device, SequenceKind.JOB, row.number, plan.created)
        self.jobs[plan.index] = row

    def order(self, plan: _OrderPlan) -> None:
        number, _ = self._number(SequenceKind.PURCHASE_ORDER, None, plan.date)
        materials = [self.materials[line.material_code] for line in plan.lines if line.material_code]
        inputs = [
            LineInput(line.quantity, m.unit_cost, self.gst.rate)
            for line, m in zip(plan.lines, materials, strict=True)
        ]
        described = "; ".join(f"{line.quantity:g} x {line.description}" for line in plan.lines)
        self.session.add(
            PurchaseOrder(
                number=number,
                supplier=self.suppliers[plan.supplier],
                job=self.jobs.get(plan.job.index),
                date=plan.date,
                status=plan.status,
                description=f"{described} for job {self.jobs[plan.job.index].number}",
                total=document_totals(inputs).total,
            )
        )

    def invoice(self, plan: _InvoicePlan) -> None:
        customer = self.customers[plan.customer]
        terms = self.plan_customers[plan.customer].payment_terms_days
        draft = InvoiceDraft(
            customer_id=customer.id,
            date=plan.date,
            due_date=plan.date + dt.timedelta(days=terms),
            job_id=self._job_id(plan.job),
            notes=plan.notes,
            lines=[self._line_draft(line) for line in plan.lines],
        )
        device = self.devices[plan.device] if plan.device is not None else None
        invoice = create_invoice(self.session, draft, device=device)
        # A new invoice has no payments or credit notes yet: say so, rather than have the rules that read
        # them (amount due, voiding) ask the database once per invoice.
        set_committed_value(invoice, "payments", [])
        set_committed_value(invoice, "credit_notes", [])
        self._numbered_on_device(device, SequenceKind.INVOICE, invoice.number, plan.date)
        if not plan.draft:
            approve_invoice(self.session, invoice)
            self.later.append((Invoice, {"id": invoice.id, "approved_at": _stamp(plan.date)}))
        self.invoices.append((invoice, plan))

    def _job_id(self, plan: _JobPlan | None) -> int | None:
        return self.jobs[plan.index].id if plan is not None else None

    def _line_draft(self, line: _Line) -> LineDraft:
        material = self.materials[line.material_code] if line.material_code else None
        tax_rate = material.tax_rate if material is not None else self.gst
        return LineDraft(
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=tax_rate,
            kind=line.kind,
            material_id=material.id if material is not None else None,
        )

    def _inputs(self, lines: Iterable[_Line]) -> list[LineInput]:
        inputs = []
        for line in lines:
            material = self.materials[line.material_code] if line.material_code else None
            rate = material.tax_rate.rate if material is not None and material.tax_rate else self.gst.rate
            inputs.append(LineInput(line.quantity, line.unit_price, rate))
        return inputs

    # -- after the documents: money in, corrections, costs
    def payments_voids_and_credits(self) -> None:
        rng, today = self.rng, self.today
        customers = self.plan_customers
        approved = [(inv, plan) for inv, plan in self.invoices if not plan.draft]
        old_enough = [pair for pair in approved if (today - pair[0].date).days > 20]
        voided = {id(pair[0]) for pair in rng.sample(old_enough, 8)}
        unpaid_kept: list[Invoice] = []
        for invoice, plan in approved:
            if id(invoice) in voided:
                void_invoice(self.session, invoice)
                voided_on = invoice.date + dt.timedelta(days=rng.randint(1, 6))
                self.later.append((Invoice, {"id": invoice.id, "voided_at": _stamp(voided_on, 1, 10)}))
                continue
            customer = customers[plan.customer]
            overdue = today > invoice.due_date
            roll = rng.random()
            if roll < (0.84 if overdue else 0.4):
                self._pay(invoice, customer, invoice.total, plan)
            elif roll < (0.93 if overdue else 0.47):
                part = round_money(invoice.total * Decimal(rng.choice(("0.3", "0.5"))))
                self._pay(invoice, customer, part, plan)
                unpaid_kept.append(invoice)
            else:
                unpaid_kept.append(invoice)
        self._credit_notes(unpaid_kept)

    def _pay(self, invoice: Invoice, customer: DemoCustomer, amount: Decimal, plan: _InvoicePlan) -> None:
        rng, today = self.rng, self.today
        if customer.is_business:
            method = rng.choices(("EFT", "Cheque", "Credit Card"), (75, 15, 10))[0]
            lag = rng.randint(3, max(4, (invoice.due_date - invoice.date).days + 10))
        else:
            method = rng.choices(("Credit Card", "EFT", "Cash"), (50, 35, 15))[0]
            lag = 0 if method != "EFT" else rng.randint(1, 10)
        date = min(invoice.date + dt.timedelta(days=lag), today)
        reference = {
            "EFT": f"{customer.account_number} {invoice.number}",
            "Cheque": f"Chq {rng.randint(100100, 100999):06d}",
            "Credit Card": f"Card ending {rng.randint(1000, 9999)}",
            "Cash": "Paid on site",
        }[method]
        record_payment(
            self.session, invoice, amount=amount, date=date, method=self.methods[method], reference=reference
        )

    def _credit_notes(self, unpaid: list[Invoice]) -> None:
        rng, today = self.rng, self.today
        candidates = sorted(unpaid, key=lambda inv: (inv.date, inv.number))
        if not candidates:
            return
        oldest = candidates[0]
        write_off_bad_debt(
            self.session,
            oldest,
            date=min(oldest.due_date + dt.timedelta(days=90), today),
            reason="Customer cannot be contacted; written off after three reminders",
        )
        reasons = (
            "Goodwill discount - late arrival on site",
            "Unused materials returned",
            "Price adjusted as agreed with the customer",
            "Goodwill credit - repeat visit for the same fault",
        )
        for invoice, reason in zip(
            rng.sample(candidates[1:], min(4, len(candidates) - 1)), reasons, strict=False
        ):
            amount = min(invoice.amount_due, round_money(invoice.total * Decimal("0.1")))
            create_credit_note(
                self.session,
                invoice,
                amount=amount,
                date=min(invoice.date + dt.timedelta(days=rng.randint(2, 12)), today),
                reason=reason,
            )

    def supplier_invoices(self, jobs: list[_JobPlan]) -> None:
        rng, today = self.rng, self.today
        with_materials = [
            job
            for job in jobs
            if job.status is not JobStatus.CANCELLED
            and any(line.material_code and not line.material_code.startswith("GN") for line in job.lines)
        ]
        used_numbers: set[str] = set()
        for job in rng.sample(with_materials, min(55, len(with_materials))):
            bought = [
                line for line in job.lines if line.material_code and not line.material_code.startswith("GN")
            ]
            supplier_index = _supplier_for(bought[0].material_code or "")
            supplier = DEMO_SUPPLIERS[supplier_index]
            bought = [line for line in bought if (line.material_code or "").split("-")[0] in supplier.trades]
            # Billed between booking the job and doing it (goods are bought for the job).
            lead = max(0, (job.scheduled - job.created).days)
            date = min(_weekday(job.created + dt.timedelta(days=rng.randint(0, lead))), today)
            number = f"{supplier.bill_prefix}{rng.randint(100000, 999999)}"
            while number in used_numbers:
                number = f"{supplier.bill_prefix}{rng.randint(100000, 999999)}"
            used_numbers.add(number)
            lines = [
                (line.description, line.quantity, self.materials[line.material_code or ""].unit_cost)
                for line in bought
            ]
            self._bill(supplier_index, number, date, job, lines)
        # Skip bins and equipment hire are billed monthly, with no job.
        monthly = [index for index, supplier in enumerate(DEMO_SUPPLIERS) if not supplier.trades]
        for supplier_index in monthly:
            for months_back in range(1, 6):
                day = _weekday(today - dt.timedelta(days=30 * months_back), forward=False)
                number = f"{DEMO_SUPPLIERS[supplier_index].bill_prefix}{rng.randint(100000, 999999)}"
                lines = [(f"Monthly account - {day:%B %Y}", Decimal(1), Decimal(rng.randint(300, 900)))]
                self._bill(supplier_index, number, day, None, lines)

    def _bill(
        self,
        supplier: int,
        number: str,
        date: dt.date,
        job: _JobPlan | None,
        lines: list[tuple[str, Decimal, Decimal]],
    ) -> None:
        draft = SupplierInvoiceDraft(
            supplier_id=self.suppliers[supplier].id,
            number=number,
            date=date,
            due_date=_end_of_next_month(date),
            job_id=self._job_id(job),
            lines=[
                SupplierInvoiceLineDraft(description, quantity, cost, self.gst)
                for description, quantity, cost in lines
            ],
        )
        bill = create_supplier_invoice(self.session, draft)
        if (self.today - date).days > 6 and self.rng.random() < 0.92:
            accept_supplier_invoice(self.session, bill)
            accepted_at = _stamp(date + dt.timedelta(days=2), 0, 40)
            self.later.append((SupplierInvoice, {"id": bill.id, "accepted_at": accepted_at}))

    def expenses(self, jobs: list[_JobPlan]) -> None:
        rng = self.rng
        suppliers = {s.name: s for s in self.suppliers}
        done = [job for job in jobs if job.status in (JobStatus.INVOICED, JobStatus.COMPLETED)]
        for job in rng.sample(done, min(60, len(done))):
            description, supplier, least, most, code = rng.choice(DEMO_JOB_EXPENSES)
            amount = round_money(Decimal(rng.randint(int(least * 100), int(most * 100))) / 100)
            gst_free = code == "429"  # council fees carry no GST
            tax_rate = self.gst_free if gst_free else self.gst
            tax = tax_on_exclusive(amount, tax_rate.rate)
            expense = Expense(
                job=self.jobs[job.index],
                supplier=suppliers.get(supplier),
                date=min(job.scheduled, self.today),
                description=description,
                tax_rate=tax_rate,
                amount=amount,
                tax_amount=tax,
                total=amount + tax,
            )
            if code is not None:
                account = DEMO_EXPENSE_ACCOUNTS[code]
                expense.account_id = account.account_id
                expense.account_code = account.code
                expense.account_name = account.name
            self.session.add(expense)

    def write_later_dates(self) -> None:
        self.session.flush()
        batches: dict[
            tuple[type[Job | Invoice | SupplierInvoice], tuple[str, ...]], list[dict[str, object]]
        ] = {}
        for model, values in self.later:
            batches.setdefault((model, tuple(values)), []).append(values)
        for (model, _), rows in batches.items():
            self.session.execute(update(model), rows)
        self.session.expire_all()

    def date_device_blocks(self) -> None:
        """Give each device block the date it was handed out: registration, or when the last one ran out."""
        self.session.flush()
        rows = self.session.execute(
            select(NumberBlock, NumberSequence.kind).join(NumberSequence).order_by(NumberBlock.first)
        ).all()
        devices = {device.id: device for device in self.devices}
        first_block_seen: set[tuple[int, SequenceKind]] = set()
        for block, kind in rows:
            key = (block.device_id, kind)
            device = devices[block.device_id]
            if key not in first_block_seen:
                first_block_seen.add(key)
                block.allocated_at = device.registered_at
                continue
            numbered = [
                day
                for number, day in self.device_records.get(key, [])
                if block.first <= int(number[len(block.prefix) :]) <= block.last
            ]
            block.allocated_at = _stamp(min(numbered), 0, 5) if numbered else device.registered_at


def _end_of_next_month(day: dt.date) -> dt.date:
    """Trade suppliers' usual terms: 30 days from the end of the month."""
    year, month = divmod(day.year * 12 + day.month + 1, 12)  # the month after next, zero-based
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


#: The demo's invoice start date: a month back, so a first sync after connecting has invoices to send.
DEMO_INVOICE_START_DAYS_BACK = 30


def _seed_accounting_settings(session: Session, today: dt.date) -> None:
    """The demo's Xero settings before any connect: the invoice start date and where payments from Xero
    are recorded. The accounts themselves are chosen by the user (or Suggest accounts) after connecting."""
    eft = session.scalars(select(PaymentMethod).where(PaymentMethod.kind == PaymentMethodKind.EFT)).first()
    session.add(
        AccountingSettings(
            package=AccountingPackage.XERO,
            invoice_start_date=today - dt.timedelta(days=DEMO_INVOICE_START_DAYS_BACK),
            default_payment_method_id=eft.id if eft is not None else None,
        )
    )


def seed_demo_business(session: Session, *, today: dt.date, seed: int = DEMO_SEED) -> None:
    """Fill an empty database with the demo trades business as it stands on ``today``."""
    rng = random.Random(f"{seed}:business")
    ensure_reference_data(session)
    customers = demo_customers(seed)

    jobs = _plan_jobs(rng, customers, today)
    registered = _plan_devices(rng, jobs, today)
    _plan_job_invoices(rng, jobs, today)
    job_invoices = [invoice for job in jobs for invoice in job.invoices]
    invoices = job_invoices + _plan_agreement_invoices(
        customers, today, max(0, DEMO_INVOICE_COUNT - len(job_invoices))
    )
    for invoice in invoices:
        if (today - invoice.date).days <= 14 and rng.random() < 0.6:
            invoice.draft = True  # still being checked before it goes to the customer
    quotes = _plan_quotes(rng, jobs, customers, today, registered)
    orders = _plan_orders(rng, jobs, today)

    events: list[_Event] = []
    plans: Iterable[tuple[dt.date, int, _JobPlan | _QuotePlan | _InvoicePlan | _OrderPlan | int]] = [
        *((when, 0, device) for device, when in enumerate(registered)),
        *((quote.date, 1, quote) for quote in quotes),
        *((job.created, 2, job) for job in jobs),
        *((order.date, 3, order) for order in orders),
        *((invoice.date, 4, invoice) for invoice in invoices),
    ]
    for serial, (date, order, what) in enumerate(plans):
        events.append(_Event(date, order, serial, what))
    events.sort(key=lambda e: (e.date, e.order, e.serial))

    writer = _DemoWriter(session, rng, today, customers)
    writer.sequences()
    writer.write_catalogue()
    writer.write_customers(customers)
    # The services flush whenever they need ids; between those, new quotes and orders wait to be written
    # together rather than each forcing a flush of its own when the next number is read.
    with session.no_autoflush:
        for event in events:
            what = event.what
            if isinstance(what, int):
                writer.register(what, event.date)
            elif isinstance(what, _QuotePlan):
                writer.quote(what)
            elif isinstance(what, _JobPlan):
                writer.job(what)
            elif isinstance(what, _OrderPlan):
                writer.order(what)
            else:
                writer.invoice(what)
        writer.payments_voids_and_credits()
        writer.supplier_invoices(jobs)
        writer.expenses(jobs)
    writer.date_device_blocks()
    writer.write_later_dates()
    _seed_accounting_settings(session, today)
    session.flush()
    logger.info(
        "Seeded the demo business: %d customers, %d jobs, %d invoices",
        len(customers),
        len(jobs),
        len(invoices),
    )
