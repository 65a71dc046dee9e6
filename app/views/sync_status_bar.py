"""The main window's status line about the accounting package, always in view.

While a sync runs it says how far it has got ("Xero: syncing 40 of 200…", counted as on the Sync Log's
panel); otherwise how the last sync in this window went and when payments were last checked ("Xero: last
synced 14:05 · 2 invoices failed (see Sync Log) · payments last checked 13:50"), or that nothing is
connected. Payments made in the package are
only as current as its bank feeds, so when they were last checked is always there (DESIGN.md).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from app.db import SessionFactory
from app.services.connections import ConnectionBook, ConnectionInfo
from app.views.sync_controller import SyncController, SyncKind, SyncRequest

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

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
    minute.

    Signals: ``sync_log_asked()`` when the person clicks "Sync Log". Attributes: ``plain_text`` (the
    line without its markup), ``has_problem``, ``connection`` (as last read), ``timer``.
    """

    sync_log_asked = Signal()

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
        self._request: SyncRequest | None = None
        self._done, self._total, self._step = 0, 0, ""

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
        """Read the connection again and say where things stand."""
        connections = self._connections.all()
        self.connection = next(
            (c for c in connections if c.connected), connections[0] if connections else None
        )
        self._show()

    # -- what the line says
    def parts(self) -> list[StatusPart]:
        """What the line says now, after the package's name."""
        connection, sync = self.connection, self._sync
        if self._request is not None:
            return [StatusPart(self._progress_text())]
        if connection is None:
            return [StatusPart(NOT_CONNECTED)]
        if not connection.connected:
            return [StatusPart("needs reconnecting (Administration -> Accounts Integration)", problem=True)]
        now = self._now()
        parts: list[StatusPart] = []
        if sync.last_finished_at is not None:
            parts.extend(self._last_sync(sync.last_finished_at, now))
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
        from app.sync.summary import SyncSummary, count_of

        result = self._sync.last_error or self._sync.last_summary
        when = moment_text(at, now)
        if not isinstance(result, SyncSummary) or result.problem is not None:
            return [StatusPart(f"could not sync at {when}", problem=True)]  # why: in the tooltip
        # Stopped part-way (cancelled, Xero's daily limit): what is left goes next time.
        stopped = result.stopped is not None
        parts = [StatusPart(f"last sync stopped part-way at {when}" if stopped else f"last synced {when}")]
        failed = [(kind, number) for kind, number in sorted(result.failed.items()) if number]
        if len(failed) == 1:
            parts.append(
                StatusPart(f"{count_of(failed[0][1], failed[0][0])} failed", problem=True, sync_log=True)
            )
        elif failed:
            items = sum(number for _kind, number in failed)
            parts.append(StatusPart(f"{items:,} items failed", problem=True, sync_log=True))
        if result.needs_review:
            # Where to review them is in the tooltip (the summary's own sentence).
            review = "customer needs" if result.needs_review == 1 else "customers need"
            parts.append(StatusPart(f"{result.needs_review:,} {review} review", problem=True))
        return parts

    def _tooltip(self) -> str:
        if self._request is not None:
            return self._step or self._request.describe(self._package())
        if self.connection is None:
            return "Connect on Administration -> Accounts Integration."
        if not self.connection.connected:
            return self.connection.status_message or f"{self._package()} needs reconnecting."
        if self._sync.last_finished_at is None:
            return f"Not synced with {self._package()} since LedgerBridge opened."
        from app.views.sync_dialogs import result_lines

        lines, _attention = result_lines(self._sync.last_error or self._sync.last_summary)
        return "\n".join(lines)

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

    def _on_link_activated(self, link: str) -> None:
        if link == SYNC_LOG_LINK:
            self.sync_log_asked.emit()
