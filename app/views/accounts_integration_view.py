"""Administration -> Accounts Integration: the connection, and the accounts each kind of transaction posts to.

Layout: the connection panel; a bar with Refresh Chart of Accounts, Suggest accounts and Save Accounting
Settings; what the last refresh flagged; then the settings in groups, with the bookkeeper's labels. The
rules (which accounts fit, validation, suggestions, the start-date count) live in
``app.services.accounting_settings``; the refresh in ``app.sync.chart_refresh``, run in a BackgroundTask.

Edits are kept on screen until saved: the screen marks them as unsaved and asks before they would be lost
(``confirm_leave``, asked by the main window before it shows another screen or closes).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.db import SessionFactory
from app.integrations.base import IntegrationError
from app.models import ReferenceField, SettingsAccountRole
from app.services.accounting_settings import (
    PAYMENT_METHOD_FIELD,
    PAYMENT_METHOD_HINT,
    REFERENCE_FIELD_HINT,
    RELAX_HINT,
    ROLE_HINTS,
    ROLE_PURPOSE,
    START_DATE_FIELD,
    START_DATE_HINT,
    AccountFlag,
    SettingsDraft,
    SettingsRefused,
    SettingsSnapshot,
    invoices_newly_due,
    load_settings,
    save_settings,
    suggest_accounts,
    suggest_payment_method,
)
from app.services.errors import RuleError
from app.services.progress import CancelToken, ProgressReporter
from app.sync.chart_refresh import ChartOfAccountsRefresh, ChartRefreshResult
from app.views.account_picker import AccountPicker
from app.views.connection_panel import (
    KNOWN_PROBLEMS,
    ChooseOrganisation,
    ConnectionPanel,
    OpenAddress,
    PackageAccess,
    open_in_browser,
)
from app.views.record_editor import ChoiceBox, Confirm, ScreenMessage, ask_yes_no, screen_note
from app.views.workers import BackgroundTask

if TYPE_CHECKING:
    from app.views.sync_controller import SyncController
    from app.views.sync_dialogs import SyncProgressDialog

logger = logging.getLogger(__name__)

Role = SettingsAccountRole

#: The groups of the screen and the account roles in each, in reading order.
INCOME_ROLES = (Role.LABOUR_INCOME, Role.MATERIALS_INCOME, Role.CREDIT_NOTE, Role.BAD_DEBT, Role.ROUNDING)
PAYMENT_ROLES = (Role.RECEIVE_PAYMENTS, Role.CREDIT_CARD_PAYMENTS)
SUPPLIER_ROLES = (Role.SUPPLIER_INVOICE, Role.SUPPLIER_EXPENSE)

PUSH_INDIVIDUAL_LINES_HINT = (
    "Ticked, each line is sent as it is; unticked, lines are summarised by account and tax."
)
PUSH_LINES_AS_ITEMS_HINT = (
    "Creates item codes in the package for materials and labour, and the lines use them."
)
PUSH_WORK_UNDERTAKEN_HINT = "Adds a description line with the job's work undertaken to each invoice."

#: Flags listed on screen at most (the rest are counted): the settings stay in view.
MAX_FLAGS_LISTED = 6
#: Asks the import question: (title, question) -> True for "Import now".
AskImport = Callable[[str, str], bool]
#: The earliest date the start date can be set to; shown as "Not set" (QDateEdit cannot be empty).
_NO_DATE = QDate(2000, 1, 1)


def ask_import_now(parent: QWidget | None) -> AskImport:
    """The real question: Import now / Not right now."""

    def ask(title: str, question: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, question, parent=parent)
        now = box.addButton("Import now", QMessageBox.ButtonRole.AcceptRole)
        later = box.addButton("Not right now", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(later)
        box.exec()
        return box.clickedButton() is now

    return ask


def _group(title: str) -> tuple[QGroupBox, QVBoxLayout]:
    box = QGroupBox(title)
    layout = QVBoxLayout(box)
    layout.setSpacing(10)
    return box, layout


def _problem_label() -> QLabel:
    label = QLabel()
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.hide()
    return label


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


def _field(label: str, widget: QWidget, *extras: QWidget) -> QWidget:
    """A setting: its label above the input, then its hint and problem lines."""
    column = QWidget()
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    heading = QLabel(label)
    heading.setObjectName("settingLabel")
    heading.setWordWrap(True)
    heading.setBuddy(widget)
    layout.addWidget(heading)
    layout.addWidget(widget)
    for extra in extras:
        layout.addWidget(extra)
    layout.addStretch(1)  # spare height goes below, never between a label and its input
    return column


class AccountsIntegrationView(QWidget):
    """Administration -> Accounts Integration.

    Signals: ``saved()`` after the settings are saved.

    Attributes: ``connection_panel``; ``refresh_button``, ``cancel_refresh_button``, ``suggest_button``,
    ``discard_button``, ``save_button``, ``unsaved_label``, ``progress_bar``, ``message``, ``flags_label``;
    the settings: ``reference_box``, ``start_date_edit``, ``start_date_note``, ``individual_lines_check``,
    ``lines_as_items_check``, ``work_undertaken_check``, ``relax_check``, ``payment_method_box``,
    ``pickers`` (an ``AccountPicker`` per role); ``snapshot`` (what is saved), ``refresh_task``.
    ``confirm`` (yes/no), ``ask_import`` and ``import_customers`` may be replaced (tests).
    ``sync_button`` (Sync now, through the window's ``sync`` controller; ``sync_dialog`` follows it).
    """

    saved = Signal()

    def __init__(
        self,
        session_factory: SessionFactory,
        access: PackageAccess,
        *,
        confirm: Confirm = ask_yes_no,
        ask_import: AskImport | None = None,
        open_address: OpenAddress = open_in_browser,
        choose_organisation: ChooseOrganisation | None = None,
        sync: SyncController | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session_factory = session_factory
        self.access = access
        self.sync = sync
        self.sync_dialog: SyncProgressDialog | None = None
        self.confirm = confirm
        self.ask_import = ask_import or ask_import_now(self)
        self.import_customers: Callable[[], None] = self._import_customers
        self.refresh_task: BackgroundTask | None = None
        #: The customer import opened by "Import now" (None until then).
        self.import_dialog: Any = None
        self._loading = False
        self._problems: dict[str, QLabel] = {}
        with session_factory() as session:
            self.snapshot: SettingsSnapshot = load_settings(session)

        title = QLabel("Accounts Integration")
        title.setObjectName("screenTitle")
        self.note = screen_note(
            "Connect LedgerBridge to your accounting package, then choose the accounts each kind of "
            "transaction posts to and save. Each dropdown offers only the accounts that fit it; archived "
            "accounts are never offered. Refresh the chart of accounts after changing accounts in the "
            "package."
        )
        self.connection_panel = ConnectionPanel(
            session_factory,
            access,
            confirm=confirm,
            open_address=open_address,
            choose_organisation=choose_organisation,
        )

        self.refresh_button = QPushButton("Refresh Chart of Accounts")
        self.cancel_refresh_button = QPushButton("Cancel refresh")
        self.cancel_refresh_button.hide()
        self.suggest_button = QPushButton("Suggest accounts")
        self.suggest_button.setToolTip(
            "Fill the empty dropdowns with the obvious accounts, for you to review"
        )
        self.sync_button = QPushButton("Sync now")
        self.sync_button.setToolTip("Check for payments, then send everything waiting, now")
        self.sync_button.setVisible(sync is not None)
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(180)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.hide()
        self.unsaved_label = QLabel("Unsaved changes")
        self.unsaved_label.setObjectName("unsavedChanges")
        self.unsaved_label.setStyleSheet("QLabel#unsavedChanges { color: #8a5300; font-weight: 600; }")
        self.unsaved_label.hide()
        self.discard_button = QPushButton("Discard changes")
        self.save_button = QPushButton("Save Accounting Settings")
        self.save_button.setDefault(True)
        bar = QHBoxLayout()
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.cancel_refresh_button)
        bar.addWidget(self.suggest_button)
        bar.addWidget(self.sync_button)
        bar.addWidget(self.progress_bar)
        bar.addStretch(1)
        bar.addWidget(self.unsaved_label)
        bar.addWidget(self.discard_button)
        bar.addWidget(self.save_button)
        self.message = ScreenMessage()
        self.flags_label = QLabel()
        self.flags_label.setObjectName("accountFlags")
        self.flags_label.setWordWrap(True)
        self.flags_label.setTextFormat(Qt.TextFormat.RichText)
        self.flags_label.setStyleSheet(
            "QLabel#accountFlags { background: #fdecea; border: 1px solid #e8a9a3; border-radius: 3px; "
            "padding: 6px 8px; color: #5c1a12; }"
        )
        self.flags_label.hide()

        # -- the settings
        self.reference_box: ChoiceBox[ReferenceField] = ChoiceBox()
        self.reference_box.set_choices([(field, field.label) for field in ReferenceField])
        self.start_date_edit = QDateEdit()
        self.start_date_edit.setCalendarPopup(True)
        self.start_date_edit.setDisplayFormat("d MMM yyyy")
        self.start_date_edit.setMinimumDate(_NO_DATE)
        self.start_date_edit.setSpecialValueText("Not set")
        self.start_date_note = _hint(START_DATE_HINT)
        self.individual_lines_check = QCheckBox("Push Individual Invoice Lines")
        self.lines_as_items_check = QCheckBox("Push Invoice Lines as Items")
        self.work_undertaken_check = QCheckBox("Push Invoice Work Undertaken")
        self.relax_check = QCheckBox("Relax Restrictions on Selection of Accounts")
        self.payment_method_box: ChoiceBox[int] = ChoiceBox()
        self.pickers: dict[SettingsAccountRole, AccountPicker] = {
            role: AccountPicker(ROLE_PURPOSE[role], ROLE_HINTS[role]) for role in Role
        }

        invoices, invoices_layout = _group("Invoices")
        invoices_layout.addWidget(
            _field(
                "Value for the Invoice's Reference field",
                self.reference_box,
                _hint(REFERENCE_FIELD_HINT),
                self._problem("reference_field"),
            )
        )
        invoices_layout.addWidget(
            _field(
                "Invoice start date",
                self.start_date_edit,
                self.start_date_note,
                self._problem(START_DATE_FIELD),
            )
        )
        for check, hint in (
            (self.individual_lines_check, PUSH_INDIVIDUAL_LINES_HINT),
            (self.lines_as_items_check, PUSH_LINES_AS_ITEMS_HINT),
            (self.work_undertaken_check, PUSH_WORK_UNDERTAKEN_HINT),
        ):
            invoices_layout.addWidget(self._check_with_hint(check, hint))
        income, income_layout = _group("Income")
        for role in INCOME_ROLES:
            income_layout.addWidget(_field(role.label, self.pickers[role]))
        payments, payments_layout = _group("Payments")
        for role in PAYMENT_ROLES:
            payments_layout.addWidget(_field(role.label, self.pickers[role]))
        payments_layout.addWidget(
            _field(
                "Default Payment Method from Accounts",
                self.payment_method_box,
                _hint(PAYMENT_METHOD_HINT),
                self._problem(PAYMENT_METHOD_FIELD),
            )
        )
        payments_layout.addWidget(
            _hint("A payment method can have its own deposit account: Administration -> Payments & Tax.")
        )
        suppliers, suppliers_layout = _group("Suppliers")
        for role in SUPPLIER_ROLES:
            suppliers_layout.addWidget(_field(role.label, self.pickers[role]))
        choosing, choosing_layout = _group("Choosing accounts")
        choosing_layout.addWidget(self._check_with_hint(self.relax_check, RELAX_HINT))

        # The accounts first (what a bookkeeper comes here for), then how invoices are sent.
        left = QVBoxLayout()
        left.addWidget(income)
        left.addWidget(suppliers)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(payments)
        right.addWidget(invoices)
        right.addWidget(choosing)
        right.addStretch(1)
        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        form = QWidget()
        form.setLayout(columns)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(form)
        self.scroll_area = scroll

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.note)
        layout.addWidget(self.connection_panel)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(self.flags_label)
        layout.addWidget(scroll, 1)

        self._show(self.snapshot.saved)

        self.refresh_button.clicked.connect(self._on_refresh_button_clicked)
        self.cancel_refresh_button.clicked.connect(self._on_cancel_refresh_button_clicked)
        self.suggest_button.clicked.connect(self._on_suggest_button_clicked)
        self.sync_button.clicked.connect(self._on_sync_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.discard_button.clicked.connect(self._on_discard_button_clicked)
        self.relax_check.toggled.connect(self._on_relax_check_toggled)
        self.start_date_edit.dateChanged.connect(self._on_start_date_edit_date_changed)
        self.reference_box.currentIndexChanged.connect(self._on_setting_changed)
        self.payment_method_box.currentIndexChanged.connect(self._on_setting_changed)
        for check in (self.individual_lines_check, self.lines_as_items_check, self.work_undertaken_check):
            check.toggled.connect(self._on_setting_changed)
        for picker in self.pickers.values():
            picker.changed.connect(self._on_picker_changed)
        self.connection_panel.connected.connect(self._on_connection_panel_connected)
        self.connection_panel.disconnected.connect(self._on_connection_panel_disconnected)
        self.connection_panel.busy_changed.connect(self._on_connection_panel_busy_changed)

    # -- public
    def draft(self) -> SettingsDraft:
        """The settings as they stand on screen (saved or not)."""
        date = self.start_date_edit.date()
        return SettingsDraft(
            reference_field=self.reference_box.chosen() or ReferenceField.JOB_NUMBER,
            accounts={role: picker.chosen() for role, picker in self.pickers.items()},
            default_payment_method_id=self.payment_method_box.chosen(),
            push_individual_lines=self.individual_lines_check.isChecked(),
            push_lines_as_items=self.lines_as_items_check.isChecked(),
            push_work_undertaken=self.work_undertaken_check.isChecked(),
            relax_account_restrictions=self.relax_check.isChecked(),
            invoice_start_date=None if date == _NO_DATE else dt.date(date.year(), date.month(), date.day()),
        )

    def has_unsaved_changes(self) -> bool:
        return self.draft() != self.snapshot.saved

    def refresh(self) -> None:
        """Read everything again (the main window calls this when the screen is shown); edits are kept."""
        self.connection_panel.refresh()
        self.reload(keep_edits=True)

    def reload(self, *, keep_edits: bool, snapshot: SettingsSnapshot | None = None) -> None:
        """Show the settings as saved (``snapshot``, else read now), keeping unsaved edits if asked."""
        edits = self.draft() if keep_edits and self.has_unsaved_changes() else None
        if snapshot is None:
            with self._session_factory() as session:
                snapshot = load_settings(session)
        self.snapshot = snapshot
        self._show(edits or self.snapshot.saved)

    def set_start_date(self, day: dt.date | None) -> None:
        self.start_date_edit.setDate(_NO_DATE if day is None else QDate(day.year, day.month, day.day))

    def save(self) -> bool:
        """Validate and store every setting in one transaction. True when saved; otherwise each problem is
        shown beside its setting and nothing is stored. Moving the start date earlier asks first."""
        self._clear_problems()
        draft = self.draft()
        previous = self.snapshot.saved.invoice_start_date
        with self._session_factory() as session:
            newly_due = invoices_newly_due(session, previous, draft.invoice_start_date)
        if newly_due and previous is not None and draft.invoice_start_date is not None:
            question = (
                f"Moving the invoice start date from {previous:%d %b %Y} to "
                f"{draft.invoice_start_date:%d %b %Y} "
                f"means {self._invoices(newly_due)} dated between them will be sent to "
                f"{self.snapshot.package_label} at the next sync.\n\nMove the start date?"
            )
            if not self.confirm("Invoice start date", question):
                self._show_problem(
                    RuleError("Not saved: the start date was not moved.", field=START_DATE_FIELD)
                )
                return False
        try:
            with self._session_factory() as session, session.begin():
                save_settings(session, self.snapshot.package, draft)
        except SettingsRefused as refused:
            for problem in refused.problems:
                self._show_problem(problem)
            count = len(refused.problems)
            self.message.refuse(
                f"Not saved: {count} setting{'s need' if count > 1 else ' needs'} attention, as shown beside "
                f"{'them' if count > 1 else 'it'}."
            )
            return False
        except RuleError as refusal:
            self._show_problem(refusal)
            self.message.refuse(f"Not saved: {refusal}")
            return False
        self.reload(keep_edits=False)
        self.message.say("Accounting settings saved.")
        self.saved.emit()
        return True

    def discard_changes(self) -> None:
        self._clear_problems()
        self.reload(keep_edits=False)
        self.message.clear_message()

    def confirm_leave(self) -> bool:
        """Asked before the main window shows another screen or closes: unsaved edits are never lost
        silently."""
        if not self.has_unsaved_changes():
            return True
        if not self.confirm(
            "Accounts Integration",
            "Your changes to the accounting settings are not saved. Leave without saving them?",
        ):
            return False
        self.discard_changes()
        return True

    def suggest(self) -> int:
        """Fill the empty dropdowns with the obvious accounts (marked for review). Returns how many."""
        suggestions = suggest_accounts(self.draft(), self.snapshot.chart)
        for role, account in suggestions.items():
            picker = self.pickers[role]
            picker.choose(account.remote_id)
            picker.note("Suggested: review it before saving.")
        filled = len(suggestions)
        if self.payment_method_box.chosen() is None:
            method = suggest_payment_method(self.snapshot.payment_methods)
            if method is not None:
                self.payment_method_box.choose(method.id)
                filled += 1
        self._update_state()
        if filled:
            self.message.say(
                f"Suggested {filled} setting{'s' if filled > 1 else ''}, marked below. Review "
                f"{'them' if filled > 1 else 'it'}, then Save Accounting Settings."
            )
        else:
            self.message.say("Nothing to suggest: every dropdown with an obvious account is already chosen.")
        return filled

    def refresh_chart(self) -> BackgroundTask | None:
        """Refresh Chart of Accounts in the background; the settings on screen are kept."""
        if self.refresh_task is not None and self.refresh_task.running:
            return None
        access, session_factory = self.access, self._session_factory

        def refresh(report: ProgressReporter, cancel: CancelToken) -> _Refreshed:
            report(0, 4, "Opening the connection…")
            provider = access.provider(session_factory)
            result = ChartOfAccountsRefresh(session_factory, provider).run(report, cancel)
            # Read what the screen shows here too: thousands of accounts are no read for the GUI thread.
            with session_factory() as session:
                return _Refreshed(result, load_settings(session))

        task = BackgroundTask(refresh, self)
        task.progress.connect(self._on_refresh_task_progress)
        task.succeeded.connect(self._on_refresh_task_succeeded)
        task.failed.connect(self._on_refresh_task_failed)
        task.finished.connect(self._on_refresh_task_finished)
        self.refresh_task = task
        self.message.clear_message()
        self.progress_bar.setRange(0, 4)
        self.progress_bar.setValue(0)
        self.progress_bar.show()
        task.start()
        self._update_state()
        return task

    def shutdown(self) -> None:
        """Stop background work (the window is closing)."""
        if self.refresh_task is not None and self.refresh_task.running:
            self.refresh_task.cancel()
            self.refresh_task.wait()
        self.connection_panel.shutdown()

    # -- building
    def _problem(self, name: str) -> QLabel:
        label = _problem_label()
        self._problems[name] = label
        return label

    @staticmethod
    def _check_with_hint(check: QCheckBox, hint: str) -> QWidget:
        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(check)
        note = _hint(hint)
        note.setContentsMargins(22, 0, 0, 0)
        layout.addWidget(note)
        return column

    # -- showing
    def _show(self, draft: SettingsDraft) -> None:
        snapshot = self.snapshot
        self._loading = True
        try:
            self.reference_box.choose(draft.reference_field)
            self.set_start_date(draft.invoice_start_date)
            self.individual_lines_check.setChecked(draft.push_individual_lines)
            self.lines_as_items_check.setChecked(draft.push_lines_as_items)
            self.work_undertaken_check.setChecked(draft.push_work_undertaken)
            self.relax_check.setChecked(draft.relax_account_restrictions)
            methods = [
                (m.id, m.name if m.active else f"{m.name} (inactive)") for m in snapshot.payment_methods
            ]
            self.payment_method_box.set_choices([(None, "Not chosen"), *methods])
            self.payment_method_box.choose(draft.default_payment_method_id)
            for role, picker in self.pickers.items():
                picker.set_chart(
                    snapshot.chart,
                    relaxed=draft.relax_account_restrictions,
                    chosen=draft.account(role),
                    stored=snapshot.stored.get(role),
                )
                picker.note("")
        finally:
            self._loading = False
        self._clear_problems()
        self._show_flags(snapshot.flags)
        self._show_start_date_note()
        self._update_state()

    def _show_flags(self, flags: tuple[AccountFlag, ...]) -> None:
        for flag in flags:
            if flag.field is not None:
                self.pickers[Role(flag.field)].show_problem(flag.message.split(": ", 1)[1])
        if not flags:
            self.flags_label.hide()
            return
        package = self.snapshot.package_label
        shown = flags[:MAX_FLAGS_LISTED]
        items = "".join(f"<li>{_html(flag.message)}</li>" for flag in shown)
        if len(flags) > len(shown):
            items += f"<li>… and {len(flags) - len(shown)} more.</li>"
        where = []
        if any(flag.record == "job_type" for flag in flags):
            where.append("Job Types")
        if any(flag.record == "material" for flag in flags):
            where.append("Materials")
        if any(flag.record == "payment_method" for flag in flags):
            where.append("Payments &amp; Tax")
        fix = f" Those on other screens: Administration -> {', '.join(where)}." if where else ""
        many = len(flags) > 1
        self.flags_label.setText(
            f"<b>{len(flags)} choice{'s' if many else ''} of account point{'' if many else 's'} at "
            f"{'accounts' if many else 'an account'} archived or gone in {package}.</b> What posts there "
            f"would be refused; choose other accounts.{fix}"
            f"<ul style='margin: 2px 0 0 -20px;'>{items}</ul>"
        )
        self.flags_label.show()

    def _show_start_date_note(self) -> None:
        draft_start = self.draft().invoice_start_date
        saved_start = self.snapshot.saved.invoice_start_date
        with self._session_factory() as session:
            newly_due = invoices_newly_due(session, saved_start, draft_start)
        if newly_due:
            self.start_date_note.setText(
                f"Moved earlier: {self._invoices(newly_due)} dated before {saved_start:%d %b %Y} would be "
                f"sent to {self.snapshot.package_label} at the next sync. You are asked before saving."
            )
            self.start_date_note.setStyleSheet("color: #8a5300;")
        else:
            self.start_date_note.setText(START_DATE_HINT)
            self.start_date_note.setStyleSheet("")

    def _update_state(self) -> None:
        dirty = self.has_unsaved_changes()
        refreshing = self.refresh_task is not None and self.refresh_task.running
        connection = self.connection_panel.info
        connected = connection is not None and connection.connected
        self.unsaved_label.setVisible(dirty)
        self.save_button.setEnabled(dirty and not refreshing)
        self.discard_button.setEnabled(dirty)
        self.refresh_button.setVisible(not refreshing)
        self.refresh_button.setEnabled(connected and not self.connection_panel.busy)
        self.refresh_button.setToolTip(
            "" if connected else "Connect first: the chart of accounts comes from your accounting package."
        )
        self.cancel_refresh_button.setVisible(refreshing)
        self.sync_button.setEnabled(connected and not dirty)
        self.sync_button.setToolTip(
            "Save or discard your changes first: a sync uses the saved settings."
            if dirty
            else "Check for payments, then send everything waiting, now"
        )
        self.suggest_button.setEnabled(not self.snapshot.chart.empty and not refreshing)
        for picker in self.pickers.values():
            picker.setEnabled(not refreshing)
        if self.snapshot.chart.empty:
            for picker in self.pickers.values():
                picker.combo.setToolTip("Connect and refresh the chart of accounts to choose an account.")

    def _clear_problems(self) -> None:
        for label in self._problems.values():
            label.hide()
        for picker in self.pickers.values():
            picker.clear_problem()

    def _show_problem(self, problem: RuleError) -> None:
        name = problem.field or ""
        if name in {role.value for role in Role}:
            self.pickers[Role(name)].show_problem(problem.message)
            return
        label = self._problems.get(name)
        if label is None:
            self.message.refuse(problem.message)
            return
        label.setText(problem.message)
        label.show()

    @staticmethod
    def _invoices(count: int) -> str:
        return f"{count} older approved invoice{'s' if count != 1 else ''}"

    # -- customers, right after the first connect
    def _import_customers(self) -> None:
        try:
            module = importlib.import_module("app.views.customer_import_dialog")
        except ImportError:
            module = None
        dialog_class: Any = getattr(module, "CustomerImportDialog", None)
        if dialog_class is None:
            # On the connection panel: the chart refresh's own messages below do not replace it.
            self.connection_panel.message.say(
                f"Importing customers from {self.snapshot.package_label} is not available in this version "
                "yet. "
                "Your customers are sent as they are invoiced; nothing was imported."
            )
            return
        access, session_factory = self.access, self._session_factory
        # The dialog opens the provider on its worker thread and leaves closing it to its maker (access).
        self.import_dialog = dialog_class(
            session_factory,
            lambda: access.provider(session_factory),
            package_label=self.snapshot.package_label,
            parent=self,
        )
        self.import_dialog.open()

    # -- slots
    def _on_setting_changed(self, *_args: object) -> None:
        if not self._loading:
            self._update_state()

    def _on_picker_changed(self) -> None:
        if self._loading:
            return
        sender = self.sender()
        if isinstance(sender, AccountPicker):
            sender.note("")
            sender.clear_problem()
        self._update_state()

    def _on_relax_check_toggled(self, relaxed: bool) -> None:
        if self._loading:
            return
        for picker in self.pickers.values():
            picker.set_relaxed(relaxed)
        self._update_state()

    def _on_start_date_edit_date_changed(self, _date: QDate) -> None:
        if self._loading:
            return
        self._problems[START_DATE_FIELD].hide()
        self._show_start_date_note()
        self._update_state()

    def _on_refresh_button_clicked(self) -> None:
        self.refresh_chart()

    def _on_cancel_refresh_button_clicked(self) -> None:
        if self.refresh_task is not None:
            self.refresh_task.cancel()

    def _on_suggest_button_clicked(self) -> None:
        self.suggest()

    def _on_sync_button_clicked(self) -> None:
        if self.sync is None:
            return
        from app.views.sync_dialogs import open_sync_progress

        if self.sync_dialog is not None:
            self.sync_dialog.deleteLater()
        self.sync_dialog = open_sync_progress(self.sync, self.sync.sync_now(), self)

    def _on_save_button_clicked(self) -> None:
        self.save()

    def _on_discard_button_clicked(self) -> None:
        self.discard_changes()

    def _on_refresh_task_progress(self, done: int, total: int, text: str) -> None:
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)
        self.message.say(text)

    def _on_refresh_task_succeeded(self, refreshed: _Refreshed) -> None:
        self.reload(keep_edits=True, snapshot=refreshed.snapshot)
        self.connection_panel.refresh()
        self.message.say(f"Chart of accounts refreshed: {refreshed.result.summary()}")

    def _on_refresh_task_failed(self, error: object) -> None:
        if not isinstance(error, KNOWN_PROBLEMS):
            raise error if isinstance(error, BaseException) else RuntimeError(str(error))
        if isinstance(error, IntegrationError):  # e.g. NeedsReconnecting: the panel offers Reconnect
            self.connection_panel.refresh()
        self.message.refuse(f"The chart of accounts was not refreshed: {error}")

    def _on_refresh_task_finished(self) -> None:
        self.progress_bar.hide()
        self._update_state()

    def _on_connection_panel_connected(self, reconnected: bool) -> None:
        # The first connect creates the settings; connecting again after a disconnect is not a first.
        first = not reconnected and not self.snapshot.exists
        self.reload(keep_edits=True)
        self.refresh_chart()
        if first and self.ask_import(
            "Import customers",
            f"Import your customers from {self.snapshot.package_label} now?\n\nLedgerBridge matches them "
            "with the customers it already has, and shows you any it is not sure of before linking them.",
        ):
            self.import_customers()

    def _on_connection_panel_disconnected(self) -> None:
        self.reload(keep_edits=True)

    def _on_connection_panel_busy_changed(self, _busy: bool) -> None:
        self._update_state()


@dataclass(frozen=True)
class _Refreshed:
    """What the refresh's worker hands the screen: the refresh, and the settings read afterwards."""

    result: ChartRefreshResult
    snapshot: SettingsSnapshot


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
