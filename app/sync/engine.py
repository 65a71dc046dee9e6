"""The sync engine: one run of one connection, exactly once, with progress, cancel and a journal.

``SyncEngine(connection, session_factory, provider, clock)``:

- ``run(report, cancel, only=None) -> SyncSummary`` pulls the payments made in the package, then pushes
  what is due (DESIGN.md "Sync engine"): contact edits, customers that become contacts, invoices (creates,
  then updates), voids, credit notes and their allocations, payments and their deletions, supplier
  invoices and expenses. ``only`` limits the push to some records ("Send to Xero now", "Retry").
- ``preview() -> SyncPlan`` says what a run would send, with accounts and totals, sending nothing.
- ``journal`` (``app.sync.journal.SyncJournal``) is what the Sync Log reads.

Exactly once. Every write carries a deterministic idempotency key (``app.sync.idempotency``). Before a
create leaves, its link notes the request (committed first); after an ambiguous failure (timeout, dropped
connection, a 5xx, a crash) the records so noted are looked up in the package - invoices and credit notes
by number, contact and total, bills by contact, number and total, payments by invoice, our Reference and
amount, contacts by our customer number, allocations on the credit note - and only those not found are
sent again. A run killed at any moment therefore leaves nothing that the next run sends twice.

Limits and faults. The provider's limiter (``app.sync.limiter.XeroLimiter``) keeps under the package's
rate limits; a 429 waits ``Retry-After`` and carries on; the daily limit stops the run with when it can
resume; 5xx and timeouts are retried with growing waits (``RetryPolicy``); a refused element fails alone.

One run per package at a time, across processes (``app.sync.lease``). The engine opens short sessions of
its own (one per batch), so the window can read while it writes.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from app.integrations.base import (
    AuthExpired,
    Contact,
    ContactDraft,
    DailyLimitReached,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentRef,
    DocumentStatus,
    IntegrationError,
    ItemDraft,
    NotConfigured,
    NotFound,
    OutcomeUnknown,
    PaymentDraft,
    RateLimited,
    RejectedByPackage,
    RemoteDocument,
    RemotePayment,
    RemoteRef,
    RequestKeyReused,
    SyncProvider,
    Transient,
    WriteOutcome,
)
from app.models import (
    AccountingPackage,
    AccountingSettings,
    CreditNote,
    Customer,
    Expense,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Job,
    PackageAccount,
    PackageTaxRate,
    Payment,
    PaymentMethod,
    PaymentOrigin,
    SettingsAccountRole,
    Supplier,
    SupplierInvoice,
    SyncCursor,
    SyncOutcome,
    SyncRecord,
    SyncRecordType,
    SyncState,
    TaxRate,
)
from app.models.base import utcnow
from app.services.connections import ConnectionInfo, ConnectionRecorder
from app.services.customer_matching import (
    Party,
    PartyIndex,
    contact_number_for,
    match_all,
)
from app.services.money import format_money
from app.services.progress import Cancelled, CancelToken, ProgressReporter, ignore_progress
from app.sync.idempotency import request_key
from app.sync.invoice_mapping import (
    AccountAmount,
    AccountChoice,
    InvoiceRules,
    MappedDocument,
    MappingProblem,
    TaxCodes,
    map_credit_note,
    map_expense,
    map_invoice,
    map_supplier_invoice,
)
from app.sync.journal import (
    ALLOCATE,
    CREATE,
    DELETE,
    LINK,
    LOOK_UP,
    MATCH,
    PAY,
    RUN,
    UPDATE,
    VOID,
    JournalWriter,
    RecordKey,
    SyncJournal,
    plain_reason,
)
from app.sync.lease import LeaseHeld, LeaseLost, SyncLeaseHolder
from app.sync.limiter import RetryPolicy, SyncClock, SystemClock, XeroLimiter
from app.sync.outbox import (
    DueItem,
    Scope,
    Step,
    detail_of,
    due_bills,
    due_contact_updates,
    due_credit_notes,
    due_invoices,
    due_payments,
    ensure_link,
    in_flight,
    invoices_before_start,
    links_by_key,
    payment_label,
    purchase_orders_count,
    set_detail,
)
from app.sync.parties import contact_party, customer_party
from app.sync.payments import (
    apply_remote_payments,
    deposit_account_for,
    matches_own,
    payment_reference,
)
from app.sync.statuses import apply_remote_voids
from app.sync.summary import PlannedChange, SyncPlan, SyncSummary

logger = logging.getLogger(__name__)

SUPPLIER_NUMBER_PREFIX = "LBS-"
#: Expenses with no supplier (tolls, parking, council fees) are bills from one "Sundry Suppliers" contact,
#: as bookkeepers keep one for one-off purchases; its link is kept as supplier 0 (no supplier has that id).
SUNDRY_SUPPLIER = 0
SUNDRY_SUPPLIER_NAME = "Sundry Suppliers"
PAYMENTS_CURSOR = "payments"
VOIDS_CURSOR = {DocumentKind.INVOICE: "voided invoices", DocumentKind.CREDIT_NOTE: "voided credit notes"}


@dataclass(frozen=True)
class SyncOptions:
    """How a run behaves. ``batch_size`` None: the package's largest batch (Xero 50)."""

    batch_size: int | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    pull_payments: bool = True
    #: Calls of the package's day budget kept for pushes: below this, the payments check waits.
    day_reserve: int = 50


class _CouldNotSync(Exception):
    """The run cannot start (no settings, no start date...); ``str()`` says what to do."""


@dataclass(frozen=True)
class _Settings:
    """The accounting settings as one run reads them (a snapshot, detached from any session)."""

    start_date: dt.date | None
    rules: InvoiceRules
    credit_note: AccountChoice | None
    bad_debt: AccountChoice | None
    supplier_invoice: AccountChoice | None
    supplier_expense: AccountChoice | None
    receive_payments: AccountChoice | None
    card_payments: AccountChoice | None
    default_payment_method_id: int | None


@dataclass
class _Planned:
    """One record in a write: what is sent, and what to expect when looking it up afterwards."""

    key: RecordKey
    revision: int
    label: str
    payload: Any
    number: str = ""
    contact_id: str = ""
    total: Decimal | None = None
    line_keys: tuple[str, ...] = ()
    note: dict[str, Any] | None = None
    #: Payments: the invoice they are recorded against.
    document: RemoteRef | None = None


Sender = Callable[[list[_Planned], str], list[WriteOutcome]]
LookUp = Callable[[list[_Planned]], dict[RecordKey, WriteOutcome]]
Recheck = Callable[[_Planned, WriteOutcome], WriteOutcome]


@dataclass
class _Write:
    """How one kind of write goes: its name in the key, its journal action, how to send and look up."""

    operation: str
    action: str
    send: Sender
    look_up: LookUp | None = None
    recheck: Recheck | None = None
    #: The link keeps ``pushed_revision`` below the record's revision (a later step finishes it).
    partial: bool = False
    voiding: bool = False


class _Run:
    """One run's state: settings, journal, summary, progress and the caches of package data."""

    def __init__(
        self,
        scope: Scope,
        settings: _Settings,
        journal: JournalWriter,
        summary: SyncSummary,
        report: ProgressReporter,
        cancel: CancelToken,
        lease: SyncLeaseHolder,
        batch_size: int,
    ) -> None:
        self.scope = scope
        self.settings = settings
        self.journal = journal
        self.summary = summary
        self.report = report
        self.cancel = cancel
        self.lease = lease
        self.batch_size = batch_size
        self.taxes: TaxCodes | None = None
        self.contacts: list[Contact] | None = None
        self.item_codes: set[str] | None = None
        self.done = 0
        self.total = 0
        self.text = ""

    def check(self) -> None:
        self.cancel.raise_if_cancelled()
        self.lease.check()

    def progress(self, text: str | None = None, advance: int = 0) -> None:
        self.done += advance
        if text is not None:
            self.text = text
        self.report(min(self.done, self.total), self.total, self.text)


class SyncEngine:
    """Plans and runs one sync of one connection. No Qt: the window runs it in a ``BackgroundTask``.

    Attributes: ``journal`` (``SyncJournal``, for the Sync Log), ``scope`` (package and tenant),
    ``options``. Collaborators are constructor arguments: the session factory, the provider (a
    ``SyncProvider`` such as ``XeroProvider``), the clock (``SystemClock`` unless a test speeds it up).
    """

    def __init__(
        self,
        connection: ConnectionInfo,
        session_factory: sessionmaker[Session],
        provider: SyncProvider,
        clock: SyncClock | None = None,
        *,
        options: SyncOptions | None = None,
    ) -> None:
        self.connection = connection
        self.package = AccountingPackage(connection.package)
        self.session_factory = session_factory
        self.provider = provider
        self.clock: SyncClock = clock or SystemClock()
        self.options = options or SyncOptions()
        self.journal = SyncJournal(session_factory, self.package)
        self._recorder = ConnectionRecorder(session_factory, connection.package)

    # ======================================================================================================
    # The public API
    # ======================================================================================================

    def run(
        self,
        report: ProgressReporter = ignore_progress,
        cancel: CancelToken | None = None,
        *,
        only: Collection[RecordKey] | None = None,
        pull: bool = True,
    ) -> SyncSummary:
        """Run one sync. Never raises for a known problem: the summary says what happened.

        ``only``: push just these records (and nothing else; no pull). ``pull`` False: push only (the
        background's debounced push of a change, between two payments checks).
        """
        cancel = cancel or CancelToken()
        run_id = str(uuid.uuid4())
        summary = SyncSummary(run_id=run_id, package_label=self.package.label, started_at=self.clock.now())
        journal = JournalWriter(run_id, self.package, self.connection.tenant_id)
        lease = SyncLeaseHolder(self.session_factory, self.package, run_id=run_id)
        limiter = self._limiter()
        calls_before = limiter.calls if limiter else 0
        waited_before = limiter.waited if limiter else 0.0
        try:
            lease.acquire()
        except LeaseHeld as held:
            summary.problem = str(held)
            summary.finished_at = self.clock.now()
            return summary
        lease.start_heartbeat()
        if limiter is not None:
            limiter.cancel = cancel
        run: _Run | None = None
        try:
            report(0, 0, f"Getting ready to sync with {self.package.label}")
            settings, scope = self._prepare()
            # Renews the sign-in and proves the organisation is still connected: a sync that cannot reach
            # the package, or whose consent is gone, stops here (exit 2) before doing anything.
            self.provider.check()
            batch = min(
                self.options.batch_size or self.provider.capabilities.max_batch,
                self.provider.capabilities.max_batch,
            )
            run = _Run(scope, settings, journal, summary, report, cancel, lease, max(1, batch))
            self._run_steps(run, only, pull=pull)
        except _CouldNotSync as problem:
            summary.problem = str(problem)
        except Cancelled as cancelled:
            summary.stopped = str(cancelled)
        except DailyLimitReached as limit:
            summary.stopped = str(limit)
        except LeaseLost as lost:
            summary.stopped = str(lost)
        except (AuthExpired, NotConfigured) as refused:
            summary.problem = str(refused)
        except Transient as network:
            if sum(summary.sent.values()) or sum(summary.linked.values()) or summary.pulled:
                summary.stopped = f"{network} What was sent before is kept; the rest goes at the next sync."
            else:
                summary.problem = str(network)
        except IntegrationError as other:
            summary.problem = str(other)
        finally:
            if limiter is not None:
                limiter.cancel = None
                summary.calls = limiter.calls - calls_before
                summary.waited_seconds = limiter.waited - waited_before
            outcome = SyncOutcome.FAILED if summary.problem or summary.stopped else SyncOutcome.SUCCEEDED
            if summary.problem or summary.stopped:
                journal.add(
                    SyncRecordType.INVOICE,
                    None,
                    f"Sync with {self.package.label}",
                    action=RUN,
                    outcome=outcome,
                    message=summary.problem or summary.stopped or "",
                )
            try:
                with self.session_factory() as session, session.begin():
                    journal.flush(session)
            finally:
                lease.release()
            summary.finished_at = self.clock.now()
        logger.info("Sync %s finished: %s", run_id, " ".join(summary.lines()))
        return summary

    def preview(self, *, only: Collection[RecordKey] | None = None) -> SyncPlan:
        """What the next run would send, with accounts and totals. Reads the database only."""
        try:
            with self.session_factory() as session:
                settings = self._snapshot(session)
                scope = Scope(self.package, self.connection.tenant_id, settings.start_date)
                taxes = self._cached_taxes(session) or _local_tax_names(session)
                return self._plan(session, scope, settings, taxes, only)
        except _CouldNotSync as problem:
            return SyncPlan(self.package.label, (), notes=(str(problem),))

    # ======================================================================================================
    # Preparing a run
    # ======================================================================================================

    def _limiter(self) -> XeroLimiter | None:
        http = getattr(self.provider, "http", None)
        limiter = getattr(http, "limiter", None)
        return limiter if isinstance(limiter, XeroLimiter) else None

    def _prepare(self) -> tuple[_Settings, Scope]:
        if self.provider.tenant.id != self.connection.tenant_id:
            raise _CouldNotSync(
                f"The connection is to {self.connection.tenant_name}, but the provider opened "
                f"{self.provider.tenant.name}."
            )
        with self.session_factory() as session:
            settings = self._snapshot(session)
        scope = Scope(self.package, self.connection.tenant_id, settings.start_date)
        return settings, scope

    def _snapshot(self, session: Session) -> _Settings:
        row = session.scalars(
            select(AccountingSettings)
            .options(selectinload(AccountingSettings.accounts))
            .where(AccountingSettings.package == self.package)
        ).one_or_none()
        if row is None:
            raise _CouldNotSync(
                f"The {self.package.label} accounting settings have not been saved yet: open Accounts "
                "Integration, choose the accounts and press Save Accounting Settings."
            )

        def chosen(role: SettingsAccountRole) -> AccountChoice | None:
            account = row.account_for(role)
            if account is None or not account.account_code:
                return None
            return AccountChoice(account.account_code, account.account_name)

        rules = InvoiceRules(
            individual_lines=row.push_individual_lines,
            lines_as_items=row.push_lines_as_items,
            work_undertaken=row.push_work_undertaken,
            reference_field=row.reference_field,
            labour_income=chosen(SettingsAccountRole.LABOUR_INCOME),
            materials_income=chosen(SettingsAccountRole.MATERIALS_INCOME),
            rounding=chosen(SettingsAccountRole.ROUNDING),
            tax_amount_settable=self.provider.capabilities.line_tax_amount_settable,
        )
        return _Settings(
            start_date=row.invoice_start_date,
            rules=rules,
            credit_note=chosen(SettingsAccountRole.CREDIT_NOTE),
            bad_debt=chosen(SettingsAccountRole.BAD_DEBT),
            supplier_invoice=chosen(SettingsAccountRole.SUPPLIER_INVOICE),
            supplier_expense=chosen(SettingsAccountRole.SUPPLIER_EXPENSE),
            receive_payments=chosen(SettingsAccountRole.RECEIVE_PAYMENTS),
            card_payments=chosen(SettingsAccountRole.CREDIT_CARD_PAYMENTS),
            default_payment_method_id=row.default_payment_method_id,
        )

    def _cached_taxes(self, session: Session) -> TaxCodes | None:
        cached = list(
            session.scalars(
                select(PackageTaxRate).where(
                    PackageTaxRate.package == self.package,
                    PackageTaxRate.tenant_id == self.connection.tenant_id,
                )
            )
        )
        if not cached:
            return None
        local = list(session.scalars(select(TaxRate)))
        return TaxCodes.match(local, cached)

    def _taxes(self, run: _Run) -> TaxCodes:
        """The package's tax codes: the refreshed chart's, else read from the package once per run."""
        if run.taxes is None:
            with self.session_factory() as session:
                run.taxes = self._cached_taxes(session)
                local = list(session.scalars(select(TaxRate)))
            if run.taxes is None:
                rates = self._read(run, "tax rates", self.provider.tax_rates)
                run.taxes = TaxCodes.match(local, rates)
        return run.taxes

    # ======================================================================================================
    # The steps of a run
    # ======================================================================================================

    def _run_steps(self, run: _Run, only: Collection[RecordKey] | None, *, pull: bool) -> None:
        scope = run.scope
        with self.session_factory() as session:
            counts = [
                len(due_contact_updates(session, scope, only)),
                len(due_invoices(session, scope, only)),
                len(due_credit_notes(session, scope, only)),
                len(due_payments(session, scope, only)),
                len(due_bills(session, scope, only)),
            ]
            if scope.start_date is None:
                run.summary.notes.append(
                    "No invoice start date is set, so no invoices, payments, credit notes or bills are sent: "
                    "set it in Accounts Integration."
                )
        pulling = pull and only is None and self.options.pull_payments
        run.total = sum(counts) + (1 if pulling else 0)
        if pulling:
            self._pull_changes(run)
        self._push_contact_updates(run, only)
        # Before the invoices: an invoice whose credit note was voided here may be voided next, and Xero
        # voids an invoice only once no credit is allocated to it.
        self._void_credit_notes(run, only)
        self._push_invoices(run, only)
        self._push_credit_notes(run, only)
        self._push_payments(run, only)
        self._push_bills(run, only)
        run.progress("Finished")

    # -- pulling payments ----------------------------------------------------------------------------------

    def _pull_changes(self, run: _Run) -> None:
        """Payments made, changed or deleted in the package, then invoices and credit notes voided there."""
        run.check()
        allowance = self.provider.allowance
        left = allowance.day_remaining if allowance is not None else None
        if left is not None and left < self.options.day_reserve:
            run.summary.notes.append(
                f"Payments in {self.package.label} were not checked: only {left} calls of today's "
                "allowance are left, kept for sending."
            )
            run.progress(advance=1)
            return
        run.progress(f"Checking payments made in {self.package.label}")
        checked_at = self.clock.now()
        if self._pull(run, f"Payments in {self.package.label}", self._pull_payment_pages):
            run.summary.payments_checked = True
            self._recorder.payments_checked(checked_at)
        run.progress(f"Checking invoices voided in {self.package.label}")
        for kind, what in ((DocumentKind.INVOICE, "invoices"), (DocumentKind.CREDIT_NOTE, "credit notes")):
            # Only documents we sent are followed: none sent, no call (Starter tier: 1,000 calls a day).
            if self._any_sent(run, kind):
                self._pull(run, f"Voided {what} in {self.package.label}", partial(self._pull_voids, kind))
        run.progress(advance=1)

    def _any_sent(self, run: _Run, kind: DocumentKind) -> bool:
        record_type = SyncRecordType.INVOICE if kind is DocumentKind.INVOICE else SyncRecordType.CREDIT_NOTE
        with self.session_factory() as session:
            return (
                session.scalars(
                    select(SyncRecord.id)
                    .where(
                        SyncRecord.package == run.scope.package,
                        SyncRecord.tenant_id == run.scope.tenant_id,
                        SyncRecord.record_type == record_type,
                        SyncRecord.remote_id.is_not(None),
                    )
                    .limit(1)
                ).first()
                is not None
            )

    def _pull(self, run: _Run, what: str, pull: Callable[[_Run], None]) -> bool:
        """One incremental pull, retried from its cursor after a passing fault (every page read so far is
        stored, and seeing one twice changes nothing); False when it is left for the next sync."""
        attempt = 0
        while True:
            try:
                pull(run)
                return True
            except RateLimited as limited:
                self._wait_for_rate_limit(run, limited)
            except OutcomeUnknown:
                raise
            except Transient as passing:
                attempt += 1
                if attempt >= self.options.retry.attempts:
                    run.summary.left_for_later.append(
                        f"{what} were not all checked ({passing}); the rest are checked at the next sync."
                    )
                    return False
                self.clock.sleep(self.options.retry.wait_before(attempt), run.cancel)

    def _pull_payment_pages(self, run: _Run) -> None:
        scope = run.scope

        def apply(session: Session, page: Sequence[RemotePayment]) -> None:
            default_method = (
                session.get(PaymentMethod, run.settings.default_payment_method_id)
                if run.settings.default_payment_method_id is not None
                else None
            )
            counts = apply_remote_payments(
                session, scope, page, default_method=default_method, journal=run.journal
            )
            run.summary.payments_recorded_here += counts.recorded
            run.summary.payments_deleted_here += counts.deleted
            run.summary.linked[SyncRecordType.PAYMENT] += counts.linked
            run.summary.failed[SyncRecordType.INVOICE] += counts.failed

        self._pull_pages(run, PAYMENTS_CURSOR, self.provider.payments_changed, apply)

    def _pull_voids(self, kind: DocumentKind, run: _Run) -> None:
        record_type = SyncRecordType.INVOICE if kind is DocumentKind.INVOICE else SyncRecordType.CREDIT_NOTE

        def apply(session: Session, page: Sequence[RemoteDocument]) -> None:
            counts = apply_remote_voids(
                session, run.scope, kind, page, package_label=self.package.label, journal=run.journal
            )
            run.summary.voided_here[record_type] += counts.voided_here
            run.summary.failed[record_type] += counts.failed

        self._pull_pages(
            run, VOIDS_CURSOR[kind], lambda since: self.provider.documents_voided(kind, since), apply
        )

    def _pull_pages(
        self,
        run: _Run,
        resource: str,
        pages: Callable[[dt.datetime | None], Iterable[Sequence[Any]]],
        apply: Callable[[Session, Sequence[Any]], None],
    ) -> None:
        """Read what changed since the cursor page by page; each page applied with the cursor moved on in
        one transaction, so a run stopped half-way starts again where it was."""
        with self.session_factory() as session:
            cursor = self._cursor(session, resource)
            since = cursor.since if cursor is not None else None
        # If-Modified-Since is at second precision and whether it compares > or >= is not documented
        # (xero.md 8): ask from a second before the newest change seen; seeing one twice changes nothing.
        ask_from = since - dt.timedelta(seconds=1) if since is not None else None
        newest = since
        for page in pages(ask_from):
            run.check()
            with self.session_factory() as session, session.begin():
                apply(session, page)
                for changed in page:
                    if changed.updated_at is not None and (newest is None or changed.updated_at > newest):
                        newest = changed.updated_at
                cursor = self._cursor(session, resource, create=True)
                assert cursor is not None
                cursor.since = newest
                run.journal.flush(session)

    def _cursor(self, session: Session, resource: str, *, create: bool = False) -> SyncCursor | None:
        cursor = session.scalars(
            select(SyncCursor).where(
                SyncCursor.package == self.package,
                SyncCursor.tenant_id == self.connection.tenant_id,
                SyncCursor.resource == resource,
            )
        ).one_or_none()
        if cursor is None and create:
            cursor = SyncCursor(package=self.package, tenant_id=self.connection.tenant_id, resource=resource)
            session.add(cursor)
        return cursor

    # -- reads with retries ------------------------------------------------------------------------------

    def _read(self, run: _Run, what: str, call: Callable[[], Any]) -> Any:
        """A read, retried on 429 (after the wait the package asks) and on passing faults."""
        attempt = 0
        while True:
            run.check()
            try:
                return call()
            except RateLimited as limited:
                self._wait_for_rate_limit(run, limited)
            except OutcomeUnknown:
                raise  # reads never raise it; a write must not be retried blindly
            except Transient as passing:
                attempt += 1
                if attempt >= self.options.retry.attempts:
                    raise
                logger.warning("Reading %s failed (%s); trying again", what, passing)
                self.clock.sleep(self.options.retry.wait_before(attempt), run.cancel)

    def _wait_for_rate_limit(self, run: _Run, limited: RateLimited) -> None:
        # The limiter saw the 429 and holds every call until Retry-After has passed; without one, wait here.
        if self._limiter() is None:
            self.clock.sleep(limited.retry_after, run.cancel)
        run.check()

    # -- contacts ------------------------------------------------------------------------------------------

    def _all_contacts(self, run: _Run, *, fresh: bool = False) -> list[Contact]:
        if run.contacts is None or fresh:
            run.contacts = self._read(
                run,
                "contacts",
                lambda: [contact for page in self.provider.contacts() for contact in page.contacts],
            )
        return run.contacts

    def _push_contact_updates(self, run: _Run, only: Collection[RecordKey] | None) -> None:
        with self.session_factory() as session:
            due = due_contact_updates(session, run.scope, only)
            if not due:
                return
            run.progress("Updating customers' contacts")
            customers = {
                c.id: c
                for c in session.scalars(
                    select(Customer).where(Customer.id.in_([item.key.local_id for item in due]))
                )
            }
            planned = [
                _Planned(
                    key=item.key,
                    revision=item.revision,
                    label=item.label,
                    payload=_customer_draft(customers[item.key.local_id], RemoteRef(item.remote_id or "")),
                )
                for item in due
                if item.key.local_id in customers
            ]
        write = _Write(
            operation="update contacts",
            action=UPDATE,
            send=lambda batch, key: self.provider.update_contacts(
                [p.payload for p in batch], request_key=key
            ),
        )
        self._push_all(run, planned, write)

    def _contacts_for_customers(self, run: _Run, customer_ids: Collection[int]) -> dict[int, RemoteRef | str]:
        """Each customer's contact (linked, matched, or created now), or why it cannot have one yet."""
        scope = run.scope
        answer: dict[int, RemoteRef | str] = {}
        if not customer_ids:
            return answer
        with self.session_factory() as session:
            keys = [RecordKey(SyncRecordType.CUSTOMER, cid) for cid in customer_ids]
            links = links_by_key(session, scope, keys)
            unlinked: list[Customer] = []
            customers = {
                c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(list(customer_ids))))
            }
            for cid, customer in customers.items():
                link = links.get(RecordKey(SyncRecordType.CUSTOMER, cid))
                if link is not None and link.remote_id:
                    answer[cid] = RemoteRef(link.remote_id)
                else:
                    unlinked.append(customer)
            if not unlinked:
                return answer
            parties = [customer_party(c, None) for c in unlinked]
            drafts = {c.id: _customer_draft(c, None) for c in unlinked}
            labels = {c.id: f"Customer {c.name}" for c in unlinked}
            revisions = {c.id: c.revision for c in unlinked}
            flying = {key.local_id for key, link in links.items() if in_flight(link.detail) is not None}
        run.progress("Matching customers with contacts")
        contacts = self._all_contacts(run, fresh=bool(flying))
        matches = self._match_customers(run, parties, contacts)
        self._settle_contact_matches(
            run,
            SyncRecordType.CUSTOMER,
            matches,
            drafts,
            labels,
            revisions,
            answer,
            review=lambda reason: (
                f"Needs review: {reason}. Choose the contact in Customers -> Import from Accounting Package; "
                "its invoices wait until then."
            ),
        )
        return answer

    def _match_customers(self, run: _Run, parties: list[Party], contacts: list[Contact]) -> list[Any]:
        with self.session_factory() as session:
            linked = {
                link.remote_id: link.local_id
                for link in session.scalars(
                    select(SyncRecord).where(
                        SyncRecord.package == run.scope.package,
                        SyncRecord.tenant_id == run.scope.tenant_id,
                        SyncRecord.record_type == SyncRecordType.CUSTOMER,
                        SyncRecord.remote_id.is_not(None),
                    )
                )
                if link.remote_id
            }
        index = PartyIndex(
            replace(contact_party(contact), linked_key=str(linked[contact.ref.remote_id]))
            if contact.ref.remote_id in linked
            else contact_party(contact)
            for contact in contacts
            if contact.active
        )
        report = match_all(parties, index, own_ids={party.key: party.key for party in parties})
        return report.matches

    def _look_up_contacts(self, run: _Run, batch: list[_Planned]) -> dict[RecordKey, WriteOutcome]:
        """Contacts we may have created: found again by the customer number we put in them."""
        contacts = self._all_contacts(run, fresh=True)
        by_number = {c.contact_number.strip().upper(): c for c in contacts if c.contact_number}
        found: dict[RecordKey, WriteOutcome] = {}
        for planned in batch:
            contact = by_number.get(planned.number.upper())
            if contact is not None:
                found[planned.key] = WriteOutcome(str(planned.key.local_id), ref=contact.ref)
        return found

    def _contacts_for_suppliers(self, run: _Run, supplier_ids: Collection[int]) -> dict[int, RemoteRef | str]:
        """Each supplier's contact: linked, matched by our supplier number / ABN / name..., or created."""
        scope = run.scope
        answer: dict[int, RemoteRef | str] = {}
        if not supplier_ids:
            return answer
        with self.session_factory() as session:
            keys = [RecordKey(SyncRecordType.SUPPLIER, sid) for sid in supplier_ids]
            links = links_by_key(session, scope, keys)
            suppliers = {
                s.id: s for s in session.scalars(select(Supplier).where(Supplier.id.in_(list(supplier_ids))))
            }
            if SUNDRY_SUPPLIER in supplier_ids:
                suppliers[SUNDRY_SUPPLIER] = _sundry_supplier()
            unlinked = []
            for sid, supplier in suppliers.items():
                link = links.get(RecordKey(SyncRecordType.SUPPLIER, sid))
                if link is not None and link.remote_id:
                    answer[sid] = RemoteRef(link.remote_id)
                else:
                    unlinked.append(supplier)
            if not unlinked:
                return answer
            parties = [
                Party(key=str(s.id), name=s.name, account_number=s.account_number, abn=s.abn, email=s.email)
                for s in unlinked
            ]
            drafts = {s.id: _supplier_draft(s) for s in unlinked}
            revisions = {s.id: s.revision for s in unlinked}
            labels = {s.id: f"Supplier {s.name}" for s in unlinked}
            linked_remote = {
                link.remote_id: link.local_id
                for link in session.scalars(
                    select(SyncRecord).where(
                        SyncRecord.package == scope.package,
                        SyncRecord.tenant_id == scope.tenant_id,
                        SyncRecord.record_type == SyncRecordType.SUPPLIER,
                        SyncRecord.remote_id.is_not(None),
                    )
                )
                if link.remote_id
            }
        contacts = self._all_contacts(run)
        index = PartyIndex(
            Party(
                key=c.ref.remote_id,
                name=c.name,
                account_number=c.account_number,
                abn=c.tax_number,
                email=c.email,
                linked_key=str(linked_remote[c.ref.remote_id]) if c.ref.remote_id in linked_remote else None,
                own_id=_supplier_id(c.contact_number),
            )
            for c in contacts
            if c.active
        )
        matches = match_all(parties, index, own_ids={p.key: p.key for p in parties}).matches
        self._settle_contact_matches(
            run,
            SyncRecordType.SUPPLIER,
            matches,
            drafts,
            labels,
            revisions,
            answer,
            review=lambda reason: f"Needs review: {reason}. Link the supplier to its contact by hand.",
        )
        return answer

    def _settle_contact_matches(
        self,
        run: _Run,
        record_type: SyncRecordType,
        matches: Sequence[Any],
        drafts: dict[int, ContactDraft],
        labels: dict[int, str],
        revisions: dict[int, int],
        answer: dict[int, RemoteRef | str],
        *,
        review: Callable[[str], str],
    ) -> None:
        """Link each party to its match, mark the contradicted ones for review, create contacts for the
        rest; ``answer`` gets each one's contact, or why it has none yet."""
        scope = run.scope
        to_create: list[_Planned] = []
        with self.session_factory() as session, session.begin():
            existing = links_by_key(session, scope, [RecordKey(record_type, local_id) for local_id in drafts])
            for match in matches:
                local_id = int(match.party.key)
                key = RecordKey(record_type, local_id)
                if match.partner is not None:
                    link = ensure_link(session, scope, key, existing)
                    self._linked(link, match.partner.key, revisions[local_id])
                    answer[local_id] = RemoteRef(match.partner.key)
                    run.summary.linked[record_type] += 1
                    run.journal.add(
                        record_type,
                        local_id,
                        labels[local_id],
                        action=LINK,
                        outcome=SyncOutcome.SUCCEEDED,
                        remote_id=match.partner.key,
                        message=f"Matched to the contact '{match.partner.name}' ({match.reason}); linked.",
                    )
                elif match.is_conflict:
                    link = ensure_link(session, scope, key, existing)
                    link.state = SyncState.NEEDS_REVIEW
                    link.message = review(match.reason)
                    answer[local_id] = link.message
                    run.summary.needs_review += 1
                    run.journal.add(
                        record_type,
                        local_id,
                        labels[local_id],
                        action=MATCH,
                        outcome=SyncOutcome.FAILED,
                        message=link.message,
                    )
                else:
                    draft = drafts[local_id]
                    to_create.append(
                        _Planned(
                            key, revisions[local_id], labels[local_id], draft, number=draft.contact_number
                        )
                    )
            run.journal.flush(session)
        if not to_create:
            return
        whose = "customers" if record_type is SyncRecordType.CUSTOMER else "suppliers"
        run.progress(f"Creating contacts for new {whose}")
        write = _Write(
            operation="create contacts",
            action=CREATE,
            send=lambda batch, key: self.provider.create_contacts(
                [p.payload for p in batch], request_key=key
            ),
            look_up=lambda batch: self._look_up_contacts(run, batch),
        )
        self._push_all(run, to_create, write)
        run.contacts = None  # read again when next needed: the new contacts are Xero's now
        with self.session_factory() as session:
            created = links_by_key(session, scope, [p.key for p in to_create])
        for planned in to_create:
            made = created.get(planned.key)
            if made is not None and made.remote_id:
                answer[planned.key.local_id] = RemoteRef(made.remote_id)
            else:
                answer[planned.key.local_id] = (
                    made.message if made is not None and made.message else None
                ) or "Its contact could not be created yet; it is tried again at the next sync."

    @staticmethod
    def _linked(link: SyncRecord, remote_id: str, revision: int) -> None:
        link.remote_id = remote_id
        link.pushed_revision = revision
        link.state = SyncState.SENT
        link.message = ""
        link.pushed_at = utcnow()
        set_detail(link, in_flight=None)

    # -- invoices ------------------------------------------------------------------------------------------

    def _push_invoices(self, run: _Run, only: Collection[RecordKey] | None) -> None:
        scope = run.scope
        with self.session_factory() as session:
            creates = [item for item in due_invoices(session, scope, only) if item.step is Step.CREATE]
        if creates:
            run.progress(f"Sending {len(creates)} new invoice(s)")
            with self.session_factory() as session:
                customer_ids = set(
                    session.scalars(
                        select(Invoice.customer_id).where(
                            Invoice.id.in_([i.key.local_id for i in creates]),
                            Invoice.status == InvoiceStatus.APPROVED,
                        )
                    )
                )
            contacts = self._contacts_for_customers(run, customer_ids)
            run.progress(f"Sending {len(creates)} new invoice(s)")
            for chunk in _chunks(creates, run.batch_size):
                self._send_invoice_batch(run, chunk, contacts, create=True)
        # Read again: a look-up above may have linked an invoice at an older revision (edited or voided
        # since the request whose answer was lost), which is then updated or voided now.
        with self.session_factory() as session:
            due = due_invoices(session, scope, only)
        updates = [item for item in due if item.step is Step.UPDATE]
        voids = [item for item in due if item.step is Step.VOID]
        if updates:
            run.progress(f"Updating {len(updates)} edited invoice(s)")
            with self.session_factory() as session:
                customer_ids = set(
                    session.scalars(
                        select(Invoice.customer_id).where(Invoice.id.in_([i.key.local_id for i in updates]))
                    )
                )
            # Linked already, unless the invoice was moved to another customer since it was sent.
            contacts = self._contacts_for_customers(run, customer_ids)
            run.progress(f"Updating {len(updates)} edited invoice(s)")
            for chunk in _chunks(updates, run.batch_size):
                self._send_invoice_batch(run, chunk, contacts, create=False)
        if voids:
            run.progress(f"Voiding {len(voids)} invoice(s)")
            planned = [
                _Planned(
                    key=item.key,
                    revision=item.revision,
                    label=item.label,
                    payload=DocumentRef(str(item.key.local_id), RemoteRef(item.remote_id or "")),
                )
                for item in voids
            ]
            write = _Write(
                operation="void invoices",
                action=VOID,
                send=lambda batch, key: self.provider.void_documents(
                    DocumentKind.INVOICE, [p.payload for p in batch], request_key=key
                ),
                recheck=lambda planned, outcome: self._recheck_void(run, planned, outcome),
                voiding=True,
            )
            self._push_all(run, planned, write)

    def _recheck_void(self, run: _Run, planned: _Planned, outcome: WriteOutcome) -> WriteOutcome:
        """A void refused as 'not of valid status' may already be done (an earlier attempt's answer lost)."""
        if outcome.ok or "valid status" not in (outcome.problem or ""):
            return outcome
        ref = planned.payload.ref
        remote = self._read(run, "the invoice", lambda: self.provider.get_document(DocumentKind.INVOICE, ref))
        if remote.status is DocumentStatus.VOIDED:
            return WriteOutcome(outcome.key, ref=remote.ref)
        return outcome

    def _invoice_query(self) -> Any:
        return select(Invoice).options(
            selectinload(Invoice.customer),
            selectinload(Invoice.job).selectinload(Job.job_type),
            selectinload(Invoice.lines).selectinload(InvoiceLine.tax_rate),
            selectinload(Invoice.lines).selectinload(InvoiceLine.material),
        )

    def _send_invoice_batch(
        self, run: _Run, chunk: list[DueItem], contacts: dict[int, RemoteRef | str], *, create: bool
    ) -> None:
        run.check()
        taxes = self._taxes(run)
        planned: list[_Planned] = []
        look_only: list[_Planned] = []
        failures: list[tuple[DueItem, str]] = []
        items: dict[str, ItemDraft] = {}
        with self.session_factory() as session:
            ids = [item.key.local_id for item in chunk]
            invoices = {
                inv.id: inv for inv in session.scalars(self._invoice_query().where(Invoice.id.in_(ids)))
            }
            links = links_by_key(session, run.scope, [item.key for item in chunk])
            for item in chunk:
                invoice = invoices.get(item.key.local_id)
                if invoice is None:
                    continue
                link = links.get(item.key)
                note = in_flight(link.detail if link is not None else None)
                if create and invoice.status is InvoiceStatus.VOIDED:
                    # Voided after a create whose fate is unknown: only find out whether Xero has it.
                    if note is not None:
                        look_only.append(
                            _Planned(
                                key=item.key,
                                revision=item.revision,
                                label=item.label,
                                payload=None,
                                number=invoice.number,
                                note=note,
                            )
                        )
                    continue
                contact = contacts.get(invoice.customer_id)
                if not isinstance(contact, RemoteRef):
                    failures.append((item, contact or "The customer's contact is not ready yet."))
                    continue
                ref = None if create else RemoteRef(item.remote_id or "")
                detail = detail_of(link.detail if link is not None else None)
                try:
                    mapped = map_invoice(
                        invoice,
                        contact=contact,
                        rules=run.settings.rules,
                        taxes=taxes,
                        line_ids=detail.get("lines") or {},
                        ref=ref,
                    )
                except MappingProblem as problem:
                    failures.append((item, str(problem)))
                    continue
                for draft in mapped.items:
                    items[draft.code] = draft
                planned.append(self._planned_document(item, mapped, note))
        self._fail_items(run, failures, CREATE if create else UPDATE)
        kind = DocumentKind.INVOICE
        if look_only:
            self._look_up_only(
                run, look_only, CREATE, lambda batch: self._look_up_documents(run, kind, batch)
            )
        if items:
            self._ensure_items(run, list(items.values()))
        if not planned:
            return
        if create:
            write = _Write(
                operation="create invoices",
                action=CREATE,
                send=lambda batch, key: self.provider.create_documents(
                    kind, [p.payload for p in batch], request_key=key
                ),
                look_up=lambda batch: self._look_up_documents(run, kind, batch),
            )
        else:
            write = _Write(
                operation="update invoices",
                action=UPDATE,
                send=lambda batch, key: self.provider.update_documents(
                    kind, [p.payload for p in batch], request_key=key
                ),
            )
        self._push_batch(run, planned, write)

    def _look_up_only(self, run: _Run, planned: list[_Planned], action: str, look_up: LookUp) -> None:
        """Records whose create's fate is unknown but which are no longer to be sent (voided, deleted):
        link them if the package has them (so the void or delete follows), else forget the note."""
        write = _Write(operation="look up", action=action, send=lambda batch, key: [], look_up=look_up)
        remaining = self._resolve_by_look_up(run, write, planned, planned, count=False)
        if not remaining:
            return
        with self.session_factory() as session, session.begin():
            links = links_by_key(session, run.scope, [p.key for p in remaining])
            for one in remaining:
                link = links.get(one.key)
                if link is not None:
                    set_detail(link, in_flight=None)
                    link.state = SyncState.WAITING
                    link.message = ""

    @staticmethod
    def _planned_document(item: DueItem, mapped: MappedDocument, note: dict[str, Any] | None) -> _Planned:
        document: Document = mapped.document
        return _Planned(
            key=item.key,
            revision=item.revision,
            label=item.label,
            payload=document,
            number=document.number,
            contact_id=document.contact.remote_id,
            total=mapped.total,
            line_keys=mapped.line_keys,
            note=note,
        )

    def _link_of(self, session: Session, key: RecordKey) -> SyncRecord | None:
        return links_by_key(session, self._scope(), [key]).get(key)

    def _scope(self) -> Scope:
        return Scope(self.package, self.connection.tenant_id, None)

    def _look_up_documents(
        self, run: _Run, kind: DocumentKind, batch: list[_Planned]
    ) -> dict[RecordKey, WriteOutcome]:
        """Documents we may have created: by number, then the same contact and total (bills: numbers are
        not unique in Xero, so the contact is part of the search)."""
        expected: dict[str, list[_Planned]] = {}
        for planned in batch:
            number = str((planned.note or {}).get("number") or planned.number)
            expected.setdefault(number, []).append(planned)
        contact_ids = (
            sorted({str((p.note or {}).get("contact") or p.contact_id) for p in batch})
            if kind is DocumentKind.SUPPLIER_BILL
            else []
        )
        remote: list[RemoteDocument] = self._read(
            run,
            "documents",
            lambda: self.provider.find_documents(kind, list(expected), contact_ids=contact_ids),
        )
        found: dict[RecordKey, WriteOutcome] = {}
        for document in remote:
            if document.status in (DocumentStatus.DELETED,):
                continue
            for planned in expected.get(document.number, []):
                note = planned.note or {}
                contact = str(note.get("contact") or planned.contact_id)
                total = Decimal(str(note.get("total"))) if note.get("total") is not None else planned.total
                if document.contact_id == contact and document.total == total and planned.key not in found:
                    found[planned.key] = WriteOutcome(
                        str(planned.key.local_id),
                        ref=document.ref,
                        line_ids=document.line_ids,
                        total=document.total,
                    )
        return found

    # -- items (invoice lines as items) --------------------------------------------------------------------

    def _ensure_items(self, run: _Run, drafts: list[ItemDraft]) -> None:
        if run.item_codes is None:
            items = self._read(run, "items", self.provider.items)
            run.item_codes = {item.code.upper() for item in items}
        missing = [d for d in drafts if d.code.upper() not in run.item_codes]
        if not missing:
            return
        planned = [
            _Planned(
                key=RecordKey(
                    SyncRecordType.MATERIAL if d.key.startswith("material:") else SyncRecordType.JOB_TYPE,
                    int(d.key.split(":", 1)[1]) if ":" in d.key else 0,
                ),
                revision=1,
                label=f"Item {d.code} ({d.name})",
                payload=d,
                number=d.code,
            )
            for d in missing
        ]

        def look_up(batch: list[_Planned]) -> dict[RecordKey, WriteOutcome]:
            items = self._read(run, "items", self.provider.items)
            by_code = {item.code.upper(): item for item in items}
            return {
                p.key: WriteOutcome(p.payload.key, ref=RemoteRef(by_code[p.number.upper()].remote_id))
                for p in batch
                if p.number.upper() in by_code
            }

        write = _Write(
            operation="create items",
            action=CREATE,
            send=lambda batch, key: self.provider.create_items([p.payload for p in batch], request_key=key),
            look_up=look_up,
        )
        self._push_all(run, planned, write, count=False)
        # An item is needed only by its code: once Xero has the code, the lines can name it.
        run.item_codes.update(d.code.upper() for d in missing)

    # -- credit notes ---------------------------------------------------------------------------------------

    def _push_credit_notes(self, run: _Run, only: Collection[RecordKey] | None) -> None:
        scope = run.scope
        with self.session_factory() as session:
            due = due_credit_notes(session, scope, only)
        creates = [item for item in due if item.step is Step.CREATE]
        if creates:
            run.progress(f"Sending {len(creates)} credit note(s)")
            taxes = self._taxes(run)
            with self.session_factory() as session:
                notes = {
                    n.id: n
                    for n in session.scalars(
                        select(CreditNote)
                        .options(
                            selectinload(CreditNote.invoice).selectinload(Invoice.lines),
                            selectinload(CreditNote.tax_rate),
                        )
                        .where(CreditNote.id.in_([i.key.local_id for i in creates]))
                    )
                }
                customer_ids = {note.customer_id for note in notes.values()}
            contacts = self._contacts_for_customers(run, customer_ids)
            planned: list[_Planned] = []
            look_only: list[_Planned] = []
            failures: list[tuple[DueItem, str]] = []
            with self.session_factory() as session:
                links = links_by_key(session, scope, [i.key for i in creates])
                for item in creates:
                    note = session.scalars(
                        select(CreditNote)
                        .options(selectinload(CreditNote.invoice).selectinload(Invoice.lines))
                        .where(CreditNote.id == item.key.local_id)
                    ).one()
                    link = links.get(item.key)
                    flying = in_flight(link.detail if link else None)
                    if note.voided:
                        # Voided after a create whose fate is unknown: only find out whether Xero has it.
                        if flying is not None:
                            look_only.append(
                                _Planned(
                                    item.key, item.revision, item.label, None, number=note.number, note=flying
                                )
                            )
                        continue
                    contact = contacts.get(note.customer_id)
                    account = run.settings.bad_debt if note.is_bad_debt else run.settings.credit_note
                    if not isinstance(contact, RemoteRef):
                        failures.append((item, contact or "The customer's contact is not ready yet."))
                        continue
                    if account is None:
                        role = (
                            SettingsAccountRole.BAD_DEBT
                            if note.is_bad_debt
                            else SettingsAccountRole.CREDIT_NOTE
                        )
                        failures.append((item, f"Choose the {role.label} in Accounts Integration."))
                        continue
                    try:
                        mapped = map_credit_note(note, contact=contact, account=account, taxes=taxes)
                    except MappingProblem as problem:
                        failures.append((item, str(problem)))
                        continue
                    planned.append(self._planned_document(item, mapped, flying))
            self._fail_items(run, failures, CREATE)
            kind = DocumentKind.CREDIT_NOTE
            if look_only:
                self._look_up_only(
                    run, look_only, CREATE, lambda batch: self._look_up_documents(run, kind, batch)
                )
            write = _Write(
                operation="create credit notes",
                action=CREATE,
                send=lambda batch, key: self.provider.create_documents(
                    kind, [p.payload for p in batch], request_key=key
                ),
                look_up=lambda batch: self._look_up_documents(run, kind, batch),
                partial=True,
            )
            self._push_all(run, planned, write, count=False)
        with self.session_factory() as session:
            allocations = [i for i in due_credit_notes(session, scope, only) if i.step is Step.ALLOCATE]
        for item in allocations:
            self._allocate(run, item)

    def _void_credit_notes(self, run: _Run, only: Collection[RecordKey] | None) -> None:
        """Credit notes voided here that Xero holds: their allocations are removed, then they are voided
        (Xero voids only an unallocated note, xero.md 4.6). One at a time: voids are rare."""
        with self.session_factory() as session:
            voids = [i for i in due_credit_notes(session, run.scope, only) if i.step is Step.VOID]
        if not voids:
            return
        run.progress(f"Voiding {len(voids)} credit note(s)")
        kind = DocumentKind.CREDIT_NOTE

        def send(batch: list[_Planned], key: str) -> list[WriteOutcome]:
            outcomes: list[WriteOutcome] = []
            for planned in batch:
                ref: RemoteRef = planned.payload.ref
                remote = self.provider.get_document(kind, ref)
                if remote.status is DocumentStatus.VOIDED:
                    outcomes.append(WriteOutcome(planned.payload.key, ref=ref))
                    continue
                for allocation in remote.allocations:
                    self.provider.remove_allocation(ref, allocation.ref)
                    run.journal.add(
                        SyncRecordType.CREDIT_NOTE,
                        planned.key.local_id,
                        planned.label,
                        action=ALLOCATE,
                        outcome=SyncOutcome.SUCCEEDED,
                        remote_id=allocation.ref.remote_id,
                        message=f"Allocation of {format_money(allocation.amount)} removed in "
                        f"{self.package.label}, so the credit note can be voided.",
                    )
                outcomes.extend(self.provider.void_documents(kind, [planned.payload], request_key=key))
            return outcomes

        write = _Write(operation="void credit notes", action=VOID, send=send, voiding=True)
        for item in voids:
            planned = _Planned(
                key=item.key,
                revision=item.revision,
                label=item.label,
                payload=DocumentRef(str(item.key.local_id), RemoteRef(item.remote_id or "")),
            )
            self._push_batch(run, [planned], write)

    def _allocate(self, run: _Run, item: DueItem) -> None:
        run.check()
        with self.session_factory() as session:
            note = session.get(CreditNote, item.key.local_id)
            assert note is not None
            invoice_link = self._link_of(session, RecordKey(SyncRecordType.INVOICE, note.invoice_id))
            link = self._link_of(session, item.key)
            if invoice_link is None or not invoice_link.remote_id or link is None or not link.remote_id:
                return
            invoice_ref = RemoteRef(invoice_link.remote_id)
            note_ref = RemoteRef(link.remote_id)
            amount, on = note.total, note.date
            flying = in_flight(link.detail)
        planned = _Planned(
            key=item.key,
            revision=item.revision,
            label=item.label,
            payload=note_ref,
            total=amount,
            document=invoice_ref,
            note=flying,
        )

        def send(batch: list[_Planned], key: str) -> list[WriteOutcome]:
            try:
                allocation = self.provider.allocate_credit(note_ref, invoice_ref, amount, on, request_key=key)
            except RejectedByPackage as refused:
                if isinstance(refused, RequestKeyReused):
                    raise
                return [WriteOutcome(str(item.key.local_id), problem=str(refused))]
            logger.debug("Allocated %s as %s", item.label, allocation.remote_id)
            return [WriteOutcome(str(item.key.local_id), ref=note_ref)]

        def look_up(batch: list[_Planned]) -> dict[RecordKey, WriteOutcome]:
            remote = self._read(
                run, "the credit note", lambda: self.provider.get_document(DocumentKind.CREDIT_NOTE, note_ref)
            )
            for allocation in remote.allocations:
                if allocation.document_id == invoice_ref.remote_id and allocation.amount == amount:
                    return {item.key: WriteOutcome(str(item.key.local_id), ref=note_ref)}
            return {}

        write = _Write(operation="allocate credit", action=ALLOCATE, send=send, look_up=look_up)
        self._push_batch(run, [planned], write)

    # -- payments ------------------------------------------------------------------------------------------

    def _push_payments(self, run: _Run, only: Collection[RecordKey] | None) -> None:
        scope = run.scope
        with self.session_factory() as session:
            creates = [item for item in due_payments(session, scope, only) if item.step is Step.CREATE]
        if creates:
            run.progress(f"Recording {len(creates)} payment(s)")
            planned: list[_Planned] = []
            look_only: list[_Planned] = []
            failures: list[tuple[DueItem, str]] = []
            with self.session_factory() as session:
                payments = {
                    p.id: p
                    for p in session.scalars(
                        select(Payment)
                        .options(selectinload(Payment.payment_method), selectinload(Payment.invoice))
                        .where(Payment.id.in_([i.key.local_id for i in creates]))
                    )
                }
                links = links_by_key(session, scope, [i.key for i in creates])
                invoice_links = links_by_key(
                    session,
                    scope,
                    [RecordKey(SyncRecordType.INVOICE, p.invoice_id) for p in payments.values()],
                )
                for item in creates:
                    payment = payments[item.key.local_id]
                    invoice_link = invoice_links.get(RecordKey(SyncRecordType.INVOICE, payment.invoice_id))
                    assert invoice_link is not None and invoice_link.remote_id
                    document = RemoteRef(invoice_link.remote_id)
                    link = links.get(item.key)
                    note = in_flight(link.detail if link else None)
                    if payment.deleted:
                        # Deleted after a send whose fate is unknown: find out whether Xero has it.
                        look_only.append(
                            _Planned(
                                key=item.key,
                                revision=item.revision,
                                label=item.label,
                                payload=None,
                                total=payment.amount,
                                document=document,
                                note=note,
                            )
                        )
                        continue
                    try:
                        account = self._deposit_account(run, payment)
                    except MappingProblem as problem:
                        failures.append((item, str(problem)))
                        continue
                    draft = PaymentDraft(
                        key=str(payment.id),
                        document=document,
                        amount=payment.amount,
                        date=payment.date,
                        account_code=account.code,
                        reference=payment_reference(payment),
                    )
                    planned.append(
                        _Planned(
                            key=item.key,
                            revision=item.revision,
                            label=item.label,
                            payload=draft,
                            total=payment.amount,
                            document=document,
                            note=note,
                        )
                    )
            self._fail_items(run, failures, PAY)
            if look_only:
                self._look_up_only(run, look_only, PAY, lambda batch: self._look_up_payments(run, batch))
            write = _Write(
                operation="create payments",
                action=PAY,
                send=lambda batch, key: self.provider.create_payments(
                    [p.payload for p in batch], request_key=key
                ),
                look_up=lambda batch: self._look_up_payments(run, batch),
            )
            self._push_all(run, planned, write)
        with self.session_factory() as session:
            deletes = [item for item in due_payments(session, scope, only) if item.step is Step.DELETE]
        if deletes:
            run.progress(f"Deleting {len(deletes)} payment(s)")
            for item in deletes:
                self._delete_payment(run, item)

    def _deposit_account(self, run: _Run, payment: Payment) -> AccountChoice:
        return deposit_account_for(
            payment,
            receive_payments=run.settings.receive_payments,
            card_payments=run.settings.card_payments,
        )

    def _look_up_payments(self, run: _Run, batch: list[_Planned]) -> dict[RecordKey, WriteOutcome]:
        """Payments we may have recorded: on their invoice, by our Reference and the amount."""
        found: dict[RecordKey, WriteOutcome] = {}
        by_invoice: dict[str, list[_Planned]] = {}
        for planned in batch:
            assert planned.document is not None
            by_invoice.setdefault(planned.document.remote_id, []).append(planned)
        for invoice_id, waiting in by_invoice.items():
            remote = self._read(run, "the invoice", partial(self._invoice, RemoteRef(invoice_id)))
            for planned in waiting:
                for payment in remote.payments:
                    if planned.total is not None and matches_own(
                        payment, planned.key.local_id, planned.total
                    ):
                        found[planned.key] = WriteOutcome(str(planned.key.local_id), ref=payment.ref)
                        break
        return found

    def _invoice(self, ref: RemoteRef) -> RemoteDocument:
        return self.provider.get_document(DocumentKind.INVOICE, ref)

    def _delete_payment(self, run: _Run, item: DueItem) -> None:
        ref = RemoteRef(item.remote_id or "")

        def send(batch: list[_Planned], key: str) -> list[WriteOutcome]:
            try:
                self.provider.delete_payment(ref, request_key=key)
            except NotFound:
                return [WriteOutcome(str(item.key.local_id), ref=ref)]  # gone already: nothing to delete
            except RejectedByPackage as refused:
                if isinstance(refused, RequestKeyReused):
                    raise
                if "already been deleted" in str(refused):
                    return [WriteOutcome(str(item.key.local_id), ref=ref)]
                return [WriteOutcome(str(item.key.local_id), problem=str(refused))]
            return [WriteOutcome(str(item.key.local_id), ref=ref)]

        planned = _Planned(key=item.key, revision=item.revision, label=item.label, payload=ref)
        self._push_batch(run, [planned], _Write(operation="delete payment", action=DELETE, send=send))

    # -- supplier invoices and expenses --------------------------------------------------------------------

    def _push_bills(self, run: _Run, only: Collection[RecordKey] | None) -> None:
        scope = run.scope
        with self.session_factory() as session:
            due = due_bills(session, scope, only)
        if not due:
            return
        run.progress(f"Sending {len(due)} supplier invoice(s) and expense(s)")
        taxes = self._taxes(run)
        with self.session_factory() as session:
            bill_ids = [i.key.local_id for i in due if i.key.record_type is SyncRecordType.SUPPLIER_INVOICE]
            expense_ids = [i.key.local_id for i in due if i.key.record_type is SyncRecordType.EXPENSE]
            bills = {
                b.id: b
                for b in session.scalars(
                    select(SupplierInvoice)
                    .options(selectinload(SupplierInvoice.lines))
                    .where(SupplierInvoice.id.in_(bill_ids))
                )
            }
            expenses = {
                e.id: e
                for e in session.scalars(
                    select(Expense).options(selectinload(Expense.job)).where(Expense.id.in_(expense_ids))
                )
            }
            supplier_ids = {b.supplier_id for b in bills.values()} | {
                e.supplier_id if e.supplier_id is not None else SUNDRY_SUPPLIER for e in expenses.values()
            }
        contacts = self._contacts_for_suppliers(run, supplier_ids)
        creates: list[_Planned] = []
        updates: list[_Planned] = []
        failures: list[tuple[DueItem, str]] = []
        with self.session_factory() as session:
            links = links_by_key(session, scope, [i.key for i in due])
            for item in due:
                link = links.get(item.key)
                detail = detail_of(link.detail if link else None)
                ref = RemoteRef(item.remote_id) if item.remote_id else None
                try:
                    if item.key.record_type is SyncRecordType.SUPPLIER_INVOICE:
                        bill = session.scalars(
                            select(SupplierInvoice)
                            .options(selectinload(SupplierInvoice.lines))
                            .where(SupplierInvoice.id == item.key.local_id)
                        ).one()
                        contact = contacts.get(bill.supplier_id)
                        if not isinstance(contact, RemoteRef):
                            failures.append((item, contact or "The supplier's contact is not ready yet."))
                            continue
                        mapped = map_supplier_invoice(
                            bill,
                            contact=contact,
                            default_account=run.settings.supplier_invoice,
                            taxes=taxes,
                            line_ids=detail.get("lines") or {},
                            ref=ref,
                        )
                    else:
                        expense = session.scalars(
                            select(Expense)
                            .options(selectinload(Expense.job))
                            .where(Expense.id == item.key.local_id)
                        ).one()
                        contact = contacts.get(
                            expense.supplier_id if expense.supplier_id is not None else SUNDRY_SUPPLIER
                        )
                        if not isinstance(contact, RemoteRef):
                            failures.append((item, contact or "The supplier's contact is not ready yet."))
                            continue
                        mapped = map_expense(
                            expense,
                            contact=contact,
                            default_account=run.settings.supplier_expense,
                            taxes=taxes,
                            line_ids=detail.get("lines") or {},
                            ref=ref,
                        )
                except MappingProblem as problem:
                    failures.append((item, str(problem)))
                    continue
                target = updates if ref is not None else creates
                target.append(self._planned_document(item, mapped, in_flight(link.detail if link else None)))
        self._fail_items(run, failures, CREATE)
        kind = DocumentKind.SUPPLIER_BILL
        if creates:
            self._push_all(
                run,
                creates,
                _Write(
                    operation="create bills",
                    action=CREATE,
                    send=lambda batch, key: self.provider.create_documents(
                        kind, [p.payload for p in batch], request_key=key
                    ),
                    look_up=lambda batch: self._look_up_documents(run, kind, batch),
                ),
            )
        if updates:
            self._push_all(
                run,
                updates,
                _Write(
                    operation="update bills",
                    action=UPDATE,
                    send=lambda batch, key: self.provider.update_documents(
                        kind, [p.payload for p in batch], request_key=key
                    ),
                ),
            )

    # ======================================================================================================
    # Writing a batch, exactly once
    # ======================================================================================================

    def _push_all(self, run: _Run, planned: Sequence[_Planned], write: _Write, *, count: bool = True) -> None:
        for chunk in _chunks(list(planned), run.batch_size):
            self._push_batch(run, chunk, write, count=count)

    def _push_batch(self, run: _Run, batch: list[_Planned], write: _Write, *, count: bool = True) -> None:
        """Send one batch until every record in it has a definite outcome, or leave it for the next run.

        Records noted as in flight (a crash, or an earlier answer lost) are looked up first; after an
        ambiguous failure the batch is looked up, and only the records not found are sent again.
        """
        pending = list(batch)
        if write.look_up is not None:
            flying = [p for p in pending if p.note is not None]
            if flying:
                pending = self._resolve_by_look_up(run, write, pending, flying)
        attempt = 0
        generation = 0
        refused = self._refusals(run, pending)
        while pending:
            run.check()
            members = [(p.key.record_type.value, p.key.local_id, p.revision) for p in pending]
            key = request_key(
                write.operation,
                members,
                body=[p.payload for p in pending],
                generation=generation,
                refusals=[(p.key.record_type.value, p.key.local_id, refused.get(p.key, 0)) for p in pending],
            )
            if write.look_up is not None:
                limiter = self._limiter()
                if limiter is not None:
                    limiter.wait_for_turn()  # a cancel while waiting sends nothing and notes nothing
                self._mark_in_flight(run, pending, key)
            try:
                outcomes = write.send(pending, key)
            except RateLimited as limited:
                self._wait_for_rate_limit(run, limited)
                continue
            except RequestKeyReused as reused:
                logger.warning("%s: %s", write.operation, reused)
                generation += 1
                attempt += 1
                if attempt >= self.options.retry.attempts:
                    self._give_up(run, pending, write, str(reused))
                    return
                if write.look_up is not None:
                    pending = self._resolve_by_look_up(run, write, pending, pending)
                continue
            except OutcomeUnknown as unknown:
                attempt += 1
                self._journal_retrying(run, pending, write, str(unknown))
                if attempt >= self.options.retry.attempts:
                    self._give_up(run, pending, write, str(unknown))
                    return
                self.clock.sleep(self.options.retry.wait_before(attempt), run.cancel)
                run.check()
                if unknown.answered:
                    generation += 1
                if write.look_up is not None:
                    pending = self._resolve_by_look_up(run, write, pending, pending)
                continue
            except Transient as passing:
                attempt += 1
                self._journal_retrying(run, pending, write, str(passing))
                if attempt >= self.options.retry.attempts:
                    self._give_up(run, pending, write, str(passing))
                    return
                self.clock.sleep(self.options.retry.wait_before(attempt), run.cancel)
                continue
            except RejectedByPackage as refused:
                if len(pending) > 1:
                    # The whole request was refused: send each record alone, so one bad record fails alone.
                    for one in pending:
                        self._push_batch(run, [one], write, count=count)
                    return
                outcomes = [WriteOutcome(str(pending[0].key.local_id), problem=str(refused))]
            if write.recheck is not None:
                outcomes = [write.recheck(p, o) for p, o in zip(pending, outcomes, strict=True)]
            self._record(run, pending, outcomes, write, count=count)
            return

    def _refusals(self, run: _Run, pending: list[_Planned]) -> dict[RecordKey, int]:
        """How often the package refused each record: a refused record is sent again under a new key, as
        Xero replays a refusal for six minutes to a request repeating its key (xero.md 3.2)."""
        with self.session_factory() as session:
            links = links_by_key(session, run.scope, [p.key for p in pending])
        return {key: int(detail_of(link.detail).get("refused") or 0) for key, link in links.items()}

    def _resolve_by_look_up(
        self,
        run: _Run,
        write: _Write,
        pending: list[_Planned],
        to_check: list[_Planned],
        *,
        count: bool = True,
    ) -> list[_Planned]:
        """Link the records the package already holds; answer those still to send."""
        assert write.look_up is not None
        run.progress(f"Checking {self.package.label} for records sent before")
        found = write.look_up(to_check)
        if found:
            hits = [p for p in to_check if p.key in found]
            self._record(run, hits, [found[p.key] for p in hits], write, looked_up=True, count=count)
        return [p for p in pending if p.key not in found]

    def _mark_in_flight(self, run: _Run, pending: list[_Planned], key: str) -> None:
        """Note the request on each record's link, committed before the request leaves."""
        now = utcnow()
        with self.session_factory() as session, session.begin():
            links = links_by_key(session, run.scope, [p.key for p in pending])
            for planned in pending:
                link = ensure_link(session, run.scope, planned.key, links)
                note = {
                    "key": key,
                    "revision": planned.revision,
                    "number": planned.number,
                    "contact": planned.contact_id,
                    "total": str(planned.total) if planned.total is not None else None,
                    "at": now.isoformat(timespec="seconds"),
                }
                if planned.note is not None:
                    # Keep what the first, unanswered request said: that is what to look for.
                    note = {**note, **{k: v for k, v in planned.note.items() if k != "key"}}
                planned.note = note
                set_detail(link, in_flight={k: v for k, v in note.items() if v is not None})
                link.attempts += 1
                link.last_attempt_at = now

    def _record(
        self,
        run: _Run,
        pending: list[_Planned],
        outcomes: list[WriteOutcome],
        write: _Write,
        *,
        looked_up: bool = False,
        count: bool = True,
    ) -> None:
        """Store each record's outcome and its journal row in one transaction."""
        now = utcnow()
        with self.session_factory() as session, session.begin():
            links = links_by_key(session, run.scope, [p.key for p in pending])
            for planned, outcome in zip(pending, outcomes, strict=True):
                link = ensure_link(session, run.scope, planned.key, links)
                link.last_attempt_at = now
                record_type = planned.key.record_type
                if outcome.ok and outcome.ref is not None:
                    note = in_flight(link.detail) or planned.note or {}
                    revision = int(note.get("revision", planned.revision)) if looked_up else planned.revision
                    link.remote_id = (
                        outcome.ref.remote_id if write.action not in (ALLOCATE,) else link.remote_id
                    )
                    link.state = SyncState.SENT
                    link.message = ""
                    link.pushed_at = now
                    if write.partial:
                        link.state = SyncState.WAITING
                    else:
                        link.pushed_revision = max(link.pushed_revision, revision)
                    changes: dict[str, Any] = {"in_flight": None}
                    if (
                        outcome.line_ids
                        and planned.line_keys
                        and len(outcome.line_ids) == len(planned.line_keys)
                    ):
                        changes["lines"] = dict(zip(planned.line_keys, outcome.line_ids, strict=True))
                    set_detail(link, **changes)
                    if looked_up:
                        run.summary.linked[record_type] += 1
                    elif count:
                        run.summary.sent[record_type] += 1
                    run.journal.add(
                        record_type,
                        planned.key.local_id,
                        planned.label,
                        action=LOOK_UP if looked_up else write.action,
                        outcome=SyncOutcome.SUCCEEDED,
                        remote_id=outcome.ref.remote_id,
                        message=(
                            f"Found in {self.package.label} (sent by an earlier attempt whose answer was "
                            "lost) and linked; not sent again."
                            if looked_up
                            else ""
                        ),
                    )
                else:
                    message = plain_reason(
                        outcome.problem or "Refused without a reason.", voiding=write.voiding
                    )
                    link.state = SyncState.FAILED
                    link.message = message
                    refusals = int(detail_of(link.detail).get("refused") or 0) + 1
                    set_detail(link, in_flight=None, refused=refusals)
                    run.summary.failed[record_type] += 1
                    run.journal.add(
                        record_type,
                        planned.key.local_id,
                        planned.label,
                        action=write.action,
                        outcome=SyncOutcome.FAILED,
                        message=message,
                    )
            run.journal.flush(session)
        run.progress(advance=len(pending) if count else 0)

    def _journal_retrying(self, run: _Run, pending: list[_Planned], write: _Write, message: str) -> None:
        with self.session_factory() as session, session.begin():
            for planned in pending:
                run.journal.add(
                    planned.key.record_type,
                    planned.key.local_id,
                    planned.label,
                    action=write.action,
                    outcome=SyncOutcome.RETRYING,
                    message=message,
                )
            run.journal.flush(session)

    def _give_up(self, run: _Run, pending: list[_Planned], write: _Write, message: str) -> None:
        """Leave the batch for the next run (its in-flight note stays, so it is looked up first)."""
        text = f"{message} It is checked and sent again at the next sync."
        with self.session_factory() as session, session.begin():
            links = links_by_key(session, run.scope, [p.key for p in pending])
            for planned in pending:
                link = ensure_link(session, run.scope, planned.key, links)
                link.state = SyncState.FAILED
                link.message = text
                run.summary.failed[planned.key.record_type] += 1
                run.journal.add(
                    planned.key.record_type,
                    planned.key.local_id,
                    planned.label,
                    action=write.action,
                    outcome=SyncOutcome.FAILED,
                    message=text,
                )
            run.journal.flush(session)
        run.progress(advance=len(pending))

    def _fail_items(self, run: _Run, failures: list[tuple[DueItem, str]], action: str) -> None:
        """Records that cannot be sent as they stand (no account chosen, customer needs review...)."""
        if not failures:
            return
        with self.session_factory() as session, session.begin():
            links = links_by_key(session, run.scope, [item.key for item, _ in failures])
            for item, message in failures:
                link = ensure_link(session, run.scope, item.key, links)
                link.state = SyncState.FAILED
                link.message = message
                link.last_attempt_at = utcnow()
                run.summary.failed[item.key.record_type] += 1
                run.journal.add(
                    item.key.record_type,
                    item.key.local_id,
                    item.label,
                    action=action,
                    outcome=SyncOutcome.FAILED,
                    message=message,
                )
            run.journal.flush(session)
        run.progress(advance=len(failures))

    # ======================================================================================================
    # Preview
    # ======================================================================================================

    def _plan(
        self,
        session: Session,
        scope: Scope,
        settings: _Settings,
        taxes: TaxCodes,
        only: Collection[RecordKey] | None,
    ) -> SyncPlan:
        changes: list[PlannedChange] = []
        new_contacts: dict[int, str] = {}
        customer_links = {
            link.local_id: link
            for link in session.scalars(
                select(SyncRecord).where(
                    SyncRecord.package == scope.package,
                    SyncRecord.tenant_id == scope.tenant_id,
                    SyncRecord.record_type == SyncRecordType.CUSTOMER,
                )
            )
        }
        placeholder = RemoteRef("(new contact)")
        for item in due_contact_updates(session, scope, only):
            changes.append(PlannedChange(item.key, "Update contact", item.label))
        due = due_invoices(session, scope, only)
        invoices = {
            inv.id: inv
            for inv in session.scalars(
                self._invoice_query().where(Invoice.id.in_([i.key.local_id for i in due]))
            )
        }
        links = links_by_key(session, scope, [i.key for i in due])
        for item in due:
            invoice = invoices[item.key.local_id]
            if item.step is Step.VOID:
                changes.append(
                    PlannedChange(item.key, "Void", item.label, invoice.customer.name, invoice.total)
                )
                continue
            link = customer_links.get(invoice.customer_id)
            if link is None or not link.remote_id:
                new_contacts[invoice.customer_id] = invoice.customer.name
            detail = detail_of(links[item.key].detail if item.key in links else None)
            problem: str | None = None
            postings: tuple[Any, ...] = ()
            lines: tuple[str, ...] = ()
            if link is not None and link.state is SyncState.NEEDS_REVIEW:
                problem = link.message
            try:
                mapped = map_invoice(
                    invoice,
                    contact=placeholder,
                    rules=settings.rules,
                    taxes=taxes,
                    line_ids=detail.get("lines") or {},
                )
                postings = mapped.postings
                lines = tuple(_line_text(line) for line in mapped.document.lines)
            except MappingProblem as mapping:
                problem = str(mapping)
            changes.append(
                PlannedChange(
                    item.key,
                    item.step.label,
                    item.label,
                    invoice.customer.name,
                    invoice.total,
                    postings,
                    lines,
                    problem,
                )
            )
        for item in due_credit_notes(session, scope, only):
            note = session.get(CreditNote, item.key.local_id)
            assert note is not None
            if item.step is Step.ALLOCATE:
                changes.append(PlannedChange(item.key, "Allocate credit", item.label, "", note.total))
                continue
            if item.step is Step.VOID:
                changes.append(PlannedChange(item.key, "Void", item.label, note.customer.name, note.total))
                continue
            if note.voided:
                changes.append(
                    PlannedChange(item.key, "Look up", item.label, note.customer.name, note.total)
                )
                continue
            account = settings.bad_debt if note.is_bad_debt else settings.credit_note
            problem = None
            postings = ()
            if account is None:
                problem = "Choose the credit note / bad debt account in Accounts Integration."
            else:
                try:
                    postings = map_credit_note(
                        note, contact=placeholder, account=account, taxes=taxes
                    ).postings
                except MappingProblem as mapping:
                    problem = str(mapping)
            changes.append(
                PlannedChange(
                    item.key, "Create", item.label, note.customer.name, note.total, postings, (), problem
                )
            )
        # Payments of invoices this sync creates are sent right after them, in the same sync.
        invoice_ids_created = {i.key.local_id for i in due if i.step is Step.CREATE}
        pending_payments = list(due_payments(session, scope, only))
        if invoice_ids_created:
            extra = session.scalars(
                select(Payment).where(
                    Payment.invoice_id.in_(invoice_ids_created),
                    Payment.deleted.is_(False),
                    Payment.origin == PaymentOrigin.HERE,
                )
            )
            for payment in extra:
                pending_payments.append(
                    DueItem(
                        RecordKey(SyncRecordType.PAYMENT, payment.id),
                        Step.CREATE,
                        payment.revision,
                        payment_label(payment.amount, payment.invoice.number),
                    )
                )
        for item in pending_payments:
            paid = session.get(Payment, item.key.local_id)
            assert paid is not None
            if item.step is Step.DELETE:
                changes.append(PlannedChange(item.key, "Delete payment", item.label, "", paid.amount))
                continue
            problem = None
            postings = ()
            try:
                account = self._deposit_for_plan(settings, paid)
                postings = (AccountAmount(account, paid.amount, Decimal("0.00")),)
            except MappingProblem as mapping:
                problem = str(mapping)
            changes.append(
                PlannedChange(
                    item.key,
                    "Record payment",
                    item.label,
                    paid.invoice.customer.name,
                    paid.amount,
                    postings,
                    (),
                    problem,
                )
            )
        for item in due_bills(session, scope, only):
            problem = None
            postings = ()
            total: Decimal | None = None
            try:
                if item.key.record_type is SyncRecordType.SUPPLIER_INVOICE:
                    bill = session.get(SupplierInvoice, item.key.local_id)
                    assert bill is not None
                    total = bill.total
                    postings = map_supplier_invoice(
                        bill, contact=placeholder, default_account=settings.supplier_invoice, taxes=taxes
                    ).postings
                    who = bill.supplier.name
                else:
                    expense = session.get(Expense, item.key.local_id)
                    assert expense is not None
                    total = expense.total
                    who = expense.supplier.name if expense.supplier else SUNDRY_SUPPLIER_NAME
                    postings = map_expense(
                        expense, contact=placeholder, default_account=settings.supplier_expense, taxes=taxes
                    ).postings
            except MappingProblem as mapping:
                problem = str(mapping)
                who = ""
            changes.append(
                PlannedChange(item.key, item.step.label, item.label, who, total, postings, (), problem)
            )
        notes: list[str] = []
        if scope.start_date is None:
            notes.append(
                "No invoice start date is set: set it in Accounts Integration before invoices can be sent."
            )
        else:
            older = invoices_before_start(session, scope)
            if older:
                notes.append(
                    f"{older} approved invoice(s) dated before the invoice start date "
                    f"({scope.start_date:%d/%m/%Y}) are never sent."
                )
        orders = purchase_orders_count(session)
        if orders:
            notes.append(
                f"{orders} purchase order(s) are never sent: they are not an expense until the "
                "supplier's invoice arrives."
            )
        notes.append("Draft invoices and draft supplier invoices are not sent until approved / accepted.")
        changes = self._flag_unknown_accounts(session, scope, changes)
        return SyncPlan(self.package.label, tuple(changes), tuple(new_contacts.values()), tuple(notes))

    def _flag_unknown_accounts(
        self, session: Session, scope: Scope, changes: list[PlannedChange]
    ) -> list[PlannedChange]:
        """A change posting to an account the package's chart lacks (or has archived) would be refused:
        say so in the preview, against the refreshed chart (nothing is said before a first refresh)."""
        chart = {
            code.upper(): active
            for code, active in session.execute(
                select(PackageAccount.code, PackageAccount.active).where(
                    PackageAccount.package == scope.package, PackageAccount.tenant_id == scope.tenant_id
                )
            )
            if code
        }
        if not chart:
            return changes
        name = self.package.label
        flagged: list[PlannedChange] = []
        for change in changes:
            problems = []
            for account in dict.fromkeys(p.account for p in change.postings):
                active = chart.get(account.code.upper())
                if active is None:
                    problems.append(f"Account {account.code} is not in {name}'s chart of accounts.")
                elif not active:
                    problems.append(f"Account {account.label} is archived in {name}.")
            if problems and change.problem is None:
                problems.append(
                    "Choose another account (Accounts Integration, or the income code of the job type / "
                    "material), or Refresh Chart of Accounts if it was just added."
                )
                change = replace(change, problem=" ".join(problems))
            flagged.append(change)
        return flagged

    def _deposit_for_plan(self, settings: _Settings, payment: Payment) -> AccountChoice:
        return deposit_account_for(
            payment, receive_payments=settings.receive_payments, card_payments=settings.card_payments
        )


# ==========================================================================================================
# Helpers
# ==========================================================================================================


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _line_text(line: DocumentLine) -> str:
    if line.quantity is None:
        return line.description
    amount = (line.quantity or Decimal(1)) * (line.unit_amount or Decimal(0))
    return f"{line.description} - {line.account_code} {line.tax_code}: {amount:.2f}"


def _split_name(person: str) -> tuple[str, str]:
    parts = person.split()
    if not parts:
        return "", ""
    if len(parts) == 1:
        return parts[0], ""
    return " ".join(parts[:-1]), parts[-1]


def _customer_draft(customer: Customer, ref: RemoteRef | None) -> ContactDraft:
    first, last = _split_name(customer.contact_person)
    return ContactDraft(
        key=str(customer.id),
        name=customer.name.strip()[:255],
        ref=ref,
        first_name=first[:255],
        last_name=last[:255],
        email=customer.email.strip(),
        phone=customer.phone.strip(),
        contact_number=contact_number_for(customer.id),
        account_number=customer.account_number.strip(),
        tax_number=customer.abn.strip(),
        address=customer.billing_address,
    )


def _supplier_draft(supplier: Supplier) -> ContactDraft:
    return ContactDraft(
        key=str(supplier.id),
        name=supplier.name.strip()[:255],
        email=supplier.email.strip(),
        phone=supplier.phone.strip(),
        contact_number=f"{SUPPLIER_NUMBER_PREFIX}{supplier.id}",
        account_number=supplier.account_number.strip(),
        tax_number=supplier.abn.strip(),
    )


def _sundry_supplier() -> Supplier:
    """The stand-in supplier of expenses that name none (never saved: only its contact is linked)."""
    return Supplier(
        id=SUNDRY_SUPPLIER,
        name=SUNDRY_SUPPLIER_NAME,
        email="",
        phone="",
        abn="",
        account_number="",
        revision=1,
    )


def _supplier_id(contact_number: str) -> str | None:
    text = contact_number.strip().upper()
    if text.startswith(SUPPLIER_NUMBER_PREFIX) and text[len(SUPPLIER_NUMBER_PREFIX) :].isdigit():
        return text[len(SUPPLIER_NUMBER_PREFIX) :]
    return None


def _local_tax_names(session: Session) -> TaxCodes:
    """For a preview before the chart was ever refreshed: each rate shown by its own name."""
    rates = list(session.scalars(select(TaxRate)))
    names: dict[int | None, str] = {rate.id: rate.name for rate in rates}
    names[None] = "No tax"
    return TaxCodes(sales=names, purchases=names, percent={rate.name: rate.rate for rate in rates})


__all__ = ["SyncEngine", "SyncOptions"]
