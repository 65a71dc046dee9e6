"""Customers: the list of the business's customers, and the editor for one customer."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLineEdit, QWidget
from sqlalchemy.orm import Session

from app.db import SessionFactory
from app.models import Customer
from app.services.customers import (
    CustomerDetails,
    CustomerRow,
    duplicate_name_warning,
    format_abn,
    list_customers,
    save_customer,
)
from app.services.errors import RuleError
from app.services.sync_status import NOT_CONNECTED, RecordSyncState, customer_sync_states
from app.views.list_loading import ListReloader
from app.views.record_editor import (
    Confirm,
    EditableListView,
    ask_yes_no,
    fit_list,
    text_box,
)
from app.views.stored_record_editor import StoredRecordEditor
from app.views.table_models import Column

if TYPE_CHECKING:
    from app.views.sync_controller import SyncController

SYNC_ATTENTION_COLOUR = "#b00020"

COLUMNS: tuple[Column[CustomerRow], ...] = (
    Column("Name", lambda r: r.name, tooltip=lambda r: r.name),
    Column("Contact", lambda r: r.contact_person),
    Column("Email", lambda r: r.email),
    Column("Phone", lambda r: r.phone),
    Column("ABN", lambda r: r.abn),
    Column("Account number", lambda r: r.account_number),
)


def customer_columns(sync_state: Callable[[int], RecordSyncState]) -> tuple[Column[CustomerRow], ...]:
    """The list's columns, the last saying where each customer stands with the accounting package."""
    return (
        *COLUMNS,
        Column(
            "Sync",
            lambda r: sync_state(r.id).label,
            tooltip=lambda r: sync_state(r.id).reason,
            colour=lambda r: SYNC_ATTENTION_COLOUR if sync_state(r.id).standing.needs_attention else None,
        ),
    )


class CustomerEditorDialog(StoredRecordEditor[Customer]):
    """New or edit one customer. Attributes: one input per field (``name_edit``, ``email_edit``, ...),
    ``record_id`` (None for a new customer until it is saved)."""

    model = Customer
    kind = "customer"

    def edit_title(self, record: Customer) -> str:
        return f"Edit customer - {record.name}"

    def build(self, session: Session, customer: Customer | None) -> None:
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Business or person, as it should read on invoices")
        self.contact_edit = QLineEdit()
        self.email_edit = QLineEdit()
        self.email_edit.setPlaceholderText("accounts@example.com.au")
        self.phone_edit = QLineEdit()
        self.abn_edit = QLineEdit()
        self.abn_edit.setPlaceholderText("11 digits, e.g. 51 824 753 556")
        self.account_number_edit = QLineEdit()
        self.address_edit = text_box(3)
        self.add_field("name", "Name *", self.name_edit)
        self.add_field("contact_person", "Contact person", self.contact_edit)
        self.add_field("email", "Email", self.email_edit, hint="Where invoices and statements are sent.")
        self.add_field("phone", "Phone", self.phone_edit)
        self.add_field("abn", "ABN", self.abn_edit, hint="Checked against the ABN's check digits.")
        self.add_field(
            "account_number",
            "Account number",
            self.account_number_edit,
            hint="Your own reference for this customer; it matches them to their contact in your "
            "accounting package when customers are imported.",
        )
        self.add_field("billing_address", "Billing address", self.address_edit)
        if customer is not None:
            self.fill(CustomerDetails.of(customer))

    def fill(self, details: CustomerDetails) -> None:
        self.name_edit.setText(details.name)
        self.contact_edit.setText(details.contact_person)
        self.email_edit.setText(details.email)
        self.phone_edit.setText(details.phone)
        self.abn_edit.setText(format_abn(details.abn))
        self.account_number_edit.setText(details.account_number)
        self.address_edit.setPlainText(details.billing_address)

    def details(self) -> CustomerDetails:
        return CustomerDetails(
            name=self.name_edit.text(),
            contact_person=self.contact_edit.text(),
            email=self.email_edit.text(),
            phone=self.phone_edit.text(),
            abn=self.abn_edit.text(),
            account_number=self.account_number_edit.text(),
            billing_address=self.address_edit.toPlainText(),
        )

    def warning_before_saving(self, session: Session) -> RuleError | None:
        warning = duplicate_name_warning(session, self.name_edit.text(), excluding_id=self.record_id)
        return RuleError(warning, field="name") if warning else None

    def write(self, session: Session) -> None:
        customer = self.stored(session)
        self.record_id = save_customer(session, self.details(), customer).id


class CustomersView(EditableListView[CustomerRow]):
    """Customers -> Customers: every customer, New customer and Edit (double-click a row to edit), and
    where each stands with the accounting package (the Sync column, read with the list).

    With the window's ``sync`` (``SyncController``): an edited customer linked to a contact is sent
    within seconds (``sync.changed()``), and the list reads itself again after each sync.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        confirm: Confirm = ask_yes_no,
        sync: SyncController | None = None,
        parent: QWidget | None = None,
    ) -> None:
        self._sync_states: dict[int, RecordSyncState] = {}
        self.sync = sync
        super().__init__(
            "Customers",
            customer_columns(self.sync_state),
            session_factory,
            new_text="New customer…",
            confirm=confirm,
            parent=parent,
        )
        fit_list(self, stretch=0, filter_hint="Filter by name, email, phone, ABN…")
        self.reloader: ListReloader[tuple[list[CustomerRow], dict[int, RecordSyncState]]] = ListReloader(
            self._show_reloaded, self
        )
        if sync is not None:
            sync.finished.connect(self._on_sync_finished)

    def sync_state(self, customer_id: int) -> RecordSyncState:
        return self._sync_states.get(customer_id, NOT_CONNECTED)

    def load(self, session: Session) -> list[CustomerRow]:
        rows = list_customers(session)
        self._sync_states = customer_sync_states(session)
        return rows

    def make_editor(self, session: Session, row: CustomerRow | None) -> CustomerEditorDialog:
        editor = CustomerEditorDialog.for_row(
            self._session_factory, session, row, confirm=self.confirm, parent=self
        )
        if self.sync is not None:
            editor.saved.connect(self.sync.changed)  # a customer linked to a contact updates it
        return editor

    def shutdown(self) -> None:
        """Wait for a read under way (the window is closing)."""
        self.reloader.wait()

    def _on_sync_finished(self, _result: object) -> None:
        # Read the list again (its Sync column) on a worker, if it is on screen.
        if not self.isVisible():
            return
        session_factory = self._session_factory

        def read() -> tuple[list[CustomerRow], dict[int, RecordSyncState]]:
            with session_factory() as session:
                return list_customers(session), customer_sync_states(session)

        self.reloader.reload(read)

    def _show_reloaded(self, loaded: tuple[list[CustomerRow], dict[int, RecordSyncState]]) -> None:
        rows, self._sync_states = loaded
        self.set_rows(rows)
        self.update_buttons()
