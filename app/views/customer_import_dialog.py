"""Import customers from the accounting package: read its contacts, review every proposed action, confirm.

``CustomerImportDialog`` reads the contacts in a ``BackgroundTask`` (progress, Cancel) as soon as it is
shown, then lists every contact with what is proposed for it (create / link / update / skip /
conflict), the counts per action and a filter. Choosing a contact shows why, the fields an update would
change, and a drop-down of what may be done with it instead. Nothing is written until Import is pressed;
then everything is written in one transaction, in another ``BackgroundTask``.

``offer_customer_import`` is the question asked right after the first connect ("Import now" /
"Not right now").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.config import ConfigFileError
from app.db import SessionFactory
from app.integrations.base import IntegrationError
from app.services.errors import RuleError
from app.services.progress import Cancelled, CancelToken, ProgressReporter
from app.sync.customer_import import (
    ACTION_ORDER,
    Choice,
    CustomerImport,
    Decision,
    ImportAction,
    ImportOptions,
    ImportPlan,
    ImportResult,
    ProposedAction,
    ProviderOpener,
    apply_import,
)
from app.views.table_models import SORT_ROLE, AnyIndex, Column, RecordTableModel
from app.views.workers import BackgroundTask

#: Problems a person can act on, shown as a sentence; anything else is a bug for the crash dialog.
KNOWN_PROBLEMS = (IntegrationError, ConfigFileError, RuleError, Cancelled)

#: Conflicts first: they need the bookkeeper. Then what will be written, then what will not.
_PRIORITY = {
    ImportAction.CONFLICT: 0,
    ImportAction.UPDATE: 1,
    ImportAction.LINK: 2,
    ImportAction.CREATE: 3,
    ImportAction.SKIP: 4,
}


@dataclass(eq=False)
class ReviewRow:
    """One contact in the review: what was proposed and what the bookkeeper chose (the proposal until
    they change it)."""

    proposal: ProposedAction
    choice: Choice

    @property
    def state(self) -> ImportAction:
        """What the row stands at: a conflict stays one until the bookkeeper picks something for it."""
        if self.proposal.action is ImportAction.CONFLICT and self.choice == self.proposal.proposed:
            return ImportAction.CONFLICT
        return self.choice.action

    @property
    def here(self) -> str:
        """The customer here the row concerns, as the list shows it."""
        if self.choice.customer is not None:
            return self.choice.customer.name
        if self.choice.action is ImportAction.CREATE:
            return "New customer"
        if self.proposal.customer is not None:
            return self.proposal.customer.name
        return "; ".join(candidate.name for candidate in self.proposal.candidates)

    @property
    def why(self) -> str:
        if self.choice != self.proposal.proposed:
            return f"Your choice: {self.choice.label} (proposed: {self.proposal.reason})"
        reason = self.proposal.reason
        return reason[:1].upper() + reason[1:]


def _columns(package_label: str) -> tuple[Column[ReviewRow], ...]:
    return (
        Column("Action", lambda r: r.state.label, tooltip=lambda r: r.choice.label),
        Column(
            f"In {package_label}",
            lambda r: r.proposal.contact.name,
            tooltip=lambda r: r.proposal.contact.name,
        ),
        Column("In LedgerBridge", lambda r: r.here, tooltip=lambda r: r.here),
        Column("Why", lambda r: r.why, tooltip=lambda r: r.why),
    )


#: How the plan's reasons for leaving contacts out read in a sentence.
_LEFT_OUT = {"suppliers only": "contacts that are only suppliers", "archived": "archived contacts"}


def _count(number: int, one: str, many: str) -> str:
    return f"{number:,} {one if number == 1 else many}"


class ImportReviewTableModel(RecordTableModel[ReviewRow]):
    """The review's rows; ``choose`` changes one row's action. The Action column sorts conflicts first.

    ``package_label`` names the package in the contacts' column ("In Xero").
    """

    def __init__(self, package_label: str, parent: QWidget | None = None) -> None:
        super().__init__(_columns(package_label), parent=parent)
        self.package_label = package_label

    def set_package_label(self, label: str) -> None:
        self.package_label = label
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 1, 1)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and section == 1 and role == Qt.ItemDataRole.DisplayRole:
            return f"In {self.package_label}"
        return super().headerData(section, orientation, role)

    def choose(self, source_row: int, choice: Choice) -> None:
        row = self.row_at(source_row)
        if choice not in row.proposal.choices:
            raise ValueError(f"{choice.label!r} is not one of the choices for {row.proposal.contact.name}")
        row.choice = choice
        self.dataChanged.emit(self.index(source_row, 0), self.index(source_row, self.columnCount() - 1))

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == SORT_ROLE and index.isValid() and index.column() == 0:
            return _PRIORITY[self.row_at(index.row()).state]
        return super().data(index, role)


class ImportReviewFilter(QSortFilterProxyModel):
    """Shows the rows of one action (or all) whose text holds the filter text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._action: ImportAction | None = None
        self._text = ""
        self.setSortRole(SORT_ROLE)

    def set_action(self, action: ImportAction | None) -> None:
        self._refilter(lambda: setattr(self, "_action", action))

    def set_text(self, text: str) -> None:
        self._refilter(lambda: setattr(self, "_text", text.strip().casefold()))

    def _refilter(self, change: Callable[[], None]) -> None:
        # Qt 6.10 replaced invalidateFilter() with begin/endFilterChange(); older Qt has only the former.
        if hasattr(self, "beginFilterChange"):
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            change()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        model = self.sourceModel()
        assert isinstance(model, ImportReviewTableModel)
        row = model.row_at(source_row)
        if self._action is not None and row.state is not self._action:
            return False
        if not self._text:
            return True
        text = f"{row.proposal.contact.name}\n{row.here}\n{row.why}".casefold()
        return self._text in text


def read_plan(
    session_factory: SessionFactory, open_provider: ProviderOpener, options: ImportOptions
) -> Callable[[ProgressReporter, CancelToken], ImportPlan]:
    """The reading work, for a BackgroundTask (opens the provider on the worker thread)."""

    def work(report: ProgressReporter, cancel: CancelToken) -> ImportPlan:
        provider = open_provider()
        return CustomerImport(session_factory, provider, options).propose(report, cancel)

    return work


class CustomerImportDialog(QDialog):
    """Reads, reviews and imports customers. Signals: ``plan_ready()`` once the review is shown,
    ``imported(object)`` with the ``ImportResult``.

    Attributes: ``plan`` (once read), ``model`` (ImportReviewTableModel), ``proxy``, ``table``,
    ``show_box`` (which action to show, with its count), ``filter_edit``, ``choice_box`` (what to do
    with the selected contact), ``import_button``, ``read_task`` / ``import_task`` (the BackgroundTasks),
    ``import_result`` (after importing), ``problem`` (the last problem shown, "" when none).

    ``open_provider`` gives a connected provider on the worker thread; the dialog does not close it (its
    maker owns it).
    """

    plan_ready = Signal()
    imported = Signal(object)

    def __init__(
        self,
        session_factory: SessionFactory,
        open_provider: ProviderOpener,
        *,
        options: ImportOptions | None = None,
        package_label: str = "your accounting package",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session_factory = session_factory
        self._open_provider = open_provider
        self._options = options or ImportOptions()
        self._package_label = package_label
        self._closing = False
        self.plan: ImportPlan | None = None
        self.import_result: ImportResult | None = None
        self._read: ImportPlan | None = None
        self.problem = ""
        self.read_task: BackgroundTask | None = None
        self.import_task: BackgroundTask | None = None
        self.setWindowTitle("Import customers")
        self.setModal(True)
        self.resize(1100, 680)

        self.heading = QLabel(f"Reading your customers from {package_label}…")
        self.heading.setObjectName("screenTitle")
        self.heading.setWordWrap(True)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_progress_page())
        self.pages.addWidget(self._build_review_page())
        self.pages.addWidget(self._build_problem_page())

        self.import_button = QPushButton("Import")
        self.import_button.setDefault(True)
        self.import_button.setEnabled(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.summary_label, 1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)

        self.import_button.clicked.connect(self._on_import_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.try_again_button.clicked.connect(self._on_try_again_button_clicked)
        self.show_box.currentIndexChanged.connect(self._on_show_box_current_index_changed)
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        self.choice_box.currentIndexChanged.connect(self._on_choice_box_current_index_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_row_changed)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._on_header_sort_indicator_changed)

    # -- building (layout only)
    def _build_progress_page(self) -> QWidget:
        page = QWidget()
        self.progress_label = QLabel("Connecting…")
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 0)
        box = QVBoxLayout(page)
        box.addStretch(1)
        box.addWidget(self.progress_label)
        box.addWidget(self.progress_bar)
        box.addStretch(2)
        return page

    def _build_review_page(self) -> QWidget:
        page = QWidget()
        self.intro_label = QLabel()
        self.intro_label.setWordWrap(True)
        self.show_box = QComboBox()
        self.show_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by name or reason…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMinimumWidth(280)
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.model = ImportReviewTableModel(self._package_label, parent=self)
        self.proxy = ImportReviewFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        # Sorted by a click on a heading only: the list arrives already in order (conflicts first), and
        # letting Qt sort 10,000 rows through Python on every reset would hold up the window for a second.
        self.table.setSortingEnabled(False)
        self.table.horizontalHeader().setSectionsClickable(True)
        self.table.horizontalHeader().setSortIndicatorShown(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setResizeContentsPrecision(200)

        self.detail_title = QLabel()
        self.detail_title.setStyleSheet("font-weight: 600;")
        self.detail_text = QLabel()
        self.detail_text.setWordWrap(True)
        self.detail_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choice_box = QComboBox()
        self.choice_box.setMinimumContentsLength(40)
        self.choice_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        choice_row = QHBoxLayout()
        choice_row.addWidget(QLabel("What to do with it:"))
        choice_row.addWidget(self.choice_box)
        choice_row.addStretch(1)
        self.detail = QWidget()
        self.detail.setObjectName("importDetail")
        self.detail.setStyleSheet(
            "QWidget#importDetail { background: #f6f8fa; border: 1px solid #d8dee4; border-radius: 3px; }"
        )
        detail_box = QVBoxLayout(self.detail)
        detail_box.addWidget(self.detail_title)
        detail_box.addWidget(self.detail_text)
        detail_box.addLayout(choice_row)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show:"))
        bar.addWidget(self.show_box)
        bar.addWidget(self.filter_edit)
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.intro_label)
        box.addLayout(bar)
        box.addWidget(self.table, 1)
        box.addWidget(self.detail)
        self.summary_label = QLabel()
        self.summary_label.setWordWrap(True)
        return page

    def _build_problem_page(self) -> QWidget:
        page = QWidget()
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setObjectName("fieldError")
        self.try_again_button = QPushButton("Try again")
        row = QHBoxLayout()
        row.addWidget(self.try_again_button)
        row.addStretch(1)
        box = QVBoxLayout(page)
        box.addStretch(1)
        box.addWidget(self.problem_label)
        box.addLayout(row)
        box.addStretch(2)
        return page

    # -- public
    def start(self) -> None:
        """Read the contacts (done once, when the dialog is first shown; again by Try again)."""
        if self.read_task is not None and self.read_task.running:
            return
        self.problem = ""
        self.heading.setText(f"Reading your customers from {self._package_label}…")
        self.progress_label.setText("Connecting…")
        self.progress_bar.setRange(0, 0)
        self.pages.setCurrentIndex(0)
        self.import_button.setEnabled(False)
        self.summary_label.clear()
        task = BackgroundTask(read_plan(self._session_factory, self._open_provider, self._options), self)
        task.progress.connect(self._on_task_progress)
        task.succeeded.connect(self._on_read_task_succeeded)
        task.failed.connect(self._on_task_failed)
        task.finished.connect(self._on_task_finished)
        self.read_task = task
        task.start()

    def show_plan(self, plan: ImportPlan) -> None:
        """Show ``plan`` for review (what the reading task does when it is done)."""
        self.plan = plan
        self._package_label = plan.package_label
        self.model.set_package_label(plan.package_label)
        rows = [ReviewRow(action, action.proposed) for action in plan.actions]
        rows.sort(key=lambda row: _PRIORITY[row.state])  # stable: the package's order within an action
        self.proxy.sort(-1)
        self.model.set_rows(rows)
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header.blockSignals(False)
        self.table.resizeColumnsToContents()
        for column, widest in ((1, 320), (2, 320), (0, 90)):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), widest))
        left_out = ", ".join(f"{count:,} {_LEFT_OUT.get(why, why)}" for why, count in plan.left_out.items())
        left_out_text = f" Left out: {left_out}." if left_out else ""
        self.heading.setText(f"Review the customers from {plan.package_label} - {plan.tenant_name}")
        self.intro_label.setText(
            f"LedgerBridge read {plan.contacts_read:,} contacts and matched them with your customers."
            f"{left_out_text} Nothing is saved until you press Import. Choose a contact to see why, and "
            "to choose something else for it; conflicts are left alone unless you choose."
        )
        self.pages.setCurrentIndex(1)
        self._update_counts()
        if self.proxy.rowCount():
            self.table.selectRow(0)
        self._show_detail()
        self.plan_ready.emit()

    def rows(self) -> list[ReviewRow]:
        return self.model.rows()

    def row_of(self, contact_name: str) -> int:
        """The source row of the contact called ``contact_name``."""
        for index, row in enumerate(self.model.rows()):
            if row.proposal.contact.name == contact_name:
                return index
        raise KeyError(contact_name)

    def select_contact(self, contact_name: str) -> bool:
        """Select the contact's row, clearing filters that hide it."""
        source = self.model.index(self.row_of(contact_name), 0)
        if not self.proxy.mapFromSource(source).isValid():
            self.show_box.setCurrentIndex(0)
            self.filter_edit.clear()
        index = self.proxy.mapFromSource(source)
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return index.isValid()

    def choose(self, contact_name: str, choice: Choice) -> None:
        """Change what is done with one contact (as the drop-down does)."""
        self.model.choose(self.row_of(contact_name), choice)
        self._update_counts()
        self._show_detail()

    def show_action(self, action: ImportAction | None) -> None:
        """Show only the rows at ``action`` (None: all)."""
        self.show_box.setCurrentIndex(0 if action is None else ACTION_ORDER.index(action) + 1)

    def decisions(self) -> list[Decision]:
        return [Decision(row.proposal, row.choice) for row in self.model.rows()]

    def confirm(self) -> None:
        """Import as reviewed: every change in one transaction, on a worker thread."""
        if self.plan is None or (self.import_task is not None and self.import_task.running):
            return
        plan, decisions, factory = self.plan, self.decisions(), self._session_factory
        self.problem = ""
        self.import_button.setEnabled(False)
        self.pages.setCurrentIndex(0)
        self.progress_label.setText("Importing…")
        self.progress_bar.setRange(0, 0)
        task = BackgroundTask(
            lambda report, cancel: apply_import(factory, plan, decisions, report=report, cancel=cancel), self
        )
        task.progress.connect(self._on_task_progress)
        task.succeeded.connect(self._on_import_task_succeeded)
        task.failed.connect(self._on_task_failed)
        task.finished.connect(self._on_task_finished)
        self.import_task = task
        task.start()

    def shutdown(self) -> None:
        """Cancel what is running and wait for it (the window is closing): an import not yet committed
        is rolled back, so nothing is written half-way."""
        task = self.running()
        if task is not None:
            self._closing = True
            task.cancel()
            task.wait()

    def running(self) -> BackgroundTask | None:
        for task in (self.read_task, self.import_task):
            if task is not None and task.running:
                return task
        return None

    # -- what the dialog shows
    def _update_counts(self) -> None:
        counts = dict.fromkeys(ACTION_ORDER, 0)
        for row in self.model.rows():
            counts[row.state] += 1
        total = self.model.rowCount()
        current = self.show_box.currentIndex()
        self.show_box.blockSignals(True)
        self.show_box.clear()
        self.show_box.addItem(f"All contacts ({total:,})", None)
        for action in ACTION_ORDER:
            self.show_box.addItem(f"{action.label} ({counts[action]:,})", action.value)
        self.show_box.setCurrentIndex(max(current, 0))
        self.show_box.blockSignals(False)
        shown = self.proxy.rowCount()
        self.count_label.setText(f"{total:,}" if shown == total else f"{shown:,} of {total:,}")
        writes = counts[ImportAction.CREATE] + counts[ImportAction.LINK] + counts[ImportAction.UPDATE]
        parts = [
            _count(counts[ImportAction.CREATE], "new customer", "new customers"),
            _count(counts[ImportAction.LINK], "customer linked", "customers linked"),
            _count(counts[ImportAction.UPDATE], "customer updated", "customers updated"),
        ]
        conflicts = counts[ImportAction.CONFLICT]
        left = ""
        if conflicts:
            left = " " + _count(conflicts, "conflict is", "conflicts are") + " left for later."
        self.summary_label.setText(f"Import will save {', '.join(parts)}.{left}")
        self.import_button.setText(f"Import ({_count(writes, 'change', 'changes')})")
        self.import_button.setEnabled(writes > 0)

    def _selected_source_row(self) -> int | None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid():
            return None
        return self.proxy.mapToSource(index).row()

    def _show_detail(self) -> None:
        source_row = self._selected_source_row()
        self.choice_box.blockSignals(True)
        self.choice_box.clear()
        if source_row is None:
            self.detail_title.setText("Choose a contact in the list to see why, and what else can be done.")
            self.detail_text.clear()
            self.choice_box.setEnabled(False)
            self.choice_box.blockSignals(False)
            return
        row = self.model.row_at(source_row)
        proposal = row.proposal
        self.detail_title.setText(
            f"{proposal.contact.name} - {proposal.action.label.lower()}: {proposal.reason}"
        )
        package = self._package_label
        lines = [
            f"{change.label}: {change.shown_ours} here, {change.shown_theirs} in {package}"
            for change in proposal.changes
        ]
        if proposal.candidates:
            lines.append("Customers here it could be: " + "; ".join(c.name for c in proposal.candidates))
        lines.extend(proposal.notes)
        self.detail_text.setText("\n".join(lines))
        self.detail_text.setVisible(bool(lines))
        for choice in proposal.choices:
            self.choice_box.addItem(choice.label)
        self.choice_box.setCurrentIndex(proposal.choices.index(row.choice))
        self.choice_box.setEnabled(len(proposal.choices) > 1)
        self.choice_box.blockSignals(False)

    def _show_problem(self, text: str) -> None:
        self.problem = text
        self.problem_label.setText(text)
        self.pages.setCurrentIndex(2)
        self.heading.setText("Customers were not imported")

    # -- closing while work runs: cancel it, and close once it has stopped
    def reject(self) -> None:
        task = self.running()
        if task is None:
            super().reject()
            return
        self._closing = True
        task.cancel()
        self.hide()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.read_task is None and self.plan is None:
            self.start()

    # -- slots
    def _on_task_progress(self, done: int, total: int, text: str) -> None:
        self.progress_label.setText(text)
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)

    # What a task brought is acted on once its thread has ended (``finished``), so the dialog never goes
    # away, nor a caller goes on, while a thread it owns is still winding down.
    def _on_read_task_succeeded(self, plan: ImportPlan) -> None:
        self._read = plan

    def _on_import_task_succeeded(self, result: ImportResult) -> None:
        self.import_result = result

    def _on_task_failed(self, error: BaseException) -> None:
        if self._closing:
            return
        if not isinstance(error, KNOWN_PROBLEMS):
            raise error
        if self.plan is not None and self.sender() is self.import_task:
            # Back to the review, so the bookkeeper sees why and can try again or cancel.
            self.pages.setCurrentIndex(1)
            self.problem = str(error)
            self.summary_label.setText(f"<span style='color:#b00020'>{error}</span>")
            self.import_button.setEnabled(True)
            return
        self._show_problem(str(error))

    def _on_task_finished(self) -> None:
        if self.running() is not None:
            return
        if self._closing:
            super().reject()
        elif self.sender() is self.read_task and self._read is not None:
            plan, self._read = self._read, None
            self.show_plan(plan)
        elif self.sender() is self.import_task and self.import_result is not None:
            self.imported.emit(self.import_result)
            self.accept()

    def _on_import_button_clicked(self) -> None:
        self.confirm()

    def _on_cancel_button_clicked(self) -> None:
        self.reject()

    def _on_try_again_button_clicked(self) -> None:
        self.start()

    def _on_show_box_current_index_changed(self, index: int) -> None:
        value = self.show_box.itemData(index)
        self.proxy.set_action(ImportAction(value) if isinstance(value, str) else None)
        self._after_filter()

    def _on_filter_edit_text_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self._after_filter()

    def _after_filter(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(f"{total:,}" if shown == total else f"{shown:,} of {total:,}")
        if self._selected_source_row() is None and shown:
            self.table.selectRow(0)
        current = self.table.selectionModel().currentIndex()
        if current.isValid():
            self.table.scrollTo(current)
        self._show_detail()

    def _on_table_current_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        self._show_detail()

    def _on_header_sort_indicator_changed(self, column: int, order: Qt.SortOrder) -> None:
        self.proxy.sort(column, order)
        index = self.table.selectionModel().currentIndex()
        if index.isValid():
            self.table.scrollTo(index)

    def _on_choice_box_current_index_changed(self, index: int) -> None:
        source_row = self._selected_source_row()
        if source_row is None or index < 0:
            return
        proxy_row = self.table.selectionModel().currentIndex().row()
        row = self.model.row_at(source_row)
        self.model.choose(source_row, row.proposal.choices[index])
        self._update_counts()
        if self._selected_source_row() is None and self.proxy.rowCount():
            # The row left the rows shown (a conflict settled while showing conflicts): on to the next.
            self.table.selectRow(min(proxy_row, self.proxy.rowCount() - 1))
        self._show_detail()


# --------------------------------------------------------------------------------------------------------
# Right after the first connect
# --------------------------------------------------------------------------------------------------------

#: Asks whether to import now: (title, question) -> True for "Import now". Injected so tests never block.
AskImportNow = Callable[[str, str], bool]


def ask_import_now(title: str, question: str) -> bool:
    """The real question: Import now / Not right now, Import now by default."""
    box = QMessageBox(QMessageBox.Icon.Question, title, question)
    now = box.addButton("Import now", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Not right now", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(now)
    box.exec()
    return box.clickedButton() is now


def offer_customer_import(
    parent: QWidget | None,
    session_factory: SessionFactory,
    open_provider: ProviderOpener,
    *,
    package_label: str = "Xero",
    ask: AskImportNow = ask_import_now,
) -> CustomerImportDialog | None:
    """Ask "Import your customers now?" and, on Import now, open the import (it starts reading at once).

    Returns the dialog, or None when the person said Not right now.
    """
    question = (
        f"Import your customers from {package_label} now?\n\nLedgerBridge reads the customers you already "
        f"have in {package_label} and matches them with the customers here. You review every match before "
        "anything is saved. You can also do this later under Customers -> Import/Export."
    )
    if not ask("Import customers", question):
        return None
    dialog = CustomerImportDialog(session_factory, open_provider, package_label=package_label, parent=parent)
    dialog.open()
    return dialog
