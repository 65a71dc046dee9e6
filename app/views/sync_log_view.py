"""Sync -> Sync Log: every attempt to move a record, the package's own reason when it failed, and Retry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QFileDialog, QPushButton, QWidget

from app.db import SessionFactory
from app.models import SyncDirection, SyncOutcome, SyncRecordType
from app.services.sync_log import SyncLogFilter, SyncLogRow, export_sync_log_csv, sync_log
from app.views.list_loading import ListReloader, keep_query_order
from app.views.record_editor import ScreenMessage, fit_list, screen_layout, screen_note
from app.views.record_list import RecordListView
from app.views.table_models import Column

if TYPE_CHECKING:
    from app.views.sync_controller import SyncController
    from app.views.sync_dialogs import SyncPreviewDialog, SyncProgressPanel

#: Asks where to save the CSV; None when the person cancels. Injected so tests never block on a dialog.
ChooseExportPath = Callable[[], Path | None]
#: Sends one failed record again (wired to the sync engine by the window); None when nothing is connected.
Retry = Callable[[SyncLogRow], str]

PERIODS: tuple[tuple[str, int | None], ...] = (
    ("Any date", None),
    ("Today", 0),
    ("Last 7 days", 6),
    ("Last 30 days", 29),
    ("Last 90 days", 89),
)

FAILURE_COLOUR = "#b00020"

COLUMNS: tuple[Column[SyncLogRow], ...] = (
    Column("When", lambda r: r.at),
    Column("Record", lambda r: r.record_label, tooltip=lambda r: r.record_label),
    Column("Type", lambda r: r.record_type.label),
    Column("Direction", lambda r: r.direction.label),
    Column("Action", lambda r: r.action.capitalize()),
    Column("Outcome", lambda r: r.outcome_text, colour=lambda r: FAILURE_COLOUR if r.can_retry else None),
    Column("Message", lambda r: " ".join(r.message.split()), tooltip=lambda r: r.message),
)


def ask_export_path() -> Path | None:
    name, _ = QFileDialog.getSaveFileName(None, "Export the sync log", "sync-log.csv", "CSV files (*.csv)")
    return Path(name) if name else None


def _combo(first: str, items: list[tuple[str, object]]) -> QComboBox:
    box = QComboBox()
    box.addItem(first, None)
    for label, value in items:
        box.addItem(label, value)
    return box


class SyncLogView(RecordListView[SyncLogRow]):
    """The Sync Log. Filters: ``type_box``, ``direction_box``, ``outcome_box``, ``period_box``,
    ``attention_check`` (failures not yet fixed). Buttons: ``sync_button`` (Sync now) and
    ``preview_button`` (on the sync panel), ``retry_button``, ``export_button``, ``refresh_button``.
    ``message`` says what happened. ``retry`` is None until a package is connected.

    With the window's ``sync`` (``SyncController``): Sync now, Preview next sync and Retry run through
    it, ``progress_panel`` (a ``SyncProgressPanel``) shows the sync running or the last one, and the log
    reads itself again after each sync. ``preview_dialog`` is the last preview shown.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        sync: SyncController | None = None,
        retry: Retry | None = None,
        choose_export_path: ChooseExportPath = ask_export_path,
        today: Callable[[], dt.date] = dt.date.today,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Sync Log", COLUMNS, parent)
        self._session_factory = session_factory
        self.sync = sync
        self._retry = retry if retry is not None or sync is None else sync.retry
        self.progress_panel: SyncProgressPanel | None = None
        self.preview_dialog: SyncPreviewDialog | None = None
        self._choose_export_path = choose_export_path
        self._today = today
        self.type_box = _combo("All records", [(t.label, t) for t in SyncRecordType])
        self.direction_box = _combo("Both directions", [(d.label, d) for d in SyncDirection])
        self.outcome_box = _combo("Any outcome", [(o.label, o) for o in SyncOutcome])
        self.period_box = QComboBox()
        for label, days in PERIODS:
            self.period_box.addItem(label, days)
        self.attention_check = QCheckBox("Only failures still to fix")
        for widget in (self.type_box, self.direction_box, self.outcome_box, self.period_box):
            self.add_filter_widget(widget)
            widget.currentIndexChanged.connect(self.refresh)
        self.add_filter_widget(self.attention_check)
        self.attention_check.toggled.connect(self.refresh)
        # Sync now and Preview sit on the sync panel (the filter bar is full with the log's own).
        self.sync_button = QPushButton("Sync now")
        self.sync_button.setToolTip("Check for payments, then send everything waiting, now")
        self.preview_button = QPushButton("Preview next sync…")
        self.preview_button.setToolTip("See what the next sync would send, without sending anything")
        self.retry_button = self.add_button("Retry", tooltip="Send the selected record to the package again")
        self.export_button = self.add_button("Export CSV…", tooltip="Save the rows shown to a CSV file")
        self.refresh_button = self.add_button("Refresh")
        self.message = ScreenMessage()
        layout = screen_layout(self)
        layout.insertWidget(
            1,
            screen_note(
                "Every record sent to your accounting package or received from it, newest first. When the "
                "package refuses something, its reason is shown in its own words; fix the record and choose "
                "Retry, or wait for the next sync. A failure clears itself once a later attempt succeeds."
            ),
        )
        layout.insertWidget(3, self.message)
        if sync is not None:
            from app.views.sync_dialogs import SyncProgressPanel

            self.progress_panel = SyncProgressPanel(sync)
            self.progress_panel.add_action(self.sync_button)
            self.progress_panel.add_action(self.preview_button)
            layout.insertWidget(2, self.progress_panel)
            sync.finished.connect(self._on_sync_finished)
            sync.busy_changed.connect(self._on_sync_busy_changed)
            sync.preview_finished.connect(self._on_sync_preview_finished)
        else:  # no sync without the window's controller
            self.sync_button.hide()
            self.preview_button.hide()
        fit_list(self, stretch=6, filter_hint="Filter by record or message…")
        # Newest first, as the note says: the order the log's query reads (not sorted again at each read).
        keep_query_order(self, 0, Qt.SortOrder.DescendingOrder)
        self.reloader: ListReloader[list[SyncLogRow]] = ListReloader(self._show_rows, self)
        self.sync_button.clicked.connect(self._on_sync_button_clicked)
        self.preview_button.clicked.connect(self._on_preview_button_clicked)
        self.retry_button.clicked.connect(self._on_retry_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.refresh_button.clicked.connect(self.refresh)
        self.selection_changed.connect(self._update_buttons)
        self._update_buttons()

    # -- public
    def set_retry(self, retry: Retry | None) -> None:
        """Called by the window when a package is connected (or disconnected)."""
        self._retry = retry
        self._update_buttons()

    def criteria(self) -> SyncLogFilter:
        days = self.period_box.currentData()
        today = self._today()
        return SyncLogFilter(
            record_type=self.type_box.currentData(),
            direction=self.direction_box.currentData(),
            outcome=self.outcome_box.currentData(),
            date_from=today - dt.timedelta(days=days) if isinstance(days, int) else None,
            date_to=today if isinstance(days, int) else None,
            unresolved_failures_only=self.attention_check.isChecked(),
        )

    def refresh(self) -> None:
        with self._session_factory() as session:
            rows = sync_log(session, self.criteria())
        self._show_rows(rows)

    def shutdown(self) -> None:
        """Wait for a read under way (the window is closing)."""
        self.reloader.wait()

    def _show_rows(self, rows: list[SyncLogRow]) -> None:
        self.set_rows(rows)
        # The record and action of newer rows may be longer than the first ones the columns were sized by.
        for column in (1, 4):
            self.table.resizeColumnToContents(column)
        if not rows and self.model.rowCount() == 0:
            self.count_label.setText("Nothing yet")
        self._update_buttons()

    def sync_now(self) -> bool:
        """Sync now: check for payments, then send everything waiting (progress in the panel)."""
        if self.sync is None:
            return False
        self.message.clear_message()
        self.sync.sync_now()
        if self.sync.pending is not None:
            self.message.say("Sync now starts as soon as the sync running now has finished.")
        return True

    def preview(self) -> bool:
        """Work out what the next sync would send (in the background); the dialog opens when ready."""
        if self.sync is None or self.sync.preview() is None:
            return False
        self.preview_button.setEnabled(False)
        self.message.say("Working out what the next sync would send…")
        return True

    # -- behaviour
    def _update_buttons(self) -> None:
        row = self.selected()
        self.sync_button.setEnabled(self.sync is not None and not self.sync.running)
        self.preview_button.setEnabled(
            self.sync is not None and not (self.sync.preview_task and self.sync.preview_task.running)
        )
        self.retry_button.setEnabled(self._retry is not None and row is not None and row.can_retry)
        if self._retry is None:
            self.retry_button.setToolTip(
                "Connect to your accounting package (Accounts Integration) to retry."
            )
        self.export_button.setEnabled(self.proxy.rowCount() > 0)

    def _on_sync_button_clicked(self) -> None:
        self.sync_now()

    def _on_preview_button_clicked(self) -> None:
        self.preview()

    def _on_sync_busy_changed(self, _busy: bool) -> None:
        self._update_buttons()

    def _on_sync_finished(self, _result: object) -> None:
        # The log of a big sync is thousands of rows: read it on a worker, and only if it is on screen
        # (the window reads a screen again each time it shows it).
        if not self.isVisible():
            return
        criteria, session_factory = self.criteria(), self._session_factory

        def read() -> list[SyncLogRow]:
            with session_factory() as session:
                return sync_log(session, criteria)

        self.reloader.reload(read)

    def _on_sync_preview_finished(self, result: object) -> None:
        from app.sync.summary import SyncPlan
        from app.views.sync_dialogs import SyncPreviewDialog

        self._update_buttons()
        if not isinstance(result, SyncPlan):
            self.message.refuse(f"The preview could not be worked out: {result}")
            return
        self.message.clear_message()
        if self.preview_dialog is not None:
            self.preview_dialog.deleteLater()
        self.preview_dialog = SyncPreviewDialog(result, self, can_sync=self.sync is not None)
        self.preview_dialog.sync_requested.connect(self.sync_now)
        self.preview_dialog.open()

    def _on_retry_button_clicked(self) -> None:
        row = self.selected()
        if row is None or self._retry is None:
            return
        self.message.say(self._retry(row))

    def _on_export_button_clicked(self) -> None:
        path = self._choose_export_path()
        if path is None:
            return
        shown = [
            self.model.row_at(self.proxy.mapToSource(self.proxy.index(r, 0)).row())
            for r in range(self.proxy.rowCount())
        ]
        try:
            count = export_sync_log_csv(shown, path)
        except OSError as exc:
            self.message.refuse(f"The sync log could not be saved to {path}: {exc.strerror or exc}.")
            return
        self.message.say(f"Saved {count:,} row{'s' if count != 1 else ''} to {path}.")
