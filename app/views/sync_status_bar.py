"""The main window's status line about the accounting package, always in view.

While a sync runs it says how far it has got ("Xero: syncing 40 of 200…", counted as on the Sync Log's
panel); otherwise how the last sync in this window went, how many failures are still to fix and when
payments were last checked ("Xero: last synced 14:05 · 3 to fix (see Sync Log) · payments last checked
13:50"), or that nothing is connected. The failures to fix are counted in the journal, whenever they
happened (the Sync Log's "Only failures still to fix"), so a retry of one does not hide the others and
the count is there after a restart. Payments made in the package are only as current as its bank feeds,
so when they were last checked is always there (DESIGN.md).
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from app.db import SessionFactory
from app.models import AccountingPackage
from app.services.connections import ConnectionBook, ConnectionInfo
from app.services.progress import CancelToken, ProgressReporter
from app.services.sync_log import unresolved_failure_count
from app.views.sync_controller import SyncController, SyncKind, SyncRequest
from app.views.workers import BackgroundTask

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

PROBLEM_COLOUR = "#b00020"
SYNC_LOG_LINK = "sync-log"
NOT_CONNECTED = "Not connected to an accounting package"
#: How often the connection is read again when nothing happens (a connect or disconnect elsewhere).
REREAD_MS = 60_000


@dataclass(frozen=True)
class StatusPart:
    """One piece of the line: its words, whether it is a problem (shown in red), and whether it ends
    with a link to the Sync Log."""

    text: str
    problem: bool = False
    sync_log: bool = False

    def html(self) -> str:
        text = html.escape(self.text)
        if self.sync_log:
            text += f' (see <a href="{SYNC_LOG_LINK}">Sync Log</a>)'
        return f'<span style="color: {PROBLEM_COLOUR};">{text}</span>' if self.problem else text

    def plain(self) -> str:
        return self.text + (" (see Sync Log)" if self.sync_log else "")


def moment_text(moment: dt.datetime, now: dt.datetime) -> str:
    """A moment as the line says it, on this computer's clock: "14:05" today, "yesterday 14:05",
    "2 Mar 14:05" this year, "2 Mar 2025 14:05" before."""
    local, today = moment.astimezone(), now.astimezone().date()
    if local.date() == today:
        return f"{local:%H:%M}"
    if local.date() == today - dt.timedelta(days=1):
        return f"yesterday {local:%H:%M}"
    if local.year == today.year:
        return f"{local.day} {local:%b %H:%M}"
    return f"{local.day} {local:%b %Y %H:%M}"


class SyncStatusLabel(QLabel):
    """The line for a window's ``sync`` controller, reading the stored connection (one short query) when
    shown, after each sync, when ``refresh()`` is called (the window does on each page change) and every
    minute; each time it also counts the package's failures still to fix, on a worker (the count reads
    every journal row of the package: no index fits it).

    Signals: ``sync_log_asked()`` when the person clicks "Sync Log"; ``counted(int)`` when a count of the
    failures to fix is in. Attributes: ``plain_text`` (the line without its markup), ``has_problem``,
    ``connection`` (as last read), ``to_fix`` (the failures still to fix as last counted, None before the
    first count), ``count_task`` (the count under way, or None), ``timer``.
    """

    sync_log_asked = Signal()
    counted = Signal(int)

    def __init__(
        self,
        sync: SyncController,
        session_factory: SessionFactory,
        *,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setContentsMargins(6, 0, 6, 0)
        # Never widens the window: the whole text is in the tooltip if the line is cut short.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._sync = sync
        self._connections = ConnectionBook(cast("sessionmaker[Session]", session_factory))
        self._now = now
        self.connection: ConnectionInfo | None = None
        self.plain_text = ""
        self.has_problem = False
        self._session_factory = session_factory
        self._request: SyncRequest | None = None
        self._done, self._total, self._step = 0, 0, ""
        self.to_fix: int | None = None
        self._to_fix_package: AccountingPackage | None = None
        self.count_task: BackgroundTask | None = None
        self._count_again = False
        # A window dropped without closing (a test's, or at exit) destroys this line with it: a count
        # still running must end first (Qt aborts on a running thread's destruction). The slot holds the
        # tasks, not the line, which is half gone by then.
        counting: list[BackgroundTask] = []
        self._counting = counting
        self.destroyed.connect(lambda *_: [task.wait() for task in counting if task.running])

        self.timer = QTimer(self)
        self.timer.setInterval(REREAD_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        sync.started.connect(self._on_sync_started)
        sync.progress.connect(self._on_sync_progress)
        sync.finished.connect(self._on_sync_finished)
        sync.schedule_changed.connect(self._show)
        self.linkActivated.connect(self._on_link_activated)
        if sync.running and sync.current is not None:
            self._on_sync_started(sync.current)
        self.refresh()

    def refresh(self) -> None:
        """Read the connection again and say where things stand; count the failures to fix again."""
        connections = self._connections.all()
        self.connection = next(
            (c for c in connections if c.connected), connections[0] if connections else None
        )
        self._show()
        self._count_to_fix()

    def shutdown(self) -> None:
        """Wait for a count under way (the window is closing)."""
        self._count_again = False
        if self.count_task is not None and self.count_task.running:
            self.count_task.wait()

    # -- what the line says
    def parts(self) -> list[StatusPart]:
        """What the line says now, after the package's name."""
        connection, sync = self.connection, self._sync
        if self._request is not None:
            return [StatusPart(self._progress_text())]
        if connection is None:
            return [StatusPart(NOT_CONNECTED)]
        if not connection.connected:
            return [
                StatusPart("needs reconnecting (Administration -> Accounts Integration)", problem=True),
                *self._to_fix_part(),
            ]
        now = self._now()
        parts: list[StatusPart] = []
        if sync.last_finished_at is not None:
            parts.extend(self._last_sync(sync.last_finished_at, now))
        parts.extend(self._to_fix_part())
        if sync.paused and sync.paused_until is not None:
            parts.append(
                StatusPart(
                    f"daily limit reached: automatic syncs wait until {moment_text(sync.paused_until, now)}"
                )
            )
        checked = connection.payments_last_checked_at
        parts.append(
            StatusPart(
                f"payments last checked {moment_text(checked, now)}"
                if checked
                else "payments not checked yet"
            )
        )
        return parts

    def _package(self) -> str:
        return self.connection.package_label if self.connection is not None else self._sync.package_label

    def _progress_text(self) -> str:
        assert self._request is not None
        doing = "syncing" if self._request.kind is SyncKind.FULL else "sending changes"
        counted = f" {self._done:,} of {self._total:,}" if self._total > 0 else ""
        return f"{doing}{counted}…"

    def _last_sync(self, at: dt.datetime, now: dt.datetime) -> list[StatusPart]:
        from app.sync.summary import SyncSummary

        result = self._sync.last_error or self._sync.last_summary
        when = moment_text(at, now)
        if not isinstance(result, SyncSummary) or result.problem is not None:
            return [StatusPart(f"could not sync at {when}", problem=True)]  # why: in the tooltip
        # Stopped part-way (cancelled, Xero's daily limit): what is left goes next time.
        stopped = result.stopped is not None
        parts = [StatusPart(f"last sync stopped part-way at {when}" if stopped else f"last synced {when}")]
        # What failed in this run is among the failures to fix, counted in the journal (_to_fix_part).
        if result.needs_review:
            # Where to review them is in the tooltip (the summary's own sentence).
            review = "customer needs" if result.needs_review == 1 else "customers need"
            parts.append(StatusPart(f"{result.needs_review:,} {review} review", problem=True))
        return parts

    def _to_fix_part(self) -> list[StatusPart]:
        if not self.to_fix or self.connection is None:
            return []
        if AccountingPackage(self.connection.package) is not self._to_fix_package:
            return []  # counted for the package connected before
        return [StatusPart(f"{self.to_fix:,} to fix", problem=True, sync_log=True)]

    def _tooltip(self) -> str:
        if self._request is not None:
            return self._step or self._request.describe(self._package())
        if self.connection is None:
            return "Connect on Administration -> Accounts Integration."
        to_fix = ""
        if self.to_fix:
            failures = "failure is" if self.to_fix == 1 else "failures are"
            to_fix = (
                f"\n{self.to_fix:,} {failures} still to fix: the Sync Log lists them with "
                '"Only failures still to fix" ticked.'
            )
        if not self.connection.connected:
            return (self.connection.status_message or f"{self._package()} needs reconnecting.") + to_fix
        if self._sync.last_finished_at is None:
            return f"Not synced with {self._package()} since LedgerBridge opened." + to_fix
        from app.views.sync_dialogs import result_lines

        lines, _attention = result_lines(self._sync.last_error or self._sync.last_summary)
        return "\n".join(lines) + to_fix

    # -- the count of failures to fix, on a worker
    def _count_to_fix(self) -> None:
        if self.connection is None:
            self.to_fix, self._to_fix_package = None, None
            return
        if self.count_task is not None and self.count_task.running:
            self._count_again = True  # counted once more when this count is in
            return
        package = AccountingPackage(self.connection.package)
        session_factory = self._session_factory

        def count(_report: ProgressReporter, _cancel: CancelToken) -> tuple[AccountingPackage, int]:
            with session_factory() as session:
                return package, unresolved_failure_count(session, package)

        task = BackgroundTask(count, self)
        task.succeeded.connect(self._on_count_task_succeeded)
        task.failed.connect(self._on_count_task_failed)
        task.finished.connect(self._on_count_task_finished)
        self.count_task = task
        self._counting.append(task)
        task.start()

    def _show(self) -> None:
        parts = self.parts()
        lead = "" if self.connection is None and self._request is None else f"{self._package()}: "
        self.plain_text = lead + " · ".join(part.plain() for part in parts)
        self.has_problem = any(part.problem for part in parts)
        self.setText(html.escape(lead) + " · ".join(part.html() for part in parts))
        self.setToolTip(self._tooltip())

    # -- slots
    def _on_sync_started(self, request: SyncRequest) -> None:
        self._request = request
        self._done, self._total, self._step = 0, 0, ""
        self._show()

    def _on_sync_progress(self, done: int, total: int, text: str) -> None:
        self._done, self._total, self._step = done, total, text
        self._show()

    def _on_sync_finished(self, _result: object) -> None:
        self._request = None
        self.refresh()

    def _on_count_task_succeeded(self, result: tuple[AccountingPackage, int]) -> None:
        package, number = result
        if self.connection is None or AccountingPackage(self.connection.package) is not package:
            return  # connected to another package meanwhile: counted again for it
        self.to_fix, self._to_fix_package = number, package
        self._show()
        self.counted.emit(number)

    def _on_count_task_failed(self, error: object) -> None:
        # The line keeps the last count; the reason goes to the log (the next refresh counts again).
        logger.warning("Could not count the failures still to fix: %s", error)

    def _on_count_task_finished(self) -> None:
        self._counting[:] = [task for task in self._counting if task.running]
        self.count_task = None
        if self._count_again:
            self._count_again = False
            self._count_to_fix()

    def _on_link_activated(self, link: str) -> None:
        if link == SYNC_LOG_LINK:
            self.sync_log_asked.emit()
