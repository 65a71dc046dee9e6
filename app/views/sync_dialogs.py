"""What a sync is doing and what the next one would send: the progress panel and dialog, and Preview.

- ``SyncProgressPanel`` (on the Sync Log): the sync running now, any kind, with done / total, what it
  is doing and Cancel; otherwise how the last one went, when payments are next checked (and the choice
  of how often), and the calls Xero says are left today.
- ``SyncProgressDialog``: follows one sync a person started elsewhere (Sync now on Accounts
  Integration, Send to Xero now on Invoices) from waiting to its summary; Cancel, or carry on working
  while it runs in the background. Never modal: the window stays in use.
- ``SyncPreviewDialog``: what the next sync would send (creates, updates, voids, payments...), with the
  accounts each posts to and the totals, sending nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.money import format_money
from app.views.sync_controller import CHECK_CHOICES, SyncController, SyncRequest
from app.views.table_models import SORT_ROLE, Column, RecordTableModel

if TYPE_CHECKING:
    from app.sync.summary import PlannedChange, SyncPlan

PROBLEM_COLOUR = "#b00020"
_PANEL_STYLE = (
    "QFrame#syncPanel { background: #f6f8fa; border: 1px solid #d5dde5; border-radius: 3px; }"
    "QLabel#syncHeading { font-weight: 600; }"
)


def result_lines(result: object) -> tuple[list[str], bool]:
    """A finished sync in sentences (first line first), and whether it needs the person's attention."""
    from app.sync.summary import SyncSummary

    if isinstance(result, SyncSummary):
        return result.lines(), result.exit_code != 0
    return [f"Could not sync: {result}"], True


def result_heading(result: object) -> str:
    """How a finished sync went, in a few words."""
    from app.sync.summary import SyncSummary

    if not isinstance(result, SyncSummary) or result.problem is not None:
        return "Could not sync"
    if result.stopped is not None:
        return "Sync stopped part-way"
    if result.exit_code != 0:
        return "Sync finished; some items need attention"
    return "Sync finished"


def _clock(moment: dt.datetime) -> str:
    return f"{moment.astimezone():%H:%M}"


def _busy(bar: QProgressBar, done: int, total: int) -> None:
    if total <= 0:
        bar.setRange(0, 0)  # not counted yet: a moving bar
    else:
        bar.setRange(0, total)
        bar.setValue(min(done, total))


def _status(done: int, total: int, text: str) -> str:
    counted = f"{done:,} of {total:,}" if total > 0 else ""
    return " - ".join(part for part in (counted, text) if part) + "…" if text else counted


class SyncProgressPanel(QFrame):
    """The sync now running (or the last one), for the Sync Log.

    Attributes: ``heading``, ``progress_bar``, ``status_label``, ``cancel_button``, ``schedule_label``,
    ``check_box`` (how often payments are checked).
    """

    def __init__(self, controller: SyncController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("syncPanel")
        self.setStyleSheet(_PANEL_STYLE)
        self.heading = QLabel()
        self.heading.setObjectName("syncHeading")
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setFixedWidth(220)
        self.progress_bar.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop after the step in progress; what was sent is kept")
        self.cancel_button.hide()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.schedule_label = QLabel()
        self.schedule_label.setObjectName("hint")
        self.schedule_label.setWordWrap(True)
        self.check_box = QComboBox()
        for minutes, label in CHECK_CHOICES:
            self.check_box.addItem(label, minutes)
        self.check_box.setToolTip(
            "How often LedgerBridge checks your accounting package for payments and status changes. "
            "Changes made here are sent within seconds either way."
        )
        check_caption = QLabel("Check for payments:")
        check_caption.setBuddy(self.check_box)

        top = QHBoxLayout()
        top.addWidget(self.heading)
        top.addWidget(self.progress_bar)
        top.addWidget(self.cancel_button)
        top.addStretch(1)
        self._actions = QHBoxLayout()
        self._actions.setSpacing(6)
        top.addLayout(self._actions)
        top.addSpacing(16)
        top.addWidget(check_caption)
        top.addWidget(self.check_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addWidget(self.status_label)
        layout.addWidget(self.schedule_label)

        self._choose_check(controller.check_minutes)
        self._show_last()
        self._show_schedule()
        controller.started.connect(self._on_controller_started)
        controller.progress.connect(self._on_controller_progress)
        controller.finished.connect(self._on_controller_finished)
        controller.schedule_changed.connect(self._show_schedule)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.check_box.currentIndexChanged.connect(self._on_check_box_current_index_changed)
        if controller.running and controller.current is not None:
            self._on_controller_started(controller.current)

    def add_action(self, button: QPushButton) -> None:
        """Put a button (Sync now, Preview...) on the panel's top row."""
        self._actions.addWidget(button)

    # -- showing
    def _choose_check(self, minutes: int) -> None:
        index = self.check_box.findData(minutes)
        if index < 0:
            self.check_box.addItem(f"Every {minutes} minutes", minutes)
            index = self.check_box.count() - 1
        self.check_box.blockSignals(True)
        self.check_box.setCurrentIndex(index)
        self.check_box.blockSignals(False)

    def _show_last(self) -> None:
        controller = self.controller
        if controller.last_finished_at is None:
            self.heading.setText(f"Not synced with {controller.package_label} since LedgerBridge opened")
            self.status_label.setText("Sync now sends what is waiting; Preview shows it first.")
            self.status_label.setStyleSheet("")
            return
        result: object = controller.last_error or controller.last_summary
        lines, attention = result_lines(result)
        self.heading.setText(f"Last sync at {_clock(controller.last_finished_at)}")
        self.status_label.setText(" ".join(lines[:2]) + (" …" if len(lines) > 2 else ""))
        self.status_label.setToolTip("\n".join(lines))
        self.status_label.setStyleSheet(f"color: {PROBLEM_COLOUR};" if attention else "")

    def _show_schedule(self) -> None:
        controller = self.controller
        parts: list[str] = []
        package = controller.package_label
        if controller.paused and controller.paused_until is not None:
            parts.append(
                f"{package}'s daily limit was reached: automatic syncs wait until "
                f"{_clock(controller.paused_until)}; changes keep waiting until then."
            )
        elif controller.check_minutes == 0:
            parts.append("Payments are checked only on Sync now.")
        else:
            upcoming = controller.next_check_at()
            when = f" (next at {_clock(upcoming)})" if upcoming is not None else ""
            parts.append(f"Payments are checked {self.check_box.currentText().lower()}{when}.")
        parts.append("Changes made here are sent within seconds.")
        if controller.day_remaining is not None:
            parts.append(f"{package} calls left today: {controller.day_remaining:,}.")
        self.schedule_label.setText(" ".join(parts))

    # -- slots
    def _on_controller_started(self, request: SyncRequest) -> None:
        self.heading.setText(request.describe(self.controller.package_label))
        self.status_label.setText("Getting ready…")
        self.status_label.setToolTip("")
        self.status_label.setStyleSheet("")
        _busy(self.progress_bar, 0, 0)
        self.progress_bar.show()
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()

    def _on_controller_progress(self, done: int, total: int, text: str) -> None:
        _busy(self.progress_bar, done, total)
        self.status_label.setText(_status(done, total, text))

    def _on_controller_finished(self, _result: object) -> None:
        self.progress_bar.hide()
        self.cancel_button.hide()
        self._show_last()
        self._show_schedule()

    def _on_cancel_button_clicked(self) -> None:
        self.cancel_button.setEnabled(False)
        self.status_label.setText("Stopping after the step in progress…")
        self.controller.cancel()

    def _on_check_box_current_index_changed(self, _index: int) -> None:
        minutes = self.check_box.currentData()
        if isinstance(minutes, int):
            self.controller.set_check_minutes(minutes)


class SyncProgressDialog(QDialog):
    """Follows one sync (``request``) a person started: waiting for its turn, done / total and what it is
    doing, then its summary. Not modal.

    Attributes: ``heading``, ``progress_bar``, ``status_label``, ``result_label``, ``cancel_button``,
    ``background_button``, ``close_button``; ``outcome`` (the summary or error once finished).
    Signals: ``completed(outcome)``.
    """

    completed = Signal(object)

    def __init__(
        self, controller: SyncController, request: SyncRequest, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self.request = request
        self.outcome: object = None
        self._following = False
        package = controller.package_label
        self.setWindowTitle(f"Sync with {package}")
        self.setModal(False)
        self.setMinimumWidth(520)
        self.heading = QLabel(request.describe(package))
        self.heading.setObjectName("syncHeading")
        self.heading.setStyleSheet("QLabel#syncHeading { font-size: 14px; font-weight: 600; }")
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.hide()
        buttons = QDialogButtonBox()
        self.cancel_button = buttons.addButton("Cancel sync", QDialogButtonBox.ButtonRole.RejectRole)
        self.cancel_button.setToolTip("Stop after the step in progress; what was sent is kept")
        self.background_button = buttons.addButton(
            "Carry on working", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.background_button.setToolTip("Hide this window; the sync goes on in the background")
        self.close_button = buttons.addButton("Close", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button.hide()
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        layout.addWidget(self.heading)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        layout.addWidget(buttons)

        _busy(self.progress_bar, 0, 0)
        if controller.current is request:
            self._following = True
            self.status_label.setText("Getting ready…")
        else:
            self.status_label.setText(
                "Waiting for the sync already running to finish; this one starts right after it."
            )
        controller.started.connect(self._on_controller_started)
        controller.progress.connect(self._on_controller_progress)
        controller.finished.connect(self._on_controller_finished)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.background_button.clicked.connect(self.hide)
        self.close_button.clicked.connect(self.accept)

    def _on_controller_started(self, request: SyncRequest) -> None:
        if request is self.request and self.outcome is None:
            self._following = True
            self.heading.setText(request.describe(self.controller.package_label))
            self.status_label.setText("Getting ready…")

    def _on_controller_progress(self, done: int, total: int, text: str) -> None:
        if self._following:
            _busy(self.progress_bar, done, total)
            self.status_label.setText(_status(done, total, text))

    def _on_controller_finished(self, result: object) -> None:
        if not self._following:
            return
        self._following = False
        self.outcome = result
        lines, attention = result_lines(result)
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(1)
        self.progress_bar.hide()
        self.heading.setText(result_heading(result))
        self.status_label.hide()
        self.result_label.setText("\n".join(lines))
        self.result_label.setStyleSheet(f"color: {PROBLEM_COLOUR};" if attention else "")
        self.result_label.show()
        self.cancel_button.hide()
        self.background_button.hide()
        self.close_button.show()
        self.close_button.setDefault(True)
        self.completed.emit(result)

    def _on_cancel_button_clicked(self) -> None:
        self.cancel_button.setEnabled(False)
        if not self._following:
            # Not started yet: it is simply not run.
            if self.controller.pending is self.request:
                self.controller.pending = None
            self.reject()
            return
        self.status_label.setText("Stopping after the step in progress…")
        self.controller.cancel()


def open_sync_progress(
    controller: SyncController, request: SyncRequest, parent: QWidget
) -> SyncProgressDialog:
    """Show a ``SyncProgressDialog`` following ``request`` (not modal)."""
    dialog = SyncProgressDialog(controller, request, parent)
    dialog.show()
    return dialog


# -- Preview -----------------------------------------------------------------------------------------------

#: The preview's filter: its label and which changes it keeps.
PLAN_FILTERS: tuple[tuple[str, Callable[[PlannedChange], bool]], ...] = (
    ("All changes", lambda c: True),
    ("Creates", lambda c: c.action == "Create"),
    ("Updates", lambda c: c.action.startswith("Update")),
    ("Voids", lambda c: c.action == "Void"),
    ("Payments", lambda c: "payment" in c.action.lower()),
    ("Credit allocations", lambda c: c.action == "Allocate credit"),
    ("Would fail", lambda c: bool(c.problem)),
)


def _lines_tip(change: PlannedChange) -> str:
    return "\n".join(change.lines) if change.lines else ""


PLAN_COLUMNS: tuple[Column[PlannedChange], ...] = (
    Column("What", lambda c: c.action),
    Column("Record", lambda c: c.label, tooltip=lambda c: c.label),
    Column("Type", lambda c: c.key.record_type.label),
    Column("Contact", lambda c: c.contact, tooltip=lambda c: c.contact),
    Column("Total", lambda c: c.total),
    Column(
        "Posts to",
        lambda c: c.accounts_text,
        tooltip=lambda c: "\n".join(filter(None, (c.accounts_text.replace("; ", "\n"), _lines_tip(c)))),
    ),
    Column(
        "Problem",
        lambda c: c.problem or "",
        tooltip=lambda c: c.problem or "",
        colour=lambda c: PROBLEM_COLOUR if c.problem else None,
    ),
)


#: How the headline names each kind of change (one, many), in the order it lists them.
_ACTION_WORDS: dict[str, tuple[str, str]] = {
    "Create": ("new record", "new records"),
    "Update": ("update", "updates"),
    "Update contact": ("contact update", "contact updates"),
    "Void": ("void", "voids"),
    "Record payment": ("payment", "payments"),
    "Delete payment": ("payment deletion", "payment deletions"),
    "Allocate credit": ("credit allocation", "credit allocations"),
}


def plan_headline(plan: SyncPlan) -> str:
    """One sentence: how many of each kind of change, with their totals."""
    if not plan.changes:
        return f"Nothing would be sent to {plan.package_label}: everything is up to date."
    counts: dict[str, int] = defaultdict(int)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for change in plan.changes:
        counts[change.action] += 1
        if change.total is not None:
            totals[change.action] += change.total
    order = list(_ACTION_WORDS)
    parts = []
    for action in sorted(counts, key=lambda a: order.index(a) if a in order else len(order)):
        count = counts[action]
        one, many = _ACTION_WORDS.get(action, (action.lower(), action.lower()))
        money = f" ({format_money(totals[action])})" if action in totals else ""
        parts.append(f"{count:,} {one if count == 1 else many}{money}")
    total = len(plan.changes)
    failing = sum(1 for change in plan.changes if change.problem)
    warning = f" {failing:,} would fail as it stands (see Problem)." if failing else ""
    return (
        f"The next sync would send {total:,} change{'s' if total != 1 else ''} to {plan.package_label}: "
        + ", ".join(parts)
        + "."
        + warning
    )


def account_totals(plan: SyncPlan) -> list[tuple[str, Decimal]]:
    """What each account would receive across the plan, largest first."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for change in plan.changes:
        for posting in change.postings:
            totals[posting.account.label] += posting.amount
    return sorted(totals.items(), key=lambda item: (-abs(item[1]), item[0]))


class SyncPreviewDialog(QDialog):
    """Preview next sync: every change the next sync would send, sending nothing.

    Attributes: ``headline``, ``accounts_label``, ``filter_box``, ``table``, ``model``, ``proxy``,
    ``notes_label``, ``sync_button``, ``close_button``. Signals: ``sync_requested()`` (Sync now pressed).
    """

    sync_requested = Signal()

    def __init__(self, plan: SyncPlan, parent: QWidget | None = None, *, can_sync: bool = True) -> None:
        super().__init__(parent)
        self.plan = plan
        self.setWindowTitle(f"Preview next sync with {plan.package_label}")
        self.resize(1100, 640)
        self.headline = QLabel(plan_headline(plan))
        self.headline.setObjectName("syncHeading")
        self.headline.setStyleSheet("QLabel#syncHeading { font-size: 14px; font-weight: 600; }")
        self.headline.setWordWrap(True)
        sending = QLabel("Nothing is sent from this window: it shows what Sync now would send.")
        sending.setObjectName("hint")
        self.accounts_label = QLabel()
        self.accounts_label.setWordWrap(True)
        self.accounts_label.setTextFormat(Qt.TextFormat.RichText)
        totals = account_totals(plan)
        if totals:
            shown = totals[:8]
            more = f" … and {len(totals) - len(shown)} more" if len(totals) > len(shown) else ""
            self.accounts_label.setText(
                "<b>Posts to:</b> "
                + "; ".join(f"{_html(label)} {format_money(amount)}" for label, amount in shown)
                + more
            )
        else:
            self.accounts_label.hide()
        self.filter_box = QComboBox()
        for label, keep in PLAN_FILTERS:
            count = sum(1 for change in plan.changes if keep(change))
            if count or label == "All changes":
                self.filter_box.addItem(f"{label} ({count:,})", label)
        self.model: RecordTableModel[PlannedChange] = RecordTableModel(PLAN_COLUMNS, plan.changes, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the order the sync sends them in
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(100)
        self.table.resizeColumnsToContents()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        for column, widest in ((1, 300), (3, 200), (6, 260)):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), widest))
        # The selected change in full: a problem or the lines are too long for their cells.
        self.detail_label = QLabel()
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextFormat(Qt.TextFormat.RichText)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        notes = list(plan.notes)
        if plan.new_contacts:
            names = ", ".join(plan.new_contacts[:12])
            more = f" and {len(plan.new_contacts) - 12} more" if len(plan.new_contacts) > 12 else ""
            notes.insert(
                0,
                f"Customers that would become contacts (matched to an existing contact first where one "
                f"fits): {names}{more}.",
            )
        self.notes_label = QLabel("\n".join(notes))
        self.notes_label.setObjectName("hint")
        self.notes_label.setWordWrap(True)
        self.notes_label.setVisible(bool(notes))
        buttons = QDialogButtonBox()
        self.sync_button = buttons.addButton("Sync now", QDialogButtonBox.ButtonRole.ActionRole)
        self.sync_button.setEnabled(can_sync and bool(plan.changes))
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show:"))
        bar.addWidget(self.filter_box)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(sending)
        layout.addWidget(self.accounts_label)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail_label)
        layout.addWidget(self.notes_label)
        layout.addWidget(buttons)

        self.filter_box.currentIndexChanged.connect(self._on_filter_box_current_index_changed)
        self.sync_button.clicked.connect(self._on_sync_button_clicked)
        self.close_button.clicked.connect(self.reject)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self._select_first_problem()

    def _select_first_problem(self) -> None:
        """Open on the first change that would fail (else the first), so its reason is read in full."""
        changes = self.shown_changes()
        if not changes:
            self.detail_label.setText("Nothing to send.")
            return
        row = next((i for i, change in enumerate(changes) if change.problem), 0)
        self.table.selectRow(row)
        self._show_detail(changes[row])

    def _show_detail(self, change: PlannedChange) -> None:
        parts = [f"<b>{_html(change.label)}</b>"]
        if change.problem:
            parts.append(f'<span style="color:#b00020">Would fail: {_html(change.problem)}</span>')
        if change.lines:
            parts.append("Lines: " + "; ".join(_html(line) for line in change.lines))
        if change.postings:
            parts.append("Posts to: " + _html(change.accounts_text))
        self.detail_label.setText("<br>".join(parts))

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._show_detail(self.model.row_at(self.proxy.mapToSource(current).row()))

    def shown_changes(self) -> list[PlannedChange]:
        return [
            self.model.row_at(self.proxy.mapToSource(self.proxy.index(row, 0)).row())
            for row in range(self.proxy.rowCount())
        ]

    def _on_filter_box_current_index_changed(self, _index: int) -> None:
        wanted = self.filter_box.currentData()
        keep = dict(PLAN_FILTERS).get(wanted, PLAN_FILTERS[0][1])
        self.model.set_rows([change for change in self.plan.changes if keep(change)])
        self._select_first_problem()

    def _on_sync_button_clicked(self) -> None:
        self.sync_requested.emit()
        self.accept()


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
