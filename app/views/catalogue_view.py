"""Administration screens for what the business sells and how it is paid:
Payments & Tax (payment methods, tax rates), Job Types and Materials."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from app.db import SessionFactory
from app.models import JobType, Material, PaymentMethod, PaymentMethodKind, TaxRate
from app.models.base import AccountReference
from app.services.accounting_settings import (
    DEPOSIT_ACCOUNT_HINT,
    INCOME_CODE_HINT,
    MATERIAL_INCOME_HINT,
    AccountPurpose,
    Chart,
    ChartAccount,
    StoredAccount,
    check_account,
    choose_deposit_account,
    choose_income_account,
    current_package,
    load_chart,
    relaxed_selection,
)
from app.services.catalogue import (
    NO_INCOME_ACCOUNT,
    PAYMENT_METHOD_KIND_LABELS,
    JobTypeDetails,
    JobTypeRow,
    MaterialDetails,
    MaterialRow,
    PaymentMethodDetails,
    PaymentMethodRow,
    TaxRateDetails,
    TaxRateRow,
    active_tax_rates,
    format_rate,
    list_job_types,
    list_materials,
    list_payment_methods,
    list_tax_rates,
    save_job_type,
    save_material,
    save_payment_method,
    save_tax_rate,
)
from app.services.money import ZERO
from app.services.reference_data import default_tax_rate
from app.views.account_picker import AccountPicker
from app.views.record_editor import (
    ChoiceBox,
    Confirm,
    EditableListView,
    RecordEditorDialog,
    Row,
    ask_yes_no,
    fit_list,
    read_money,
    read_percentage,
    screen_layout,
    screen_note,
    text_box,
)
from app.views.stored_record_editor import StoredRecordEditor
from app.views.table_models import Column

R = TypeVar("R")
#: Who chooses an account: a record with an income account, or a payment method.
Chooser = TypeVar("Chooser", contravariant=True)
#: A record with an income account (a job type or a material).
Income = TypeVar("Income", bound=AccountReference)

#: Where the accounts come from, when the chart of accounts has not been brought in yet.
ACCOUNTS_LATER_HINT = (
    "Accounts are chosen from your chart of accounts once LedgerBridge is connected to your accounting "
    "package and the chart is refreshed (Administration -> Accounts Integration)."
)
CARD_DEPOSIT_DEFAULT = "Not set - uses the credit card clearing account"
OTHER_DEPOSIT_DEFAULT = "Not set - uses the account to receive payments"


class ChartChoice:
    """The chart of accounts an editor offers, read once when the editor opens (one query), and whether
    Relax Restrictions on Selection of Accounts is ticked in the accounting settings."""

    def __init__(self, session: Session) -> None:
        package = current_package(session)
        self.chart: Chart = load_chart(session, package)
        self.relaxed = relaxed_selection(session, package)

    def hint(self, hint: str) -> str:
        return ACCOUNTS_LATER_HINT if self.chart.empty else hint


@dataclass(frozen=True)
class AccountKind(Generic[Chooser]):
    """An account a kind of record chooses from the chart: for what (``purpose``), its field on the form
    (``name``, ``label``), what the picker says when none is chosen, and how a choice is set (``choose``)."""

    purpose: AccountPurpose
    name: str
    label: str
    empty_text: str
    choose: Callable[[Chooser, ChartAccount | None], None]


INCOME_ACCOUNT = AccountKind(
    AccountPurpose.INCOME, "income_account", "Income account", NO_INCOME_ACCOUNT, choose_income_account
)
DEPOSIT_ACCOUNT = AccountKind(
    AccountPurpose.PAYMENTS,
    "deposit_account",
    "Deposit account",
    OTHER_DEPOSIT_DEFAULT,
    choose_deposit_account,
)


class AccountField(Generic[R]):
    """The ``kind`` of account an editor chooses from the chart (``picker``), ``previous`` being the
    record's choice when the editor opened (``stored``: as the record remembers it).

    At save a new choice is checked as Save checks the settings, before anything is written; an earlier
    choice that was not changed is kept as it is, even before the chart is refreshed.
    """

    def __init__(
        self, accounts: ChartChoice, kind: AccountKind[R], previous: str | None, stored: StoredAccount | None
    ) -> None:
        self._accounts = accounts
        self._kind = kind
        self._previous = previous
        self.picker = AccountPicker(kind.purpose, empty_text=kind.empty_text)
        self.picker.set_chart(accounts.chart, relaxed=accounts.relaxed, chosen=previous, stored=stored)

    def add_to(self, editor: RecordEditorDialog, *, hint: str) -> None:
        editor.add_field(self._kind.name, self._kind.label, self.picker, hint=self._accounts.hint(hint))

    def save(self, save_record: Callable[[], R]) -> R:
        """Check a new choice, then save the record (``save_record``) and set the account on it."""
        change = self._change()
        record = save_record()
        if change is not None:
            self._kind.choose(record, change.account)
        return record

    def _change(self) -> AccountChange | None:
        """The account newly picked, checked; None when the choice was not changed."""
        chosen = self.picker.chosen()
        if chosen == self._previous:
            return None
        accounts, kind = self._accounts, self._kind
        what = kind.label.lower()  # "income account"
        return AccountChange(
            check_account(
                accounts.chart,
                chosen,
                kind.purpose,
                relaxed=accounts.relaxed,
                what=what,
                field_name=kind.name,
            )
        )


@dataclass(frozen=True)
class AccountChange:
    """A new account choice for a record (``account`` None: cleared, so the default applies)."""

    account: ChartAccount | None


def _income_account(
    editor: RecordEditorDialog, session: Session, record: Income | None, *, hint: str
) -> AccountField[Income]:
    """A job type's or material's income account, added to ``editor``'s form."""
    previous = record.income_account_id if record is not None else None
    stored = (
        StoredAccount(previous, record.income_account_code or "", record.income_account_name or "")
        if record is not None and previous
        else None
    )
    field: AccountField[Income] = AccountField(ChartChoice(session), INCOME_ACCOUNT, previous, stored)
    field.add_to(editor, hint=hint)
    return field


def _amount_text(value: Decimal) -> str:
    """An amount as it is typed back into a field: 1234.5 -> "1,234.50" (more places only if needed)."""
    text = f"{value.normalize():f}"
    places = len(text.partition(".")[2])
    return f"{value:,.{max(2, places)}f}"


def _section_title(label: QLabel) -> None:
    """A list's title inside a screen: smaller than the screen's own title."""
    label.setObjectName("sectionTitle")
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.15)
    label.setFont(font)


@dataclass(frozen=True)
class CatalogueList(Generic[Row]):
    """What one list shows: ``title``, ``columns``, its rows (``read``, one query), the ``editor`` of one
    record, the column that takes the spare width (``stretch``), the filter's hint, and the ``note`` under
    the title, if any."""

    title: str
    columns: tuple[Column[Row], ...]
    read: Callable[[Session], list[Row]]
    editor: type[StoredRecordEditor[Any]]
    _: KW_ONLY
    stretch: int | None
    filter_hint: str
    note: str | None = None


class CatalogueListView(EditableListView[Row]):
    """A list of one kind of record (``shows``), created and edited in its editor. Attribute: ``note``
    (None when the list has none)."""

    shows: ClassVar[CatalogueList[Any]]

    def __init__(
        self, session_factory: SessionFactory, *, confirm: Confirm = ask_yes_no, parent: QWidget | None = None
    ) -> None:
        shows = self.shows
        new_text = f"New {shows.editor.kind}…"
        super().__init__(
            shows.title, shows.columns, session_factory, new_text=new_text, confirm=confirm, parent=parent
        )
        fit_list(self, stretch=shows.stretch, filter_hint=shows.filter_hint)
        self.note: QLabel | None = None
        if shows.note is not None:
            self.note = screen_note(shows.note)
            screen_layout(self).insertWidget(1, self.note)

    def load(self, session: Session) -> list[Row]:
        rows: list[Row] = self.shows.read(session)
        return rows

    def make_editor(self, session: Session, row: Row | None) -> RecordEditorDialog:
        return self.shows.editor.for_row(
            self._session_factory, session, row, confirm=self.confirm, parent=self
        )


# -- Job Types


class JobTypeEditorDialog(StoredRecordEditor[JobType]):
    """New or edit one job type: ``name_edit``, ``description_edit``, ``active_check``, and
    ``income_account_picker`` (revenue accounts of the chart, unless restrictions are relaxed)."""

    model = JobType
    kind = "job type"

    def edit_title(self, record: JobType) -> str:
        return f"Edit job type - {record.name}"

    def build(self, session: Session, job_type: JobType | None) -> None:
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText('e.g. "Plumbing - Maintenance"')
        self.description_edit = text_box(2)
        self.active_check = QCheckBox("Offered for new jobs")
        self.active_check.setChecked(True)
        self.add_field("name", "Name *", self.name_edit)
        self.add_field("description", "Description", self.description_edit)
        self.add_field("active", "Active", self.active_check)
        self.income_account: AccountField[JobType] = _income_account(
            self, session, job_type, hint=INCOME_CODE_HINT
        )
        self.income_account_picker = self.income_account.picker
        if job_type is not None:
            self.name_edit.setText(job_type.name)
            self.description_edit.setPlainText(job_type.description)
            self.active_check.setChecked(job_type.active)

    def write(self, session: Session) -> None:
        job_type = self.stored(session)
        details = JobTypeDetails(
            name=self.name_edit.text(),
            description=self.description_edit.toPlainText(),
            active=self.active_check.isChecked(),
        )
        self.record_id = self.income_account.save(lambda: save_job_type(session, details, job_type)).id


JOB_TYPE_COLUMNS: tuple[Column[JobTypeRow], ...] = (
    Column("Name", lambda r: r.name),
    Column("Description", lambda r: " ".join(r.description.split())),
    Column("Income account", lambda r: r.income_account),
    Column("Active", lambda r: r.active),
)


class JobTypesView(CatalogueListView[JobTypeRow]):
    """Administration -> Job Types."""

    shows = CatalogueList(
        "Job Types",
        JOB_TYPE_COLUMNS,
        list_job_types,
        JobTypeEditorDialog,
        stretch=1,
        filter_hint="Filter by name or description…",
        note="A job type's income account is where the labour on its jobs' invoices is posted, unless a "
        "material or the line itself says otherwise; without one, the Default Labour Income Account "
        "applies. " + ACCOUNTS_LATER_HINT,
    )


# -- Materials


class MaterialEditorDialog(StoredRecordEditor[Material]):
    """New or edit one material: ``code_edit``, ``name_edit``, ``unit_price_edit``, ``unit_cost_edit``,
    ``tax_rate_box``, ``active_check``, ``income_account_picker``."""

    model = Material
    kind = "material"

    def edit_title(self, record: Material) -> str:
        return f"Edit material - {record.code}"

    def build(self, session: Session, material: Material | None) -> None:
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText('e.g. "PVC-20"')
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("As it should read on an invoice")
        self.unit_price_edit = QLineEdit()
        self.unit_price_edit.setPlaceholderText("0.00")
        self.unit_cost_edit = QLineEdit()
        self.unit_cost_edit.setPlaceholderText("0.00")
        self.tax_rate_box: ChoiceBox[int] = ChoiceBox()
        rates = active_tax_rates(session)
        if material is not None and material.tax_rate is not None and material.tax_rate not in rates:
            rates.append(material.tax_rate)
        self.tax_rate_box.set_choices([(None, "No tax rate"), *((r.id, r.name) for r in rates)])
        self.active_check = QCheckBox("Offered on new invoices")
        self.active_check.setChecked(True)

        self.add_field("code", "Code *", self.code_edit)
        self.add_field("name", "Name *", self.name_edit)
        self.add_field("unit_price", "Unit price (ex GST)", self.unit_price_edit)
        self.add_field("unit_cost", "Unit cost (ex GST)", self.unit_cost_edit, hint="What you pay for it.")
        self.add_field("tax_rate", "Tax rate", self.tax_rate_box)
        self.add_field("active", "Active", self.active_check)
        self.income_account: AccountField[Material] = _income_account(
            self, session, material, hint=MATERIAL_INCOME_HINT
        )
        self.income_account_picker = self.income_account.picker
        if material is None:
            default = default_tax_rate(session)
            self.tax_rate_box.choose(default.id if default is not None else None)
        else:
            self.code_edit.setText(material.code)
            self.name_edit.setText(material.name)
            self.unit_price_edit.setText(_amount_text(material.unit_price))
            self.unit_cost_edit.setText(_amount_text(material.unit_cost))
            self.tax_rate_box.choose(material.tax_rate_id)
            self.active_check.setChecked(material.active)

    def write(self, session: Session) -> None:
        material = self.stored(session)
        details = MaterialDetails(
            code=self.code_edit.text(),
            name=self.name_edit.text(),
            unit_price=read_money(self.unit_price_edit, "unit_price"),
            unit_cost=read_money(self.unit_cost_edit, "unit_cost")
            if self.unit_cost_edit.text().strip()
            else ZERO,
            tax_rate_id=self.tax_rate_box.chosen(),
            active=self.active_check.isChecked(),
        )
        self.record_id = self.income_account.save(lambda: save_material(session, details, material)).id


MATERIAL_COLUMNS: tuple[Column[MaterialRow], ...] = (
    Column("Code", lambda r: r.code),
    Column("Name", lambda r: r.name),
    Column("Unit price", lambda r: r.unit_price),
    Column("Unit cost", lambda r: r.unit_cost),
    Column("Tax rate", lambda r: r.tax_rate),
    Column("Income account", lambda r: r.income_account),
    Column("Active", lambda r: r.active),
)


class MaterialsView(CatalogueListView[MaterialRow]):
    """Administration -> Materials."""

    shows = CatalogueList(
        "Materials",
        MATERIAL_COLUMNS,
        list_materials,
        MaterialEditorDialog,
        stretch=1,
        filter_hint="Filter by code, name, tax rate…",
        note="A material's income account, when set, is used for the invoice lines that sell it, ahead of "
        "the job type's and the Default Materials Income Account. " + ACCOUNTS_LATER_HINT,
    )


# -- Payments & Tax


class PaymentMethodEditorDialog(StoredRecordEditor[PaymentMethod]):
    """New or edit one payment method: ``name_edit``, ``kind_box``, ``active_check``, and
    ``deposit_account_picker`` (accounts that accept payments, unless restrictions are relaxed)."""

    model = PaymentMethod
    kind = "payment method"

    def edit_title(self, record: PaymentMethod) -> str:
        return f"Edit payment method - {record.name}"

    def build(self, session: Session, method: PaymentMethod | None) -> None:
        stored = (
            StoredAccount(method.account_id, method.account_code or "", method.account_name or "")
            if method is not None and method.account_id
            else None
        )
        self.deposit_account = AccountField(
            ChartChoice(session), DEPOSIT_ACCOUNT, method.account_id if method is not None else None, stored
        )
        self.deposit_account_picker = self.deposit_account.picker
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText('e.g. "EFT"')
        self.kind_box: ChoiceBox[PaymentMethodKind] = ChoiceBox()
        self.kind_box.set_choices(list(PAYMENT_METHOD_KIND_LABELS.items()))
        self.kind_box.choose(PaymentMethodKind.OTHER)
        self.active_check = QCheckBox("Offered when recording a payment")
        self.active_check.setChecked(True)
        self.add_field("name", "Name *", self.name_edit)
        self.add_field(
            "kind",
            "Kind",
            self.kind_box,
            hint="Card payments go to the credit card clearing account unless an account is chosen.",
        )
        self.add_field("active", "Active", self.active_check)
        self.deposit_account.add_to(self, hint=DEPOSIT_ACCOUNT_HINT)
        if method is not None:
            self.name_edit.setText(method.name)
            self.kind_box.choose(method.kind)
            self.active_check.setChecked(method.active)
        self._show_deposit_default()
        self.kind_box.currentIndexChanged.connect(self._on_kind_box_current_index_changed)

    def _show_deposit_default(self) -> None:
        card = self.kind_box.chosen() is PaymentMethodKind.CREDIT_CARD
        self.deposit_account_picker.set_empty_text(CARD_DEPOSIT_DEFAULT if card else OTHER_DEPOSIT_DEFAULT)

    def _on_kind_box_current_index_changed(self, _index: int) -> None:
        self._show_deposit_default()

    def write(self, session: Session) -> None:
        method = self.stored(session)
        details = PaymentMethodDetails(
            name=self.name_edit.text(),
            kind=self.kind_box.chosen() or PaymentMethodKind.OTHER,
            active=self.active_check.isChecked(),
        )
        self.record_id = self.deposit_account.save(lambda: save_payment_method(session, details, method)).id


class TaxRateEditorDialog(StoredRecordEditor[TaxRate]):
    """New or edit one tax rate: ``name_edit``, ``rate_edit``, ``default_check``, ``active_check``."""

    model = TaxRate
    kind = "tax rate"

    def edit_title(self, record: TaxRate) -> str:
        return f"Edit tax rate - {record.name}"

    def build(self, session: Session, tax_rate: TaxRate | None) -> None:
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText('e.g. "GST 10%"')
        self.rate_edit = QLineEdit()
        self.rate_edit.setPlaceholderText("10")
        self.default_check = QCheckBox("Used for new invoice lines unless another is chosen")
        self.active_check = QCheckBox("Offered on invoices and materials")
        self.active_check.setChecked(True)
        self.add_field("name", "Name *", self.name_edit)
        self.add_field("rate", "Rate (%) *", self.rate_edit)
        self.add_field("is_default", "Default", self.default_check)
        self.add_field("active", "Active", self.active_check)
        if tax_rate is not None:
            self.name_edit.setText(tax_rate.name)
            self.rate_edit.setText(format_rate(tax_rate.rate).removesuffix("%"))
            self.default_check.setChecked(tax_rate.is_default)
            self.active_check.setChecked(tax_rate.active)

    def write(self, session: Session) -> None:
        tax_rate = self.stored(session)
        details = TaxRateDetails(
            name=self.name_edit.text(),
            rate=read_percentage(self.rate_edit, "rate"),
            is_default=self.default_check.isChecked(),
            active=self.active_check.isChecked(),
        )
        self.record_id = save_tax_rate(session, details, tax_rate).id


PAYMENT_METHOD_COLUMNS: tuple[Column[PaymentMethodRow], ...] = (
    Column("Name", lambda r: r.name),
    Column("Kind", lambda r: r.kind),
    Column("Deposit account", lambda r: r.deposit_account),
    Column("Active", lambda r: r.active),
)

TAX_RATE_COLUMNS: tuple[Column[TaxRateRow], ...] = (
    Column("Name", lambda r: r.name),
    Column("Rate", lambda r: r.rate),
    Column("Default", lambda r: r.is_default),
    Column("Active", lambda r: r.active),
)


class PaymentMethodsView(CatalogueListView[PaymentMethodRow]):
    """Payments & Tax: the payment methods."""

    shows = CatalogueList(
        "Payment methods",
        PAYMENT_METHOD_COLUMNS,
        list_payment_methods,
        PaymentMethodEditorDialog,
        stretch=2,
        filter_hint="Filter payment methods…",
    )


class TaxRatesView(CatalogueListView[TaxRateRow]):
    """Payments & Tax: the tax rates."""

    shows = CatalogueList(
        "Tax rates",
        TAX_RATE_COLUMNS,
        list_tax_rates,
        TaxRateEditorDialog,
        stretch=None,
        filter_hint="Filter tax rates…",
    )


class PaymentsAndTaxView(QWidget):
    """Administration -> Payments & Tax: ``payment_methods`` and ``tax_rates``, one list above the other."""

    def __init__(
        self, session_factory: SessionFactory, *, confirm: Confirm = ask_yes_no, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        heading = QLabel("Payments & Tax")
        heading.setObjectName("screenTitle")
        self.note = screen_note(
            "Payment methods are offered when you record a payment; card payments are deposited to the "
            "credit card clearing account and the others to the account to receive payments, unless the "
            "method has its own deposit account. Tax rates apply per invoice line; the default one is used "
            "for new lines. " + ACCOUNTS_LATER_HINT
        )
        self.payment_methods = PaymentMethodsView(session_factory, confirm=confirm)
        self.tax_rates = TaxRatesView(session_factory, confirm=confirm)
        for section in (self.payment_methods, self.tax_rates):
            _section_title(section.title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        inner = QVBoxLayout()
        inner.setContentsMargins(9, 9, 9, 0)
        inner.addWidget(heading, 0, Qt.AlignmentFlag.AlignLeft)
        inner.addWidget(self.note)
        layout.addLayout(inner)
        layout.addWidget(self.payment_methods, 1)
        layout.addWidget(self.tax_rates, 1)

    def refresh(self) -> None:
        self.payment_methods.refresh()
        self.tax_rates.refresh()
