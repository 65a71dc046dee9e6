"""Customers -> Import/Export: import from the accounting package, and customers to and from a CSV file.

The CSV import checks the whole file first (on a worker thread) and shows every row that cannot be
imported, with its column and why; nothing is imported while such rows remain, unless the bookkeeper
chooses to skip them. Export writes every active customer to a file Excel opens as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.db import SessionFactory
from app.services.customer_csv import (
    COLUMNS,
    CsvCheck,
    CsvImportResult,
    CsvProblem,
    check_customer_csv,
    import_customer_csv,
    plural,
    write_customers_csv,
)
from app.services.progress import CancelToken, ProgressReporter
from app.sync.customer_import import (
    ImportOptions,
    ImportResult,
    ProviderOpener,
    StoredConnectionProvider,
    connected_package_label,
)
from app.views.customer_import_dialog import KNOWN_PROBLEMS, CustomerImportDialog
from app.views.record_editor import ScreenMessage, screen_note
from app.views.table_models import Column, RecordTableModel
from app.views.workers import BackgroundTask

#: Asks for a file: (parent, suggested name) -> the path chosen, or None. Injected so tests never block.
ChooseFile = Callable[[QWidget, str], Path | None]


def choose_file_to_save(parent: QWidget, suggested: str) -> Path | None:
    name, _filter = QFileDialog.getSaveFileName(parent, "Export customers", suggested, "CSV files (*.csv)")
    return Path(name) if name else None


def choose_file_to_open(parent: QWidget, suggested: str) -> Path | None:
    name, _filter = QFileDialog.getOpenFileName(
        parent, "Import customers from a CSV file", suggested, "CSV files (*.csv);;All files (*)"
    )
    return Path(name) if name else None


PROBLEM_COLUMNS: tuple[Column[CsvProblem], ...] = (
    Column("Row", lambda p: p.row),
    Column("Column", lambda p: p.column or "(whole row)"),
    Column("Why it cannot be imported", lambda p: p.why, tooltip=lambda p: p.why),
)


class CustomerImportExportView(QWidget):
    """Layout and behaviour of Customers -> Import/Export.

    Attributes: ``package_button`` (Import from the package…), ``include_suppliers_check``,
    ``include_archived_check``, ``export_button``, ``csv_import_button``, ``csv_summary`` (what the file
    would do), ``problems_model`` (the rows that cannot be imported), ``csv_confirm_button``,
    ``csv_skip_button``, ``csv_cancel_button``, ``message`` (a ScreenMessage), ``dialog`` (the import
    dialog opened last), ``csv_check`` (the last file checked), ``task`` (the running BackgroundTask).
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        open_provider: ProviderOpener | None = None,
        choose_save: ChooseFile = choose_file_to_save,
        choose_open: ChooseFile = choose_file_to_open,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session_factory = session_factory
        self._own_opener: StoredConnectionProvider | None = None
        if open_provider is None:
            # Without the window's own way to the package, the page opens the stored connection itself.
            self._own_opener = StoredConnectionProvider(session_factory)
            open_provider = self._own_opener
        self._open_provider: ProviderOpener = open_provider
        self.choose_save = choose_save
        self.choose_open = choose_open
        self.package_label: str | None = None
        self.dialog: CustomerImportDialog | None = None
        self.csv_check: CsvCheck | None = None
        self._csv_path: Path | None = None
        self.task: BackgroundTask | None = None

        title = QLabel("Import/Export")
        title.setObjectName("screenTitle")
        note = screen_note(
            "Bring in the customers you already keep in your accounting package, or move customers in and "
            "out of a spreadsheet. Every import shows what it will do before anything is saved."
        )
        self.message = ScreenMessage()

        # From the accounting package
        package_box = QGroupBox("Import from Accounting Package")
        self.package_text = QLabel()
        self.package_text.setWordWrap(True)
        self.include_suppliers_check = QCheckBox("Also offer contacts that are only suppliers")
        self.include_archived_check = QCheckBox("Also offer archived contacts")
        self.package_button = QPushButton("Import from Accounting Package…")
        package_layout = QVBoxLayout(package_box)
        package_layout.addWidget(self.package_text)
        package_layout.addWidget(self.include_suppliers_check)
        package_layout.addWidget(self.include_archived_check)
        package_layout.addLayout(_left(self.package_button))
        package_layout.addStretch(1)

        # To a CSV file
        export_box = QGroupBox("Export to a CSV file")
        export_text = QLabel(
            "Every active customer, one row each, with the columns "
            + ", ".join(heading for _name, heading in COLUMNS)
            + ". The file opens in Excel as it is, and can be imported again below."
        )
        export_text.setWordWrap(True)
        self.export_button = QPushButton("Export customers…")
        export_layout = QVBoxLayout(export_box)
        export_layout.addWidget(export_text)
        export_layout.addLayout(_left(self.export_button))
        export_layout.addStretch(1)

        # From a CSV file
        csv_box = QGroupBox("Import from a CSV file")
        csv_text = QLabel(
            "The first row holds the column headings; only Name is required. A row with the account number "
            "of a customer here (or, failing that, the same name) updates that customer, only in the "
            "columns the file has; any other row is a new customer. The whole file is checked first, and "
            "nothing is imported while it has rows that cannot be, unless you choose to skip them."
        )
        csv_text.setWordWrap(True)
        self.csv_import_button = QPushButton("Import from CSV…")
        self.csv_summary = QLabel()
        self.csv_summary.setWordWrap(True)
        self.problems_model: RecordTableModel[CsvProblem] = RecordTableModel(PROBLEM_COLUMNS, parent=self)
        self.problems_table = QTableView()
        self.problems_table.setModel(self.problems_model)
        self.problems_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.problems_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.problems_table.verticalHeader().setVisible(False)
        self.problems_table.setWordWrap(False)
        self.problems_table.setMinimumHeight(160)
        self.problems_table.horizontalHeader().setStretchLastSection(True)
        self.problems_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.csv_confirm_button = QPushButton("Import")
        self.csv_skip_button = QPushButton("Skip the rows with problems and import the rest")
        self.csv_cancel_button = QPushButton("Don't import")
        self.csv_result = QWidget()
        result_buttons = QHBoxLayout()
        result_buttons.addWidget(self.csv_confirm_button)
        result_buttons.addWidget(self.csv_skip_button)
        result_buttons.addWidget(self.csv_cancel_button)
        result_buttons.addStretch(1)
        result_layout = QVBoxLayout(self.csv_result)
        result_layout.setContentsMargins(0, 0, 0, 0)
        result_layout.addWidget(self.csv_summary)
        result_layout.addWidget(self.problems_table, 1)
        result_layout.addLayout(result_buttons)
        self.csv_result.hide()
        csv_layout = QVBoxLayout(csv_box)
        csv_layout.addWidget(csv_text)
        csv_layout.addLayout(_left(self.csv_import_button))
        csv_layout.addWidget(self.csv_result, 1)

        top = QHBoxLayout()
        top.addWidget(package_box, 3)
        top.addWidget(export_box, 2)
        self._body = QVBoxLayout(self)
        self._body.addWidget(title)
        self._body.addWidget(note)
        self._body.addWidget(self.message)
        self._body.addLayout(top)
        self._body.addWidget(csv_box)
        self._body.addStretch(1)
        self._csv_box = csv_box

        self.package_button.clicked.connect(self._on_package_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.csv_import_button.clicked.connect(self._on_csv_import_button_clicked)
        self.csv_confirm_button.clicked.connect(self._on_csv_confirm_button_clicked)
        self.csv_skip_button.clicked.connect(self._on_csv_skip_button_clicked)
        self.csv_cancel_button.clicked.connect(self._on_csv_cancel_button_clicked)
        self.refresh()

    # -- public
    def refresh(self) -> None:
        """Which package is connected (one short read), for the import's button and sentence."""
        self.package_label = connected_package_label(self._session_factory)
        if self.package_label is None:
            self.package_text.setText(
                "LedgerBridge is not connected to an accounting package yet. Connect under Administration "
                "-> Accounts Integration, then come back here to import your customers."
            )
            self.package_button.setText("Import from Accounting Package…")
            self.package_button.setEnabled(False)
            return
        label = self.package_label
        self.package_text.setText(
            f"Reads your customers from {label} and matches each with a customer here by its link, account "
            "number, ABN, email or name. You review every match, and can change any, before anything is "
            f"saved. Contacts that are neither customer nor supplier yet are offered too ({label} counts a "
            "contact as a customer only from its first sales invoice)."
        )
        self.package_button.setText(f"Import from {label}…")
        self.package_button.setEnabled(True)

    def import_from_package(self) -> CustomerImportDialog:
        """Open the import (it reads the contacts at once)."""
        options = ImportOptions(
            include_suppliers=self.include_suppliers_check.isChecked(),
            include_archived=self.include_archived_check.isChecked(),
        )
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.message.clear_message()
        self.dialog = CustomerImportDialog(
            self._session_factory,
            self._open_provider,
            options=options,
            package_label=self.package_label or "your accounting package",
            parent=self,
        )
        self.dialog.imported.connect(self._on_dialog_imported)
        self.dialog.open()
        return self.dialog

    def export_csv(self) -> bool:
        """Ask where, then export on a worker thread. False when no file was chosen."""
        path = self.choose_save(self, "customers.csv")
        if path is None:
            return False
        factory = self._session_factory

        def work(report: ProgressReporter, cancel: CancelToken) -> tuple[Path, int]:
            with factory() as session:
                return path, write_customers_csv(session, path)

        self._run(work, self._on_export_task_succeeded)
        return True

    def check_csv(self, path: Path | None = None) -> bool:
        """Check a file (asked for when not given) on a worker thread; the report is shown when done."""
        path = path or self.choose_open(self, "")
        if path is None:
            return False
        self._csv_path = path
        self.csv_check = None
        self._show_csv_result(False)
        factory = self._session_factory

        def work(report: ProgressReporter, cancel: CancelToken) -> CsvCheck:
            data = path.read_bytes()
            with factory() as session:
                return check_customer_csv(session, data)

        self._run(work, self._on_check_task_succeeded)
        return True

    def import_csv(self, *, skip_bad_rows: bool) -> None:
        """Import the file checked last; ``skip_bad_rows`` leaves out the rows shown as bad."""
        if self._csv_path is None or self.csv_check is None:
            return
        path, skip = self._csv_path, self.csv_check.bad_rows if skip_bad_rows else frozenset()
        factory = self._session_factory

        def work(report: ProgressReporter, cancel: CancelToken) -> CsvImportResult:
            data = path.read_bytes()
            with factory() as session, session.begin():
                return import_customer_csv(session, data, skip_rows=skip)

        self._run(work, self._on_csv_import_task_succeeded)

    def shutdown(self) -> None:
        """Stop background work and close the page's own connection (the window is closing)."""
        if self.dialog is not None:
            self.dialog.shutdown()
        if self.task is not None:
            self.task.wait()
        if self._own_opener is not None:
            self._own_opener.close()

    # -- behaviour
    def _run(
        self, work: Callable[[ProgressReporter, CancelToken], object], done: Callable[..., None]
    ) -> None:
        self.message.clear_message()
        self._set_busy(True)
        task = BackgroundTask(work, self)
        task.succeeded.connect(done)
        task.failed.connect(self._on_task_failed)
        task.finished.connect(self._on_task_finished)
        self.task = task
        task.start()

    def _set_busy(self, busy: bool) -> None:
        for button in (
            self.export_button,
            self.csv_import_button,
            self.csv_confirm_button,
            self.csv_skip_button,
            self.csv_cancel_button,
        ):
            button.setEnabled(not busy)
        self.package_button.setEnabled(not busy and self.package_label is not None)

    def _show_check(self, check: CsvCheck) -> None:
        self.csv_check = check
        self.problems_model.set_rows(check.problems)
        self.problems_table.resizeColumnsToContents()
        self.problems_table.setVisible(bool(check.problems))
        name = self._csv_path.name if self._csv_path else "The file"
        if check.file_problem:
            self.csv_summary.setText(f"{name} cannot be imported: {check.file_problem}")
        elif check.problems:
            these = (
                "this row remains"
                if len(check.bad_rows) == 1
                else f"these {len(check.bad_rows):,} rows remain"
            )
            self.csv_summary.setText(
                f"{name}: {check.summary()} Nothing is imported while {these}: fix the file and import it "
                "again, or skip them."
            )
        else:
            self.csv_summary.setText(f"{name}: {check.summary()} Import?")
        good = len(check.good)
        can_import = not check.file_problem and good > 0
        self.csv_confirm_button.setVisible(can_import and not check.problems)
        self.csv_confirm_button.setText(f"Import {plural(good, 'row')}")
        self.csv_skip_button.setVisible(can_import and bool(check.problems))
        self.csv_skip_button.setText(
            f"Skip the {plural(len(check.bad_rows), 'row')} with problems and import the other {good:,}"
        )
        self._show_csv_result(True)

    def _show_csv_result(self, shown: bool) -> None:
        """The file's report takes the screen's spare height while it is shown."""
        self.csv_result.setVisible(shown)
        self._body.setStretchFactor(self._csv_box, 1 if shown else 0)
        self._body.setStretch(self._body.count() - 1, 0 if shown else 1)

    # -- slots
    def _on_package_button_clicked(self) -> None:
        self.import_from_package()

    def _on_dialog_imported(self, result: ImportResult) -> None:
        self.message.say(result.sentence())

    def _on_export_button_clicked(self) -> None:
        self.export_csv()

    def _on_csv_import_button_clicked(self) -> None:
        self.check_csv()

    def _on_csv_confirm_button_clicked(self) -> None:
        self.import_csv(skip_bad_rows=False)

    def _on_csv_skip_button_clicked(self) -> None:
        self.import_csv(skip_bad_rows=True)

    def _on_csv_cancel_button_clicked(self) -> None:
        self._show_csv_result(False)
        self.csv_check = None
        self.message.say("Nothing was imported.")

    def _on_export_task_succeeded(self, outcome: tuple[Path, int]) -> None:
        path, count = outcome
        self.message.say(f"Exported {plural(count, 'customer')} to {path}.")

    def _on_check_task_succeeded(self, check: CsvCheck) -> None:
        self._show_check(check)

    def _on_csv_import_task_succeeded(self, result: CsvImportResult) -> None:
        self._show_csv_result(False)
        self.csv_check = None
        self.message.say(result.sentence())

    def _on_task_failed(self, error: BaseException) -> None:
        if isinstance(error, OSError):
            self.message.refuse(f"The file could not be read or written: {error.strerror or error}.")
            return
        if not isinstance(error, KNOWN_PROBLEMS):
            raise error
        self.message.refuse(str(error))

    def _on_task_finished(self) -> None:
        self._set_busy(False)


def _left(button: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(button)
    row.addStretch(1)
    return row
