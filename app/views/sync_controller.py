"""The window's syncs with the accounting package, one at a time, each off the GUI thread.

``SyncController`` is made once per window and handed to the screens that sync (Sync Log, Invoices,
Customers, Accounts Integration). It runs ``app.sync.engine.SyncEngine`` in a ``BackgroundTask`` with a
database session of its own, and decides *when* (DESIGN.md "Sync engine", issue 4 "When"):

- **Sync now** (a person asks): payments and statuses are checked, then everything due is sent;
  ``sync_now(only=...)`` sends just some records ("Send to Xero now"); ``retry(row)`` sends a Sync Log
  row's record again.
- **In the background**, as ``app.sync.schedule.SyncSchedule`` decides: screens call ``changed()`` after
  saving something that syncs (approve, edit, void, payment...), and the change goes within 10 s,
  debounced (a burst goes in one push, which checks no payments); payments and statuses are checked every
  15 minutes by default, stretched when Xero's daily allowance runs low (the calls left are read after
  each sync), not at all below its reserve. One single-shot ``QTimer`` wakes when the schedule next
  needs a look (at most a minute away).
- **How often payments are checked**: ``check_minutes`` (15, 30, 60, 240, or 0 for "only on Sync now"),
  kept in the window's settings file (``QSettings``): it is how this computer behaves, like its window
  layout, so a second computer on the same database (or one running the nightly ``ledgerbridge sync``)
  can leave the checks to the other; and it needs no change to the database.
- **Xero's daily limit**: once reached, automatic syncs wait an hour before trying again (a refused call
  costs nothing) and changes keep waiting in the outbox; Sync now still tries, and the engine's summary
  says when Xero lets it resume.

One sync at a time in this window: a request made while one runs waits and starts when it ends (requests
merge: a full sync covers a push, a push covers single records). Across processes the engine's lease
serialises. Cancel is cooperative: what finished before it is kept, the rest goes next time.
"""

from __future__ import annotations

import datetime as dt
import enum
import itertools
import logging
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QObject, QSettings, QTimer, Signal

from app.services.progress import CancelToken, ProgressReporter
from app.views.workers import BackgroundTask

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from app.db import SessionFactory
    from app.integrations.base import CallAllowance, SyncProvider
    from app.services.sync_log import SyncLogRow
    from app.sync.engine import SyncOptions
    from app.sync.journal import RecordKey
    from app.sync.outbox import Scope
    from app.sync.schedule import SyncSchedule
    from app.sync.summary import SyncPlan, SyncSummary
    from app.views.connection_panel import PackageAccess

logger = logging.getLogger(__name__)

#: How often payments and statuses are checked unless set otherwise; the choices offered.
DEFAULT_CHECK_MINUTES = 15
CHECK_CHOICES: tuple[tuple[int, str], ...] = (
    (15, "Every 15 minutes"),
    (30, "Every 30 minutes"),
    (60, "Every hour"),
    (240, "Every 4 hours"),
    (0, "Only on Sync now"),
)
CHECK_SETTING = "sync/check_minutes"
#: The first check after the window opens (approvals made elsewhere meanwhile, payments).
FIRST_CHECK_MS = 30_000
#: After Xero's daily limit is reached, automatic syncs wait this long before trying again.
DAY_LIMIT_PAUSE = dt.timedelta(hours=1)
#: What Xero said about the day's calls is trusted for this long (its day is a rolling 24 hours).
ALLOWANCE_KEPT = dt.timedelta(hours=24)
#: The longest the schedule's timer sleeps before looking again.
LONGEST_SLEEP = dt.timedelta(minutes=1)

OpenProvider = Callable[[], "SyncProvider"]


class SyncKind(enum.Enum):
    FULL = "full"  # check payments and statuses, then send everything due
    CHANGES = "changes"  # send everything due, check nothing
    RECORDS = "records"  # send only some records


_numbers = itertools.count(1)


class SyncRequest:
    """One sync asked for: ``kind``, ``only`` (the records, for ``RECORDS``), ``automatic`` (no person
    asked: no dialog follows it), ``label`` (what a person reads), ``number`` (in the order asked).

    A request waiting its turn absorbs later ones (``absorb``), so whoever follows it sees them done too.
    """

    def __init__(
        self,
        kind: SyncKind,
        only: Iterable[RecordKey] | None = None,
        *,
        automatic: bool,
        label: str = "",
    ) -> None:
        self.number = next(_numbers)
        self.kind = kind
        self.only: frozenset[RecordKey] | None = frozenset(only) if only is not None else None
        self.automatic = automatic
        self.label = label

    def absorb(self, other: SyncRequest) -> None:
        order = (SyncKind.RECORDS, SyncKind.CHANGES, SyncKind.FULL)
        if order.index(other.kind) > order.index(self.kind):
            self.kind = other.kind
        if self.kind is SyncKind.RECORDS:
            self.only = (self.only or frozenset()) | (other.only or frozenset())
            if self.label != other.label:
                self.label = ""
        else:
            self.only = None
        self.automatic = self.automatic and other.automatic

    def describe(self, package: str) -> str:
        if self.kind is SyncKind.FULL:
            return f"Syncing with {package}"
        if self.kind is SyncKind.CHANGES:
            return f"Sending changes to {package}"
        if self.label:
            return f"Sending {self.label} to {package}"
        count = len(self.only or ())
        return f"Sending {count} record{'s' if count != 1 else ''} to {package}"

    def __repr__(self) -> str:
        return f"SyncRequest({self.number}, {self.kind.value}, automatic={self.automatic})"


@dataclass(frozen=True)
class _Ran:
    """What the worker hands back: the summary, and the calls Xero said were left today."""

    summary: SyncSummary
    allowance: CallAllowance | None


def provider_opener(access: Callable[[], PackageAccess], session_factory: SessionFactory) -> OpenProvider:
    """The window's way to the provider a sync uses: its one open provider (``PackageAccess``), with the
    per-connection limiter every sync needs. Call the answer on a worker thread only."""

    def open_provider() -> SyncProvider:
        from app.sync.provider import limit_calls

        return limit_calls(access().provider(session_factory))

    return open_provider


class SyncController(QObject):
    """Runs the window's syncs (see the module's docstring).

    Signals: ``started(request)`` when a sync starts; ``progress(done, total, text)``;
    ``finished(result)`` with the ``SyncSummary``, or the exception when it could not run at all (not
    connected...); ``busy_changed(bool)``; ``preview_finished(result)`` with the ``SyncPlan`` or the
    exception; ``schedule_changed()`` when the checks' interval, the allowance or a pause change.

    ``finished`` comes once the worker has ended (``running`` is then False, so a slot may start another
    sync at once). Attributes: ``current`` (the request running, also while ``finished`` is emitted),
    ``pending`` (the
    one waiting), ``task`` and ``preview_task`` (``BackgroundTask``), ``last_summary``, ``last_error``,
    ``last_finished_at``, ``allowance`` (what Xero last said of today's calls), ``paused_until``,
    ``package_label``, ``timer`` (when the schedule is next looked at), ``schedule``.
    """

    started = Signal(object)
    progress = Signal(int, int, str)
    finished = Signal(object)
    busy_changed = Signal(bool)
    preview_finished = Signal(object)
    schedule_changed = Signal()

    def __init__(
        self,
        session_factory: SessionFactory,
        open_provider: OpenProvider,
        *,
        settings: QSettings | None = None,
        options: SyncOptions | None = None,
        schedule: SyncSchedule | None = None,
        first_check_ms: int = FIRST_CHECK_MS,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._session_factory = session_factory
        self._open_provider = open_provider
        self._settings = settings
        self._options = options
        # Made on first use: importing it costs the window's start-up ~50 ms (the integrations' records).
        self._schedule = schedule
        self._now = now
        self._first_check_ms = first_check_ms
        self.package_label = "Xero"
        self.current: SyncRequest | None = None
        self.pending: SyncRequest | None = None
        self.task: BackgroundTask | None = None
        self.preview_task: BackgroundTask | None = None
        self.last_summary: SyncSummary | None = None
        self.last_error: BaseException | None = None
        self.last_finished_at: dt.datetime | None = None
        self.allowance: CallAllowance | None = None
        self.paused_until: dt.datetime | None = None
        #: No check before this (the window has just opened); None until ``start()``: no checks at all.
        self._first_check_at: dt.datetime | None = None
        self._current_started_at: dt.datetime | None = None
        self._outcome: _Ran | BaseException | None = None
        self._closing = False

        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._on_timer_timeout)

    # -- public: scheduling
    @property
    def schedule(self) -> SyncSchedule:
        if self._schedule is None:
            from app.sync.schedule import SyncSchedule

            self._schedule = SyncSchedule()
            self._schedule.pull_every = _interval(self.check_minutes)
        return self._schedule

    def start(self) -> None:
        """Begin the automatic checks (the window is shown): the first one shortly, then on schedule."""
        self._first_check_at = self._now() + dt.timedelta(milliseconds=self._first_check_ms)
        self._arm()
        self.schedule_changed.emit()

    def shutdown(self) -> None:
        """Stop the timer and any sync (the window is closing); waits for the worker to end."""
        self._closing = True
        self.timer.stop()
        self.pending = None
        for task in (self.task, self.preview_task):
            if task is not None and task.running:
                task.cancel()
                task.wait()

    @property
    def check_minutes(self) -> int:
        """Minutes between payment checks; 0: only on Sync now."""
        if self._settings is None:
            return DEFAULT_CHECK_MINUTES
        value = self._settings.value(CHECK_SETTING, DEFAULT_CHECK_MINUTES)
        try:
            return max(0, int(cast(Any, value)))
        except (TypeError, ValueError):
            return DEFAULT_CHECK_MINUTES

    def set_check_minutes(self, minutes: int) -> None:
        if self._settings is not None:
            self._settings.setValue(CHECK_SETTING, int(minutes))
            self._settings.sync()
        self.schedule.pull_every = _interval(minutes)
        self._arm()
        self.schedule_changed.emit()

    def next_check_at(self) -> dt.datetime | None:
        """When payments are next checked automatically (None: not today, or only on Sync now)."""
        if self._first_check_at is None:
            return None
        due = self.schedule.pull_due_at(self._fresh_allowance())
        if due is None:
            return None
        due = max(due, self._first_check_at)
        if self.paused_until is not None:
            due = max(due, self.paused_until)
        return due

    @property
    def day_remaining(self) -> int | None:
        allowance = self._fresh_allowance()
        return allowance.day_remaining if allowance is not None else None

    @property
    def running(self) -> bool:
        return self.task is not None and self.task.running

    @property
    def paused(self) -> bool:
        return self.paused_until is not None and self._now() < self.paused_until

    # -- public: what screens call
    def changed(self) -> None:
        """Something that syncs was saved: it goes within seconds (debounced by the schedule)."""
        if self._closing:
            return
        self.schedule.changed(self._now())
        self._arm()

    def sync_now(self, only: Collection[RecordKey] | None = None, *, label: str = "") -> SyncRequest:
        """A person asked: everything (check payments, send what is due), or only ``only``. Starts now, or
        as soon as the sync running ends. Returns the request (a dialog follows it)."""
        kind = SyncKind.FULL if only is None else SyncKind.RECORDS
        return self._request(SyncRequest(kind, only, automatic=False, label=label))

    def retry(self, row: SyncLogRow) -> str:
        """Sync Log -> Retry: send the row's record again. A failed record stays due (its link holds a
        revision below the record's), so sending it again is all Retry needs; a customer left for review
        goes with its invoices. Returns what the screen says."""
        from app.sync.journal import SyncJournal

        keys = SyncJournal.retry_targets([row])
        if not keys:
            return "Nothing to send again for this row."
        request = self.sync_now(keys, label=row.record_label)
        if request is not self.current:
            return f"{row.record_label} is sent again once the sync running now has finished."
        return f"Sending {row.record_label} to {self.package_label} again…"

    def cancel(self) -> None:
        """Stop the running sync at the next safe point (what finished is kept), and what waits."""
        self.pending = None
        if self.task is not None and self.task.running:
            self.task.cancel()

    def preview(self) -> BackgroundTask | None:
        """Work out what the next sync would send, off the GUI thread, sending nothing.
        ``preview_finished`` carries the plan. None when a preview is already being worked out."""
        if self.preview_task is not None and self.preview_task.running:
            return None
        session_factory, open_provider = self._session_factory, self._open_provider

        def work(_report: ProgressReporter, _cancel: CancelToken) -> SyncPlan:
            from app.sync.engine import SyncEngine

            provider = open_provider()
            connection = _connection(session_factory, provider)
            return SyncEngine(connection, _sessionmaker(session_factory), provider).preview()

        task = BackgroundTask(work, self)
        task.succeeded.connect(self._on_preview_task_done)
        task.failed.connect(self._on_preview_task_done)
        self.preview_task = task
        task.start()
        return task

    # -- behaviour
    def _request(self, request: SyncRequest) -> SyncRequest:
        if self._closing:
            return request
        if self.running:
            if self.pending is None:
                self.pending = request
            else:
                self.pending.absorb(request)
            return self.pending
        self._start(request)
        return request

    def _start(self, request: SyncRequest) -> None:
        self.timer.stop()
        task = BackgroundTask(self._work(request), self)
        task.progress.connect(self.progress)
        task.succeeded.connect(self._on_task_succeeded)
        task.failed.connect(self._on_task_failed)
        task.finished.connect(self._on_task_finished)
        self.task = task
        self.current = request
        self._current_started_at = self._now()
        logger.info("Starting %r", request)
        task.start()
        self.started.emit(request)
        self.busy_changed.emit(True)

    def _work(self, request: SyncRequest) -> Callable[[ProgressReporter, CancelToken], _Ran]:
        session_factory, open_provider, options = self._session_factory, self._open_provider, self._options
        kind, only, automatic, package = request.kind, request.only, request.automatic, self.package_label

        def work(report: ProgressReporter, cancel: CancelToken) -> _Ran:
            from app.sync.engine import SyncEngine
            from app.sync.summary import SyncSummary

            factory = _sessionmaker(session_factory)
            keys = _with_related(factory, only) if only is not None else None
            scope = _scope(factory)
            # Not connected, an automatic sync has nothing to do; with nothing due, a push need not reach
            # the package (a draft edited, a record not due yet).
            idle = (
                automatic
                if scope is None
                else kind is not SyncKind.FULL and not _anything_due(factory, scope, keys)
            )
            if idle:
                nothing = SyncSummary(run_id="", package_label=package, started_at=dt.datetime.now(dt.UTC))
                nothing.finished_at = nothing.started_at
                return _Ran(nothing, None)
            report(0, 0, "Opening the connection")
            provider = open_provider()
            connection = _connection(session_factory, provider)
            engine = SyncEngine(connection, factory, provider, options=options)
            summary = engine.run(report, cancel, only=keys, pull=kind is SyncKind.FULL)
            return _Ran(summary, provider.allowance)

        return work

    def _fresh_allowance(self) -> CallAllowance | None:
        allowance = self.allowance
        if allowance is None or self._now() - allowance.observed_at > ALLOWANCE_KEPT:
            return None
        return allowance

    def _due(self, now: dt.datetime) -> SyncKind | None:
        """The automatic sync due now, if any."""
        if self.paused:
            return None
        run = self.schedule.due(now, self._fresh_allowance())
        if run is None:
            return None
        if not run.pull:
            return SyncKind.CHANGES
        if self._first_check_at is not None and now >= self._first_check_at:
            return SyncKind.FULL
        # A check, but not yet (the window has just opened, or it was not started): changes still go.
        push_at = self.schedule.push_due_at()
        return SyncKind.CHANGES if push_at is not None and now >= push_at else None

    def _arm(self) -> None:
        """Wake when the schedule next needs a look (never more than a minute away while anything waits)."""
        if self._closing or self.running:
            return  # looked at again when the sync ends
        now = self._now()
        moments: list[dt.datetime] = []
        push_at = self.schedule.push_due_at()
        if push_at is not None:
            moments.append(push_at)
        if self._first_check_at is not None:
            pull_at = self.schedule.pull_due_at(self._fresh_allowance())
            if pull_at is not None:
                moments.append(max(pull_at, self._first_check_at))
        if self.paused_until is not None and moments:
            moments = [max(moment, self.paused_until) for moment in moments]
        if not moments:
            self.timer.stop()
            return
        wait = max(dt.timedelta(0), min(LONGEST_SLEEP, min(moments) - now))
        self.timer.start(int(wait.total_seconds() * 1000))

    def _note_allowance(self, ran: _Ran) -> None:
        if ran.allowance is None or ran.allowance.day_remaining is None:
            return
        self.allowance = ran.allowance
        if ran.allowance.day_remaining <= 0:
            self.paused_until = self._now() + DAY_LIMIT_PAUSE
            logger.info("Xero's daily limit reached: automatic syncs wait until %s", self.paused_until)
        else:
            self.paused_until = None

    def _on_task_succeeded(self, ran: _Ran) -> None:
        self._outcome = ran

    def _on_task_failed(self, error: object) -> None:
        self._outcome = error if isinstance(error, BaseException) else RuntimeError(str(error))

    def _on_task_finished(self) -> None:
        """The worker has ended: say how it went (``finished``), then start what waits."""
        finished, outcome = self.current, self._outcome
        self._outcome = None
        self.task = None
        # An automatic sync that found nothing to do (nothing due, or not connected) reached nothing: the
        # last sync shown stays the last real one.
        idle = isinstance(outcome, _Ran) and not outcome.summary.run_id
        if not (idle and finished is not None and finished.automatic):
            self.last_finished_at = self._now()
        if finished is not None and finished.kind is not SyncKind.RECORDS:
            # What was due when it started has been tried: sent, or failed and still due (the Sync Log
            # says why), or left because the sync could not run. Either way the next try is the next
            # change or the next check, never at once (a sync that cannot reach the package would
            # otherwise try again and again).
            self.schedule.ran(
                self._now(), pulled=finished.kind is SyncKind.FULL, started=self._current_started_at
            )
        if isinstance(outcome, _Ran):
            if not (idle and finished is not None and finished.automatic):
                self.last_summary, self.last_error = outcome.summary, None
            if outcome.summary.run_id:
                self.package_label = outcome.summary.package_label
            self._note_allowance(outcome)
            result: object = outcome.summary
        else:
            self.last_error = outcome or RuntimeError("The sync ended without saying how.")
            result = self.last_error
        self.finished.emit(result)
        self.current = None
        self.busy_changed.emit(False)
        if not self._closing:
            if self.pending is not None:
                request, self.pending = self.pending, None
                if not (request.automatic and self.paused):
                    self._start(request)
            if not self.running:
                self._arm()
            self.schedule_changed.emit()
        from app.views.connection_panel import KNOWN_PROBLEMS

        if isinstance(result, BaseException) and not isinstance(result, KNOWN_PROBLEMS):
            raise result  # a bug: the crash dialog, with the log

    def _on_timer_timeout(self) -> None:
        kind = self._due(self._now())
        if kind is None:
            self._arm()
            return
        self._request(SyncRequest(kind, automatic=True))

    def _on_preview_task_done(self, result: object) -> None:
        self.preview_finished.emit(result)


def _interval(minutes: int) -> dt.timedelta | None:
    return dt.timedelta(minutes=minutes) if minutes > 0 else None


# -- on the worker thread -----------------------------------------------------------------------------------


def _sessionmaker(session_factory: SessionFactory) -> sessionmaker[Session]:
    # The engine and the connection book only call their factory for a new Session, as every one does.
    return cast("sessionmaker[Session]", session_factory)


def _connection(session_factory: SessionFactory, provider: SyncProvider) -> Any:
    from app.services.connections import ConnectionBook
    from app.views.connection_panel import NotConnected

    connection = ConnectionBook(_sessionmaker(session_factory)).find(provider.kind.value)
    if connection is None:
        raise NotConnected("LedgerBridge is not connected to an accounting package. Connect first.")
    return connection


def _with_related(factory: sessionmaker[Session], keys: frozenset[RecordKey]) -> frozenset[RecordKey]:
    """The records asked for, with what goes with them: an invoice's payments and credit notes, a
    customer's invoices (a customer alone is only sent with one)."""
    from sqlalchemy import select

    from app.models import CreditNote, Invoice, Payment, SyncRecordType
    from app.sync.journal import RecordKey

    invoices = {key.local_id for key in keys if key.record_type is SyncRecordType.INVOICE}
    customers = {key.local_id for key in keys if key.record_type is SyncRecordType.CUSTOMER}
    related = set(keys)
    with factory() as session:
        if customers:
            invoices |= set(session.scalars(select(Invoice.id).where(Invoice.customer_id.in_(customers))))
            related |= {RecordKey(SyncRecordType.INVOICE, i) for i in invoices}
        if invoices:
            related |= {
                RecordKey(SyncRecordType.PAYMENT, i)
                for i in session.scalars(select(Payment.id).where(Payment.invoice_id.in_(invoices)))
            }
            related |= {
                RecordKey(SyncRecordType.CREDIT_NOTE, i)
                for i in session.scalars(select(CreditNote.id).where(CreditNote.invoice_id.in_(invoices)))
            }
    return frozenset(related)


def _scope(factory: sessionmaker[Session]) -> Scope | None:
    """The connected organisation and its invoice start date (None when nothing is connected)."""
    from sqlalchemy import select

    from app.models import AccountingPackage, AccountingSettings, Connection
    from app.sync.outbox import Scope

    with factory() as session:
        row = session.execute(
            select(Connection.package, Connection.tenant_id, AccountingSettings.invoice_start_date)
            .outerjoin(AccountingSettings, AccountingSettings.package == Connection.package)
            .order_by(Connection.id)
            .limit(1)
        ).first()
    if row is None:
        return None
    package, tenant_id, start_date = row
    return Scope(AccountingPackage(package), tenant_id, start_date)


def _anything_due(factory: sessionmaker[Session], scope: Scope, only: Collection[RecordKey] | None) -> bool:
    """Whether a push would send anything (read from the outbox, without reaching the package)."""
    from app.sync.outbox import (
        due_bills,
        due_contact_updates,
        due_credit_notes,
        due_invoices,
        due_payments,
    )

    with factory() as session:
        return any(
            due(session, scope, only)
            for due in (due_contact_updates, due_invoices, due_credit_notes, due_payments, due_bills)
        )
